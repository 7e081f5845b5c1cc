/**
 * Batch get and batch write across models. Keys are validated and deduplicated before anything is
 * sent, requests are chunked to DynamoDB's limits (100 keys, 25 writes), run with bounded
 * concurrency, and whatever DynamoDB leaves unprocessed (UnprocessedKeys for gets, UnprocessedItems
 * for writes) is retried with exponential backoff and full jitter. What is still unprocessed after the
 * last attempt is raised in an UnprocessedItemsError, with everything that did succeed: never dropped.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Database } from '../database.js';
import { currentDeadline, DeadlineExceededError, timeForAnotherStep } from '../deadline.js';
import { ThrottledError, UnprocessedItemsError, ValidationError } from '../errors.js';
import { decodeItem, encodeItem, encodeKey, type AttributeMap } from '../model/item-codec.js';
import type { AnyModel, CompiledModel } from '../model/model.js';
import type { CreateInput, Item, KeyInput } from '../model/types.js';
import type { KeyOrItem } from './model-client.js';
import { backoffDelay, isRetryable, mapLimit, sleep } from './retry.js';

const GET_CHUNK = 100;
const WRITE_CHUNK = 25;

/** Keys of one model to read in a batch. Make it with {@link getKeys}. */
export interface BatchGetRequest<M extends AnyModel = AnyModel> {
  readonly model: M;
  readonly keys: readonly KeyOrItem<M>[];
  readonly consistent?: boolean;
}

/** Keys of one model for `db.batchGet([...])`. */
export function getKeys<M extends AnyModel>(model: M, keys: readonly KeyOrItem<M>[], options: { consistent?: boolean } = {}): BatchGetRequest<M> {
  return { model, keys, ...(options.consistent ? { consistent: true } : {}) };
}

/** Result of a batch get: per request, the items found and the keys not found, in request order. */
export interface BatchGetResult<R extends readonly BatchGetRequest[]> {
  readonly items: { -readonly [I in keyof R]: R[I] extends BatchGetRequest<infer M> ? Item<M>[] : never };
  readonly missing: { -readonly [I in keyof R]: R[I] extends BatchGetRequest<infer M> ? KeyInput<M>[] : never };
}

/** A write of one model in a batch. Make it with {@link putItems} or {@link deleteKeys}. */
export type BatchWriteRequest<M extends AnyModel = AnyModel> =
  | { readonly kind: 'put'; readonly model: M; readonly items: readonly CreateInput<M>[] }
  | { readonly kind: 'delete'; readonly model: M; readonly keys: readonly KeyOrItem<M>[] };

/** Items of one model to put in `db.batchWrite([...])`. */
export function putItems<M extends AnyModel>(model: M, items: readonly CreateInput<M>[]): BatchWriteRequest<M> {
  return { kind: 'put', model, items };
}

/** Keys of one model to delete in `db.batchWrite([...])`. */
export function deleteKeys<M extends AnyModel>(model: M, keys: readonly KeyOrItem<M>[]): BatchWriteRequest<M> {
  return { kind: 'delete', model, keys };
}

/** One write that was not processed, as the caller gave it. */
export type UnprocessedWrite =
  | { readonly kind: 'put'; readonly model: string; readonly item: unknown }
  | { readonly kind: 'delete'; readonly model: string; readonly key: unknown };

/** One key that was not read. */
export interface UnprocessedKey {
  readonly model: string;
  readonly key: Record<string, unknown>;
}

/** Identity of a key in one table, for deduplication and for matching answers to requests. */
function keyId(table: string, meta: CompiledModel, item: AttributeMap): string {
  const part = (name: string | undefined) => {
    const v = name === undefined ? undefined : item[name];
    if (!v) return '';
    if (v.B !== undefined) return `B:${Buffer.from(v.B).toString('base64')}`;
    return v.S !== undefined ? `S:${v.S}` : `N:${v.N}`;
  };
  return `${table}\u0000${part(meta.partitionKey.stored)}\u0000${part(meta.sortKey?.stored)}`;
}

function keyOnly(meta: CompiledModel, item: AttributeMap): AttributeMap {
  const key: AttributeMap = { [meta.partitionKey.stored]: item[meta.partitionKey.stored] as AttributeValue };
  if (meta.sortKey) key[meta.sortKey.stored] = item[meta.sortKey.stored] as AttributeValue;
  return key;
}

/**
 * Sends chunks of entries, retrying what comes back unprocessed (or the whole call when it failed
 * with a retryable error) until done or out of attempts. Returns the entries still unprocessed.
 */
async function runChunks<E>(
  db: Database,
  entries: readonly E[],
  chunkSize: number,
  send: (chunk: readonly E[]) => Promise<readonly E[]>,
): Promise<{ leftovers: E[]; inDoubt: E[]; stoppedByDeadline: boolean }> {
  const chunks: E[][] = [];
  for (let i = 0; i < entries.length; i += chunkSize) chunks.push(entries.slice(i, i + chunkSize));
  const policy = db.config.batchRetry;
  const deadline = currentDeadline();
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
        if (!isRetryable(error)) throw error;
      }
      lastCallMs = Math.max(lastCallMs, Date.now() - started);
      if (pending.length === 0) return [];
      // Out of attempts: what is left goes back to the caller. After a throttled (refused) call it was
      // certainly not written; after a time-out, a dropped connection or a 5xx it may have been.
      if (attempt >= policy.maxAttempts) {
        if (failure === undefined || failure instanceof ThrottledError) return [...pending];
        inDoubt.push(...pending);
        return [];
      }
      await sleep(Math.min(backoffDelay(attempt, policy), deadline ? Math.max(0, deadline.remaining()) : Infinity));
    }
  });
  return { leftovers: leftovers.flat(), inDoubt, stoppedByDeadline };
}

interface GetEntry {
  readonly table: string;
  readonly id: string;
  readonly key: AttributeMap;
  readonly meta: CompiledModel;
  consistent: boolean;
  readonly waiters: { readonly request: number; readonly fields: Record<string, unknown> }[];
  found?: AttributeMap;
}

/** Reads many items across models. See {@link BatchGetResult}; unprocessed keys raise UnprocessedItemsError. */
export async function batchGet<const R extends readonly BatchGetRequest[]>(db: Database, requests: R): Promise<BatchGetResult<R>> {
  const byId = new Map<string, GetEntry>();
  // Per request, its distinct keys in the order given (results come back in that order).
  const perRequest = requests.map((request, index) => {
    const meta = request.model.compiled;
    const table = db.tableName(request.model);
    const own = new Map<string, { entry: GetEntry; fields: Record<string, unknown> }>();
    for (const k of request.keys) {
      const { key, fields } = encodeKey(meta, k as Record<string, unknown>, `${meta.name}.batchGet`);
      const id = keyId(table, meta, key);
      if (own.has(id)) continue;
      const entry = byId.get(id) ?? { table, id, key, meta, consistent: false, waiters: [] };
      entry.consistent ||= request.consistent === true;
      entry.waiters.push({ request: index, fields });
      byId.set(id, entry);
      own.set(id, { entry, fields });
    }
    return [...own.values()];
  });
  const entries = [...byId.values()];
  const chunked = await runChunks(db, entries, GET_CHUNK, async (chunk) => {
    const requestItems: Record<string, { Keys: AttributeMap[]; ConsistentRead?: boolean }> = {};
    for (const e of chunk) {
      const group = (requestItems[e.table] ??= { Keys: [] });
      group.Keys.push(e.key);
      if (e.consistent) group.ConsistentRead = true;
    }
    const output = await db.send<{
      Responses?: Record<string, AttributeMap[]>;
      UnprocessedKeys?: Record<string, { Keys?: AttributeMap[] }>;
    }>({ operation: 'BatchGetItem', input: { RequestItems: requestItems } });
    const inChunk = new Map(chunk.map((e) => [e.id, e]));
    for (const [table, items] of Object.entries(output.Responses ?? {})) {
      for (const item of items) {
        const first = chunk.find((e) => e.table === table);
        if (!first) continue;
        const entry = inChunk.get(keyId(table, first.meta, item));
        if (entry) entry.found = item;
      }
    }
    const again: GetEntry[] = [];
    for (const [table, group] of Object.entries(output.UnprocessedKeys ?? {})) {
      for (const key of group.Keys ?? []) {
        const first = chunk.find((e) => e.table === table);
        const entry = first && inChunk.get(keyId(table, first.meta, key));
        if (entry) again.push(entry);
      }
    }
    return again;
  });
  // A read aborted in flight changed nothing: its keys are simply not read.
  const unprocessed = [...chunked.leftovers, ...chunked.inDoubt];
  const stoppedByDeadline = chunked.stoppedByDeadline;
  const items = requests.map(() => [] as unknown[]);
  const missing = requests.map(() => [] as unknown[]);
  const skipped = new Set(unprocessed);
  perRequest.forEach((own, index) => {
    const meta = requests[index]?.model.compiled as CompiledModel;
    for (const { entry, fields } of own) {
      if (entry.found) items[index]?.push(decodeItem(meta, entry.found));
      else if (!skipped.has(entry)) missing[index]?.push(fields);
    }
  });
  const result = { items, missing } as unknown as BatchGetResult<R>;
  if (unprocessed.length > 0) {
    const keys: UnprocessedKey[] = unprocessed.flatMap((e) => e.waiters.map((w) => ({ model: e.meta.name, key: w.fields })));
    if (stoppedByDeadline) {
      throw new DeadlineExceededError(`BatchGetItem stopped before the deadline with ${keys.length} key(s) not read`, { unprocessed: keys, partial: result });
    }
    throw new UnprocessedItemsError('BatchGetItem', keys, result);
  }
  return result;
}

interface WriteEntry {
  readonly table: string;
  readonly id: string;
  readonly request: { PutRequest: { Item: AttributeMap } } | { DeleteRequest: { Key: AttributeMap } };
  readonly original: UnprocessedWrite;
}

/**
 * Puts and deletes many items across models. Everything is validated first (two writes to one key, or
 * a versioned model, are refused before sending). Returns how many writes were applied.
 */
export async function batchWrite(db: Database, requests: readonly BatchWriteRequest[]): Promise<{ written: number }> {
  const entries: WriteEntry[] = [];
  const seen = new Map<string, string>();
  const now = db.config.clock();
  for (const request of requests) {
    const meta = request.model.compiled;
    const table = db.tableName(request.model);
    const context = `${meta.name}.batchWrite`;
    if (meta.version) {
      throw new ValidationError(
        [{ path: [], rule: 'versioned-batch', message: `${meta.name} is versioned and a batch write cannot check versions; use transaction() or put()` }],
        context,
      );
    }
    const add = (key: AttributeMap, entry: Omit<WriteEntry, 'id' | 'table'>, position: number) => {
      const id = keyId(table, meta, key);
      const previous = seen.get(id);
      if (previous) {
        throw new ValidationError(
          [{ path: [position], rule: 'duplicate-key', message: `writes twice to one key (${previous} and ${request.kind} #${position}); DynamoDB refuses that` }],
          context,
        );
      }
      seen.set(id, `${request.kind} #${position}`);
      entries.push({ table, id, ...entry });
    };
    if (request.kind === 'put') {
      request.items.forEach((input, i) => {
        const item = encodeItem(meta, input as Record<string, unknown>, { now, context });
        add(keyOnly(meta, item), { request: { PutRequest: { Item: item } }, original: { kind: 'put', model: meta.name, item: input } }, i);
      });
    } else {
      request.keys.forEach((k, i) => {
        const { key } = encodeKey(meta, k as Record<string, unknown>, context);
        add(key, { request: { DeleteRequest: { Key: key } }, original: { kind: 'delete', model: meta.name, key: k } }, i);
      });
    }
  }
  const metaOf = new Map(requests.map((r) => [db.tableName(r.model), r.model.compiled]));
  const { leftovers: unprocessed, inDoubt, stoppedByDeadline } = await runChunks(db, entries, WRITE_CHUNK, async (chunk) => {
    const requestItems: Record<string, WriteEntry['request'][]> = {};
    for (const e of chunk) (requestItems[e.table] ??= []).push(e.request);
    const output = await db.send<{ UnprocessedItems?: Record<string, WriteEntry['request'][]> }>({
      operation: 'BatchWriteItem',
      input: { RequestItems: requestItems },
    });
    const inChunk = new Map(chunk.map((e) => [e.id, e]));
    const again: WriteEntry[] = [];
    for (const [table, list] of Object.entries(output.UnprocessedItems ?? {})) {
      const meta = metaOf.get(table) as CompiledModel;
      for (const r of list) {
        const key = 'PutRequest' in r ? keyOnly(meta, r.PutRequest.Item) : r.DeleteRequest.Key;
        const entry = inChunk.get(keyId(table, meta, key));
        if (entry) again.push(entry);
      }
    }
    return again;
  });
  const written = entries.length - unprocessed.length - inDoubt.length;
  if (stoppedByDeadline && unprocessed.length + inDoubt.length > 0) {
    throw new DeadlineExceededError(`BatchWriteItem stopped before the deadline with ${unprocessed.length} write(s) not done`, {
      unprocessed: unprocessed.map((e) => e.original),
      inDoubt: inDoubt.map((e) => e.original),
      partial: { written },
    });
  }
  if (unprocessed.length + inDoubt.length > 0) {
    const originals = unprocessed.map((e) => e.original);
    throw new UnprocessedItemsError('BatchWriteItem', originals, { written }, inDoubt.map((e) => e.original));
  }
  return { written };
}
