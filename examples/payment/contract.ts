/**
 * The payment example's behaviour, as tests any implementation must pass: DynamORM's
 * (examples/payment) and the raw SDK's (examples/payment-raw), so that the line counts of
 * docs/less-code.md compare two services that do the same thing. First the story of each `main()`
 * (idempotent create, unique reference, capture with optimistic locking, a refund transaction, a
 * listing, the audit chain), then the raw tables: no plaintext card number and no CVV anywhere, one
 * payment per idempotency key, and the idempotency record holding no key or payload in clear. Then
 * what the story does not reach: a listing over more than one page (an opaque cursor) and a create
 * refused by validation before anything is written.
 */
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

/** A handler's answer. */
export interface Answer {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
}

/** What `main()` returns, in both implementations. */
export interface PaymentStory {
  readonly id: string;
  readonly merchantId: string;
  readonly created: Answer;
  readonly retried: Answer;
  readonly mismatch: Answer;
  readonly duplicate: Answer;
  readonly captured: Answer;
  readonly stale: Answer;
  readonly refunded: Answer;
  readonly tooMuch: Answer;
  readonly listed: Answer;
  readonly chain: { readonly ok: boolean; readonly records: number };
}

/** A started implementation: its story, its client (to read the raw tables) and a way to call its handlers. */
export interface RunningPayments {
  readonly story: PaymentStory;
  readonly client: DynamoDBClient;
  invoke(handler: 'create' | 'capture' | 'list', body: Record<string, unknown>, headers?: Record<string, string>): Promise<Answer>;
  close(): void;
}

/** One implementation under test. */
export interface PaymentImplementation {
  readonly name: string;
  /** The prefix of its table names. */
  readonly tablePrefix: string;
  /** Runs its `main()` with `log`, keeping its database open. */
  start(log: (line: string) => void): Promise<RunningPayments>;
  /** Whether a raw item of the payments table is a payment (it also holds the unique-reference guards). */
  isPayment(item: Record<string, AttributeValue>): boolean;
}

/** Registers the shared tests for `impl`. */
export function paymentContract(impl: PaymentImplementation): void {
  describe(impl.name, () => {
    const lines: string[] = [];
    let running: RunningPayments;
    beforeAll(async () => {
      running = await impl.start((line) => lines.push(line));
    }, 120_000);
    afterAll(() => running?.close());
    const scan = async (table: string) => (await running.client.send(new ScanCommand({ TableName: `${impl.tablePrefix}${table}`, ConsistentRead: true }))).Items ?? [];

    test(`${impl.name}: idempotent, unique, encrypted, audited, and every answer is what the table holds`, async () => {
      const r = running.story;
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
      // A refunded payment (version 3: created, captured, refunded) is never captured again, even
      // with its current version.
      expect(await running.invoke('capture', { id: r.id, version: 3 })).toMatchObject({ statusCode: 409, body: { error: 'NotPending' } });

      // The raw tables: one payment, its guard; nowhere the card number or the CVV in clear.
      const stored = [
        ...(await scan('payment-example')),
        ...(await scan('payment-example-refunds')),
        ...(await scan('payment-example-idempotency')),
        ...(await scan('payment-example-audit')),
      ];
      const text = JSON.stringify(stored, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
      expect(text).not.toContain('4111111111111111');
      expect(text).not.toContain('"123"');
      expect(text).not.toContain(`idem-${r.merchantId}`);
      const payments = (await scan('payment-example')).filter((i) => impl.isPayment(i));
      expect(payments).toHaveLength(1);
      expect(payments[0]?.cvv).toBeUndefined();
      expect(payments[0]?.cardNumber?.B).toBeInstanceOf(Uint8Array);
    });

    test(`${impl.name}: a listing over two pages, through a cursor that shows no key and cannot be altered`, async () => {
      const merchantId = `m_pages_${Date.now().toString(36)}`;
      const ids = new Set<string>();
      for (let i = 0; i < 27; i++) {
        const created = await running.invoke('create', { merchantId, reference: `order-${i}`, amount: 100 + i, currency: 'USD', cardNumber: '5555555555554444', cvv: '321' }, { 'idempotency-key': `pages-${merchantId}-${i}` });
        expect(created.statusCode).toBe(201);
        ids.add(created.body.id as string);
      }
      const first = await running.invoke('list', { merchantId, status: 'pending' });
      expect(first.statusCode).toBe(200);
      expect(first.body.items).toHaveLength(25);
      const cursor = first.body.cursor as string;
      expect(typeof cursor).toBe('string');
      // Neither the text nor any base64 reading of it shows the merchant or a payment id.
      const readings = [cursor, ...cursor.split('.').flatMap((part) => [Buffer.from(part, 'base64url').toString('latin1'), Buffer.from(part, 'base64').toString('latin1')])];
      for (const reading of readings) {
        expect(reading).not.toContain(merchantId);
        for (const id of ids) expect(reading).not.toContain(id);
      }
      const second = await running.invoke('list', { merchantId, status: 'pending', cursor });
      expect(second.statusCode).toBe(200);
      expect(second.body.items).toHaveLength(2);
      expect(second.body.cursor).toBeUndefined();
      const listed = [...(first.body.items as { id: string }[]), ...(second.body.items as { id: string }[])].map((p) => p.id);
      expect(new Set(listed)).toEqual(ids);
      expect(listed).toHaveLength(27);

      // A cursor altered by one character, or used for another query, is refused.
      const flipped = `${cursor.slice(0, 20)}${cursor[20] === 'A' ? 'B' : 'A'}${cursor.slice(21)}`;
      for (const [body, why] of [[{ merchantId, status: 'pending', cursor: flipped }, 'altered'], [{ merchantId, status: 'captured', cursor }, 'another query']] as const) {
        const refused = await running.invoke('list', body);
        expect(refused.statusCode, why).toBe(400);
        expect(refused.body.items, why).toBeUndefined();
      }
    }, 120_000); // 27 creates: a loaded machine needs more than the default

    test(`${impl.name}: an invalid create is refused before anything is written`, async () => {
      const merchantId = `m_invalid_${Date.now().toString(36)}`;
      const order = { merchantId, reference: 'order-1', amount: 500, currency: 'EUR', cardNumber: '4111111111111111', cvv: '123' };
      for (const bad of [{ cvv: '12' }, { cardNumber: '4111-1111' }, { amount: -5 }, { currency: 'XXX' }]) {
        const refused = await running.invoke('create', { ...order, ...bad }, { 'idempotency-key': `invalid-${merchantId}-${Object.keys(bad)[0]}` });
        expect(refused, JSON.stringify(Object.keys(bad))).toMatchObject({ statusCode: 400, body: { error: 'ValidationError' } });
      }
      expect(await running.invoke('create', order)).toMatchObject({ statusCode: 400 }); // no Idempotency-Key
      expect((await scan('payment-example')).filter((i) => i.merchantId?.S === merchantId)).toEqual([]);
      // Once valid, the same key (the first one used) is free: a refused request left nothing behind.
      expect(await running.invoke('create', order, { 'idempotency-key': `invalid-${merchantId}-cvv` })).toMatchObject({ statusCode: 201 });
    });
  });
}
