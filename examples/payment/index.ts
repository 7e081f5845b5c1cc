/**
 * The payment example, end to end: a payment created idempotently (a retry gets the first answer, a
 * reused key with another payload is refused), a second payment with the same merchant reference
 * refused, captured, refunded in a transaction, listed by merchant and status, with the card number
 * encrypted, the CVV never stored and every change in the audit trail. Each handler is invoked
 * locally with a simulated Lambda context. `main(db)` takes the demo's database for its settings.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Database } from '../../src/index.js';
import { verifyAuditChain } from '../../src/audit/index.js';
import { localKeyProvider } from '../../src/encryption/index.js';
import { invokeLocally, type LambdaContext } from '../../src/lambda/index.js';
import { paymentService, type ApiEvent, type ApiResponse } from './app.js';
import { Payment } from './models.js';

const actor = (principalId: string, requestId: string) => ({ requestId, authorizer: { principalId }, identity: { sourceIp: '203.0.113.7' } });

/** Runs the story against the database `db` is configured for, printing each step. */
export async function main(db: Database, log: (line: string) => void = console.log, options: { keepOpen?: boolean } = {}) {
  const { endpoint, region, credentials, tablePrefix } = db.config;
  // A local master key for the demo; production uses kmsKeyProvider({ keyId }) (docs/guides/encryption.md).
  const service = paymentService({
    keyProvider: localKeyProvider(randomBytes(32)),
    config: { endpoint, region, credentials, tablePrefix, requestTimeoutMs: 10_000, cursorSecret: db.config.cursorSecret ?? 'example-only-secret-change-me-0123456789' },
  });
  try {
    await service.createTables();
    const call = <B>(handler: (e: ApiEvent<B>, c: LambdaContext) => Promise<ApiResponse>, body: B, headers: Record<string, string> = {}) =>
      invokeLocally(handler as (e: ApiEvent<B>, c: LambdaContext & { awsRequestId: string; functionName: string }) => Promise<ApiResponse>, { headers, body, requestContext: actor('clerk-7', `req-${Math.random().toString(36).slice(2)}`) }, { remainingMs: 5000 });
    const merchantId = `m_${Date.now().toString(36)}`;
    const order = { merchantId, reference: 'order-1001', amount: 4999, currency: 'EUR' as const, cardNumber: '4111111111111111', cvv: '123' };
    const key = { 'idempotency-key': `idem-${merchantId}` };

    const created = await call(service.create, order, key);
    log(`create: ${created.statusCode} ${JSON.stringify(created.body)}`);
    const retried = await call(service.create, order, key);
    log(`create again with the same Idempotency-Key: ${retried.statusCode}, same payment: ${retried.body.id === created.body.id}`);
    const mismatch = await call(service.create, { ...order, amount: 1 }, key);
    log(`same key, another amount: ${mismatch.statusCode} ${mismatch.body.error}`);
    const duplicate = await call(service.create, order, { 'idempotency-key': `other-${merchantId}` });
    log(`same merchant reference, new key: ${duplicate.statusCode} ${duplicate.body.error} (${duplicate.body.field})`);

    const id = created.body.id as string;
    const captured = await call(service.capture, { id, version: 1 });
    log(`capture: ${captured.statusCode} ${JSON.stringify(captured.body)}`);
    const stale = await call(service.capture, { id, version: 1 });
    log(`capture with a stale version: ${stale.statusCode} ${stale.body.error}`);
    const refunded = await call(service.refund, { id, amount: 1000, version: 2, reason: 'damaged' });
    log(`refund 10.00: ${refunded.statusCode}`);
    const tooMuch = await call(service.refund, { id, amount: 9999, version: 3 });
    log(`refund more than captured: ${tooMuch.statusCode} ${tooMuch.body.error}`);
    const listed = await call(service.list, { merchantId, status: 'refunded' as const });
    log(`list refunded payments of ${merchantId}: ${JSON.stringify(listed.body.items)}`);

    const chain = await verifyAuditChain(service.db, Payment, { id });
    log(`audit chain of ${id}: ${chain.records} records, ${chain.ok ? 'intact' : `broken: ${chain.problems.map((p) => p.kind).join(', ')}`}`);
    return { service, id, created, retried, mismatch, duplicate, captured, stale, refunded, tooMuch, listed, chain, merchantId };
  } finally {
    // The test keeps the service's database open to look at the raw tables.
    if (!options.keepOpen) service.db.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const db = Database.create();
  try {
    await main(db);
  } finally {
    db.destroy();
  }
}
