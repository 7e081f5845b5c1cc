/**
 * The payment example on the raw AWS SDK, end to end: the same story as examples/payment/index.ts
 * (idempotent create, a reused key with another payload refused, a duplicate merchant reference
 * refused, capture with optimistic locking, a refund transaction, a listing, the audit chain checked),
 * each handler called with an API Gateway-like event. For the line count of docs/less-code.md.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { rawPaymentService, type ApiEvent, type ApiResponse } from './app.js';

/** Where the data lives. */
export interface RawSettings {
  readonly client: DynamoDBClientConfig;
  readonly tablePrefix?: string;
  readonly cursorSecret: string;
}

const actor = (principalId: string, requestId: string) => ({ requestId, authorizer: { principalId }, identity: { sourceIp: '203.0.113.7' } });

/** Runs the story against the database of `settings`, printing each step. */
export async function main(settings: RawSettings, log: (line: string) => void = console.log, options: { keepOpen?: boolean } = {}) {
  // A local key for the demo; production would keep it in KMS.
  const service = rawPaymentService({ ...settings, client: { ...settings.client, requestHandler: { requestTimeout: 10_000 } }, cardKey: randomBytes(32) });
  try {
    await service.createTables();
    const call = <B>(handler: (e: ApiEvent<B>) => Promise<ApiResponse>, body: B, headers: Record<string, string> = {}) =>
      handler({ headers, body, requestContext: actor('clerk-7', `req-${Math.random().toString(36).slice(2)}`) });
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

    const chain = await service.verifyAuditChain(id);
    log(`audit chain of ${id}: ${chain.records} records, ${chain.ok ? 'intact' : 'broken'}`);
    return { service, id, created, retried, mismatch, duplicate, captured, stale, refunded, tooMuch, listed, chain, merchantId };
  } finally {
    // The test keeps the service's client open to look at the raw tables.
    if (!options.keepOpen) service.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const env = process.env;
  await main({ client: { endpoint: env.DYNAMODB_ENDPOINT, region: env.AWS_REGION ?? 'us-east-1' }, tablePrefix: env.DYNAMORM_TABLE_PREFIX, cursorSecret: env.DYNAMORM_CURSOR_SECRET ?? 'example-only-secret-change-me-0123456789' });
}
