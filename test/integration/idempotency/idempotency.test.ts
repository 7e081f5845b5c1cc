/**
 * dynamorm/idempotency against DynamoDB Local: one conditional PutItem claims a key (a duplicate gets
 * the record in the way with the failure, no second read); the effect and the completion go out in
 * one TransactWriteItems; duplicates get the stored result; in-progress, payload-mismatch and
 * needs-reconciliation duplicates get typed errors; the owner token fences completion and release;
 * claims expire at the deadline or the timeout, on the database's clock.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attr, model, type DynamORMRequest } from '../../../src/index.js';
import {
  IdempotencyClaimLostError,
  idempotencyHttpStatus,
  IdempotencyInProgressError,
  IdempotencyNeedsReconciliationError,
  IdempotencyNotReconcilableError,
  IdempotencyPayloadMismatchError,
  IdempotencyResultTooLargeError,
  idempotencyStore,
  idempotentHandler,
  makeIdempotent,
  type IdempotentOptions,
} from '../../../src/idempotency/index.js';
import { ConditionalCheckFailedError, TransactionCanceledError, ValidationError, withDeadline } from '../../../src/index.js';
import { invokeLocally } from '../../../src/lambda/index.js';
import { rawItem, recordRequests, testDb } from '../../support/db.js';

const Payment = model('Payment', {
  table: 'payments',
  attributes: { id: attr.string().partitionKey(), amount: attr.cents(), currency: attr.string() },
});

interface PayInput {
  key: string;
  amount: number;
  currency: string;
}

let offsetMs = 0;
const sent: DynamORMRequest[] = [];
const db = testDb({ clock: () => new Date(Date.now() + offsetMs), middleware: [recordRequests(sent)] });
const store = idempotencyStore(db, { table: 'idem' });
const payments = db.model(Payment);
let runs = 0;

/** Creates a payment whose id is the idempotency key, in the completion's transaction. */
function payment(extra: Partial<IdempotentOptions<PayInput>> = {}, body?: (input: PayInput) => Promise<void> | void) {
  return makeIdempotent(
    async (input: PayInput, { tx }) => {
      runs++;
      await body?.(input);
      tx.create(Payment, { id: input.key, amount: input.amount, currency: input.currency });
      return { id: input.key, amount: input.amount, at: 'done' };
    },
    { store, name: 'pay', key: 'key', ...extra },
  );
}

const raw = async (name: string, key: string) => {
  const record = await payment({ name }).record(key);
  return record && rawItem(db, store.model, { id: { S: record.id } });
};

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

beforeAll(async () => {
  await db.tables.create(Payment);
  await db.tables.create(store.model);
});
afterAll(() => db.destroy());

describe('claim, complete, duplicate', () => {
  test('the first call claims with one PutItem and writes the payment with its result in one transaction; a duplicate gets the result from the failed claim alone', async () => {
    const pay = payment();
    runs = 0;
    sent.length = 0;
    const first = await pay({ key: 'k1', amount: 1250, currency: 'EUR' });
    expect(first).toEqual({ id: 'k1', amount: 1250, at: 'done' });
    expect(sent.map((r) => r.operation)).toEqual(['PutItem', 'TransactWriteItems']);
    const claim = sent[0]?.input as { ConditionExpression: string };
    expect(claim.ConditionExpression).toContain('attribute_not_exists');
    const tx = sent[1]?.input as { TransactItems: Record<string, { TableName: string }>[] };
    expect(tx.TransactItems.map((i) => Object.keys(i)[0])).toEqual(['Put', 'Update']);
    expect(tx.TransactItems[1]?.Update?.TableName).toBe(db.tableName(store.model));

    sent.length = 0;
    const again = await pay({ key: 'k1', amount: 1250, currency: 'EUR' });
    expect(again).toEqual(first);
    expect(runs).toBe(1);
    // The failed claim returned the record (ALL_OLD): no GetItem, no second write.
    expect(sent.map((r) => r.operation)).toEqual(['PutItem']);
    expect(sent[0]?.input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    expect(await payments.get({ id: 'k1' })).toMatchObject({ amount: 1250 });
  });

  test('the record holds hashes, not the key or the payload; times are epoch ms, the TTL epoch seconds derived from them', async () => {
    const pay = payment({ name: 'times', expiresAfterMs: 3_600_000 });
    const before = Date.now() + offsetMs;
    await pay({ key: 'card-4111111111111111', amount: 5, currency: 'EUR' });
    const item = await raw('times', 'card-4111111111111111');
    // Only the result (what the function returned, here the key itself) may hold it.
    const { result, ...rest } = item ?? {};
    expect(result?.S).toContain('4111111111111111');
    expect(JSON.stringify(rest)).not.toContain('4111111111111111');
    expect(item?.id?.S).toMatch(/^times#[0-9a-f]{64}$/);
    expect(item?.hash?.S).toMatch(/^[0-9a-f]{64}$/);
    expect(item?.status?.S).toBe('COMPLETED');
    const expiresAt = Number(item?.expiresAt?.N);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(expiresAt).toBeLessThan(before + 3_600_000 + 5_000);
    expect(Number(item?.ttl?.N)).toBe(Math.ceil(expiresAt / 1000));
  });

  test('same key, different payload: IdempotencyPayloadMismatchError, nothing run, and no value in the message', async () => {
    const pay = payment({ name: 'mismatch' });
    runs = 0;
    await pay({ key: 'm1', amount: 100, currency: 'EUR' });
    const error = await pay({ key: 'm1', amount: 99999, currency: 'EUR' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyPayloadMismatchError);
    expect(runs).toBe(1);
    expect(idempotencyHttpStatus(error)).toBe(422);
    const shown = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(shown).not.toContain('99999');
    expect(shown).not.toContain('m1');
  });

  test('the function mutating its input does not change the stored hash: the original payload is a duplicate', async () => {
    const pay = payment({ name: 'mutate' }, (input) => {
      input.amount = 1; // after the claim: too late to change the key or the hash
      input.key = 'other';
    });
    runs = 0;
    const first = await pay({ key: 'mu1', amount: 700, currency: 'EUR' });
    expect(first).toMatchObject({ id: 'other', amount: 1 });
    const again = await pay({ key: 'mu1', amount: 700, currency: 'EUR' });
    expect(again).toEqual(first);
    expect(runs).toBe(1);
    await expect(pay({ key: 'mu1', amount: 1, currency: 'EUR' })).rejects.toBeInstanceOf(IdempotencyPayloadMismatchError);
  });

  test('the payload option hashes only what must match; the key order of the payload does not matter', async () => {
    const pay = payment({ name: 'payload', payload: (i) => ({ currency: i.currency, amount: i.amount }) });
    runs = 0;
    await pay({ key: 'p1', amount: 10, currency: 'EUR' });
    expect(await pay({ currency: 'EUR', amount: 10, key: 'p1' })).toMatchObject({ id: 'p1' });
    expect(runs).toBe(1);
  });

  test('a function that collects no write completes with one fenced UpdateItem', async () => {
    let count = 0;
    const ping = makeIdempotent(async (input: { id: string }) => ({ n: ++count, id: input.id }), { store, name: 'ping', key: 'id' });
    sent.length = 0;
    expect(await ping({ id: 'x' })).toEqual({ n: 1, id: 'x' });
    expect(sent.map((r) => r.operation)).toEqual(['PutItem', 'UpdateItem']);
    expect(await ping({ id: 'x' })).toEqual({ n: 1, id: 'x' });
    const none = makeIdempotent(async () => undefined, { store, name: 'none', key: 'id' });
    expect(await none({ id: 'y' })).toBeUndefined();
    expect(await none({ id: 'y' })).toBeUndefined();
  });

  test('a missing key is a ValidationError before anything is sent', async () => {
    sent.length = 0;
    const error = await payment()({ key: '', amount: 1, currency: 'EUR' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(idempotencyHttpStatus(error)).toBe(400);
    expect(sent).toHaveLength(0);
  });
});

describe('in progress and failures', () => {
  test('a duplicate while the first runs gets IdempotencyInProgressError (409) with the time left on the claim', async () => {
    const g = gate();
    const pay = payment({ name: 'busy', inProgressTimeoutMs: 30_000 }, () => g.opened);
    runs = 0;
    const first = pay({ key: 'b1', amount: 1, currency: 'EUR' });
    await new Promise((r) => setTimeout(r, 100));
    const error = await pay({ key: 'b1', amount: 1, currency: 'EUR' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyInProgressError);
    expect((error as IdempotencyInProgressError).retryAfterMs).toBeGreaterThan(25_000);
    expect(idempotencyHttpStatus(error)).toBe(409);
    g.open();
    await first;
    expect(await pay({ key: 'b1', amount: 1, currency: 'EUR' })).toMatchObject({ id: 'b1' });
    expect(runs).toBe(1);
  });

  test('a failing function releases its claim: a retry runs it', async () => {
    let fail = true;
    const pay = payment({ name: 'fails' }, () => {
      if (fail) throw new Error('provider down');
    });
    runs = 0;
    await expect(pay({ key: 'f1', amount: 1, currency: 'EUR' })).rejects.toThrow('provider down');
    expect(await raw('fails', 'f1')).toBeUndefined();
    fail = false;
    expect(await pay({ key: 'f1', amount: 1, currency: 'EUR' })).toMatchObject({ id: 'f1' });
    expect(runs).toBe(2);
  });

  test("writes refused by DynamoDB (the payment exists) fail the call, release the claim and write no result", async () => {
    await payments.create({ id: 'taken', amount: 1, currency: 'EUR' });
    const pay = payment({ name: 'refused' });
    const error = await pay({ key: 'taken', amount: 2, currency: 'EUR' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledError);
    expect(await raw('refused', 'taken')).toBeUndefined();
    expect(await payments.get({ id: 'taken' })).toMatchObject({ amount: 1 });
  });

  test('a result too large to store is refused before the effect is written; the claim is released', async () => {
    const big = makeIdempotent(
      async (input: { id: string }, { tx }) => {
        tx.create(Payment, { id: input.id, amount: 1, currency: 'EUR' });
        return 'x'.repeat(2000);
      },
      { store, name: 'big', key: 'id', maxResultBytes: 1000 },
    );
    const error = await big({ id: 'large' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyResultTooLargeError);
    expect(error).toMatchObject({ bytes: 2002, limit: 1000 });
    expect(await payments.get({ id: 'large' })).toBeUndefined();
    expect(await raw('big', 'large')).toBeUndefined();
  });

  test('lockUntilReconciled: a failed attempt is not re-run; resolveClaim stores the result, releaseClaim lets it run', async () => {
    let fail = true;
    const pay = payment({ name: 'recon', lockUntilReconciled: true }, () => {
      if (fail) throw new Error('timeout at the provider');
    });
    runs = 0;
    await expect(pay({ key: 'r1', amount: 1, currency: 'EUR' })).rejects.toThrow('timeout at the provider');
    fail = false;
    const error = await pay({ key: 'r1', amount: 1, currency: 'EUR' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyNeedsReconciliationError);
    expect(idempotencyHttpStatus(error)).toBe(409);
    expect(runs).toBe(1);
    // The claim never expires by itself.
    expect((await raw('recon', 'r1'))?.ttl).toBeUndefined();
    // The operator found the charge did happen: the result is stored, retries get it.
    await pay.resolveClaim('r1', { id: 'r1', amount: 1, at: 'reconciled' });
    expect(await pay({ key: 'r1', amount: 1, currency: 'EUR' })).toEqual({ id: 'r1', amount: 1, at: 'reconciled' });
    expect(runs).toBe(1);
    await expect(pay.resolveClaim('r1', { id: 'r1', amount: 1, at: 'again' })).rejects.toBeInstanceOf(IdempotencyNotReconcilableError);

    fail = true;
    await expect(pay({ key: 'r2', amount: 1, currency: 'EUR' })).rejects.toThrow();
    fail = false;
    await pay.releaseClaim('r2'); // it did not happen: run it
    expect(await pay({ key: 'r2', amount: 1, currency: 'EUR' })).toMatchObject({ id: 'r2', at: 'done' });
    expect(runs).toBe(3);
  });

  test('an operator cannot settle a live claim', async () => {
    const g = gate();
    const pay = payment({ name: 'live', lockUntilReconciled: true }, () => g.opened);
    const first = pay({ key: 'l1', amount: 1, currency: 'EUR' });
    await new Promise((r) => setTimeout(r, 100));
    await expect(pay.releaseClaim('l1')).rejects.toBeInstanceOf(IdempotencyNotReconcilableError);
    await expect(pay.resolveClaim('l1', { id: 'l1', amount: 1, at: 'x' })).rejects.toBeInstanceOf(IdempotencyNotReconcilableError);
    await expect(pay.releaseClaim('never-claimed')).rejects.toBeInstanceOf(IdempotencyNotReconcilableError);
    g.open();
    await first;
  });
});

describe('fencing and expiry', () => {
  test('a late completion from an attempt whose expired claim was taken over is refused, and its payment is not written', async () => {
    const g = gate();
    const slow = makeIdempotent(
      async (input: { id: string }, { tx }) => {
        await g.opened;
        tx.create(Payment, { id: `${input.id}-slow`, amount: 1, currency: 'EUR' });
        return 'slow';
      },
      { store, name: 'fence', key: 'id', inProgressTimeoutMs: 1_000 },
    );
    const fast = makeIdempotent(
      async (input: { id: string }, { tx }) => {
        tx.create(Payment, { id: `${input.id}-fast`, amount: 1, currency: 'EUR' });
        return 'fast';
      },
      { store, name: 'fence', key: 'id', inProgressTimeoutMs: 1_000 },
    );
    const first = slow({ id: 'fe1' }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await expect(fast({ id: 'fe1' })).rejects.toBeInstanceOf(IdempotencyInProgressError);
    offsetMs += 2_000; // the slow attempt's claim has expired
    try {
      expect(await fast({ id: 'fe1' })).toBe('fast');
      g.open();
      const error = await first;
      expect(error).toBeInstanceOf(IdempotencyClaimLostError);
      expect(idempotencyHttpStatus(error)).toBe(409);
      expect(await payments.get({ id: 'fe1-slow' })).toBeUndefined();
      expect(await payments.get({ id: 'fe1-fast' })).toBeDefined();
      expect(await slow({ id: 'fe1' })).toBe('fast');
    } finally {
      offsetMs -= 2_000;
    }
  });

  test('release by an attempt that no longer owns the claim is refused: the new owner keeps it', async () => {
    const g = gate();
    const failing = makeIdempotent(
      async () => {
        await g.opened;
        throw new Error('late failure');
      },
      { store, name: 'release', key: 'id', inProgressTimeoutMs: 1_000 },
    );
    const g2 = gate();
    const holder = makeIdempotent(async () => g2.opened.then(() => 'holder'), { store, name: 'release', key: 'id', inProgressTimeoutMs: 60_000 });
    const first = failing({ id: 're1' }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    offsetMs += 2_000;
    try {
      const second = holder({ id: 're1' });
      await new Promise((r) => setTimeout(r, 100));
      const owner = (await holder.record('re1'))?.owner;
      g.open();
      expect(await first).toMatchObject({ message: 'late failure' });
      // The late failure's release (conditional on its own token) changed nothing.
      expect((await holder.record('re1'))?.owner).toBe(owner);
      expect((await holder.record('re1'))?.status).toBe('IN_PROGRESS');
      // And directly: the store's fenced release with another token.
      await expect(store.release(owner ? ((await holder.record('re1'))?.id as string) : '', 'not-the-owner')).rejects.toBeInstanceOf(ConditionalCheckFailedError);
      expect((await holder.record('re1'))?.owner).toBe(owner);
      g2.open();
      expect(await second).toBe('holder');
    } finally {
      offsetMs -= 2_000;
    }
  });

  test('inside a deadline the claim lasts until the deadline, measured on the database clock', async () => {
    const pay = payment({ name: 'deadline', inProgressTimeoutMs: 600_000 });
    let lockedUntil = 0;
    const now = Date.now();
    await withDeadline(now + 5_000, async () => {
      const g = gate();
      const probe = makeIdempotent(async () => g.opened, { store, name: 'deadline-probe', key: 'id' });
      const run = probe({ id: 'd1' });
      await new Promise((r) => setTimeout(r, 100));
      lockedUntil = (await probe.record('d1'))?.lockedUntil ?? 0;
      g.open();
      await run;
    });
    expect(lockedUntil).toBeGreaterThan(now + offsetMs + 4_000);
    expect(lockedUntil).toBeLessThanOrEqual(now + offsetMs + 5_100);
    await pay({ key: 'd2', amount: 1, currency: 'EUR' });
  });

  test('idempotentHandler: key from the event by a path through a JSON body, deadline from the Lambda context, stored result for a duplicate', async () => {
    let handled = 0;
    let seenLock = 0;
    const handler = idempotentHandler(
      async (event: { headers: Record<string, string>; body: string }, context, { tx, recordId }) => {
        handled++;
        seenLock = (await store.read(recordId))?.lockedUntil ?? 0;
        const body = JSON.parse(event.body) as { amount: number };
        tx.create(Payment, { id: `h-${event.headers['idempotency-key']}`, amount: body.amount, currency: 'EUR' });
        return { statusCode: 201, body: JSON.stringify({ id: context.awsRequestId ? 'ok' : 'no-context' }) };
      },
      { store, name: 'handler', key: 'body.ref', payload: 'body' },
    );
    const event = { headers: { 'idempotency-key': 'h1' }, body: JSON.stringify({ ref: 'h1', amount: 300 }) };
    const started = Date.now() + offsetMs;
    const first = await invokeLocally(handler, event, { remainingMs: 4_000 });
    expect(first).toEqual({ statusCode: 201, body: '{"id":"ok"}' });
    expect(seenLock).toBeGreaterThan(started + 3_000);
    expect(seenLock).toBeLessThanOrEqual(started + 4_100);
    // Another request id and headers, the same body: the stored answer.
    const again = await invokeLocally(handler, { headers: { 'idempotency-key': 'h1', 'x-retry': '1' }, body: event.body });
    expect(again).toEqual(first);
    expect(handled).toBe(1);
    await expect(invokeLocally(handler, { headers: {}, body: JSON.stringify({ ref: 'h1', amount: 301 }) })).rejects.toBeInstanceOf(
      IdempotencyPayloadMismatchError,
    );
    expect(await payments.get({ id: 'h-h1' })).toMatchObject({ amount: 300 });
  });
});
