/**
 * Transactions: `db.transaction(tx => ...)` collects creates, puts, updates, deletes and condition
 * checks on any models (the same write plans as single writes, so versions are checked the same way)
 * and sends them as one TransactWriteItems request: all or nothing. `db.transactGet([...])` reads up
 * to 100 items in one consistent snapshot. A cancelled transaction is explained per action.
 */
import { randomUUID } from 'node:crypto';
import { operationContext, type OperationContext } from '../client/context.js';
import type { Executor } from '../client/executor.js';
import { DynamoDBError, TransactionCanceledError, ValidationError } from '../errors.js';
import type { ConditionInput } from '../expr/condition.js';
import type { CreateOptions, DeleteOptions, KeyOrItem, PutOptions, UpdateOptions } from '../handles/model-client.js';
import { badArgument, checkItem, checkModel, checkOptions } from '../handles/arguments.js';
import { describe } from '../marshal/codec.js';
import type { AnyModel } from '../model/model.js';
import type { CreateInput, UpdatePatch } from '../model/types.js';
import { planCheck, planKey } from './plans.js';
import { MAX_TRANSACTION_ACTIONS, sendTransaction, transactInput, type TransactAction } from './transact.js';
import { planWrite, settle, type WriteRequest, type WriteUnit } from './unit.js';

export { MAX_TRANSACTION_ACTIONS };

/** Collects the actions of one transaction. Nothing is sent until the function returns. */
export class TransactionWriter {
  /** @internal Planned units (or units being planned, for models whose extensions prepare asynchronously). */
  readonly units: (WriteUnit | Promise<WriteUnit>)[] = [];

  /**
   * @internal `context`: one clock reading for every action (and every retry with the same token).
   * `token`: the transaction's own token, if given: each action's write token derives from it, so the
   * same transaction sent again is the same request.
   */
  constructor(
    private readonly db: Executor,
    private readonly context: OperationContext,
    private readonly token?: string,
  ) {}

  private add(model: AnyModel, write: WriteRequest): this {
    const label = `transaction ${write.kind} #${this.units.length}`;
    checkModel(model, label);
    if (write.kind === 'create' || write.kind === 'put') checkItem(write.input, `${model.name}.${write.kind}`);
    checkOptions(write.options, `${model.name}.${write.kind}`);
    const target = this.db.target(model);
    const context = Object.assign({}, this.context, { model: model.name, table: this.db.tableName(model) });
    // Planned now, so bad input throws here, inside the caller's function, before anything is sent.
    const unit = planWrite(target, context, this.token === undefined ? write : Object.assign({}, write, { token: `${this.token}.${this.units.length}` }));
    // Awaited after the caller's function returns; until then a failure must not count as unhandled.
    if (unit instanceof Promise) unit.catch(() => undefined);
    this.units.push(unit);
    return this;
  }

  /** Creates an item (fails the transaction if the key is taken). */
  create<M extends AnyModel>(model: M, input: CreateInput<M>, options: CreateOptions<M> = {}): this {
    return this.add(model, { kind: 'create', input: input as Record<string, unknown>, key: undefined, options: options as WriteRequest['options'] });
  }

  /** Writes a whole item (version-checked on versioned models, as `put()`). */
  put<M extends AnyModel>(model: M, input: CreateInput<M> & { version?: number }, options: PutOptions<M> = {}): this {
    return this.add(model, { kind: 'put', input: input as Record<string, unknown>, key: undefined, options: options as WriteRequest['options'] });
  }

  /** Updates an existing item with a partial patch (version-checked and bumped, as `update()`). */
  update<M extends AnyModel>(model: M, key: KeyOrItem<M>, patch: UpdatePatch<M>, options: UpdateOptions<M> = {}): this {
    return this.add(model, { kind: 'update', input: patch as Record<string, unknown>, key: key as Record<string, unknown>, options: options as WriteRequest['options'] });
  }

  /** Deletes an item (version-checked on versioned models). */
  delete<M extends AnyModel>(model: M, key: KeyOrItem<M>, options: Omit<DeleteOptions<M>, 'returnOld'> = {}): this {
    return this.add(model, { kind: 'delete', input: undefined, key: key as Record<string, unknown>, options: options as WriteRequest['options'] });
  }

  /** Requires a condition on another item without changing it. */
  check<M extends AnyModel>(model: M, key: KeyOrItem<M>, condition: ConditionInput<M>): this {
    // A check without a condition would check nothing but existence: say so rather than send it.
    if (typeof condition !== 'function') {
      badArgument(`transaction check #${this.units.length}`, `check() needs a condition function, got ${describe(condition)}`, 'condition');
    }
    return this.add(model, {
      kind: 'check',
      input: undefined,
      key: key as Record<string, unknown>,
      options: { condition: condition as unknown as ConditionInput<never> },
      planner: (ctx, write) => planCheck(ctx, write.key as Record<string, unknown>, write.options.condition as ConditionInput<never>),
    });
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

// Retrying a transaction with the same token must send the same request, updatedAt included: the
// clock reading is remembered per token (a bounded map: DynamoDB forgets tokens after ten minutes).
const tokenClocks = new WeakMap<Executor, Map<string, { time: number; at: number }>>();
const TOKEN_MEMORY_MS = 10 * 60_000;

function clockFor(db: Executor, token: string | undefined): Date {
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
  db: Executor,
  fn: (tx: TransactionWriter) => unknown,
  options: TransactionOptions = {},
): Promise<{ token: string; actions: number }> {
  const { token, actions, context, units } = await planTransaction(db, fn, options);
  try {
    await sendTransaction(db, context, actions, token);
  } catch (error) {
    if (error instanceof DynamoDBError && error.awsCode === 'IdempotentParameterMismatchException') {
      throw new DynamoDBError(
        error.awsCode,
        `token ${JSON.stringify(token)} was used in the last ten minutes for a different transaction; nothing was written`,
        error.cause,
      );
    }
    if (error instanceof TransactionCanceledError) throw error;
    // A lost answer: the transaction is all or nothing, so one of its items with a write token tells
    // whether it applied (settle reads it strongly consistent; WriteInDoubtError when it cannot tell).
    const witness = units.find((u) => u.token !== undefined);
    if (!witness) throw error;
    await settle(witness, error);
  }
  return { token, actions: actions.length };
}

/**
 * The TransactWriteItems input `transaction(db, fn)` would send, without sending it (companion actions
 * of extensions included). With the same `token` option, it is exactly the request `transaction()` sends.
 */
export async function transactionParams(
  db: Executor,
  fn: (tx: TransactionWriter) => unknown,
  options: TransactionOptions = {},
): Promise<{ operation: 'TransactWriteItems'; input: Record<string, unknown> }> {
  const { token, actions } = await planTransaction(db, fn, options);
  return { operation: 'TransactWriteItems', input: transactInput(actions, token) };
}

/** Runs `fn`, plans every action (companions included) and checks the whole against DynamoDB's rules. */
async function planTransaction(
  db: Executor,
  fn: (tx: TransactionWriter) => unknown,
  options: TransactionOptions,
): Promise<{ token: string; actions: TransactAction[]; context: OperationContext; units: WriteUnit[] }> {
  if (typeof fn !== 'function') badArgument('transaction', `expected a function that adds the actions, got ${describe(fn)}`);
  checkOptions(options, 'transaction');
  const given = options.token;
  // Checked before the actions are planned: their write tokens derive from it.
  if (given !== undefined && (typeof given !== 'string' || given.length < 1 || given.length > 36)) {
    badArgument('transaction', 'the token must be a string of 1 to 36 characters', 'token');
  }
  const context = operationContext(db, 'transactWrite', undefined, clockFor(db, given));
  const tx = new TransactionWriter(db, context, options.token);
  await fn(tx);
  const units = await Promise.all(tx.units);
  const fail = (rule: string, message: string): never => {
    throw new ValidationError([{ path: [], rule, message }], 'transaction');
  };
  if (units.length === 0) fail('empty-transaction', 'a transaction needs at least one action');
  // Each unit's primary action, then its companions; the limit of 100 counts them all.
  const actions = units.flatMap((u) => [
    { plan: u.primary, target: u.target },
    ...u.companions.map((plan) => ({ plan, target: undefined })),
  ]);
  if (actions.length > MAX_TRANSACTION_ACTIONS) {
    fail('transaction-size', `${actions.length} actions${actions.length > units.length ? ' (companion actions included)' : ''}; DynamoDB allows ${MAX_TRANSACTION_ACTIONS}`);
  }
  const token = options.token ?? randomUUID();
  if (typeof token !== 'string' || token.length < 1 || token.length > 36) fail('token', 'the token must be a string of 1 to 36 characters');
  const seen = new Map<string, number>();
  actions.forEach((a, i) => {
    const table = a.plan.input.TableName as string;
    const key = a.target ? planKey(a.plan, a.target.meta) : (a.plan.input.Key ?? a.plan.input.Item);
    const id = `${table}\u0000${JSON.stringify(key, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v))}`;
    const previous = seen.get(id);
    if (previous !== undefined) fail('duplicate-item', `actions #${previous} and #${i} touch the same item of ${a.plan.target.model}; DynamoDB refuses that`);
    seen.set(id, i);
  });
  return { token, actions, context, units };
}
