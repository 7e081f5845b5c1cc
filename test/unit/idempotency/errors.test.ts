/**
 * The idempotency errors: stable names (minifiers rename classes) and codes, the HTTP status of each
 * outcome, and nothing of the key in what logs show.
 */
import { describe, expect, test } from 'vitest';
import {
  IdempotencyClaimLostError,
  IdempotencyError,
  idempotencyHttpStatus,
  IdempotencyInDoubtError,
  IdempotencyInProgressError,
  IdempotencyNeedsReconciliationError,
  IdempotencyNotReconcilableError,
  IdempotencyPayloadMismatchError,
  IdempotencyResultTooLargeError,
} from '../../../src/idempotency/index.js';
import { DynamORMError, ValidationError } from '../../../src/index.js';

const KEY = 'card-4111111111111111';
const cases = [
  [new IdempotencyInProgressError('pay', KEY, 1500), 'IdempotencyInProgressError', 'IDEMPOTENCY_IN_PROGRESS', 409],
  [new IdempotencyPayloadMismatchError('pay', KEY), 'IdempotencyPayloadMismatchError', 'IDEMPOTENCY_PAYLOAD_MISMATCH', 422],
  [new IdempotencyNeedsReconciliationError('pay', KEY), 'IdempotencyNeedsReconciliationError', 'IDEMPOTENCY_NEEDS_RECONCILIATION', 409],
  [new IdempotencyClaimLostError('pay', KEY), 'IdempotencyClaimLostError', 'IDEMPOTENCY_CLAIM_LOST', 409],
  [new IdempotencyInDoubtError('pay', KEY, new Error('lost')), 'IdempotencyInDoubtError', 'IDEMPOTENCY_IN_DOUBT', 503],
  [new IdempotencyResultTooLargeError('pay', KEY, 500_000, 408_576), 'IdempotencyResultTooLargeError', 'IDEMPOTENCY_RESULT_TOO_LARGE', 500],
  [new IdempotencyNotReconcilableError('pay', KEY), 'IdempotencyNotReconcilableError', 'IDEMPOTENCY_NOT_RECONCILABLE', undefined],
] as const;

describe('idempotency errors', () => {
  test.each(cases)('%s: name, code, HTTP status, no key in logs', (error, name, code, status) => {
    expect(error).toBeInstanceOf(IdempotencyError);
    expect(error).toBeInstanceOf(DynamORMError);
    expect(error.name).toBe(name);
    expect((error.constructor as typeof DynamORMError).errorName).toBe(name);
    expect(error.code).toBe(code);
    expect(idempotencyHttpStatus(error)).toBe(status);
    expect(error.key).toBe(KEY); // readable...
    expect(`${error.message} ${JSON.stringify(error)} ${Object.keys(error).join()}`).not.toContain('4111'); // ...but never shown
    expect(error.message.startsWith('pay: ')).toBe(true);
  });

  test('other errors have no idempotency status; a missing key is 400', () => {
    expect(idempotencyHttpStatus(new Error('x'))).toBeUndefined();
    expect(idempotencyHttpStatus(new ValidationError([{ path: [], rule: 'type', message: 'x' }]))).toBeUndefined();
    expect(idempotencyHttpStatus(new ValidationError([{ path: [], rule: 'idempotency-key', message: 'x' }]))).toBe(400);
  });
});
