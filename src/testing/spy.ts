/**
 * Spies: what a database sent, per model (batches and transactions included), with the items and keys
 * decoded back into the model's fields, and answers given without sending, for unit tests that need
 * no database. A spy is a plugin, installed innermost, so it sees requests exactly as they go out.
 */
import type { DynamORMRequest } from '../config.js';
import type { Database } from '../database.js';
import { DynamORMError } from '../errors.js';
import { decodeItem, encodeItem, type AttributeMap } from '../model/item-codec.js';
import type { AnyModel, CompiledModel } from '../model/model.js';
import type { CreateInput, Item } from '../model/types.js';
import { parseKey } from '../model/key-template.js';
import { removePlugin } from '../plugins/plugin.js';

/** A request the spy saw. */
export interface SpiedRequest {
  /** DynamoDB operation (`PutItem`, `BatchWriteItem`, `TransactWriteItems`, ...). */
  readonly operation: string;
  /** The DynamORM operation kind (`create`, `put`, `batchWrite`, ...). */
  readonly kind: DynamORMRequest['context']['kind'];
  /** The model of a single-item request or a query (`undefined` for batches and transactions). */
  readonly model: string | undefined;
  /** The DynamoDB input as sent. */
  readonly input: Record<string, unknown>;
  /** Whether the spy answered it itself (nothing was sent). */
  readonly answered: boolean;
}

/** One item or key a request wrote, read or deleted, as the model's fields. */
export interface SpiedEntry<M extends AnyModel> {
  readonly operation: string;
  readonly kind: SpiedRequest['kind'];
  /** `put` (PutItem, a batch put, a transaction put), `update`, `delete`, `check` or `get`. */
  readonly action: 'put' | 'update' | 'delete' | 'check' | 'get';
  /** The key fields. */
  readonly key: Partial<Item<M>>;
  /** The whole item, for puts. */
  readonly item: Item<M> | undefined;
}

/** What the spy knows of one model. */
export interface ModelSpy<M extends AnyModel> {
  /** Every item and key of the model in the requests so far, in order (batches and transactions included). */
  entries(filter?: { readonly action?: SpiedEntry<M>['action']; readonly kind?: SpiedRequest['kind'] }): SpiedEntry<M>[];
  /** The items written by puts (create, put, batch and transaction puts), in order. */
  written(): Item<M>[];
  /** How many entries match (all when no filter). */
  count(filter?: { readonly action?: SpiedEntry<M>['action']; readonly kind?: SpiedRequest['kind'] }): number;
  /** Answers the model's next gets (and `first()` by full key) with `item` (`undefined`: not found), without sending. */
  answerGet(item: CreateInput<M> | undefined): void;
  /** Answers the model's next queries with one page of `items`, without sending. */
  answerQuery(items: readonly CreateInput<M>[]): void;
}

/** A spy on a database. */
export interface Spy {
  /** Every request so far, in order. */
  readonly requests: readonly SpiedRequest[];
  /** Requests matching a filter (operation, kind, model name). */
  sent(filter?: { readonly operation?: string; readonly kind?: SpiedRequest['kind']; readonly model?: string }): SpiedRequest[];
  /** The spy of one model. */
  of<M extends AnyModel>(model: M): ModelSpy<M>;
  /**
   * Answers requests of `operation` (for one model, or any) with `output` instead of sending them. A
   * function is called with the request. Later answers for the same operation win.
   */
  answer(operation: string, output: Record<string, unknown> | ((request: DynamORMRequest) => Record<string, unknown>), model?: AnyModel): void;
  /** Forgets the requests seen (answers stay). */
  reset(): void;
  /** Removes the spy from the database. */
  restore(): void;
}

/** Options of {@link spyOn}. */
export interface SpyOptions {
  /**
   * `true`: never send; a request the spy has no answer for fails with `UnansweredRequestError`
   * (successful writes are answered with `{}` unless told otherwise). For unit tests without a database.
   */
  readonly offline?: boolean;
}

/** A request reached an offline spy that had no answer for it: nothing was sent. */
export class UnansweredRequestError extends DynamORMError {
  static override readonly errorName: string = 'UnansweredRequestError';
  constructor(operation: string, model: string | undefined) {
    super('UNANSWERED_REQUEST', `the offline spy has no answer for ${operation}${model ? ` of ${model}` : ''} (use spy.answer or spy.of(Model).answerGet/answerQuery); nothing was sent`);
  }
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems', 'CreateTable', 'DeleteTable', 'UpdateTimeToLive']);

let spies = 0;

/**
 * Spies on `db`: records every request (as sent, after every other plugin) and can answer requests
 * without sending them.
 *
 * ```ts
 * const spy = spyOn(db);
 * await db.model(Payment).create({ id: 'p1', amount: 1250 });
 * expect(spy.of(Payment).written()).toEqual([expect.objectContaining({ id: 'p1' })]);
 * ```
 */
export function spyOn(db: Database, options: SpyOptions = {}): Spy {
  const requests: SpiedRequest[] = [];
  const answers: Answer[] = [];
  const name = `spy-${++spies}`;
  db.use(name, async (request, next) => {
    const found = [...answers].reverse().find((a) => a.operation === request.operation && (a.model === undefined || a.model === request.context.model));
    const answered = found !== undefined || options.offline === true;
    requests.push({ operation: request.operation, kind: request.context.kind, model: request.context.model, input: request.input, answered });
    if (found) return found.output(request);
    if (options.offline) {
      if (WRITES.has(request.operation)) return {};
      throw new UnansweredRequestError(request.operation, request.context.model);
    }
    return next(request);
  });
  const matches = (r: SpiedRequest, f: Parameters<Spy['sent']>[0] = {}) =>
    (f.operation === undefined || r.operation === f.operation) && (f.kind === undefined || r.kind === f.kind) && (f.model === undefined || r.model === f.model);
  return {
    requests,
    sent: (filter) => requests.filter((r) => matches(r, filter)),
    of: (model) => modelSpy(db, model, requests, answers),
    answer(operation, output, model) {
      answers.push({ operation, model: model?.name, output: typeof output === 'function' ? output : () => output });
    },
    reset: () => void (requests.length = 0),
    restore: () => removePlugin(db, name),
  };
}

/** An answer given instead of sending. */
interface Answer {
  readonly operation: string;
  readonly model: string | undefined;
  readonly output: (request: DynamORMRequest) => Record<string, unknown>;
}

function modelSpy<M extends AnyModel>(db: Database, model: M, requests: readonly SpiedRequest[], answers: Answer[]): ModelSpy<M> {
  const meta = model.compiled;
  const table = db.tableName(model);
  const encode = (item: CreateInput<M>): AttributeMap => encodeItem(meta, item as Record<string, unknown>, { now: db.config.clock(), version: meta.version ? 1 : undefined, label: `${meta.name} answer`, table });
  const entries: ModelSpy<M>['entries'] = (filter = {}) =>
    requests
      .flatMap((r) => entriesOf<M>(meta, table, r))
      .filter((e) => (filter.action === undefined || e.action === filter.action) && (filter.kind === undefined || e.kind === filter.kind));
  return {
    entries,
    written: () => entries({ action: 'put' }).map((e) => e.item as Item<M>),
    count: (filter) => entries(filter).length,
    answerGet(item) {
      answers.push({ operation: 'GetItem', model: meta.name, output: () => (item === undefined ? {} : { Item: encode(item) }) });
    },
    answerQuery(items) {
      const encoded = items.map(encode);
      answers.push({ operation: 'Query', model: meta.name, output: () => ({ Items: encoded, Count: encoded.length, ScannedCount: encoded.length }) });
    },
  };
}

/** The items and keys of `model` in one request. */
function entriesOf<M extends AnyModel>(meta: CompiledModel, table: string, request: SpiedRequest): SpiedEntry<M>[] {
  const out: SpiedEntry<M>[] = [];
  const own = (raw: AttributeMap | undefined) => raw !== undefined && (!meta.entity || raw[meta.entity.attribute] === undefined || raw[meta.entity.attribute]?.S === meta.entity.value);
  const add = (action: SpiedEntry<M>['action'], tableName: unknown, item: AttributeMap | undefined, key: AttributeMap | undefined) => {
    if (tableName !== table) return;
    if (item !== undefined && !own(item)) return;
    // A key alone says its model by the request's context (single-item requests) or, in a batch or a
    // transaction, by matching the model's key templates.
    if (item === undefined && (request.model !== undefined ? request.model !== meta.name : !keyMatches(meta, key as AttributeMap))) return;
    const decodedItem = item && (decodeItem(meta, item) as Item<M>);
    out.push({ operation: request.operation, kind: request.kind, action, key: decodeItem(meta, key ?? keyOf(meta, item as AttributeMap)) as Partial<Item<M>>, item: decodedItem });
  };
  const input = request.input as Record<string, unknown> & { TableName?: string; Item?: AttributeMap; Key?: AttributeMap };
  switch (request.operation) {
    case 'PutItem':
      add('put', input.TableName, input.Item, undefined);
      break;
    case 'UpdateItem':
      add('update', input.TableName, undefined, input.Key);
      break;
    case 'DeleteItem':
      add('delete', input.TableName, undefined, input.Key);
      break;
    case 'GetItem':
      add('get', input.TableName, undefined, input.Key);
      break;
    case 'BatchWriteItem':
      for (const [name, writes] of Object.entries((input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: AttributeMap }; DeleteRequest?: { Key: AttributeMap } }[]>)) {
        for (const w of writes) {
          if (w.PutRequest) add('put', name, w.PutRequest.Item, undefined);
          if (w.DeleteRequest) add('delete', name, undefined, w.DeleteRequest.Key);
        }
      }
      break;
    case 'BatchGetItem':
      for (const [name, read] of Object.entries((input.RequestItems ?? {}) as Record<string, { Keys: AttributeMap[] }>)) for (const key of read.Keys) add('get', name, undefined, key);
      break;
    case 'TransactWriteItems':
      for (const action of (input.TransactItems ?? []) as Record<string, { TableName: string; Item?: AttributeMap; Key?: AttributeMap }>[]) {
        if (action.Put) add('put', action.Put.TableName, action.Put.Item, undefined);
        if (action.Update) add('update', action.Update.TableName, undefined, action.Update.Key);
        if (action.Delete) add('delete', action.Delete.TableName, undefined, action.Delete.Key);
        if (action.ConditionCheck) add('check', action.ConditionCheck.TableName, undefined, action.ConditionCheck.Key);
      }
      break;
    case 'TransactGetItems':
      for (const action of (input.TransactItems ?? []) as { Get: { TableName: string; Key: AttributeMap } }[]) add('get', action.Get.TableName, undefined, action.Get.Key);
      break;
  }
  return out;
}

/** Whether a key's template fields parse with the model's templates (a key of another model in a shared table does not). */
function keyMatches(meta: CompiledModel, key: AttributeMap): boolean {
  for (const field of [meta.partitionKey, meta.sortKey]) {
    const text = field && key[field.stored]?.S;
    if (field?.template && (text === undefined || parseKey(field.template, text) === undefined)) return false;
  }
  return true;
}

function keyOf(meta: CompiledModel, item: AttributeMap): AttributeMap {
  const key: AttributeMap = {};
  for (const field of [meta.partitionKey, meta.sortKey]) if (field && item[field.stored]) key[field.stored] = item[field.stored] as AttributeMap[string];
  return key;
}
