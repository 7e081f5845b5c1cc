/**
 * examples/payment on DynamoDB Local: the story of main() (idempotent create, unique reference,
 * capture with optimistic locking, a refund transaction, a listing), then the raw tables: no
 * plaintext card number and no CVV anywhere, one payment per idempotency key, an audit record per
 * change in an intact chain, and the idempotency record holding no key or payload in clear.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, expect, test } from 'vitest';
import { testDb } from '../../test/support/db.js';
import { main } from './index.js';

const db = testDb({ cursorSecret: 'test-secret-for-the-payment-example-0' });
let close: (() => void) | undefined;
afterAll(() => {
  close?.();
  db.destroy();
});

test('examples/payment: idempotent, unique, encrypted, audited, and every answer is what the table holds', async () => {
  const lines: string[] = [];
  const r = await main(db, (line) => lines.push(line), { keepOpen: true });
  close = () => r.service.db.destroy();
  expect(r.created.statusCode).toBe(201);
  expect(r.retried).toEqual(r.created);
  expect(r.mismatch).toMatchObject({ statusCode: 422, body: { error: 'IdempotencyPayloadMismatchError' } });
  expect(r.duplicate).toMatchObject({ statusCode: 409, body: { error: 'UniqueConstraintError', field: 'reference' } });
  expect(r.captured).toMatchObject({ statusCode: 200, body: { status: 'captured', version: 2 } });
  expect(r.stale).toMatchObject({ statusCode: 409, body: { error: 'VersionConflictError' } });
  expect(r.refunded.statusCode).toBe(201);
  expect(r.tooMuch).toMatchObject({ statusCode: 409, body: { error: 'RefundExceedsCapture' } });
  expect(r.listed.body.items).toEqual([{ id: r.id, reference: 'order-1001', amount: 4999, last4: '1111' }]);
  expect(r.chain).toMatchObject({ ok: true, records: 3 }); // create, capture, refund
  expect(lines).toHaveLength(10);

  // The raw tables: one payment, its guard; nowhere the card number or the CVV in clear.
  const scan = async (model: string) => (await r.service.db.client.send(new ScanCommand({ TableName: model }))).Items ?? [];
  const prefix = db.config.tablePrefix;
  const stored = [
    ...(await scan(`${prefix}payment-example`)),
    ...(await scan(`${prefix}payment-example-refunds`)),
    ...(await scan(`${prefix}payment-example-idempotency`)),
    ...(await scan(`${prefix}payment-example-audit`)),
  ];
  const text = JSON.stringify(stored, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
  expect(text).not.toContain('4111111111111111');
  expect(text).not.toContain('"123"');
  expect(text).not.toContain(`idem-${r.merchantId}`);
  const payments = (await scan(`${prefix}payment-example`)).filter((i) => i._type?.S === 'Payment');
  expect(payments).toHaveLength(1);
  expect(payments[0]?.cvv).toBeUndefined();
  expect(payments[0]?.cardNumber?.B).toBeInstanceOf(Uint8Array);
});
