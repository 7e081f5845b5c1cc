/**
 * The Lambda handler wrapper, and the HTTP status of each outcome. `idempotentHandler` is
 * `makeIdempotent` inside `withDynamORM`: the claim lasts until the invocation's deadline (so a
 * time-out or a crash can be retried once the invocation is certainly over), and a completed
 * duplicate gets the stored result without running the handler.
 */
import { ValidationError } from '../errors.js';
import { withDynamORM, type HandlerOptions, type LambdaContext } from '../lambda/index.js';
import { IdempotencyError } from './errors.js';
import { select as selectPath } from './hash.js';
import { makeIdempotent, type IdempotentCall, type IdempotentFunction, type IdempotentOptions } from './idempotent.js';

/** Options of {@link idempotentHandler}: those of `makeIdempotent` (key and payload picked from the event) and of `withDynamORM`. */
export interface IdempotentHandlerOptions<E> extends IdempotentOptions<E>, HandlerOptions {}

/** An idempotent Lambda handler, with the operator's helpers of {@link IdempotentFunction}. */
export type IdempotentHandler<E, R, C extends LambdaContext> = ((event: E, context: C) => Promise<R>) &
  Pick<IdempotentFunction<E, R>, 'record' | 'resolveClaim' | 'releaseClaim'>;

/**
 * Wraps a Lambda handler: the key (and the payload) come from the event by a dotted path or a
 * function (a path goes through a JSON `body` string), the deadline from the context.
 *
 * ```ts
 * export const handler = idempotentHandler(async (event: ApiEvent, _context, { tx }) => {
 *   tx.create(Payment, { id: randomUUID(), amount: JSON.parse(event.body).amount });
 *   return { statusCode: 201 };
 * }, { store, name: 'createPayment', key: 'headers.idempotency-key', payload: 'body' });
 * ```
 */
export function idempotentHandler<E, R, C extends LambdaContext = LambdaContext>(
  handler: (event: E, context: C, call: IdempotentCall) => Promise<R> | R,
  options: IdempotentHandlerOptions<E>,
): IdempotentHandler<E, R, C> {
  if (typeof handler !== 'function') throw new ValidationError([{ path: [], rule: 'idempotency-option', message: 'expected a handler function' }], 'idempotentHandler');
  // The context travels beside the event; only the event is keyed and hashed.
  const run = makeIdempotent<Box<E, C>, R>((box, call) => handler(box.event, box.context, call), {
    ...options,
    key: lift(options.key),
    payload: options.payload === undefined ? (box) => box.event : lift(options.payload),
  });
  const wrapped = withDynamORM<E, R, C>((event, context) => run({ event, context }), options.safetyMarginMs !== undefined ? { safetyMarginMs: options.safetyMarginMs } : {});
  return Object.assign(wrapped, { record: run.record, resolveClaim: run.resolveClaim, releaseClaim: run.releaseClaim });
}

/** A selector on the event, as one on the box that carries it. */
interface Box<E, C> {
  readonly event: E;
  readonly context: C;
}

function lift<E, C>(selector: string | ((event: E) => unknown)): (box: Box<E, C>) => unknown {
  return typeof selector === 'function' ? (box) => selector(box.event) : (box) => selectPath(box.event, selector);
}

/**
 * The HTTP status an API should answer each idempotency outcome with (the IETF Idempotency-Key
 * draft), or `undefined` for other errors:
 * - 409 IdempotencyInProgressError: the first request is still being processed (retry later);
 * - 422 IdempotencyPayloadMismatchError: the key was reused with another payload (do not retry);
 * - 409 IdempotencyNeedsReconciliationError: the first request's outcome is unknown and is being
 *   reconciled; from the client's side it is still outstanding, so it must retry with the SAME key
 *   later (a new key could pay twice). 409 says "conflicts with the current state"; a 5xx would invite
 *   retries with a new key, and 422 would say the request itself is wrong;
 * - 409 IdempotencyClaimLostError: another attempt owns the key now (retry to get its outcome);
 * - 503 IdempotencyInDoubtError: the outcome could not be confirmed; retry later with the same key;
 * - 500 IdempotencyResultTooLargeError: the server's result cannot be stored (a server fault);
 * - 400 a ValidationError of the key (`idempotency-key`): the request has no idempotency key.
 */
export function idempotencyHttpStatus(error: unknown): number | undefined {
  if (error instanceof ValidationError && error.rule === 'idempotency-key') return 400;
  if (!(error instanceof IdempotencyError)) return undefined;
  switch (error.code) {
    case 'IDEMPOTENCY_PAYLOAD_MISMATCH':
      return 422;
    case 'IDEMPOTENCY_IN_DOUBT':
      return 503;
    case 'IDEMPOTENCY_RESULT_TOO_LARGE':
      return 500;
    case 'IDEMPOTENCY_NOT_RECONCILABLE':
      return undefined;
    default:
      return 409;
  }
}
