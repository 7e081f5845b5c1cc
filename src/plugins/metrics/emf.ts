/**
 * CloudWatch Embedded Metric Format: metrics written as JSON log lines that CloudWatch turns into
 * metrics. Pure: groups of metrics in, JSON lines out, within the format's limits (CloudWatch drops
 * a blob over them, and Powertools users meet exactly these): at most 100 metrics per blob, 100
 * values per metric per blob, and 30 dimensions per dimension set (29 kept here, as Powertools does,
 * so a dimension added downstream still fits).
 */
import { ConfigurationError } from '../../errors.js';

/** Most metric definitions in one blob. */
export const EMF_MAX_METRICS = 100;
/** Most values of one metric in one blob. */
export const EMF_MAX_VALUES = 100;
/** Most dimensions in one dimension set. */
export const EMF_MAX_DIMENSIONS = 29;

/** CloudWatch units the plugin uses. */
export type MetricUnit = 'Count' | 'Milliseconds' | 'None';

/** One metric of a group, with the values gathered since the last flush. */
export interface MetricValues {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly values: readonly number[];
}

/** Metrics sharing one set of dimension values. */
export interface MetricGroup {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly metrics: readonly MetricValues[];
}

/** One EMF blob, as written (one JSON line). */
export interface EmfBlob {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: MetricUnit }[] }[];
  };
  [member: string]: unknown;
}

/** Names CloudWatch refuses as a dimension or metric (and the one that holds the metadata). */
function checkName(kind: string, name: string): void {
  if (name.length === 0 || name.length > 255 || name === '_aws') throw new ConfigurationError(`${kind} name ${JSON.stringify(name)} is not usable in EMF`);
}

/**
 * Checks dimension names before any metric is written: at most {@link EMF_MAX_DIMENSIONS}, each a
 * usable name, none the name of a metric. Thrown at construction (ConfigurationError), never later.
 */
export function validateDimensions(names: readonly string[], metricNames: readonly string[]): void {
  if (names.length > EMF_MAX_DIMENSIONS) {
    throw new ConfigurationError(`EMF allows ${EMF_MAX_DIMENSIONS} dimensions per dimension set; ${names.length} are configured`);
  }
  const metrics = new Set(metricNames);
  const seen = new Set<string>();
  for (const name of names) {
    checkName('dimension', name);
    if (metrics.has(name)) throw new ConfigurationError(`dimension ${JSON.stringify(name)} has the name of a metric`);
    if (seen.has(name)) throw new ConfigurationError(`dimension ${JSON.stringify(name)} is given twice`);
    seen.add(name);
  }
}

/**
 * The EMF blobs of some groups: one or more per group, each with at most {@link EMF_MAX_METRICS}
 * metrics and {@link EMF_MAX_VALUES} values per metric; every value appears in exactly one blob.
 * Metrics with no values are left out; a group with none yields no blob.
 */
export function emfBlobs(groups: readonly MetricGroup[], namespace: string, timestamp: number): EmfBlob[] {
  const blobs: EmfBlob[] = [];
  for (const group of groups) {
    const dimensionNames = Object.keys(group.dimensions);
    if (dimensionNames.length > EMF_MAX_DIMENSIONS) throw new ConfigurationError(`a metric group has ${dimensionNames.length} dimensions; EMF allows ${EMF_MAX_DIMENSIONS}`);
    // Round r carries values [r*100, (r+1)*100) of every metric that still has some.
    const rounds = Math.max(0, ...group.metrics.map((m) => Math.ceil(m.values.length / EMF_MAX_VALUES)));
    for (let round = 0; round < rounds; round++) {
      const start = round * EMF_MAX_VALUES;
      const present = group.metrics.filter((m) => m.values.length > start);
      for (let first = 0; first < present.length; first += EMF_MAX_METRICS) {
        const chunk = present.slice(first, first + EMF_MAX_METRICS);
        const blob: EmfBlob = {
          _aws: {
            Timestamp: timestamp,
            CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [dimensionNames], Metrics: chunk.map((m) => ({ Name: m.name, Unit: m.unit })) }],
          },
        };
        Object.assign(blob, group.dimensions);
        for (const metric of chunk) {
          const values = metric.values.slice(start, start + EMF_MAX_VALUES);
          blob[metric.name] = values.length === 1 ? values[0] : values;
        }
        blobs.push(blob);
      }
    }
  }
  return blobs;
}
