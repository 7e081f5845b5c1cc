/**
 * Batch write across models: puts and deletes planned by the one write path (write/unit.ts), so
 * items are validated and encoded exactly as single writes, checked together before anything is
 * sent, chunked to DynamoDB's 25 writes and retried while unprocessed (client/chunks.ts). A batch
 * cannot check versions or carry companion actions, so versioned models and models whose extensions
 * add companions are refused. What is still unprocessed after the last attempt is raised, never dropped.
 */
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { keyId, keyOnly, runChunks } from '../client/chunks.js';
import { operationContext, type OperationContext } from '../client/context.js';
import type { Executor } from '../client/executor.js';
import { DeadlineExceededError } from '../deadline.js';
import { UnprocessedItemsError, ValidationError } from '../errors.js';
import { badArgument, checkArray, checkModel } from '../handles/arguments.js';
import type { KeyOrItem } from '../handles/model-client.js';
import { describe } from '../marshal/codec.js';
import type { AttributeMap } from '../model/item-codec.js';
import type { AnyModel, CompiledModel } from '../model/model.js';
import type { CreateInput } from '../model/types.js';
import { planWrite, type WriteUnit } from './unit.js';

const WRITE_CHUNK = 25;

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
export async function batchWrite(db: Executor, requests: readonly BatchWriteRequest[]): Promise<{ written: number }> {
  const context = operationContext(db, 'batchWrite');
  const entries = await planBatchWrite(db, context, requests);
  const metaOf = new Map(requests.map((r) => [db.tableName(r.model), r.model.compiled]));
  const { leftovers: unprocessed, inDoubt, stoppedByDeadline } = await runChunks(db, context.deadline, entries, WRITE_CHUNK, async (chunk) => {
    const output = await db.send<{ UnprocessedItems?: Record<string, WriteEntry['request'][]> }>(BatchWriteItemCommand, {
      operation: 'BatchWriteItem',
      input: requestItems(chunk),
      context,
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

/** The BatchWriteItem input of a chunk of writes. */
function requestItems(chunk: readonly WriteEntry[]): { RequestItems: Record<string, WriteEntry['request'][]> } {
  const items: Record<string, WriteEntry['request'][]> = {};
  for (const e of chunk) (items[e.table] ??= []).push(e.request);
  return { RequestItems: items };
}

/**
 * The BatchWriteItem requests `batchWrite(db, requests)` would send first, 25 writes each, without
 * sending them (validated and encoded exactly as they would be; retries of unprocessed writes are
 * not shown).
 */
export async function batchWriteParams(db: Executor, requests: readonly BatchWriteRequest[]): Promise<{ operation: 'BatchWriteItem'; input: Record<string, unknown> }[]> {
  const entries = await planBatchWrite(db, operationContext(db, 'batchWrite'), requests);
  const out: { operation: 'BatchWriteItem'; input: Record<string, unknown> }[] = [];
  for (let i = 0; i < entries.length; i += WRITE_CHUNK) out.push({ operation: 'BatchWriteItem', input: requestItems(entries.slice(i, i + WRITE_CHUNK)) });
  return out;
}

/** Plans every write of a batch through the write path and checks the whole before anything is sent. */
async function planBatchWrite(db: Executor, context: OperationContext, requests: readonly BatchWriteRequest[]): Promise<WriteEntry[]> {
  checkArray(requests, 'the requests (putItems(Model, items) and deleteKeys(Model, keys))', 'batchWrite');
  requests.forEach((request: unknown, index) => {
    const label = `batchWrite request #${index}`;
    if (typeof request !== 'object' || request === null) badArgument(label, `expected putItems(Model, items) or deleteKeys(Model, keys), got ${describe(request)}`);
    const { kind, model } = request as Partial<BatchWriteRequest> & { kind?: unknown };
    checkModel(model, label);
    if (kind === 'put') checkArray((request as { items?: unknown }).items, 'items', `${model.name}.batchWrite`);
    else if (kind === 'delete') checkArray((request as { keys?: unknown }).keys, 'keys', `${model.name}.batchWrite`);
    else badArgument(label, 'expected putItems(Model, items) or deleteKeys(Model, keys): kind is put or delete');
  });
  const entries: WriteEntry[] = [];
  const seen = new Map<string, string>();
  for (const request of requests) {
    const target = db.target(request.model);
    const meta = target.meta;
    const table = db.tableName(request.model);
    const label = `${meta.name}.batchWrite`;
    const refuse = (rule: string, message: string) => {
      throw new ValidationError([{ path: [], rule, message }], label);
    };
    if (meta.version) refuse('versioned-batch', `${meta.name} is versioned and a batch write cannot check versions; use transaction() or put()`);
    const refusal = target.hooks?.all.find((h) => h.batchWriteRefusal)?.batchWriteRefusal;
    if (refusal) refuse('batch-refused', refusal);
    // One clock reading for the whole batch; each model's writes are planned with its own table.
    const modelContext = Object.assign({}, context, { model: meta.name, table });
    const add = (unit: WriteUnit, original: UnprocessedWrite, position: number) => {
      if (unit.companions.length > 0) refuse('batch-companions', `${meta.name} writes companion actions (${target.hooks?.names.join(', ')}); a batch cannot carry them`);
      const plan = unit.primary;
      const key = plan.item ? keyOnly(meta, plan.item) : (plan.input.Key as AttributeMap);
      const id = keyId(table, meta, key);
      const previous = seen.get(id);
      if (previous) {
        throw new ValidationError(
          [{ path: [position], rule: 'duplicate-key', message: `writes twice to one key (${previous} and ${request.kind} #${position}); DynamoDB refuses that` }],
          label,
        );
      }
      seen.set(id, `${request.kind} #${position}`);
      const wire = plan.item ? { PutRequest: { Item: plan.item } } : { DeleteRequest: { Key: key } };
      entries.push({ table, id, request: wire, original });
    };
    if (request.kind === 'put') {
      for (const [i, input] of request.items.entries()) {
        const item = input as Record<string, unknown>;
        add(await planWrite(target, modelContext, { kind: 'put', input: item, key: undefined, options: {}, token: null }), { kind: 'put', model: meta.name, item: input }, i);
      }
    } else {
      for (const [i, k] of request.keys.entries()) {
        const key = k as Record<string, unknown>;
        add(await planWrite(target, modelContext, { kind: 'delete', input: undefined, key, options: {} }), { kind: 'delete', model: meta.name, key: k }, i);
      }
    }
  }
  return entries;
}
