/**
 * The CloudWatch Embedded Metric Format exporter: the figures of each flush as JSON lines (one blob
 * a line, split within EMF's limits) written to a sink, by default the process's standard output,
 * which Lambda sends to CloudWatch Logs.
 */
import { ConfigurationError } from '../../errors.js';
import { emfBlobs } from './emf.js';
import type { MetricsExporter } from './exporter.js';
import { batchingExporter } from './pending.js';

/** Options of {@link emfExporter}. */
export interface EmfOptions {
  /** CloudWatch namespace (default `DynamORM`). */
  readonly namespace?: string;
  /** Where each line goes (default: `process.stdout.write`). Each call gets one blob and a newline. */
  readonly sink?: (line: string) => void;
  /**
   * Values held before the exporter flushes on its own (default 10,000): a long-running process
   * that never calls `flush()` still writes its metrics and holds bounded memory.
   */
  readonly maxPendingValues?: number;
  /** Clock for the blobs' timestamps (ms since the epoch; default `Date.now`). */
  readonly now?: () => number;
}

const stdout = (line: string): void => {
  process.stdout.write(line);
};

/** An exporter writing CloudWatch EMF lines; give it to `metricsPlugin({ exporters: [...] })`. */
export function emfExporter(options: EmfOptions = {}): MetricsExporter {
  const namespace = options.namespace ?? 'DynamORM';
  if (namespace.length === 0 || namespace.length > 255) throw new ConfigurationError('the EMF namespace must have 1 to 255 characters');
  const sink = options.sink ?? stdout;
  const now = options.now ?? Date.now;
  return batchingExporter('EMF', options.maxPendingValues, (groups) => {
    for (const blob of emfBlobs(groups, namespace, now())) sink(`${JSON.stringify(blob)}\n`);
  });
}
