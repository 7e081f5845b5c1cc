/**
 * The errors of idempotent operations. Each says what it guarantees about the table and about the
 * function. Messages name the operation (`name`) only: never the idempotency key, the payload or the
 * result, which may carry a card number. The key is readable as a property that is not enumerable.
 *
 * HTTP statuses (the IETF Idempotency-Key draft): see {@link idempotencyHttpStatus}.
 */
import { conceal, DynamORMError } from '../errors.js';

/** Base class of every idempotency error (catch this for all of them). */
export class IdempotencyError extends DynamORMError {
  static override readonly errorName: string = 'IdempotencyError';
  /** The operation's name (the `name` option). */
  readonly operation: string;
  /** The idempotency key as given (not enumerable: logs never show it). */
  readonly key: unknown;
  constructor(code: string, operation: string, key: unknown, message: string, options?: { cause?: unknown }) {
    super(code, `${operation}: ${message}`, options);
    this.operation = operation;
    this.key = key;
    conceal(this, ['key']);
  }
}

/**
 * Another attempt with the same key holds a live claim (it is running now, or crashed and its claim
 * has not expired yet). The function did not run; nothing was written. Retry after `retryAfterMs`:
 * you then get the stored result, or run it if that attempt released its claim or its claim expired.
 * HTTP 409.
 */
export class IdempotencyInProgressError extends IdempotencyError {
  static override readonly errorName: string = 'IdempotencyInProgressError';
  /** Milliseconds until the other attempt's claim expires (when it can be taken over). */
  readonly retryAfterMs: number;
  constructor(operation: string, key: unknown, retryAfterMs: number) {
    super('IDEMPOTENCY_IN_PROGRESS', operation, key, 'another attempt with this idempotency key is in progress');
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The key was used before with a different payload (its hash differs from the stored one). The
 * function did not run; nothing was written. Retrying cannot succeed: the caller reused a key. HTTP 422.
 */
export class IdempotencyPayloadMismatchError extends IdempotencyError {
  static override readonly errorName: string = 'IdempotencyPayloadMismatchError';
  constructor(operation: string, key: unknown) {
    super('IDEMPOTENCY_PAYLOAD_MISMATCH', operation, key, 'this idempotency key was used with a different payload');
  }
}

/**
 * An earlier attempt claimed the key under `lockUntilReconciled`, and failed or ran out of time: its
 * effect (a charge at a payment provider, say) is unknown, so the function is NOT run again. Nothing
 * was written. An operator (or a reconciliation job) settles it with `resolveClaim(key, result)` (the
 * effect happened) or `releaseClaim(key)` (it did not); then retries get the result or run. HTTP 409.
 */
export class IdempotencyNeedsReconciliationError extends IdempotencyError {
  static override readonly errorName: string = 'IdempotencyNeedsReconciliationError';
  constructor(operation: string, key: unknown) {
    super('IDEMPOTENCY_NEEDS_RECONCILIATION', operation, key, 'an earlier attempt with this idempotency key ended without an outcome; it needs reconciliation');
  }
}

/**
 * This attempt's claim expired and another attempt took the key over (or an operator settled it)
 * before this one completed, so its completion was refused: the writes it collected in `tx` were not
 * written (they are in the completion's transaction), and the record belongs to the other attempt.
 * Writes the function made outside `tx` did happen. Retry to get the other attempt's outcome. HTTP 409.
 */
export class IdempotencyClaimLostError extends IdempotencyError {
  static override readonly errorName: string = 'IdempotencyClaimLostError';
  constructor(operation: string, key: unknown, cause?: unknown) {
    super('IDEMPOTENCY_CLAIM_LOST', operation, key, "this attempt's claim expired and was taken over; its writes were not committed", { cause });
  }
}

/**
 * The completion (with the writes collected in `tx`, in one transaction) may or may not have been
 * applied: its answer was lost and could not be settled, or the function's own write was in doubt.
 * The claim was NOT released. (Or the claim itself could not be settled after three sends: then the
 * function did not run, and this attempt may hold a claim that expires as usual.) Retrying with the same key is safe: the record tells. If the completion
 * applied, a retry gets the stored result; if not, nothing of it was written, and a retry runs the
 * function once the claim expires (or gets IdempotencyNeedsReconciliationError under
 * `lockUntilReconciled`). `cause` is the WriteInDoubtError. HTTP 503 (retry later, same key).
 */
export class IdempotencyInDoubtError extends IdempotencyError {
  static override readonly errorName: string = 'IdempotencyInDoubtError';
  /** Always true: the marker every in-doubt error carries. */
  readonly inDoubt = true;
  constructor(operation: string, key: unknown, cause: unknown) {
    super('IDEMPOTENCY_IN_DOUBT', operation, key, 'the outcome may or may not have been stored; retry with the same key', { cause });
  }
}

/**
 * The function's result, as JSON, is larger than `maxResultBytes` (DynamoDB items hold at most
 * 400 KB). Refused before the completion was sent: nothing collected in `tx` was written, and the
 * claim was released (kept locked under `lockUntilReconciled`). HTTP 500: return less (an id to read
 * the rest by).
 */
export class IdempotencyResultTooLargeError extends IdempotencyError {
  static override readonly errorName: string = 'IdempotencyResultTooLargeError';
  readonly bytes: number;
  readonly limit: number;
  constructor(operation: string, key: unknown, bytes: number, limit: number) {
    super('IDEMPOTENCY_RESULT_TOO_LARGE', operation, key, `the result is ${bytes} bytes as JSON; at most ${limit} can be stored`);
    this.bytes = bytes;
    this.limit = limit;
  }
}

/**
 * `resolveClaim` or `releaseClaim` found no claim to settle: no record, a completed one, or a claim
 * that is still live (an attempt may be running). Nothing changed.
 */
export class IdempotencyNotReconcilableError extends IdempotencyError {
  static override readonly errorName: string = 'IdempotencyNotReconcilableError';
  constructor(operation: string, key: unknown, cause?: unknown) {
    super('IDEMPOTENCY_NOT_RECONCILABLE', operation, key, 'no expired claim to settle for this idempotency key', { cause });
  }
}
