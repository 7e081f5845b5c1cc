/**
 * Idempotent operations: `makeIdempotent(fn, options)` returns a function that runs `fn` at most once
 * per idempotency key, and answers every later call with the same key from the stored result.
 *
 * One call: the key and the payload hash are computed first (before `fn` can change its input); one
 * conditional PutItem claims the key, or returns the record in the way; the claimer runs `fn`, which
 * adds its DynamORM writes to `tx`; those writes and the completion record (the result, fenced by the
 * claimer's owner token) go out in ONE TransactWriteItems, so the effect and the result are stored
 * together or not at all. A failure releases the claim (fenced) unless `lockUntilReconciled`.
 */
import { randomUUID } from 'node:crypto';
import { currentDeadline, DeadlineExceededError } from '../deadline.js';
import { ConditionalCheckFailedError, TransactionCanceledError, ValidationError, WriteInDoubtError } from '../errors.js';
import { transaction, type TransactionWriter } from '../write/transaction.js';
import {
  IdempotencyClaimLostError,
  IdempotencyInDoubtError,
  IdempotencyInProgressError,
  IdempotencyNeedsReconciliationError,
  IdempotencyNotReconcilableError,
  IdempotencyPayloadMismatchError,
  IdempotencyResultTooLargeError,
} from './errors.js';
import { hashOf, select, type Selector } from './hash.js';
import type { IdempotencyRecord, IdempotencyStore } from './store.js';

/** Default time an in-progress claim lasts when no deadline is in scope (ms). */
export const DEFAULT_IN_PROGRESS_TIMEOUT_MS = 60_000;
/** Default time a completed record is kept (ms): 24 hours, as the IETF Idempotency-Key draft suggests at least. */
export const DEFAULT_EXPIRES_AFTER_MS = 24 * 60 * 60_000;
/** Default and largest result size (bytes of JSON text): a DynamoDB item holds 400 KB, the record's other attributes included. */
export const MAX_RESULT_BYTES = 399 * 1024;

/** Options of {@link makeIdempotent}. */
export interface IdempotentOptions<I> {
  /** Where the records live. */
  readonly store: IdempotencyStore;
  /**
   * The operation's name: keys are scoped by it, so two operations may share keys. Keep it stable
   * across deployments (records made under one name are not found under another).
   */
  readonly name: string;
  /** The idempotency key: a dotted path into the input (`headers.Idempotency-Key` does not split on `-`) or a function. */
  readonly key: Selector<I>;
  /**
   * What must be the same for a duplicate (hashed once, before the function runs): a dotted path or a
   * function; default the whole input. A key sent again with another payload gets
   * IdempotencyPayloadMismatchError.
   */
  readonly payload?: Selector<I>;
  /**
   * How long an in-progress claim lasts when no deadline is in scope (ms, default 60 s). Inside
   * `withDynamORM` / `idempotentHandler` (or `withDeadline`) the claim lasts until the invocation's
   * deadline instead: after it, the attempt can no longer write, and a retry may take over.
   */
  readonly inProgressTimeoutMs?: number;
  /** How long a completed record answers duplicates (ms, default 24 h). */
  readonly expiresAfterMs?: number;
  /**
   * For payment flows: an attempt that fails or runs out of time leaves its claim locked; retries get
   * IdempotencyNeedsReconciliationError instead of running the function again, until `resolveClaim`
   * or `releaseClaim` settles it. Such claims never expire by themselves.
   */
  readonly lockUntilReconciled?: boolean;
  /** Largest result, in bytes of JSON text (default and maximum {@link MAX_RESULT_BYTES}). */
  readonly maxResultBytes?: number;
}

/** What the function is given besides its input. */
export interface IdempotentCall {
  /**
   * The transaction the completion record is written in: DynamORM writes added here (`tx.create(...)`)
   * are written with the result, all or nothing, so the effect happens exactly once. Writes made
   * outside it are the function's own business.
   */
  readonly tx: TransactionWriter;
  /** The record's id (`<name>#<hash of the key>`), for logs: it holds no value of the key. */
  readonly recordId: string;
}

/** An idempotent function, with the operator's helpers for its claims. */
export interface IdempotentFunction<I, R> {
  (input: I): Promise<R>;
  /** The stored record of a key (strongly consistent), or `undefined`. */
  record(key: unknown): Promise<IdempotencyRecord | undefined>;
  /**
   * Settles an expired claim whose effect did happen: stores `result`, so retries get it without
   * running. IdempotencyNotReconcilableError when there is no expired claim (nothing changed).
   */
  resolveClaim(key: unknown, result: R): Promise<void>;
  /**
   * Settles an expired claim whose effect did not happen: deletes it, so the next call runs the
   * function. IdempotencyNotReconcilableError when there is no expired claim (nothing changed).
   */
  releaseClaim(key: unknown): Promise<void>;
}

// Thrown inside the transaction's function when the call collected no write: the completion then goes
// out as a plain UpdateItem (a transaction of one action would cost twice the write units).
const NO_WRITES = Symbol('no writes');

function checkOptions<I>(options: IdempotentOptions<I>): void {
  const fail = (field: string, message: string): never => {
    throw new ValidationError([{ path: [field], rule: 'idempotency-option', message }], 'makeIdempotent');
  };
  if (!options || typeof options !== 'object') fail('options', 'expected an options object');
  if (!options.store || typeof options.store.claim !== 'function') fail('store', 'expected an idempotency store (idempotencyStore(db))');
  if (typeof options.name !== 'string' || options.name === '' || options.name.includes('#')) fail('name', 'expected a non-empty name without #');
  for (const field of ['key', 'payload'] as const) {
    const s = options[field];
    if (s === undefined && field === 'payload') continue;
    if (typeof s !== 'function' && (typeof s !== 'string' || s === '')) fail(field, 'expected a dotted path or a function');
  }
  for (const field of ['inProgressTimeoutMs', 'expiresAfterMs', 'maxResultBytes'] as const) {
    const v = options[field];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) fail(field, 'expected a positive integer');
  }
  if (options.maxResultBytes !== undefined && options.maxResultBytes > MAX_RESULT_BYTES) fail('maxResultBytes', `at most ${MAX_RESULT_BYTES}`);
}

/**
 * Makes `fn` idempotent: `fn(input, { tx })` runs at most once per key; duplicates get its stored
 * result; a duplicate while it runs gets IdempotencyInProgressError; the same key with another
 * payload gets IdempotencyPayloadMismatchError.
 *
 * ```ts
 * const createPayment = makeIdempotent(async (input: { key: string; amount: number }, { tx }) => {
 *   const id = randomUUID();
 *   tx.create(Payment, { id, amount: input.amount });   // written with the result, exactly once
 *   return { id };
 * }, { store, name: 'createPayment', key: 'key' });
 * ```
 */
export function makeIdempotent<I, R>(fn: (input: I, call: IdempotentCall) => Promise<R> | R, options: IdempotentOptions<I>): IdempotentFunction<I, R> {
  if (typeof fn !== 'function') throw new ValidationError([{ path: [], rule: 'idempotency-option', message: 'expected a function' }], 'makeIdempotent');
  checkOptions(options);
  const run = (input: I) => runIdempotent(options, input, fn);
  const recordId = (key: unknown) => `${options.name}#${hashOf(checkKey(options.name, key), options.name)}`;
  const settle = async (key: unknown, write: (id: string, now: number) => Promise<void>) => {
    try {
      await write(recordId(key), options.store.now());
    } catch (error) {
      if (error instanceof ConditionalCheckFailedError) throw new IdempotencyNotReconcilableError(options.name, key, error);
      throw error;
    }
  };
  return Object.assign(run, {
    record: (key: unknown) => options.store.read(recordId(key)),
    resolveClaim: (key: unknown, result: R) =>
      settle(key, (id, now) => options.store.settleCompleted(id, resultText(options, key, result), now, now + (options.expiresAfterMs ?? DEFAULT_EXPIRES_AFTER_MS))),
    releaseClaim: (key: unknown) => settle(key, (id, now) => options.store.settleReleased(id, now)),
  });
}

function checkKey(name: string, key: unknown): unknown {
  if (key === undefined || key === null || key === '') {
    throw new ValidationError([{ path: [], rule: 'idempotency-key', message: 'no idempotency key in the input' }], name);
  }
  return key;
}

/** The result as stored: JSON text, checked against the size limit before anything is written. */
function resultText<I>(options: IdempotentOptions<I>, key: unknown, result: unknown): string | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(result) as string | undefined;
  } catch {
    throw new ValidationError([{ path: [], rule: 'idempotency-result', message: 'the result cannot be written as JSON (a bigint or a cycle)' }], options.name);
  }
  const limit = options.maxResultBytes ?? MAX_RESULT_BYTES;
  const bytes = text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
  if (bytes > limit) throw new IdempotencyResultTooLargeError(options.name, key, bytes, limit);
  return text;
}

/** How long a claim made now lasts: until the scope's deadline (the instant requests are aborted), else the timeout. */
function lockMs<I>(options: IdempotentOptions<I>): number {
  const deadline = currentDeadline();
  // Measured by the deadline's own clock and added to the store's: the two need not be the same clock.
  if (deadline) return Math.max(0, deadline.abortAt - deadline.at + deadline.remaining());
  return options.inProgressTimeoutMs ?? DEFAULT_IN_PROGRESS_TIMEOUT_MS;
}

/** A stored result as the caller gets it. */
function storedResult<R>(record: IdempotencyRecord): R {
  return (record.result === undefined ? undefined : JSON.parse(record.result)) as R;
}

async function runIdempotent<I, R>(options: IdempotentOptions<I>, input: I, fn: (input: I, call: IdempotentCall) => Promise<R> | R): Promise<R> {
  const { store, name } = options;
  // Computed once, now: whatever the function later does to its input changes neither.
  const key = checkKey(name, select(input, options.key));
  const id = `${name}#${hashOf(key, name)}`;
  const hash = hashOf(options.payload === undefined ? input : select(input, options.payload), name);
  const owner = randomUUID();
  const reconcile = options.lockUntilReconciled === true;
  const retention = options.expiresAfterMs ?? DEFAULT_EXPIRES_AFTER_MS;

  // A claim fails on a record in the way, returned with the failure. It is sent again when that
  // record vanished in between (its time to live) or its answer was lost: a few times at most.
  for (let round = 0; ; round++) {
    const now = store.now();
    const lockedUntil = now + lockMs(options);
    const outcome = await store.claim({ id, hash, owner, now, lockedUntil, expiresAt: reconcile ? undefined : lockedUntil + retention, reconcile });
    if (outcome.claimed) break;
    const record = outcome.record;
    // An earlier send of this very claim applied (its answer was lost).
    if (record?.owner === owner) break;
    if (record) {
      if (record.hash !== hash) throw new IdempotencyPayloadMismatchError(name, key);
      if (record.status === 'COMPLETED') return storedResult<R>(record);
      if (record.lockedUntil > now) throw new IdempotencyInProgressError(name, key, record.lockedUntil - now);
      if (record.reconcile) throw new IdempotencyNeedsReconciliationError(name, key);
    }
    if (round >= 2) throw outcome.inDoubt ? new IdempotencyInDoubtError(name, key, outcome.inDoubt) : new IdempotencyInProgressError(name, key, 0);
  }
  return execute(options, input, fn, { key, id, owner, reconcile, retention });
}

interface Claim {
  readonly key: unknown;
  readonly id: string;
  readonly owner: string;
  readonly reconcile: boolean;
  readonly retention: number;
}

/** Runs the function under a claim, and stores its result with its writes. */
async function execute<I, R>(options: IdempotentOptions<I>, input: I, fn: (input: I, call: IdempotentCall) => Promise<R> | R, claim: Claim): Promise<R> {
  const { store, name } = options;
  const { key, id, owner } = claim;
  let result!: R;
  let text: string | undefined;
  let expiresAt = 0;
  // The transaction's token: sent again with it, the planned actions are the same request, which
  // DynamoDB applies at most once (and the completion's condition allows only once anyway).
  const token = randomUUID();
  let planned: TransactionWriter['units'] | undefined;
  try {
    await transaction(
      store.db,
      async (tx) => {
        result = await fn(input, { tx, recordId: id });
        text = resultText(options, key, result);
        expiresAt = store.now() + claim.retention;
        if (tx.units.length === 0) throw NO_WRITES;
        tx.update(store.model, { id }, store.completion(text, expiresAt), { condition: store.owned(owner) });
        planned = tx.units.slice();
      },
      { token },
    );
    return result;
  } catch (error) {
    if (error === NO_WRITES) return completeAlone(options, claim, result, text, expiresAt);
    if (planned) return settleCompletion(options, claim, error, planned, token, result);
    // The function failed. Its own write (outside tx) may have applied: then the claim stays.
    if (error instanceof WriteInDoubtError) throw new IdempotencyInDoubtError(name, key, error);
    await giveUp(store, claim);
    throw error;
  }
}

/**
 * A completion transaction that failed. The record settles what happened, since only this attempt's
 * transaction can complete it under this owner token: completed by this owner means it applied (an
 * SDK retry of an applied transaction is cancelled by its own conditions); still this owner's claim
 * after a lost answer or a conflict means it did not, and it is sent again, the same request.
 */
async function settleCompletion<I, R>(
  options: IdempotentOptions<I>,
  claim: Claim,
  failure: unknown,
  planned: NonNullable<TransactionWriter['units']>,
  token: string,
  result: R,
): Promise<R> {
  const { store, name } = options;
  const { key, id, owner } = claim;
  let error = failure;
  for (let round = 0; ; round++) {
    // Cut off at the deadline: no request may start now to read the record or release the claim, and
    // the transaction may still land. The claim expires at the deadline; a retry with the same key
    // then gets the stored result, or runs.
    if (error instanceof DeadlineExceededError) throw new IdempotencyInDoubtError(name, key, error);
    const canceled = error instanceof TransactionCanceledError ? error : undefined;
    if (!canceled && !(error instanceof WriteInDoubtError)) break;
    let record: IdempotencyRecord | undefined;
    try {
      record = await store.read(id);
    } catch {
      throw new IdempotencyInDoubtError(name, key, error);
    }
    // Taken over, or settled by an operator: the completion requires this owner's claim, so this
    // attempt's writes were not (and will never be) committed.
    if (record?.owner !== owner) throw new IdempotencyClaimLostError(name, key, error);
    if (record.status === 'COMPLETED') return result;
    const conflict = canceled?.failures.every((f) => f.awsCode === 'TransactionConflict') ?? true;
    if (!conflict) break; // the function's writes were refused: nothing was written
    if (round >= 2) throw new IdempotencyInDoubtError(name, key, error);
    try {
      await transaction(store.db, (tx) => void tx.units.push(...planned), { token });
      return result;
    } catch (next) {
      error = next;
    }
  }
  await giveUp(store, claim);
  throw error;
}

/** The completion of a call that collected no write: one fenced UpdateItem. */
async function completeAlone<I, R>(options: IdempotentOptions<I>, claim: Claim, result: R, text: string | undefined, expiresAt: number): Promise<R> {
  try {
    await options.store.complete(claim.id, claim.owner, text, expiresAt);
    return result;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedError) throw new IdempotencyClaimLostError(options.name, claim.key, error);
    if (error instanceof WriteInDoubtError) throw new IdempotencyInDoubtError(options.name, claim.key, error);
    // Certainly not stored (the write says so): the claim is released for a retry, as after a failure.
    await giveUp(options.store, claim);
    throw error;
  }
}

/**
 * After a failure that wrote nothing: release the claim so a retry can run, or, kept until reconciled,
 * expire it now so retries get IdempotencyNeedsReconciliationError at once. Both are fenced by the
 * owner token (a claim already taken over is left alone). Best effort: the caller gets the function's
 * error, and a claim left behind expires (or waits for reconciliation) as if the process had crashed.
 */
async function giveUp(store: IdempotencyStore, claim: Claim): Promise<void> {
  try {
    if (claim.reconcile) await store.expire(claim.id, claim.owner, store.now());
    else await store.release(claim.id, claim.owner);
  } catch {
    // See above: the function's error is what the caller needs.
  }
}
