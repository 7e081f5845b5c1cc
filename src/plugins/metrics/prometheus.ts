/**
 * The same metrics on a Prometheus registry (`prom-client`, an optional peer dependency), for
 * long-running services scraped by Prometheus. prom-client is loaded only when this exporter is
 * created, so functions that never ask for it do not need it installed.
 */
import { ConfigurationError } from '../../errors.js';
import type { ExporterSettings, MetricsExporter } from './exporter.js';
import { NONE } from './observation.js';

/** The part of a prom-client `Registry` the exporter needs (structural: no type import of prom-client). */
export interface PromRegistryLike {
  getSingleMetric(name: string): unknown;
}

interface Labelled {
  labels(labels: Record<string, string>): { inc(value?: number): void; observe?(value: number): void };
}
type MetricClass = new (config: { name: string; help: string; labelNames: string[]; registers: PromRegistryLike[]; buckets?: number[] }) => Labelled;

/** The part of the prom-client module the exporter uses. */
export interface PromClientLike {
  Counter: unknown;
  Histogram: unknown;
}

/** Options of {@link prometheusExporter}. */
export interface PrometheusOptions {
  /** The registry to register on (a prom-client `Registry`, or its default `register`). */
  readonly registry: PromRegistryLike;
  /** Prefix of every metric name (default `dynamorm_`). */
  readonly prefix?: string;
  /** Latency buckets, in seconds (default: 1 ms to 5 s). */
  readonly buckets?: readonly number[];
  /** The prom-client module to use (default: `import('prom-client')`). */
  readonly client?: PromClientLike;
}

const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Creates an exporter that keeps counters and a latency histogram on `registry`:
 * `dynamorm_requests_total`, `dynamorm_operations_total`, `dynamorm_errors_total` (label `error`),
 * `dynamorm_throttles_total`, `dynamorm_retries_total`, `dynamorm_unprocessed_total`,
 * `dynamorm_consumed_capacity_units_total` (labels `index`, `capacity` = `read` | `write`) and
 * `dynamorm_request_duration_seconds`, all labelled `operation`, `model`, `table` (and `tenant`,
 * `partner` when the plugin allows them). The metrics are registered when the plugin is created.
 */
export async function prometheusExporter(options: PrometheusOptions): Promise<MetricsExporter> {
  const client = options.client ?? ((await import('prom-client')) as unknown as PromClientLike);
  const Counter = client.Counter as MetricClass;
  const Histogram = client.Histogram as MetricClass;
  const prefix = options.prefix ?? 'dynamorm_';
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(`${prefix}x`)) throw new ConfigurationError(`prefix ${JSON.stringify(prefix)} is not usable in Prometheus metric names`);
  let metrics: Record<'requests' | 'operations' | 'errors' | 'throttles' | 'retries' | 'unprocessed' | 'capacity' | 'latency', Labelled> | undefined;
  let settings: ExporterSettings | undefined;

  return {
    attach(given) {
      settings = given;
      const fixed = Object.keys(given.dimensions).map((n) => n.toLowerCase());
      const labels = [...fixed, 'operation', 'model', 'table', ...(given.tenant ? ['tenant'] : []), ...(given.partner ? ['partner'] : [])];
      const registers = [options.registry];
      const counter = (name: string, help: string, extra: string[] = []) => new Counter({ name: prefix + name, help, labelNames: [...labels, ...extra], registers });
      metrics = {
        requests: counter('requests_total', 'Requests sent to DynamoDB'),
        operations: counter('operations_total', 'DynamORM operations started'),
        errors: counter('errors_total', 'Failed requests, by error name', ['error']),
        throttles: counter('throttles_total', 'Requests that failed throttled after the last SDK retry'),
        retries: counter('retries_total', 'Retries made by the SDK'),
        unprocessed: counter('unprocessed_total', 'Batch entries handed back unprocessed'),
        capacity: counter('consumed_capacity_units_total', 'Capacity units consumed', ['index', 'capacity']),
        latency: new Histogram({
          name: `${prefix}request_duration_seconds`,
          help: 'Request latency, SDK retries included',
          labelNames: labels,
          registers,
          buckets: [...(options.buckets ?? DEFAULT_BUCKETS)],
        }),
      };
    },
    observe(o) {
      if (!metrics || !settings) throw new ConfigurationError('the Prometheus exporter is not attached to a metrics plugin');
      const labels: Record<string, string> = {};
      for (const [name, value] of Object.entries(settings.dimensions)) labels[name.toLowerCase()] = value;
      labels.operation = o.kind;
      labels.model = o.model ?? NONE;
      labels.table = o.table ?? NONE;
      if (settings.tenant) labels.tenant = o.tenant ?? NONE;
      if (settings.partner) labels.partner = o.partner ?? NONE;
      metrics.requests.labels(labels).inc();
      if (o.first) metrics.operations.labels(labels).inc();
      if (o.error !== undefined) metrics.errors.labels({ ...labels, error: o.error }).inc();
      if (o.throttled) metrics.throttles.labels(labels).inc();
      if (o.attempts > 1) metrics.retries.labels(labels).inc(o.attempts - 1);
      if (o.unprocessed > 0) metrics.unprocessed.labels(labels).inc(o.unprocessed);
      for (const use of o.capacity) {
        const where = { ...labels, table: use.table, index: use.index ?? 'table' };
        if (use.read > 0) metrics.capacity.labels({ ...where, capacity: 'read' }).inc(use.read);
        if (use.write > 0) metrics.capacity.labels({ ...where, capacity: 'write' }).inc(use.write);
      }
      metrics.latency.labels(labels).observe?.(o.latencyMs / 1000);
    },
  };
}
