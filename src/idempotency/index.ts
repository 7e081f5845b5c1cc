/**
 * `dynamorm/idempotency`: operations that run at most once per idempotency key, their effect and
 * their result stored in one transaction; a Lambda handler wrapper; the HTTP status of each outcome.
 *
 * ```ts
 * import { idempotencyStore, makeIdempotent } from 'dynamorm/idempotency';
 * const store = idempotencyStore(db, { table: 'idempotency' });
 * const createPayment = makeIdempotent(async (input: { key: string; amount: number }, { tx }) => {
 *   tx.create(Payment, { id: input.key, amount: input.amount });
 *   return { id: input.key };
 * }, { store, name: 'createPayment', key: 'key' });
 * ```
 * @packageDocumentation
 */
export { idempotencyStore, IdempotencyStore } from './store.js';
export type { IdempotencyRecord, IdempotencyRecordModel, IdempotencyStoreOptions } from './store.js';
export { makeIdempotent, DEFAULT_EXPIRES_AFTER_MS, DEFAULT_IN_PROGRESS_TIMEOUT_MS, MAX_RESULT_BYTES } from './idempotent.js';
export type { IdempotentCall, IdempotentFunction, IdempotentOptions } from './idempotent.js';
export { idempotentHandler, idempotencyHttpStatus } from './handler.js';
export type { IdempotentHandler, IdempotentHandlerOptions } from './handler.js';
export { canonicalJson, hashOf } from './hash.js';
export type { Selector } from './hash.js';
export {
  IdempotencyClaimLostError,
  IdempotencyError,
  IdempotencyInDoubtError,
  IdempotencyInProgressError,
  IdempotencyNeedsReconciliationError,
  IdempotencyNotReconcilableError,
  IdempotencyPayloadMismatchError,
  IdempotencyResultTooLargeError,
} from './errors.js';
