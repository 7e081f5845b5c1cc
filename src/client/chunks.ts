/**
 * What batch get and batch write share: DynamoDB's limits per request, chunking, bounded
 * concurrency, and resends of what comes back unprocessed (UnprocessedKeys for gets, UnprocessedItems
 * for writes) with exponential backoff and full jitter, stopping cleanly before a deadline. Failed
 * calls are the SDK's to retry, never this loop's (docs/guides/resilience.md).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeadlineExceededError, timeForAnotherStep, type Deadline } from '../deadline.js';
import { ThrottledError } from '../errors.js';
import type { AttributeMap } from '../model/item-codec.js';
import type { CompiledModel } from '../model/model.js';
import type { Executor } from './executor.js';
import { backoffDelay, isTransient, mapLimit, sleep } from './retry.js';

/** Identity of a key in one table, for deduplication and for matching answers to requests. */
export function keyId(table: string, meta: CompiledModel, item: AttributeMap): string {
  const part = (name: string | undefined) => {
    const v = name === undefined ? undefined : item[name];
    if (!v) return '';
    if (v.B !== undefined) return `B:${Buffer.from(v.B).toString('base64')}`;
    return v.S !== undefined ? `S:${v.S}` : `N:${v.N}`;
  };
  return `${table}\u0000${part(meta.partitionKey.stored)}\u0000${part(meta.sortKey?.stored)}`;
}

export function keyOnly(meta: CompiledModel, item: AttributeMap): AttributeMap {
  const key: AttributeMap = { [meta.partitionKey.stored]: item[meta.partitionKey.stored] as AttributeValue };
  if (meta.sortKey) key[meta.sortKey.stored] = item[meta.sortKey.stored] as AttributeValue;
  return key;
}

/**
 * Sends chunks of entries, resending what DynamoDB answers as unprocessed until done or out of
 * `batchRetry.maxAttempts` calls. A call that fails is not sent again here: the SDK has already
 * retried it (throttling, 5xx, time-outs, dropped connections) as far as `maxAttempts` and its retry
 * quota allow, and a second layer would multiply attempts just when DynamoDB struggles. Its entries
 * go back to the caller: certainly not written after a throttle, in doubt after anything else.
 * Returns the entries not done.
 */
export async function runChunks<E>(
  db: Executor,
  deadline: Deadline | undefined,
  entries: readonly E[],
  chunkSize: number,
  send: (chunk: readonly E[]) => Promise<readonly E[]>,
): Promise<{ leftovers: E[]; inDoubt: E[]; stoppedByDeadline: boolean }> {
  const chunks: E[][] = [];
  for (let i = 0; i < entries.length; i += chunkSize) chunks.push(entries.slice(i, i + chunkSize));
  const policy = db.config.batchRetry;
  const inDoubt: E[] = [];
  let stoppedByDeadline = false;
  let lastCallMs = 0;
  const leftovers = await mapLimit(chunks, db.config.batchConcurrency, async (chunk) => {
    let pending: readonly E[] = chunk;
    for (let attempt = 1; ; attempt++) {
      // Under a deadline, only start a call that should finish in time; the rest goes back unsent.
      if (stoppedByDeadline || !timeForAnotherStep(deadline, lastCallMs)) {
        stoppedByDeadline = true;
        return [...pending];
      }
      const started = Date.now();
      let failure: unknown;
      try {
        pending = await send(pending);
      } catch (error) {
        failure = error;
        if (error instanceof DeadlineExceededError) {
          stoppedByDeadline = true;
          // Aborted in flight at the last moment: it may have been applied.
          if (error.inFlight) {
            inDoubt.push(...pending);
            return [];
          }
          return [...pending];
        }
        if (!isTransient(error)) throw error;
      }
      lastCallMs = Math.max(lastCallMs, Date.now() - started);
      if (pending.length === 0) return [];
      // A failed call (already retried by the SDK), or out of attempts: what is left goes back to the
      // caller. After a throttled (refused) call it was certainly not written; after a time-out, a
      // dropped connection or a 5xx it may have been.
      if (failure !== undefined || attempt >= policy.maxAttempts) {
        if (failure === undefined || failure instanceof ThrottledError) return [...pending];
        inDoubt.push(...pending);
        return [];
      }
      await sleep(Math.min(backoffDelay(attempt, policy), deadline ? Math.max(0, deadline.remaining()) : Infinity));
    }
  });
  return { leftovers: leftovers.flat(), inDoubt, stoppedByDeadline };
}
