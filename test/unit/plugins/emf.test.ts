/**
 * CloudWatch EMF blobs: any number of groups, metrics and values gives blobs within EMF's limits
 * (100 metrics per blob, 100 values per metric per blob, 29 dimensions) holding every value exactly
 * once, under the right dimensions; bad dimension settings fail at construction.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import { EMF_MAX_DIMENSIONS, EMF_MAX_METRICS, EMF_MAX_VALUES, emfBlobs, validateDimensions, type MetricGroup } from '../../../src/plugins/metrics/emf.js';

const groupArb = fc
  .record({
    dimensions: fc.dictionary(fc.constantFrom('Operation', 'Model', 'Table', 'Service', 'Index'), fc.string({ minLength: 1, maxLength: 5 }), { maxKeys: 5 }),
    // Up to 250 metrics with up to 260 values: crosses both limits, and leaves some metrics empty.
    metrics: fc.uniqueArray(
      fc.record({ name: fc.string({ minLength: 1, maxLength: 6 }).map((s) => `m_${s}`), unit: fc.constantFrom('Count' as const, 'Milliseconds' as const), values: fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 260 }) }),
      { maxLength: 250, selector: (m) => m.name },
    ),
  })
  .map((g): MetricGroup => g);

describe('emfBlobs', () => {
  test('any input: every blob within limits, every value exactly once, under its own dimensions', () => {
    fc.assert(
      fc.property(fc.array(groupArb, { maxLength: 4 }), (groups) => {
        const blobs = emfBlobs(groups, 'Test', 1_700_000_000_000);
        // What the blobs hold, per group index (found by its dimension values) and metric name.
        const found = groups.map(() => new Map<string, number[]>());
        for (const blob of JSON.parse(JSON.stringify(blobs)) as ReturnType<typeof emfBlobs>) {
          const [directive, ...others] = blob._aws.CloudWatchMetrics;
          expect(others).toEqual([]);
          expect(blob._aws.Timestamp).toBe(1_700_000_000_000);
          expect(directive!.Namespace).toBe('Test');
          expect(directive!.Metrics.length).toBeGreaterThan(0);
          expect(directive!.Metrics.length).toBeLessThanOrEqual(EMF_MAX_METRICS);
          const [dimensionSet] = directive!.Dimensions;
          expect(directive!.Dimensions).toHaveLength(1);
          expect(dimensionSet!.length).toBeLessThanOrEqual(EMF_MAX_DIMENSIONS);
          // Which group: the one whose dimensions match (groups with equal dimensions share the blobs' shape).
          const owners = groups.map((g, i) => [g, i] as const).filter(([g]) => JSON.stringify(Object.keys(g.dimensions)) === JSON.stringify(dimensionSet) && Object.entries(g.dimensions).every(([k, v]) => blob[k] === v) && directive!.Metrics.every((m) => g.metrics.some((gm) => gm.name === m.Name)));
          expect(owners.length).toBeGreaterThan(0);
          const owner = owners[0]![1];
          for (const { Name, Unit } of directive!.Metrics) {
            expect(groups[owner]!.metrics.find((m) => m.name === Name)!.unit).toBe(Unit);
            const raw = blob[Name] as number | number[];
            const values = Array.isArray(raw) ? raw : [raw];
            expect(values.length).toBeGreaterThan(0);
            expect(values.length).toBeLessThanOrEqual(EMF_MAX_VALUES);
            found[owner]!.set(Name, [...(found[owner]!.get(Name) ?? []), ...values]);
          }
        }
        // Groups with identical dimensions and names cannot be told apart: compare them pooled.
        const pooled = (pick: (i: number) => Map<string, number[]>) => {
          const byKey = new Map<string, number[]>();
          groups.forEach((g, i) => {
            const key = JSON.stringify(g.dimensions);
            for (const m of g.metrics) {
              const values = pick(i).get(m.name) ?? [];
              byKey.set(`${key}|${m.name}`, [...(byKey.get(`${key}|${m.name}`) ?? []), ...values]);
            }
          });
          return new Map([...byKey].map(([k, v]) => [k, [...v].map((x) => JSON.stringify(x)).sort()]));
        };
        const given = groups.map((g) => new Map(g.metrics.map((m) => [m.name, JSON.parse(JSON.stringify(m.values)) as number[]])));
        expect(pooled((i) => found[i]!)).toEqual(pooled((i) => given[i]!));
      }),
      { numRuns: 60 },
    );
  });

  test('250 metrics of 250 values: 9 blobs (3 rounds of 100 values x 3 chunks of 100 metrics)', () => {
    const metrics = Array.from({ length: 250 }, (_, i) => ({ name: `m${i}`, unit: 'Count' as const, values: Array.from({ length: 250 }, (_, j) => i * 1000 + j) }));
    const blobs = emfBlobs([{ dimensions: { Operation: 'get' }, metrics }], 'NS', 0);
    expect(blobs).toHaveLength(9);
    expect(blobs.map((b) => b._aws.CloudWatchMetrics[0]!.Metrics.length)).toEqual([100, 100, 50, 100, 100, 50, 100, 100, 50]);
    expect((blobs[8]!.m249 as number[]).length).toBe(50);
    expect(blobs[0]!.Operation).toBe('get');
  });

  test('a single value is written as a number, metrics without values are left out', () => {
    const [blob, ...rest] = emfBlobs([{ dimensions: {}, metrics: [{ name: 'Requests', unit: 'Count', values: [3] }, { name: 'Empty', unit: 'Count', values: [] }] }], 'NS', 5);
    expect(rest).toEqual([]);
    expect(blob).toEqual({ _aws: { Timestamp: 5, CloudWatchMetrics: [{ Namespace: 'NS', Dimensions: [[]], Metrics: [{ Name: 'Requests', Unit: 'Count' }] }] }, Requests: 3 });
  });
});

describe('validateDimensions', () => {
  test('29 dimensions pass, 30 throw a ConfigurationError', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `D${i}`);
    expect(() => validateDimensions(names(29), ['Requests'])).not.toThrow();
    expect(() => validateDimensions(names(30), ['Requests'])).toThrow(ConfigurationError);
  });
  test('a dimension named like a metric, twice, empty or _aws throws', () => {
    expect(() => validateDimensions(['Requests'], ['Requests'])).toThrow(/name of a metric/);
    expect(() => validateDimensions(['A', 'A'], [])).toThrow(/twice/);
    expect(() => validateDimensions([''], [])).toThrow(ConfigurationError);
    expect(() => validateDimensions(['_aws'], [])).toThrow(ConfigurationError);
  });
});
