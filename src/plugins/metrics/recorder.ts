/**
 * The in-process figures behind `metrics(db)`: totals and a latency histogram for the whole database
 * and per series (operation, model, table, and tenant and partner when allowed), and consumed
 * capacity by table and index. Memory is bounded by the number of series, not of requests.
 */
import { LatencyHistogram } from './histogram.js';
import { NONE, type RequestObservation } from './observation.js';

/** Latency figures, in ms. */
export interface LatencySummary {
  readonly count: number;
  readonly avg: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Counts of one series (or all of them). */
export interface MetricsSummary {
  /** Operations started (a query with three pages is one operation, three requests). */
  readonly operations: number;
  /** Requests sent to DynamoDB. */
  readonly requests: number;
  /** Requests that failed, whatever the reason (failed conditions included). */
  readonly errors: number;
  /** errors / requests (0 when there were none). */
  readonly errorRate: number;
  /** Failed requests, by error name (`ThrottledError`, `ConditionalCheckFailedException`, ...). */
  readonly errorsByName: Readonly<Record<string, number>>;
  /** Requests that failed throttled after the SDK's last retry. */
  readonly throttles: number;
  /** Retries the SDK made (attempts - 1, summed), whether the request then succeeded or not. */
  readonly retries: number;
  /** Batch entries DynamoDB handed back unprocessed. */
  readonly unprocessed: number;
  readonly readCapacityUnits: number;
  readonly writeCapacityUnits: number;
  /** Request latency, SDK retries included. */
  readonly latency: LatencySummary;
}

/** A series: one operation kind on one model and table (and tenant, partner when allowed). */
export interface SeriesSummary extends MetricsSummary {
  readonly operation: string;
  readonly model: string;
  readonly table: string;
  readonly tenant?: string;
  readonly partner?: string;
}

/** Capacity consumed on one table or index by one operation kind of one model. */
export interface CapacitySummary {
  readonly operation: string;
  readonly model: string;
  readonly table: string;
  /** The index name, or `table` for the table's own share. */
  readonly index: string;
  readonly tenant?: string;
  readonly partner?: string;
  readonly readCapacityUnits: number;
  readonly writeCapacityUnits: number;
}

/** What `metrics(db)` returns. */
export interface MetricsSnapshot extends MetricsSummary {
  /** Start of the period (plugin creation or last `reset()`). */
  readonly since: Date;
  /** Length of the period, in seconds. */
  readonly seconds: number;
  readonly operationsPerSecond: number;
  readonly requestsPerSecond: number;
  /** Per series, busiest first. */
  readonly series: readonly SeriesSummary[];
  readonly capacity: readonly CapacitySummary[];
}

class Totals {
  operations = 0;
  requests = 0;
  errors = 0;
  throttles = 0;
  retries = 0;
  unprocessed = 0;
  read = 0;
  write = 0;
  readonly errorsByName: Record<string, number> = {};
  readonly latency = new LatencyHistogram();

  add(o: RequestObservation): void {
    if (o.first) this.operations++;
    this.requests++;
    this.retries += o.attempts - 1;
    this.unprocessed += o.unprocessed;
    if (o.error !== undefined) {
      this.errors++;
      this.errorsByName[o.error] = (this.errorsByName[o.error] ?? 0) + 1;
      if (o.throttled) this.throttles++;
    }
    for (const use of o.capacity) {
      this.read += use.read;
      this.write += use.write;
    }
    this.latency.record(o.latencyMs);
  }

  summary(): MetricsSummary {
    const l = this.latency;
    return {
      operations: this.operations,
      requests: this.requests,
      errors: this.errors,
      errorRate: this.requests === 0 ? 0 : this.errors / this.requests,
      errorsByName: { ...this.errorsByName },
      throttles: this.throttles,
      retries: this.retries,
      unprocessed: this.unprocessed,
      readCapacityUnits: this.read,
      writeCapacityUnits: this.write,
      latency: { count: l.count, avg: l.mean(), p50: l.quantile(0.5), p90: l.quantile(0.9), p99: l.quantile(0.99), max: l.count ? l.max : 0 },
    };
  }
}

type Labels = { operation: string; model: string; table: string; tenant?: string; partner?: string };

function labelsOf(o: RequestObservation): Labels {
  const labels: Labels = { operation: o.kind, model: o.model ?? NONE, table: o.table ?? NONE };
  if (o.tenant !== undefined) labels.tenant = o.tenant;
  if (o.partner !== undefined) labels.partner = o.partner;
  return labels;
}

/** Aggregates observations for the in-process snapshot. */
export class Recorder {
  private since: number;
  private total = new Totals();
  private series = new Map<string, { labels: Labels; totals: Totals }>();
  private capacity = new Map<string, CapacitySummary & { readCapacityUnits: number; writeCapacityUnits: number }>();

  constructor(private readonly now: () => number = Date.now) {
    this.since = now();
  }

  add(o: RequestObservation): void {
    this.total.add(o);
    const key = `${o.kind}\u0000${o.model}\u0000${o.table}\u0000${o.tenant}\u0000${o.partner}`;
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = { labels: labelsOf(o), totals: new Totals() }));
    series.totals.add(o);
    for (const use of o.capacity) {
      const index = use.index ?? 'table';
      const capacityKey = `${key}\u0000${use.table}\u0000${index}`;
      let entry = this.capacity.get(capacityKey);
      if (!entry) this.capacity.set(capacityKey, (entry = { ...labelsOf(o), table: use.table, index, readCapacityUnits: 0, writeCapacityUnits: 0 }));
      entry.readCapacityUnits += use.read;
      entry.writeCapacityUnits += use.write;
    }
  }

  snapshot(): MetricsSnapshot {
    const seconds = Math.max(0.001, (this.now() - this.since) / 1000);
    const total = this.total.summary();
    return {
      ...total,
      since: new Date(this.since),
      seconds,
      operationsPerSecond: total.operations / seconds,
      requestsPerSecond: total.requests / seconds,
      series: [...this.series.values()].map((s) => ({ ...s.labels, ...s.totals.summary() })).sort((a, b) => b.requests - a.requests),
      capacity: [...this.capacity.values()].map((c) => ({ ...c })),
    };
  }

  /** Starts a new period: every figure back to zero. */
  reset(): void {
    this.since = this.now();
    this.total = new Totals();
    this.series = new Map();
    this.capacity = new Map();
  }
}
