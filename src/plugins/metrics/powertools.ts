/**
 * Metrics through the AWS Lambda Powertools `Metrics` interface, for functions that already publish
 * with Powertools: one `publishStoredMetrics()` per series, so each series keeps its own dimensions.
 * Structural: nothing here imports Powertools.
 */
import type { MetricsExporter } from './exporter.js';
import { batchingExporter } from './pending.js';

/** The part of Powertools' `Metrics` the exporter uses. */
export interface PowertoolsMetricsLike {
  addMetric(name: string, unit: string, value: number): unknown;
  addDimension(name: string, value: string): unknown;
  addDimensions?(dimensions: Record<string, string>): unknown;
  publishStoredMetrics(): unknown;
}

/** Options of {@link powertoolsExporter}. */
export interface PowertoolsExporterOptions {
  /** Values held before the exporter publishes on its own (default 10,000). */
  readonly maxPendingValues?: number;
}

/**
 * An exporter that hands the figures of each flush to a Powertools `Metrics` (or anything with its
 * shape): per series, its dimensions, then every value with `addMetric`, then `publishStoredMetrics()`.
 * Powertools splits blobs at its own limits; the dimension count is checked here, at construction.
 */
export function powertoolsExporter(target: PowertoolsMetricsLike, options: PowertoolsExporterOptions = {}): MetricsExporter {
  return batchingExporter('Powertools', options.maxPendingValues, (groups) => {
    for (const group of groups) {
      if (target.addDimensions) target.addDimensions({ ...group.dimensions });
      else for (const [name, value] of Object.entries(group.dimensions)) target.addDimension(name, value);
      for (const metric of group.metrics) for (const value of metric.values) target.addMetric(metric.name, metric.unit, value);
      target.publishStoredMetrics();
    }
  });
}
