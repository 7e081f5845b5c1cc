/**
 * Metrics gathered since the last flush, as groups of one dimension set each, for the exporters that
 * publish in batches (EMF, Powertools). Counters are summed (one value per flush); latencies are
 * kept one value per request, which is what CloudWatch needs for percentiles. The exporter flushes
 * when too many values are pending, so memory stays bounded between flushes.
 */
import { ConfigurationError } from '../../errors.js';
import { validateDimensions, type MetricGroup, type MetricUnit } from './emf.js';
import type { ExporterSettings, MetricsExporter } from './exporter.js';
import { dimensionNames, dimensionsOf, type CardinalitySettings, type RequestObservation } from './observation.js';

/** The metric names the plugin publishes, with their units. */
export const METRICS: Readonly<Record<string, MetricUnit>> = {
  Requests: 'Count',
  Operations: 'Count',
  Errors: 'Count',
  Throttles: 'Count',
  Retries: 'Count',
  Unprocessed: 'Count',
  Latency: 'Milliseconds',
  ReadCapacityUnits: 'Count',
  WriteCapacityUnits: 'Count',
};

interface PendingMetric {
  readonly unit: MetricUnit;
  /** Summed counters hold one value; latencies one per request. */
  readonly values: number[];
  readonly summed: boolean;
}

interface PendingGroup {
  readonly dimensions: Record<string, string>;
  readonly metrics: Map<string, PendingMetric>;
}

/** What one exporter has gathered since its last flush. */
export class PendingMetrics {
  private groups = new Map<string, PendingGroup>();
  /** Values held (what memory grows with). */
  size = 0;

  constructor(
    private readonly keep: CardinalitySettings,
    private readonly fixed: Readonly<Record<string, string>>,
  ) {}

  private group(dimensions: Record<string, string>): PendingGroup {
    let key = '';
    for (const name in dimensions) key += `${name}=${dimensions[name]}\u0000`;
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { dimensions, metrics: new Map() }));
    return group;
  }

  private add(group: PendingGroup, name: string, value: number, summed: boolean): void {
    let metric = group.metrics.get(name);
    if (!metric) {
      group.metrics.set(name, (metric = { unit: METRICS[name] ?? 'None', values: [], summed }));
      if (summed) {
        metric.values.push(0);
        this.size++;
      }
    }
    if (summed) metric.values[0]! += value;
    else {
      metric.values.push(value);
      this.size++;
    }
  }

  /** Adds one request's figures. */
  record(o: RequestObservation): void {
    const base = dimensionsOf(o, this.keep, this.fixed);
    const series = this.group(base);
    this.add(series, 'Requests', 1, true);
    if (o.first) this.add(series, 'Operations', 1, true);
    this.add(series, 'Errors', o.error === undefined ? 0 : 1, true);
    this.add(series, 'Throttles', o.throttled ? 1 : 0, true);
    this.add(series, 'Retries', o.attempts - 1, true);
    if (o.unprocessed > 0) this.add(series, 'Unprocessed', o.unprocessed, true);
    this.add(series, 'Latency', o.latencyMs, false);
    if (o.error !== undefined) this.add(this.group(Object.assign({}, base, { ErrorName: o.error })), 'Errors', 1, true);
    for (const use of o.capacity) {
      const group = this.group(Object.assign({}, base, { Table: use.table, Index: use.index ?? 'table' }));
      if (use.read > 0) this.add(group, 'ReadCapacityUnits', use.read, true);
      if (use.write > 0) this.add(group, 'WriteCapacityUnits', use.write, true);
    }
  }

  /** Keeps `value` as the latest of a gauge, in the group of the fixed dimensions alone. */
  gauge(name: string, value: number): void {
    const metric = this.group(Object.assign({}, this.fixed)).metrics.get(name);
    if (metric) metric.values[0] = value;
    else this.add(this.group(Object.assign({}, this.fixed)), name, value, false);
  }

  /** The groups gathered so far, emptied. */
  take(): MetricGroup[] {
    const groups: MetricGroup[] = [];
    for (const group of this.groups.values()) {
      groups.push({ dimensions: group.dimensions, metrics: [...group.metrics].map(([name, m]) => ({ name, unit: m.unit, values: m.values })) });
    }
    this.groups = new Map();
    this.size = 0;
    return groups;
  }
}

/** Dimension names the exporters may add to the base set (one at a time): for validation. */
export const EXTRA_DIMENSIONS = ['ErrorName', 'Index'];

/**
 * An exporter that gathers observations and hands them to `publish` a batch at a time: on `flush()`,
 * and on its own once `maxPendingValues` (default 10,000) are pending. The dimension sets it may
 * publish are checked when it is attached. `label` names it in errors (`EMF`, `Powertools`).
 */
export function batchingExporter(label: string, maxPendingValues: number | undefined, publish: (groups: MetricGroup[]) => void): MetricsExporter {
  const limit = maxPendingValues ?? 10_000;
  if (!(Number.isSafeInteger(limit) && limit >= 1)) throw new ConfigurationError('maxPendingValues must be a positive integer');
  let pending: PendingMetrics | undefined;
  const flush = (): void => {
    if (pending && pending.size > 0) publish(pending.take());
  };
  return {
    attach(settings: ExporterSettings) {
      const base = [...Object.keys(settings.dimensions), ...dimensionNames(settings)];
      // The largest dimension set is the base one plus ErrorName or Index.
      for (const extra of EXTRA_DIMENSIONS) validateDimensions([...base, extra], Object.keys(METRICS));
      pending = new PendingMetrics(settings, settings.dimensions);
    },
    observe(observation) {
      if (!pending) throw new ConfigurationError(`the ${label} exporter is not attached to a metrics plugin`);
      pending.record(observation);
      if (pending.size >= limit) flush();
    },
    flush,
    gauge(name, value) {
      if (!pending) throw new ConfigurationError(`the ${label} exporter is not attached to a metrics plugin`);
      pending.gauge(name, value);
    },
  };
}
