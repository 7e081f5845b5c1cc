/**
 * Batch get across models. Keys are validated and deduplicated before anything is sent, requests
 * are chunked to DynamoDB's 100 keys, run with bounded concurrency, and UnprocessedKeys are retried
 * (client/chunks.ts). Keys still unread after the last attempt are raised in an
 * UnprocessedItemsError with everything that was read: never dropped.
 */
import { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import { runChunks, keyId } from '../client/chunks.js';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { operationContext, type OperationContext } from '../client/context.js';
import type { Executor } from '../client/executor.js';
import { DeadlineExceededError } from '../deadline.js';
import { UnprocessedItemsError } from '../errors.js';
import { badArgument, checkArray, checkModel, checkOptions } from '../handles/arguments.js';
import type { KeyOrItem } from '../handles/model-client.js';
import { describe } from '../marshal/codec.js';
import { encodeKey, type AttributeMap } from '../model/item-codec.js';
import type { AnyModel, CompiledModel } from '../model/model.js';
import type { Item, KeyInput } from '../model/types.js';
import { decodeItems } from './decode.js';
import { isOwnItem } from './projection.js';

const GET_CHUNK = 100;

/** Keys of one model to read in a batch. Make it with {@link getKeys}. */
export interface BatchGetRequest<M extends AnyModel = AnyModel> {
  readonly model: M;
  readonly keys: readonly KeyOrItem<M>[];
  readonly consistent?: boolean;
}

/** Keys of one model for `db.batchGet([...])`. */
export function getKeys<M extends AnyModel>(model: M, keys: readonly KeyOrItem<M>[], options: { consistent?: boolean } = {}): BatchGetRequest<M> {
  checkOptions(options, 'batchGet');
  return { model, keys, ...(options.consistent ? { consistent: true } : {}) };
}

/** Result of a batch get: per request, the items found and the keys not found, in request order. */
export interface BatchGetResult<R extends readonly BatchGetRequest[]> {
  readonly items: { -readonly [I in keyof R]: R[I] extends BatchGetRequest<infer M> ? Item<M>[] : never };
  readonly missing: { -readonly [I in keyof R]: R[I] extends BatchGetRequest<infer M> ? KeyInput<M>[] : never };
}

/** One key that was not read. */
export interface UnprocessedKey {
  readonly model: string;
  readonly key: Record<string, unknown>;
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
export async function batchGet<const R extends readonly BatchGetRequest[]>(db: Executor, requests: R): Promise<BatchGetResult<R>> {
  const context = operationContext(db, 'batchGet');
  const { perRequest, entries } = planBatchGet(db, requests, context);
  const chunked = await runChunks(db, context.deadline, entries, GET_CHUNK, async (chunk) => {
    const output = await db.send<{
      Responses?: Record<string, AttributeMap[]>;
      UnprocessedKeys?: Record<string, { Keys?: AttributeMap[] }>;
    }>(BatchGetItemCommand, { operation: 'BatchGetItem', input: requestItems(chunk), context });
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
  // Each request's items are decoded as one page of its model (extensions prepare them together).
  for (const [index, own] of perRequest.entries()) {
    const found: AttributeMap[] = [];
    const meta = (requests[index] as BatchGetRequest).model.compiled;
    for (const { entry, fields } of own) {
      // Another model's item under the key (a shared table) is not an item of this model: missing.
      if (entry.found && isOwnItem(meta, entry.found)) found.push(entry.found);
      else if (!skipped.has(entry)) missing[index]?.push(fields);
    }
    items[index] = await decodeItems(context, db.target((requests[index] as BatchGetRequest).model), found);
  }
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

/** Validates, encodes and deduplicates the keys of a batch get before anything is sent. */
function planBatchGet(db: Executor, requests: readonly BatchGetRequest[], context: OperationContext): { perRequest: { entry: GetEntry; fields: Record<string, unknown> }[][]; entries: GetEntry[] } {
  checkArray(requests, 'the requests (getKeys(Model, keys) each)', 'batchGet');
  requests.forEach((request: unknown, index) => {
    const label = `batchGet request #${index}`;
    if (typeof request !== 'object' || request === null) badArgument(label, `expected getKeys(Model, keys), got ${describe(request)}`);
    const { model, keys } = request as Partial<BatchGetRequest>;
    checkModel(model, label);
    checkArray(keys, 'keys', `${model.name}.batchGet`);
    // The handle checks the table name the database will use (its prefix included).
    db.target(model);
  });
  const byId = new Map<string, GetEntry>();
  // Per request, its distinct keys in the order given (results come back in that order).
  const perRequest = requests.map((request, index) => {
    const meta = request.model.compiled;
    const table = db.tableName(request.model);
    const hooks = db.target(request.model).hooks;
    const own = new Map<string, { entry: GetEntry; fields: Record<string, unknown> }>();
    for (const k of request.keys) {
      const { key, fields } = encodeKey(meta, k as Record<string, unknown>, `${meta.name}.batchGet`);
      // Extensions may refuse a key's partition (another tenant's) before anything is sent.
      if (hooks) hooks.runtime.partition(context, hooks, { index: undefined, value: key[meta.partitionKey.stored] as AttributeValue });
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
  return { perRequest, entries };
}

/** The BatchGetItem input of a chunk of keys. */
function requestItems(chunk: readonly GetEntry[]): { RequestItems: Record<string, { Keys: AttributeMap[]; ConsistentRead?: boolean }> } {
  const items: Record<string, { Keys: AttributeMap[]; ConsistentRead?: boolean }> = {};
  for (const e of chunk) {
    const group = (items[e.table] ??= { Keys: [] });
    group.Keys.push(e.key);
    if (e.consistent) group.ConsistentRead = true;
  }
  return { RequestItems: items };
}

/**
 * The BatchGetItem requests `batchGet(db, requests)` would send first, 100 keys each, without sending
 * them (keys validated, encoded and deduplicated exactly as they would be).
 */
export function batchGetParams(db: Executor, requests: readonly BatchGetRequest[]): { operation: 'BatchGetItem'; input: Record<string, unknown> }[] {
  const { entries } = planBatchGet(db, requests, operationContext(db, 'batchGet'));
  const out: { operation: 'BatchGetItem'; input: Record<string, unknown> }[] = [];
  for (let i = 0; i < entries.length; i += GET_CHUNK) out.push({ operation: 'BatchGetItem', input: requestItems(entries.slice(i, i + GET_CHUNK)) });
  return out;
}
