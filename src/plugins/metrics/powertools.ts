/**
 * Metrics through the AWS Lambda Powertools `Metrics` interface, for functions that already publish
 * with Powertools: one `publishStoredMetrics()` per series, so each series keeps its own dimensions.
 * Structural: nothing here imports Powertools.
 */
import { ConfigurationError } from '../../errors.js';
import { validateDimensions } from './emf.js';
import type { ExporterSettings, MetricsExporter } from './exporter.js';
import { dimensionNames } from './observation.js';
import { EXTRA_DIMENSIONS, METRICS, PendingMetrics } from './pending.js';

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
  const limit = options.maxPendingValues ?? 10_000;
  if (!(Number.isSafeInteger(limit) && limit >= 1)) throw new ConfigurationError('maxPendingValues must be a positive integer');
  let pending: PendingMetrics | undefined;

  const flush = (): void => {
    if (!pending || pending.size === 0) return;
    for (const group of pending.take()) {
      if (target.addDimensions) target.addDimensions({ ...group.dimensions });
      else for (const [name, value] of Object.entries(group.dimensions)) target.addDimension(name, value);
      for (const metric of group.metrics) for (const value of metric.values) target.addMetric(metric.name, metric.unit, value);
      target.publishStoredMetrics();
    }
  };

  return {
    attach(settings: ExporterSettings) {
      const base = [...Object.keys(settings.dimensions), ...dimensionNames(settings)];
      for (const extra of EXTRA_DIMENSIONS) validateDimensions([...base, extra], Object.keys(METRICS));
      pending = new PendingMetrics(settings, settings.dimensions);
    },
    observe(observation) {
      if (!pending) throw new ConfigurationError('the Powertools exporter is not attached to a metrics plugin');
      pending.record(observation);
      if (pending.size >= limit) flush();
    },
    flush,
  };
}
