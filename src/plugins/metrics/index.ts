/**
 * `dynamorm/metrics`: operations, latency percentiles, errors by name, throttles, retries and
 * consumed capacity of every request, in process (`metrics(db)`) and exported as CloudWatch EMF,
 * through a Powertools `Metrics`, or on a Prometheus registry.
 *
 * ```ts
 * import { emfExporter, metrics, metricsPlugin } from 'dynamorm/metrics';
 * const observed = metricsPlugin({ exporters: [emfExporter({ namespace: 'Payments' })] });
 * const db = Database.create({ plugins: [observed] });
 * export const handler = withDynamORM(observed.flushing(async (event) => ...));
 * metrics(db).latency.p99;
 * ```
 * @packageDocumentation
 */
export { metrics, metricsPlugin } from './plugin.js';
export type { MetricsOptions, MetricsPlugin } from './plugin.js';
export type { CapacitySummary, LatencySummary, MetricsSnapshot, MetricsSummary, SeriesSummary } from './recorder.js';
export type { ExporterSettings, MetricsExporter } from './exporter.js';
export type { CardinalitySettings, RequestObservation } from './observation.js';
export type { CapacityUse } from './facts.js';
export { emfExporter } from './emf-exporter.js';
export type { EmfOptions } from './emf-exporter.js';
export { emfBlobs, EMF_MAX_DIMENSIONS, EMF_MAX_METRICS, EMF_MAX_VALUES } from './emf.js';
export type { EmfBlob, MetricGroup, MetricUnit, MetricValues } from './emf.js';
export { powertoolsExporter } from './powertools.js';
export type { PowertoolsExporterOptions, PowertoolsMetricsLike } from './powertools.js';
export { prometheusExporter } from './prometheus.js';
export type { PromClientLike, PromRegistryLike, PrometheusOptions } from './prometheus.js';
export { LatencyHistogram } from './histogram.js';
