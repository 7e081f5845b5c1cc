/**
 * The metrics plugin: one middleware that times every request, asks DynamoDB for the capacity it
 * consumed, and hands one observation per request to the in-process recorder (`metrics(db)`) and to
 * its exporters (EMF, Powertools, Prometheus). Observing never changes the request's outcome: what
 * an exporter throws is caught and handed to `onError`.
 */
import { performance } from 'node:perf_hooks';
import type { OperationContext } from '../../client/context.js';
import type { DynamORMRequest, Middleware } from '../../config.js';
import { ConfigurationError } from '../../errors.js';
import type { Plugin, PluginHost } from '../plugin.js';
import type { MetricsExporter } from './exporter.js';
import { askForCapacity, safely } from './facts.js';
import { observe, type CardinalitySettings } from './observation.js';
import { Recorder, type MetricsSnapshot } from './recorder.js';

/** Options of {@link metricsPlugin}. */
export interface MetricsOptions {
  /** The middleware's name (default `metrics`). */
  readonly name?: string;
  /** Dimensions added to every series, e.g. `{ Service: 'payments' }`. */
  readonly dimensions?: Readonly<Record<string, string>>;
  /**
   * Tenant and partner as dimensions. Off by default: each tenant is a new series (and CloudWatch
   * bills each custom metric), so turn it on only when the number of tenants or partners is small.
   */
  readonly allow?: { readonly tenant?: boolean; readonly partner?: boolean };
  /**
   * Ask DynamoDB for the capacity each request consumed (`ReturnConsumedCapacity: 'INDEXES'`) when
   * the request does not say (default true). A request that sets it keeps its own choice.
   */
  readonly consumedCapacity?: boolean;
  /** Where the figures go besides `metrics(db)`: `emfExporter()`, `powertoolsExporter(m)`, `await prometheusExporter(...)`. */
  readonly exporters?: readonly MetricsExporter[];
  /** Called with what an exporter throws (default: ignored). The request goes on either way. */
  readonly onError?: (error: unknown) => void;
  /** Clock of the snapshot's period, in ms (default `Date.now`). */
  readonly now?: () => number;
}

/** The metrics plugin: install it with `db.use(plugin)` or `Database.create({ plugins: [plugin] })`. */
export interface MetricsPlugin extends Plugin {
  /** The figures since the plugin was created or last reset. */
  snapshot(): MetricsSnapshot;
  /** Starts a new period for {@link MetricsPlugin.snapshot} (exporters keep what they hold). */
  reset(): void;
  /** Publishes what the exporters hold (EMF lines, Powertools). Never rejects; errors go to `onError`. */
  flush(): Promise<void>;
  /**
   * Wraps a Lambda handler so the metrics are flushed when each invocation ends, answered or failed,
   * before the container can freeze. Composes with `withDynamORM`: `withDynamORM(m.flushing(handler))`.
   */
  flushing<A extends unknown[], R>(handler: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
  /**
   * Hands the latest value of a process-wide figure (the cost plugin's projection) to the exporters
   * that take gauges (EMF, Powertools; not Prometheus), published at the next flush.
   */
  gauge(name: string, value: number): void;
}

/** Middleware of the metrics plugins, to find a database's plugin (derived databases share it). */
const installed = new WeakMap<Middleware, MetricsPlugin>();

/** Creates the metrics plugin. Bad dimension settings throw ConfigurationError here, not on a request. */
export function metricsPlugin(options: MetricsOptions = {}): MetricsPlugin {
  const name = options.name ?? 'metrics';
  const keep: CardinalitySettings = { tenant: options.allow?.tenant === true, partner: options.allow?.partner === true };
  const dimensions = { ...options.dimensions };
  for (const value of Object.values(dimensions)) {
    if (typeof value !== 'string' || value.length === 0) throw new ConfigurationError('dimension values must be non-empty strings');
  }
  const exporters = [...(options.exporters ?? [])];
  for (const exporter of exporters) exporter.attach({ ...keep, dimensions });
  const recorder = new Recorder(options.now);
  const capacity = options.consumedCapacity !== false;
  const onError = options.onError;
  // The operations already counted: a query's further pages share their first page's context.
  let seen = new WeakSet<OperationContext>();

  const record = (request: DynamORMRequest, outcome: { output?: unknown; error?: unknown; failed: boolean }, latencyMs: number): void => {
    const context = request.context;
    const first = context ? !seen.has(context) : true;
    if (first && context) seen.add(context);
    const observation = observe(request, outcome, latencyMs, first, keep);
    recorder.add(observation);
    for (const exporter of exporters) safely(() => exporter.observe(observation), onError);
  };

  const middleware: Middleware = async (request, next) => {
    const sent = capacity ? askForCapacity(request) : request;
    const started = performance.now();
    let output: unknown;
    try {
      output = await next(sent);
    } catch (error) {
      safely(() => record(sent, { error, failed: true }, performance.now() - started), onError);
      throw error;
    }
    safely(() => record(sent, { output, failed: false }, performance.now() - started), onError);
    return output;
  };

  const flush = async (): Promise<void> => {
    for (const exporter of exporters) {
      try {
        await exporter.flush?.();
      } catch (error) {
        safely(() => onError?.(error), undefined);
      }
    }
  };

  const plugin: MetricsPlugin = {
    name,
    install(host: PluginHost) {
      host.use(name, middleware);
    },
    snapshot: () => recorder.snapshot(),
    reset() {
      recorder.reset();
      seen = new WeakSet();
    },
    flush,
    gauge(metric, value) {
      for (const exporter of exporters) if (exporter.gauge) safely(() => exporter.gauge?.(metric, value), onError);
    },
    flushing(handler) {
      return async (...args) => {
        try {
          return await handler(...args);
        } finally {
          await flush();
        }
      };
    },
  };
  installed.set(middleware, plugin);
  return plugin;
}

/** The metrics plugin installed on `db`, if any (for plugins that publish through it, as the cost plugin). */
export function metricsPluginOf(db: { readonly plugins: PluginHost['plugins'] }): MetricsPlugin | undefined {
  for (const [, middleware] of db.plugins) {
    const plugin = installed.get(middleware);
    if (plugin) return plugin;
  }
  return undefined;
}

/**
 * The in-process figures of a database's metrics plugin: operations and requests per second, average
 * and p99 latency, error rate, throttles, retries, consumed capacity, and the same per series.
 * Throws ConfigurationError when no metrics plugin is installed on `db`.
 */
export function metrics(db: { readonly plugins: PluginHost['plugins'] }): MetricsSnapshot {
  for (const [, middleware] of db.plugins) {
    const plugin = installed.get(middleware);
    if (plugin) return plugin.snapshot();
  }
  throw new ConfigurationError('no metrics plugin is installed on this database; add one with db.use(metricsPlugin())');
}
