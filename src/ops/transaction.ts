/**
 * Transactions: `db.transaction(tx => ...)` collects creates, puts, updates, deletes and condition
 * checks on any models (the same write plans as single writes, so versions are checked the same way)
 * and sends them as one TransactWriteItems request: all or nothing. `db.transactGet([...])` reads up
 * to 100 items in one consistent snapshot. A cancelled transaction is explained per action.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../database.js';
import {
  DynamoDBError,
  DynamORMError,
  ThrottledError,
  TransactionCanceledError,
  ValidationError,
  type CancellationReason,
} from '../errors.js';
import type { ConditionInput } from '../expr/condition.js';
import { decodeItem, decodeStoredForError, encodeKey, type AttributeMap } from '../model/item-codec.js';
import type { AnyModel, CompiledModel } from '../model/model.js';
import type { CreateInput, Item, UpdatePatch } from '../model/types.js';
import type { CreateOptions, DeleteOptions, KeyOrItem, PutOptions, UpdateOptions } from './model-client.js';
import { planCheck, planCreate, planDelete, planKey, planPut, planUpdate, type WritePlan } from './write-plans.js';

/** DynamoDB's limit of actions in one transaction. */
export const MAX_TRANSACTION_ACTIONS = 100;

interface Action {
  readonly plan: WritePlan;
  readonly meta: CompiledModel;
  readonly table: string;
}

/** Collects the actions of one transaction. Nothing is sent until the function returns. */
export class TransactionWriter {
  /** @internal */
  readonly actions: Action[] = [];

  /** @internal `now`: one clock reading for every action (and every retry with the same token). */
  constructor(
    private readonly db: Database,
    private readonly now: Date,
  ) {}

  private add(model: AnyModel, build: (ctx: { meta: CompiledModel; tableName: string; now: Date }) => WritePlan): this {
    const ctx = { meta: model.compiled, tableName: this.db.tableName(model), now: this.now };
    this.actions.push({ plan: build(ctx), meta: model.compiled, table: ctx.tableName });
    return this;
  }

  /** Creates an item (fails the transaction if the key is taken). */
  create<M extends AnyModel>(model: M, input: CreateInput<M>, options: CreateOptions<M> = {}): this {
    return this.add(model, (ctx) => planCreate(ctx, input as Record<string, unknown>, options.condition as ConditionInput<never> | undefined));
  }

  /** Writes a whole item (version-checked on versioned models, as `put()`). */
  put<M extends AnyModel>(model: M, input: CreateInput<M> & { version?: number }, options: PutOptions<M> = {}): this {
    return this.add(model, (ctx) => planPut(ctx, input as Record<string, unknown>, options as PutOptions<never>));
  }

  /** Updates an existing item with a partial patch (version-checked and bumped, as `update()`). */
  update<M extends AnyModel>(model: M, key: KeyOrItem<M>, patch: UpdatePatch<M>, options: UpdateOptions<M> = {}): this {
    return this.add(model, (ctx) => planUpdate(ctx, key as Record<string, unknown>, patch as Record<string, unknown>, options as UpdateOptions<never>));
  }

  /** Deletes an item (version-checked on versioned models). */
  delete<M extends AnyModel>(model: M, key: KeyOrItem<M>, options: Omit<DeleteOptions<M>, 'returnOld'> = {}): this {
    return this.add(model, (ctx) => planDelete(ctx, key as Record<string, unknown>, options as DeleteOptions<never>));
  }

  /** Requires a condition on another item without changing it. */
  check<M extends AnyModel>(model: M, key: KeyOrItem<M>, condition: ConditionInput<M>): this {
    return this.add(model, (ctx) => planCheck(ctx, key as Record<string, unknown>, condition as unknown as ConditionInput<never>));
  }
}

/** Options for `db.transaction()`. */
export interface TransactionOptions {
  /**
   * Idempotency token (ClientRequestToken, up to 36 characters). Sending the same transaction with the
   * same token again within ten minutes does not apply it twice. Default: a new UUID per call (the
   * SDK's own retries of that call reuse it).
   */
  readonly token?: string;
}

const WRAPPER = { PutItem: 'Put', UpdateItem: 'Update', DeleteItem: 'Delete', ConditionCheck: 'ConditionCheck' } as const;

// Retrying a transaction with the same token must send the same request, updatedAt included: the
// clock reading is remembered per token (a bounded map: DynamoDB forgets tokens after ten minutes).
const tokenClocks = new WeakMap<Database, Map<string, { time: number; at: number }>>();
const TOKEN_MEMORY_MS = 10 * 60_000;

function clockFor(db: Database, token: string | undefined): Date {
  if (token === undefined) return db.config.clock();
  let clocks = tokenClocks.get(db);
  if (!clocks) tokenClocks.set(db, (clocks = new Map()));
  const remembered = clocks.get(token);
  if (remembered && Date.now() - remembered.at < TOKEN_MEMORY_MS) return new Date(remembered.time);
  const now = db.config.clock();
  clocks.set(token, { time: now.getTime(), at: Date.now() });
  if (clocks.size > 1000) clocks.delete(clocks.keys().next().value as string);
  return now;
}

/**
 * Runs a write transaction: `fn` adds creates, puts, updates, deletes and condition checks on any
 * models (up to 100); they are validated together and sent as one all-or-nothing TransactWriteItems.
 * A cancellation raises TransactionCanceledError with a typed reason per action.
 *
 * ```ts
 * await transaction(db, (tx) => { tx.update(Payment, p, { status: 'refunded' }); tx.create(Refund, r); });
 * ```
 */
export async function transaction(
  db: Database,
  fn: (tx: TransactionWriter) => void | Promise<void>,
  options: TransactionOptions = {},
): Promise<{ token: string; actions: number }> {
  const tx = new TransactionWriter(db, clockFor(db, options.token));
  await fn(tx);
  const { actions } = tx;
  const fail = (rule: string, message: string) => {
    throw new ValidationError([{ path: [], rule, message }], 'transaction');
  };
  if (actions.length === 0) fail('empty-transaction', 'a transaction needs at least one action');
  if (actions.length > MAX_TRANSACTION_ACTIONS) fail('transaction-size', `${actions.length} actions; DynamoDB allows ${MAX_TRANSACTION_ACTIONS}`);
  const token = options.token ?? randomUUID();
  if (token.length < 1 || token.length > 36) fail('token', 'the token must be 1 to 36 characters');
  const seen = new Map<string, number>();
  actions.forEach((a, i) => {
    const id = `${a.table}\u0000${JSON.stringify(planKey(a.plan, a.meta), (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v))}`;
    const previous = seen.get(id);
    if (previous !== undefined) fail('duplicate-item', `actions #${previous} and #${i} touch the same item of ${a.meta.name}; DynamoDB refuses that`);
    seen.set(id, i);
  });
  const items = actions.map(({ plan }) => ({
    [WRAPPER[plan.operation]]: {
      ...plan.input,
      ...(plan.input.ConditionExpression ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}),
    },
  }));
  try {
    await db.send({ operation: 'TransactWriteItems', input: { TransactItems: items, ClientRequestToken: token } });
  } catch (error) {
    if (error instanceof DynamoDBError && error.awsCode === 'TransactionCanceledException') {
      throw new TransactionCanceledError(cancellationReasons(actions, error.cause), error.cause);
    }
    if (error instanceof DynamoDBError && error.awsCode === 'IdempotentParameterMismatchException') {
      throw new DynamoDBError(
        error.awsCode,
        `token ${JSON.stringify(token)} was used in the last ten minutes for a different transaction; nothing was written`,
        error.cause,
      );
    }
    throw error;
  }
  return { token, actions: actions.length };
}

function cancellationReasons(actions: readonly Action[], cause: unknown): CancellationReason[] {
  const reasons = (cause as { CancellationReasons?: { Code?: string; Message?: string; Item?: AttributeMap }[] }).CancellationReasons ?? [];
  return actions.map(({ plan, meta }, index) => {
    const reason = reasons[index] ?? {};
    const awsCode = reason.Code ?? 'Unknown';
    const item = reason.Item ? decodeStoredForError(meta, reason.Item) : undefined;
    let error: DynamORMError | undefined;
    if (awsCode === 'None') error = undefined;
    else if (awsCode === 'ConditionalCheckFailed') error = plan.explain(item) as DynamORMError;
    else if (awsCode === 'ThrottlingError' || awsCode === 'ProvisionedThroughputExceeded') {
      error = new ThrottledError(`transaction action #${index} was throttled`);
    } else error = new DynamoDBError(awsCode, reason.Message ?? `transaction action #${index} failed`);
    return { index, model: meta.name, key: plan.target.key, awsCode, error, item };
  });
}

/** One item to read in `db.transactGet([...])`. */
export interface TransactGetRequest<M extends AnyModel = AnyModel> {
  readonly model: M;
  readonly key: KeyOrItem<M>;
}

/** An item read for `db.transactGet([...])`. */
export function txGet<M extends AnyModel>(model: M, key: KeyOrItem<M>): TransactGetRequest<M> {
  return { model, key };
}

/** Items of a transactional read, in request order (`undefined` where none exists). */
export type TransactGetResult<R extends readonly TransactGetRequest[]> = {
  -readonly [I in keyof R]: R[I] extends TransactGetRequest<infer M> ? Item<M> | undefined : never;
};

/** Reads up to 100 items (`txGet(Model, key)`) in one consistent snapshot; a typed tuple comes back. */
export async function transactGet<const R extends readonly TransactGetRequest[]>(db: Database, requests: R): Promise<TransactGetResult<R>> {
  if (requests.length === 0 || requests.length > MAX_TRANSACTION_ACTIONS) {
    throw new ValidationError([{ path: [], rule: 'transaction-size', message: `transactGet takes 1 to ${MAX_TRANSACTION_ACTIONS} items` }], 'transactGet');
  }
  const items = requests.map((r) => {
    const { key } = encodeKey(r.model.compiled, r.key as Record<string, unknown>, `${r.model.name}.transactGet`);
    return { Get: { TableName: db.tableName(r.model), Key: key } };
  });
  try {
    const output = await db.send<{ Responses?: { Item?: AttributeMap }[] }>({ operation: 'TransactGetItems', input: { TransactItems: items } });
    return requests.map((r, i) => {
      const raw = output.Responses?.[i]?.Item;
      return raw ? decodeItem(r.model.compiled, raw) : undefined;
    }) as TransactGetResult<R>;
  } catch (error) {
    if (error instanceof DynamoDBError && error.awsCode === 'TransactionCanceledException') {
      const reasons = requests.map((r, index) => {
        const code = (error.cause as { CancellationReasons?: { Code?: string }[] }).CancellationReasons?.[index]?.Code ?? 'Unknown';
        return {
          index,
          model: r.model.name,
          key: encodeKey(r.model.compiled, r.key as Record<string, unknown>, 'transactGet').fields,
          awsCode: code,
          error: code === 'None' ? undefined : new DynamoDBError(code, `transactGet item #${index}`),
          item: undefined,
        };
      });
      throw new TransactionCanceledError(reasons, error.cause);
    }
    throw error;
  }
}
