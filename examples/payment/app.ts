/**
 * The payment service: four Lambda handlers over one database.
 * - create: idempotent (an Idempotency-Key per request; the payment, its unique-reference guard, its
 *   audit record and the stored answer are written in one transaction), card number encrypted, CVV
 *   checked and dropped;
 * - capture: a versioned update (a stale version is a 409, never a lost update);
 * - refund: one transaction that raises the payment's refunded total (conditioned on not refunding
 *   more than was captured) and writes the refund;
 * - list: a merchant's payments in one status, a page at a time, through the merchant-status index.
 * Errors map to HTTP statuses by what they guarantee (docs/guides/errors.md, idempotency guide).
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedError, DeadlineExceededError, DynamORM, InvalidCursorError, ItemNotFoundError, ThrottledError, TimeoutError, TransactionCanceledError, ValidationError, VersionConflictError, WriteInDoubtError, add, tables, type Extension } from '../../src/index.js';
import { AuditConflictError, audit, auditScopeFromEvent, tracked, withAuditScope } from '../../src/audit/index.js';
import { KeyProviderError, encryption, type KeyProvider } from '../../src/encryption/index.js';
import { idempotencyHttpStatus, idempotencyStore, idempotentHandler } from '../../src/idempotency/index.js';
import { withDynamORM, type LambdaContext } from '../../src/lambda/index.js';
import { UniqueConstraintError, uniqueValues } from '../../src/unique/index.js';
import { Payment, Refund } from './models.js';

/** An API Gateway-like event: the body as an object, the headers, the authorizer's principal. */
export interface ApiEvent<B = Record<string, unknown>> {
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body: B;
  readonly requestContext?: { readonly requestId?: string; readonly authorizer?: { readonly principalId?: string }; readonly identity?: { readonly sourceIp?: string } };
}

/** What each handler answers. */
export interface ApiResponse {
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly body: Record<string, unknown>;
}

/** Everything the service needs: where the data lives and how card numbers are keyed. */
export interface PaymentServiceOptions {
  readonly keyProvider: KeyProvider;
  /** Database settings (endpoint, region, credentials, table prefix). */
  readonly config?: Parameters<typeof DynamORM.create>[0];
}

/** Maps an error to the status a client should act on; anything unknown is a 500 without details. */
export function statusOf(error: unknown): ApiResponse {
  const idempotency = idempotencyHttpStatus(error);
  if (idempotency !== undefined) return { statusCode: idempotency, body: { error: (error as Error).name } };
  if (error instanceof ValidationError) return { statusCode: 400, body: { error: 'ValidationError', issues: error.issues.map((i) => ({ path: i.path, rule: i.rule })) } };
  if (error instanceof UniqueConstraintError) return { statusCode: 409, body: { error: 'UniqueConstraintError', field: error.field } };
  if (error instanceof ItemNotFoundError) return { statusCode: 404, body: { error: 'ItemNotFoundError' } };
  if (error instanceof VersionConflictError) return { statusCode: 409, body: { error: 'VersionConflictError' } };
  if (error instanceof InvalidCursorError) return { statusCode: 400, body: { error: 'InvalidCursorError' } };
  if (error instanceof ConditionalCheckFailedError || error instanceof AuditConflictError) return { statusCode: 409, body: { error: error.name } };
  // The write may have been applied: the client retries with the same Idempotency-Key (create) or
  // reads the payment again before retrying (capture, refund).
  if (error instanceof WriteInDoubtError) return { statusCode: 503, headers: { 'retry-after': '1' }, body: { error: 'WriteInDoubtError' } };
  // Nothing changed: safe to retry after a moment.
  if (error instanceof ThrottledError || error instanceof DeadlineExceededError || error instanceof TimeoutError || error instanceof KeyProviderError) {
    return { statusCode: 503, headers: { 'retry-after': '1' }, body: { error: (error as Error).name } };
  }
  if (error instanceof TransactionCanceledError) {
    // A transaction names each action's failure: a taken reference says so.
    const unique = error.failures.find((f) => f.error instanceof UniqueConstraintError)?.error as UniqueConstraintError | undefined;
    if (unique) return statusOf(unique);
    return { statusCode: 409, body: { error: 'TransactionCanceledError' } };
  }
  return { statusCode: 500, body: { error: 'InternalError' } };
}

/** Builds the service: its database (with the payment extensions), its tables, its handlers. */
export function paymentService(options: PaymentServiceOptions) {
  const auditLog = audit({ table: 'payment-example-audit', models: [tracked(Payment, { fields: ['amount', 'status', 'captured', 'refunded'] })] });
  // Data keys are reused for at most 5 minutes and 1,000 payments (KMS quotas; the encryption guide).
  const extensions: Extension[] = [uniqueValues(), encryption({ keyProvider: options.keyProvider, cache: { maxAge: 5 * 60_000, maxUses: 1000 } }), auditLog];
  const db = DynamORM.create({ ...options.config, extensions });
  const store = idempotencyStore(db, { table: 'payment-example-idempotency' });
  const payments = db.model(Payment);

  /** Runs `fn` as the event's actor (the authorizer's principal) and request, answering errors with their status. */
  const respond = async (event: ApiEvent<unknown>, context: LambdaContext, fn: () => Promise<ApiResponse>): Promise<ApiResponse> => {
    try {
      return await withAuditScope(auditScopeFromEvent(event, context), fn);
    } catch (error) {
      return statusOf(error);
    }
  };
  /** The same, under the invocation's deadline (create gets it from idempotentHandler). */
  const respondInTime = withDynamORM(
    (call: { event: ApiEvent<unknown>; fn: () => Promise<ApiResponse> }, context: LambdaContext) => respond(call.event, context, call.fn),
  );

  type CreateBody = { merchantId: string; reference: string; amount: number; currency: 'EUR' | 'USD' | 'GBP'; cardNumber: string; cvv: string };
  const createIdempotent = idempotentHandler<ApiEvent<CreateBody>, ApiResponse>(
    async (event, _context, { tx }) => {
      const b = event.body;
      const id = `pay_${randomUUID()}`;
      // Collected, not sent: written with the stored answer (and the guard and audit record), all or nothing.
      tx.create(Payment, { id, merchantId: b.merchantId, reference: b.reference, amount: b.amount, currency: b.currency, status: 'pending', cardNumber: b.cardNumber, cvv: b.cvv });
      return { statusCode: 201, body: { id, status: 'pending' } };
    },
    {
      store,
      name: 'createPayment',
      key: (event) => event.headers?.['idempotency-key'],
      // What a retry must repeat. The hash of it is stored unkeyed, so no secret goes in: the card by its
      // last four digits only (a full card number has few enough unknown digits to be guessed back
      // from its hash), and never the CVV.
      payload: (event) => ({ ...event.body, cardNumber: event.body.cardNumber.slice(-4), cvv: undefined }),
    },
  );

  return {
    db,
    store,
    auditLog,
    /** Creates the tables (once, as a deployment would). */
    async createTables(): Promise<void> {
      for (const group of [[Payment], [Refund], [store.model], [auditLog.table]]) await tables(db).create(group, { ifNotExists: true });
    },
    /** POST /payments (Idempotency-Key header required). */
    create: (event: ApiEvent<CreateBody>, context: LambdaContext): Promise<ApiResponse> => respond(event, context, () => createIdempotent(event, context)),
    /** POST /payments/{id}/capture with `{ version }`. */
    capture: (event: ApiEvent<{ id: string; version: number }>, context: LambdaContext) =>
      respondInTime({ event, fn: async () => {
        const p = await payments.get({ id: event.body.id }, { consistent: true, required: true });
        // A stale version is a conflict (the update says so); a current one must still be pending.
        if (p.version === event.body.version && p.status !== 'pending') return { statusCode: 409, body: { error: 'NotPending' } };
        // The version and the status both checked by DynamoDB: a payment refunded in between is not captured again.
        const updated = await payments.update(
          { id: event.body.id, version: event.body.version },
          { status: 'captured', captured: p.amount },
          { condition: (c) => c.where('status', '=', 'pending') },
        );
        return { statusCode: 200, body: { id: updated.id, status: updated.status, version: updated.version } };
      } }, context),
    /** POST /payments/{id}/refund with `{ amount, version, reason? }`: the payment and the refund in one transaction. */
    refund: (event: ApiEvent<{ id: string; amount: number; version: number; reason?: string }>, context: LambdaContext) =>
      respondInTime({ event, fn: async () => {
        const { id, amount, version, reason } = event.body;
        const p = await payments.get({ id }, { consistent: true, required: true });
        if (p.status !== 'captured' && p.status !== 'refunded') return { statusCode: 409, body: { error: 'NotCaptured' } };
        if (p.refunded + amount > p.captured) return { statusCode: 409, body: { error: 'RefundExceedsCapture' } };
        const refundId = `ref_${randomUUID()}`;
        await db.transaction((tx) => {
          tx.update(Payment, { id, version }, { refunded: add(amount), status: 'refunded' }, { condition: (c) => c.where('refunded', '<=', p.captured - amount) });
          tx.create(Refund, { id: refundId, paymentId: id, amount, ...(reason ? { reason } : {}) });
        });
        return { statusCode: 201, body: { refundId, paymentId: id } };
      } }, context),
    /** GET /merchants/{merchantId}/payments?status=...&cursor=...: one page. */
    list: (event: ApiEvent<{ merchantId: string; status: Payment['status']; cursor?: string }>, context: LambdaContext) =>
      respondInTime({ event, fn: async () => {
        const { merchantId, status, cursor } = event.body;
        const page = await payments.where('merchantId', '=', merchantId).where('status', '=', status).pageSize(25).page(cursor);
        return { statusCode: 200, body: { items: page.items.map((p) => ({ id: p.id, reference: p.reference, amount: p.amount, last4: p.cardNumber.slice(-4) })), cursor: page.cursor } };
      } }, context),
  };
}
