/**
 * The test kit of `dynamorm/testing`, used as a user would: a database per test file, fixtures from
 * YAML, a frozen clock, eventual assertions and spies (recording, and answering without sending).
 * The fault proxy it exports is tested in fault-proxy.test.ts; createTestDB starting its own DynamoDB
 * Local is tested by the consumer projects (test/package/consumers/).
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, expectTypeOf, test } from 'vitest';
import { attr, batchWrite, DynamORM, model, putItems, ValidationError, type Item } from '../../src/index.js';
import { assertEventually, createTestDB, freezeTime, loadFixture, spyOn, UnansweredRequestError, type TestDB } from '../../src/testing/index.js';
import { endpoint } from '../support/db.js';

const Customer = model('Customer', { table: 'kit-shop', attributes: { id: attr.string().partitionKey(), name: attr.string() } });
const Payment = model('Payment', {
  table: 'kit-payments',
  attributes: {
    id: attr.string().partitionKey(),
    customerId: attr.string(),
    amount: attr.cents(),
    paidAt: attr.date(),
    tags: attr.stringSet(),
    receipt: attr.binary().optional(),
    createdAt: attr.createdAt(),
    updatedAt: attr.updatedAt(),
    version: attr.version(),
  },
});
const Order = model('Order', {
  table: 'kit-shop',
  attributes: { shopId: attr.string(), id: attr.string(), pk: attr.template('SHOP#{shopId}').partitionKey(), sk: attr.template('ORDER#{id}').sortKey(), total: attr.cents() },
});
const Shop = model('Shop', {
  table: 'kit-shop',
  attributes: { shopId: attr.string(), pk: attr.template('SHOP#{shopId}').partitionKey(), sk: attr.template('PROFILE').sortKey(), name: attr.string() },
});
void Customer;

let t: TestDB;
beforeAll(async () => {
  process.env.DYNAMODB_ENDPOINT = endpoint();
  t = await createTestDB({ models: [Payment, Order, Shop] });
});
afterAll(() => t.destroy());

describe('createTestDB', () => {
  test('a unique table prefix per call, its tables created, and deleted by destroy()', async () => {
    const other = await createTestDB({ models: [Payment] });
    expect(other.tablePrefix).not.toBe(t.tablePrefix);
    expect(other.endpoint).toBe(endpoint());
    // Every page: other test files' tables share this DynamoDB Local (ListTables answers 100 at a time).
    const names = async () => {
      const all: string[] = [];
      let start: string | undefined;
      do {
        const page = await t.db.client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
        all.push(...(page.TableNames ?? []));
        start = page.LastEvaluatedTableName;
      } while (start);
      return all;
    };
    expect(await names()).toEqual(expect.arrayContaining([`${t.tablePrefix}kit-payments`, `${t.tablePrefix}kit-shop`, `${other.tablePrefix}kit-payments`]));
    await other.db.model(Payment).create({ id: 'x', customerId: 'c', amount: 1, paidAt: new Date(), tags: new Set() });
    await other.destroy();
    expect(await names()).not.toContain(`${other.tablePrefix}kit-payments`);
    expect(await names()).toContain(`${t.tablePrefix}kit-payments`);
  });
});

describe('loadFixture', () => {
  test('writes YAML items through the models, typed per model, with YAML values turned into field types', async () => {
    const Shopper = model('Customer', { table: 'kit-payments', attributes: { id: attr.string().partitionKey(), name: attr.string() }, entityType: 'Customer' });
    const loaded = await loadFixture(t.db, 'test/fixtures/payments.yaml', { Payment, Customer: Shopper });
    expectTypeOf(loaded.Payment).toEqualTypeOf<Item<typeof Payment>[]>();
    expect(loaded.Payment).toHaveLength(2);
    const p1 = await t.db.model(Payment).get({ id: 'p1' });
    expect(p1).toMatchObject({ amount: 1250, paidAt: new Date('2026-03-04T05:06:07.000Z'), tags: new Set(['card', 'eu']), receipt: new Uint8Array([0, 1, 2, 255]) });
    expect(loaded.Customer[0]).toMatchObject({ id: 'c1', name: 'Ann' });
    // Loading again gives the same table (put, not create).
    await loadFixture(t.db, 'test/fixtures/payments.yaml', { Payment, Customer: Shopper });
    expect(await t.db.model(Payment).get({ id: 'p2' })).toMatchObject({ amount: 990 });
  });

  test('data that does not fit is refused with the model, the position and the field', async () => {
    const error = await loadFixture(t.db, { Payment: [{ id: 'ok', customerId: 'c', amount: 1, paidAt: '2026-01-01', tags: [] }, { id: 'bad', customerId: 'c', amount: 12.5, paidAt: '2026-01-01', tags: [] }] }, { Payment }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toEqual(['Payment', 1, 'amount']);
    expect(await t.db.model(Payment).get({ id: 'bad' })).toBeUndefined();
    await expect(loadFixture(t.db, { Refund: [] }, { Payment })).rejects.toThrow(/names models it was not given: Refund/);
  });
});

describe('freezeTime', () => {
  test('the database clock and Date stop, move when told, and run again after restore()', async () => {
    const time = freezeTime('2026-05-06T07:08:09.000Z');
    try {
      expect(new Date().toISOString()).toBe('2026-05-06T07:08:09.000Z');
      expect(Date.now()).toBe(Date.parse('2026-05-06T07:08:09.000Z'));
      const created = await t.db.model(Payment).create({ id: 'frozen', customerId: 'c', amount: 5, paidAt: new Date(), tags: new Set() });
      expect(created.createdAt.toISOString()).toBe('2026-05-06T07:08:09.000Z');
      time.advance(60_000);
      const updated = await t.db.model(Payment).update({ id: 'frozen', version: 1 }, { amount: 6 });
      expect(updated.updatedAt.toISOString()).toBe('2026-05-06T07:09:09.000Z');
      expect(new Date('2020-01-01T00:00:00Z').toISOString()).toBe('2020-01-01T00:00:00.000Z');
    } finally {
      time.restore();
    }
    expect(Math.abs(Date.now() - new Date().getTime())).toBeLessThan(1000);
    expect(new Date().getFullYear()).not.toBe(2020);
  });
});

describe('assertEventually', () => {
  test('retries until the assertion passes, and reports the last failure after the time-out', async () => {
    let calls = 0;
    expect(await assertEventually(() => {
      calls++;
      if (calls < 3) throw new Error('not yet');
      return 'done';
    }, { intervalMs: 5 })).toBe('done');
    expect(calls).toBe(3);
    await expect(assertEventually(() => expect(1).toBe(2), { timeoutMs: 60, intervalMs: 10 })).rejects.toThrow(/still failing after \d+ attempts in 60 ms/);
  });
});

describe('spies', () => {
  test('record every request per model, batches and transactions included, decoded into fields', async () => {
    const spy = spyOn(t.db);
    try {
      await t.db.model(Shop).create({ shopId: 's1', name: 'Corner' });
      await t.db.model(Order).create({ shopId: 's1', id: 'o1', total: 100 });
      await batchWrite(t.db, [putItems(Order, [{ shopId: 's1', id: 'o2', total: 200 }, { shopId: 's1', id: 'o3', total: 300 }])]);
      await t.db.transaction((tx) => {
        tx.update(Order, { shopId: 's1', id: 'o1' }, { total: 150 });
        tx.put(Shop, { shopId: 's2', name: 'Kiosk' });
      });
      await t.db.model(Order).get({ shopId: 's1', id: 'o2' });
      await t.db.model(Order).delete({ shopId: 's1', id: 'o3' });
      const orders = spy.of(Order);
      expect(orders.written().map((o) => o.id)).toEqual(['o1', 'o2', 'o3']);
      expectTypeOf(orders.written()).toEqualTypeOf<Item<typeof Order>[]>();
      expect(orders.entries({ action: 'update' })).toEqual([expect.objectContaining({ kind: 'transactWrite', key: expect.objectContaining({ shopId: 's1', id: 'o1' }) })]);
      expect(orders.count({ kind: 'batchWrite' })).toBe(2);
      expect(orders.count({ action: 'get' })).toBe(1);
      expect(orders.count({ action: 'delete' })).toBe(1);
      // The shop's items in the same table are the shop's, not the order's.
      expect(spy.of(Shop).written().map((s) => s.name)).toEqual(['Corner', 'Kiosk']);
      expect(spy.sent({ operation: 'TransactWriteItems' })).toHaveLength(1);
      expect(spy.requests.every((r) => !r.answered)).toBe(true);
    } finally {
      spy.restore();
    }
    await t.db.model(Shop).get({ shopId: 's1' });
    expect(t.db.plugins.some(([name]) => name.startsWith('spy-'))).toBe(false);
  });

  test('offline: answers without sending, typed by model, and refuses what it has no answer for', async () => {
    const db = DynamORM.create({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const spy = spyOn(db, { offline: true });
    spy.of(Order).answerGet({ shopId: 's9', id: 'o9', total: 999 });
    expect(await db.model(Order).get({ shopId: 's9', id: 'o9' })).toMatchObject({ shopId: 's9', id: 'o9', total: 999 });
    spy.of(Order).answerQuery([{ shopId: 's9', id: 'a', total: 1 }, { shopId: 's9', id: 'b', total: 2 }]);
    expect((await db.model(Order).where('shopId', '=', 's9').all()).map((o) => o.id)).toEqual(['a', 'b']);
    expect(await db.model(Order).create({ shopId: 's9', id: 'new', total: 5 })).toMatchObject({ id: 'new' });
    expect(spy.of(Order).written()).toEqual([expect.objectContaining({ id: 'new', total: 5 })]);
    await expect(db.model(Shop).get({ shopId: 's9' })).rejects.toThrow(UnansweredRequestError);
    expect(spy.requests.every((r) => r.answered)).toBe(true);
    db.destroy();
  });
});
