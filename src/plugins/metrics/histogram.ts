/**
 * A bounded latency histogram (log-linear buckets, as HDR histograms have): memory does not grow
 * with the number of samples, and any percentile is known within 1% of the value (exact below 128 µs).
 * Values are milliseconds, kept as whole microseconds.
 */

/** Sub-buckets per power of two: 64, so a bucket spans at most 1/64 of its value. */
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;
/** Values below this many µs have a bucket each. */
const EXACT = SUB * 2;
/** Largest value kept apart, in µs (about 35 minutes); larger ones share the last bucket. */
const MAX_US = 2 ** 31 - 1;

/** The bucket of a value in µs (a non-negative integer). */
export function bucketOf(us: number): number {
  if (us < EXACT) return us;
  const exponent = 31 - Math.clz32(us); // floor(log2(us)), at least SUB_BITS + 1
  const shift = exponent - SUB_BITS;
  return EXACT + (exponent - SUB_BITS - 1) * SUB + ((us >>> shift) - SUB);
}

/** The lowest and highest µs value of a bucket. */
export function bucketRange(bucket: number): [low: number, high: number] {
  if (bucket < EXACT) return [bucket, bucket];
  const exponent = Math.floor((bucket - EXACT) / SUB) + SUB_BITS + 1;
  const shift = exponent - SUB_BITS;
  const mantissa = ((bucket - EXACT) % SUB) + SUB;
  return [mantissa * 2 ** shift, (mantissa + 1) * 2 ** shift - 1];
}

/** Counts of samples per bucket, with exact count, sum, min and max. */
export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  count = 0;
  /** Sum of the samples, in ms. */
  sum = 0;
  min = Infinity;
  max = -Infinity;

  /** Adds one sample, in ms (negative and non-finite values count as 0). */
  record(ms: number): void {
    const value = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const us = Math.min(MAX_US, Math.round(value * 1000));
    const bucket = bucketOf(us);
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Adds every sample of another histogram. */
  merge(other: LatencyHistogram): void {
    for (const [bucket, n] of other.counts) this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + n);
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** Mean in ms (0 when empty). */
  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /**
   * The `q` quantile (0..1) in ms: the sample of rank ceil(q·n) lies in the bucket returned, whose
   * middle is given (clamped to the exact min and max). 0 when empty.
   */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * this.count));
    const buckets = [...this.counts.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const bucket of buckets) {
      seen += this.counts.get(bucket) ?? 0;
      if (seen >= rank) {
        const [low, high] = bucketRange(bucket);
        const middle = (low + high) / 2 / 1000;
        return Math.min(this.max, Math.max(this.min, middle));
      }
    }
    return this.max;
  }

  /** Number of distinct buckets in use (what the memory grows with: at most about 1,700). */
  get buckets(): number {
    return this.counts.size;
  }
}
