/**
 * Backoff with full jitter and bounded concurrency, for resending unprocessed batch items. Small
 * enough to write here rather than pull in a dependency.
 */
import type { RetryPolicy } from '../config.js';
import { DynamoDBError, ThrottledError, TimeoutError } from '../errors.js';

/** Delay before retry `attempt` (1 = first retry): random in [0, min(max, base * 2^attempt)). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

const RETRYABLE_AWS = new Set(['InternalServerError', 'ServiceUnavailable', 'InternalFailure', 'ServiceUnavailableException']);

/**
 * Whether a failed batch call failed for the service's sake (throttling, a server error, a time-out,
 * a dropped connection): the failures the SDK retries. The batch loop does not send such a call again
 * (the SDK did, within its retry quota); it reports the call's entries instead of throwing.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof ThrottledError || error instanceof TimeoutError) return true;
  if (error instanceof DynamoDBError) {
    const status = (error.cause as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
    const code = (error.cause as { code?: string } | undefined)?.code;
    return RETRYABLE_AWS.has(error.awsCode) || (status !== undefined && status >= 500) || code === 'ECONNRESET' || code === 'EPIPE';
  }
  return false;
}

/**
 * Runs `fn` over `items` with at most `limit` at a time; results keep the input order. After a
 * failure no new item is started, and the first error is raised once the calls in flight have
 * settled: nothing keeps running (or writing) after the caller has been told it failed.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return results;
}
