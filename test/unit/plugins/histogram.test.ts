/**
 * The latency histogram: buckets tile the µs range without gap or overlap, and any quantile of any
 * sample is within 1% (plus half a µs of rounding) of the exact one, with bounded memory.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { bucketOf, bucketRange, LatencyHistogram } from '../../../src/plugins/metrics/histogram.js';

/** The exact quantile as the histogram defines it: the sample of rank ceil(q·n). */
function exact(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

describe('buckets', () => {
  test('consecutive buckets are adjacent ranges, and every value falls in its own bucket', () => {
    let expectedLow = 0;
    for (let bucket = 0; bucket < 1600; bucket++) {
      const [low, high] = bucketRange(bucket);
      expect(low).toBe(expectedLow);
      expect(high).toBeGreaterThanOrEqual(low);
      expect(bucketOf(low)).toBe(bucket);
      expect(bucketOf(high)).toBe(bucket);
      // Below 128 µs a bucket holds one value; above, at most 1/64 of its lowest value, so the middle
      // is within 1/128 of any value in it.
      if (low < 128) expect(high).toBe(low);
      else expect((high - low + 1) / low).toBeLessThanOrEqual(1 / 64);
      expectedLow = high + 1;
    }
  });
  test('any µs value up to 2^31 - 1 lies in the range of its bucket', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (us) => {
        const [low, high] = bucketRange(bucketOf(us));
        expect(us).toBeGreaterThanOrEqual(low);
        expect(us).toBeLessThanOrEqual(high);
      }),
    );
  });
});

describe('LatencyHistogram', () => {
  test('any samples: p50, p90, p99 and p100 within 1% (+0.5 µs) of the exact values; exact count, mean, min, max', () => {
    const latency = fc.oneof(fc.double({ min: 0, max: 5, noNaN: true }), fc.double({ min: 0, max: 60_000, noNaN: true }));
    fc.assert(
      fc.property(fc.array(latency, { minLength: 1, maxLength: 2000 }), (samples) => {
        const h = new LatencyHistogram();
        for (const s of samples) h.record(s);
        for (const q of [0.5, 0.9, 0.99, 1]) {
          const want = exact(samples, q);
          expect(Math.abs(h.quantile(q) - want)).toBeLessThanOrEqual(want * 0.01 + 0.0005);
        }
        expect(h.count).toBe(samples.length);
        expect(h.mean()).toBeCloseTo(samples.reduce((a, b) => a + b, 0) / samples.length, 6);
        expect(h.min).toBe(Math.min(...samples));
        expect(h.max).toBe(Math.max(...samples));
      }),
      { numRuns: 200 },
    );
  });

  test('a million samples keep under 1,700 buckets', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 1_000_000; i++) h.record((i % 100_000) * 0.37);
    expect(h.count).toBe(1_000_000);
    expect(h.buckets).toBeLessThan(1700);
    const want = exact([...Array(100_000).keys()].map((i) => i * 0.37), 0.99);
    expect(Math.abs(h.quantile(0.99) - want) / want).toBeLessThan(0.01);
  });

  test('merge gives the histogram of both samples', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const both = new LatencyHistogram();
    [1, 2, 3, 400].forEach((v) => (a.record(v), both.record(v)));
    [5, 6, 7000].forEach((v) => (b.record(v), both.record(v)));
    a.merge(b);
    expect([a.count, a.sum, a.min, a.max, a.quantile(0.5), a.quantile(0.99)]).toEqual([both.count, both.sum, both.min, both.max, both.quantile(0.5), both.quantile(0.99)]);
  });

  test('empty: every figure is 0; negative or non-finite samples count as 0', () => {
    const h = new LatencyHistogram();
    expect([h.quantile(0.99), h.mean()]).toEqual([0, 0]);
    h.record(-1);
    h.record(Number.NaN);
    expect([h.count, h.quantile(1), h.max]).toEqual([2, 0, 0]);
  });
});
