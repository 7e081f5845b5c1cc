/**
 * Typed stream events: each record of a DynamoDB Streams event becomes an `INSERT`, `MODIFY` or
 * `REMOVE` event of the model that wrote the item (in a single-table design, told apart by the entity
 * attribute), with its images decoded exactly as reads decode them: the same codecs, and the same
 * extension hooks before decoding (encrypted fields are decrypted, a page of images at a time).
 */
import { operationContext } from '../client/context.js';
import type { Executor, ModelTarget } from '../client/executor.js';
import { decodeItem, type AttributeMap } from '../model/item-codec.js';
import type { AnyModel } from '../model/model.js';
import type { Item } from '../model/types.js';
import { decodeItems } from '../read/decode.js';
import { expiredByTtl, tableOfRecord, toAttributeMap, type DynamoDBStreamEvent, type DynamoDBStreamRecord, type StreamAttributeValue } from './records.js';

interface EventBase<M extends AnyModel> {
  /** The model that wrote the item. */
  readonly model: M;
  /** The model's name: compare it (`event.name === 'Payment'`) to narrow the event to one model. */
  readonly name: M['name'];
  /** The item's key fields (key-template components parsed back). */
  readonly keys: Partial<Item<M>>;
  /** The record as Lambda delivered it (sequence number, times, ...). */
  readonly record: DynamoDBStreamRecord;
}

/**
 * A change to an item of model `M`. Images are present when the stream's view type carries them
 * (`NEW_IMAGE`, `OLD_IMAGE`, `NEW_AND_OLD_IMAGES`) and `undefined` otherwise (`KEYS_ONLY`).
 */
export type StreamEvent<M extends AnyModel> = M extends AnyModel
  ?
      | (EventBase<M> & { readonly type: 'INSERT'; readonly newItem: Item<M> | undefined; readonly oldItem: undefined; readonly expiredByTtl: false })
      | (EventBase<M> & { readonly type: 'MODIFY'; readonly newItem: Item<M> | undefined; readonly oldItem: Item<M> | undefined; readonly expiredByTtl: false })
      | (EventBase<M> & {
          readonly type: 'REMOVE';
          readonly newItem: undefined;
          readonly oldItem: Item<M> | undefined;
          /** DynamoDB removed the item because its time to live passed (not a delete by your code). */
          readonly expiredByTtl: boolean;
        })
  : never;

/** The events of a batch, in the order of its records, and the records no given model wrote. */
export interface ParsedStream<M extends AnyModel> {
  readonly events: StreamEvent<M>[];
  /** Records of other tables or other entity types (guard items, audit records, other models). */
  readonly unmatched: DynamoDBStreamRecord[];
}

/** Whether `event` is an event of `model` (a type guard, for models whose names are not literal types). */
export function isEventOf<M extends AnyModel>(event: StreamEvent<AnyModel>, model: M): event is StreamEvent<M> {
  return event.model === model;
}

/** Picks the model of a record: its table must be the model's, and its entity attribute the model's value. */
function modelOf(targets: readonly { target: ModelTarget; table: string }[], record: DynamoDBStreamRecord): ModelTarget | undefined {
  const table = tableOfRecord(record);
  const candidates = targets.filter((t) => t.table === table);
  const image = record.dynamodb?.NewImage ?? record.dynamodb?.OldImage;
  for (const { target } of candidates) {
    const entity = target.meta.entity;
    if (!image) continue;
    if (!entity) return target;
    if (image[entity.attribute]?.S === entity.value) return target;
  }
  // Keys only: the model is known only when one model lives in the table.
  if (!image && candidates.length === 1) return candidates[0]?.target;
  return undefined;
}

/**
 * Parses a DynamoDB Streams event into typed events of `models` (decoded as reads decode them).
 * Throws `ValidationError` (`stored-value`) when an image does not fit its model.
 *
 * ```ts
 * const { events } = await parseStream(db, [Payment, Refund], event);
 * for (const e of events) if (e.name === 'Payment' && e.type === 'MODIFY') console.log(e.oldItem?.status, '->', e.newItem?.status);
 * ```
 */
export async function parseStream<const Ms extends readonly AnyModel[]>(db: Executor, models: Ms, event: DynamoDBStreamEvent): Promise<ParsedStream<Ms[number]>> {
  const targets = models.map((m) => ({ target: db.target(m), table: db.tableName(m) }));
  const matched: { record: DynamoDBStreamRecord; target: ModelTarget; index: number }[] = [];
  const unmatched: DynamoDBStreamRecord[] = [];
  const out: (StreamEvent<AnyModel> | undefined)[] = [];
  for (const record of event.Records) {
    const target = modelOf(targets, record);
    if (!target || !record.eventName) unmatched.push(record);
    else matched.push({ record, target, index: out.push(undefined) - 1 });
  }
  // Images of one model are decoded together: extension hooks (unwrapping data keys) run once per model.
  for (const target of new Set(matched.map((m) => m.target))) {
    const mine = matched.filter((m) => m.target === target);
    const context = operationContext(db, 'stream', target.model);
    const images: AttributeMap[] = [];
    const slots = mine.map(({ record }) => {
      const slot = (image: Readonly<Record<string, StreamAttributeValue>> | undefined) => (image ? images.push(toAttributeMap(image)) - 1 : -1);
      return { newAt: slot(record.dynamodb?.NewImage), oldAt: slot(record.dynamodb?.OldImage) };
    });
    const decoded = await decodeItems(context, target, images);
    mine.forEach(({ record, index }, i) => {
      const { newAt, oldAt } = slots[i] as { newAt: number; oldAt: number };
      const newItem = newAt >= 0 ? decoded[newAt] : undefined;
      const oldItem = oldAt >= 0 ? decoded[oldAt] : undefined;
      const keys = decodeItem(target.meta, toAttributeMap(record.dynamodb?.Keys ?? {}));
      out[index] = {
        type: record.eventName,
        model: target.model,
        name: target.model.name,
        keys,
        record,
        newItem: record.eventName === 'REMOVE' ? undefined : newItem,
        oldItem: record.eventName === 'INSERT' ? undefined : oldItem,
        expiredByTtl: expiredByTtl(record),
      } as StreamEvent<AnyModel>;
    });
  }
  return { events: out as StreamEvent<Ms[number]>[], unmatched };
}

/** Lambda's partial batch response: the records to retry (from the first failed one on). */
export interface StreamBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

/** Options of {@link streamHandler}. */
export interface StreamHandlerOptions {
  /** Records no given model wrote: `skip` (default) or `fail` (reported as failures, so they are retried). */
  readonly unmatched?: 'skip' | 'fail';
  /**
   * Called with what made a record fail (your handler's error, or a `ValidationError` for an image that
   * does not fit its model). Default: one `console.error` line with the error's name and the record's
   * sequence number, never the error's message (it may hold a value of the item).
   */
  readonly onError?: (error: unknown, record: DynamoDBStreamRecord) => void;
}

/**
 * A Lambda handler for a DynamoDB stream with `ReportBatchItemFailures` on: events are handled one at a
 * time, in order; at the first that throws (or does not decode), that record and every later one are
 * left for Lambda to retry, by returning the first failed record's sequence number. Records before it
 * are not delivered again. `db` may be a function (`lambdaDatabase()`), called on the first event.
 *
 * ```ts
 * export const handler = streamHandler(db, [Payment], async (e) => {
 *   if (e.type === 'INSERT') await notify(e.newItem);
 * });
 * ```
 */
export function streamHandler<const Ms extends readonly AnyModel[]>(
  db: Executor | (() => Executor),
  models: Ms,
  handle: (event: StreamEvent<Ms[number]>) => void | Promise<void>,
  options: StreamHandlerOptions = {},
): (event: DynamoDBStreamEvent) => Promise<StreamBatchResponse> {
  const onError =
    options.onError ??
    ((error: unknown, record: DynamoDBStreamRecord) => console.error(`dynamorm stream: record ${record.dynamodb?.SequenceNumber ?? '?'} failed with ${(error as Error)?.name ?? typeof error}`));
  return async (event) => {
    const executor = typeof db === 'function' ? db() : db;
    const records = event.Records;
    const failAt = (i: number, error: unknown): StreamBatchResponse => {
      const record = records[i] as DynamoDBStreamRecord;
      onError(error, record);
      const id = record.dynamodb?.SequenceNumber;
      return { batchItemFailures: id === undefined ? [] : [{ itemIdentifier: id }] };
    };
    // The batch is decoded at once (extension hooks run once per model). If it does not decode, the
    // records before the first one that does not are handled, and that one is where Lambda resumes.
    let end = records.length;
    let endError: unknown;
    let parsed: ParsedStream<Ms[number]>;
    try {
      parsed = await parseStream(executor, models, event);
    } catch (error) {
      [end, endError] = await firstUndecodable(executor, models, records, error);
      parsed = await parseStream(executor, models, { Records: records.slice(0, end) });
    }
    const eventOf = new Map(parsed.events.map((e) => [e.record, e]));
    for (let i = 0; i < end; i++) {
      const e = eventOf.get(records[i] as DynamoDBStreamRecord);
      if (!e) {
        if (options.unmatched === 'fail') return failAt(i, new Error('no given model wrote this record'));
        continue;
      }
      try {
        await handle(e);
      } catch (error) {
        return failAt(i, error);
      }
    }
    return end === records.length ? { batchItemFailures: [] } : failAt(end, endError);
  };
}

/** The index of the first record that does not decode alone, and its error (the batch's error if none). */
async function firstUndecodable(
  db: Executor,
  models: readonly AnyModel[],
  records: readonly DynamoDBStreamRecord[],
  batchError: unknown,
): Promise<[number, unknown]> {
  for (let i = 0; i < records.length; i++) {
    try {
      await parseStream(db, models, { Records: [records[i] as DynamoDBStreamRecord] });
    } catch (error) {
      return [i, error];
    }
  }
  return [0, batchError];
}
