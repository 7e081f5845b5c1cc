/**
 * Batch get and batch write against DynamoDB Local: typed results per request, deduplicated keys,
 * chunks of 100 keys and 25 writes, `missing` keys, consistent reads only when asked, and bad input
 * (two writes to one key, invalid items, versioned models) refused before anything is sent.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, test } from 'vitest';
import {
  attr,
  deleteKeys,
  DynamORMError,
  getKeys,
  model,
  putItems,
  UnprocessedItemsError,
  ValidationError,
  type DynamORMRequest,
  type Item,
  type KeyInput,
} from '../../src/index.js';
import { recordRequests, testDb } from '../support/db.js';
import { failure } from '../support/failure.js';

const Account = model('Account', {
  table: 'batch-accounts',
  attributes: {
    id: attr.string().partitionKey(),
    owner: attr.string(),
    balance: attr.cents(),
  },
});
type Account = Item<typeof Account>;

const Order = model('Order', {
  table: 'batch-orders',
  attributes: {
    customerId: attr.string().partitionKey(),
    orderId: attr.string().sortKey(),
    total: attr.cents(),
    lines: attr.integer().default(1),
  },
});
type Order = Item<typeof Order>;

// Two models in one table (single-table design): keys built from templates.
const Customer = model('Customer', {
  table: 'batch-shop',
  attributes: {
    pk: attr.template('CUST#{customerId}').partitionKey(),
    sk: attr.template('PROFILE').sortKey(),
    customerId: attr.string(),
    name: attr.string(),
  },
});
const Invoice = model('Invoice', {
  table: 'batch-shop',
  attributes: {
    pk: attr.template('CUST#{customerId}').partitionKey(),
    sk: attr.template('INV#{invoiceId}').sortKey(),
    customerId: attr.string(),
    invoiceId: attr.string(),
    amount: attr.cents(),
  },
});

const Ledger = model('Ledger', {
  table: 'batch-ledger',
  attributes: {
    id: attr.string().partitionKey(),
    amount: attr.cents(),
    version: attr.version(),
  },
});

// A model whose table is never created: DynamoDB refuses any batch that names it (not retryable).
const Ghost = model('Ghost', {
  table: 'batch-ghost',
  attributes: { id: attr.string().partitionKey() },
});

const seen: DynamORMRequest[] = [];
const db = testDb({
  middleware: [recordRequests(seen)],
});

beforeAll(async () => {
  await Promise.all([db.tables.create(Account), db.tables.create(Order), db.tables.create([Customer, Invoice]), db.tables.create(Ledger)]);
});
afterAll(() => db.destroy());
beforeEach(() => {
  seen.length = 0;
});

const pad = (n: number) => String(n).padStart(4, '0');
const accounts = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${pad(i)}`, owner: `o${i}`, balance: i * 100 }));
const orders = (customerId: string, n: number) => Array.from({ length: n }, (_, i) => ({ customerId, orderId: pad(i), total: i + 1 }));

/** Requests of one operation recorded by the middleware. */
const sent = (operation: string) => seen.filter((r) => r.operation === operation);
/** Keys (BatchGetItem) or write requests (BatchWriteItem) in each recorded request, per table. */
function sizes(operation: 'BatchGetItem' | 'BatchWriteItem'): number[] {
  return sent(operation).map((r) => {
    const groups = Object.values(r.input.RequestItems as Record<string, unknown>);
    return groups.reduce<number>((n, g) => n + (operation === 'BatchGetItem' ? (g as { Keys: unknown[] }).Keys.length : (g as unknown[]).length), 0);
  });
}
function sentKeys(): string[] {
  return sent('BatchGetItem').flatMap((r) =>
    Object.entries(r.input.RequestItems as Record<string, { Keys: unknown[] }>).flatMap(([table, g]) => g.Keys.map((k) => `${table}|${JSON.stringify(k)}`)),
  );
}
const byId = <T extends { id: string }>(list: readonly T[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));

describe('batch get', () => {
  test('reads across models with results typed per request, in request slots', async () => {
    const acc = accounts('typed', 3);
    const ord = orders('typed-c', 2);
    await db.batchWrite([putItems(Account, acc), putItems(Order, ord)]);
    seen.length = 0;

    const result = await db.batchGet([getKeys(Order, [{ customerId: 'typed-c', orderId: pad(1) }]), getKeys(Account, acc)]);
    expectTypeOf(result.items).toEqualTypeOf<[Order[], Account[]]>();
    expectTypeOf(result.missing).toEqualTypeOf<[KeyInput<typeof Order>[], KeyInput<typeof Account>[]]>();
    expect(result.items[0]).toEqual([{ customerId: 'typed-c', orderId: pad(1), total: 2, lines: 1 }]);
    expect(byId(result.items[1])).toEqual(acc);
    expect(result.missing).toEqual([[], []]);
    expect(sent('BatchGetItem')).toHaveLength(1);

    // The model handle reads one model the same way.
    const one = await db.model(Account).batchGet([{ id: acc[0]!.id }, { id: 'typed-none' }]);
    expectTypeOf(one.items).toEqualTypeOf<Account[]>();
    expect(one.items).toEqual([acc[0]]);
    expect(one.missing).toEqual([{ id: 'typed-none' }]);
  });

  test('two models sharing one table are told apart and decoded with their own model', async () => {
    await db.model(Customer).create({ customerId: 'st1', name: 'Ada' });
    await db.batchWrite([putItems(Invoice, [{ customerId: 'st1', invoiceId: 'i1', amount: 10 }, { customerId: 'st1', invoiceId: 'i2', amount: 20 }])]);
    const result = await db.batchGet([
      getKeys(Invoice, [{ customerId: 'st1', invoiceId: 'i2' }, { customerId: 'st1', invoiceId: 'i9' }]),
      getKeys(Customer, [{ customerId: 'st1' }]),
    ]);
    expect(result.items[0]).toEqual([{ pk: 'CUST#st1', sk: 'INV#i2', customerId: 'st1', invoiceId: 'i2', amount: 20 }]);
    expect(result.items[1]).toEqual([{ pk: 'CUST#st1', sk: 'PROFILE', customerId: 'st1', name: 'Ada' }]);
    expect(result.missing[0]).toEqual([{ customerId: 'st1', invoiceId: 'i9' }]);
    expect(result.missing[1]).toEqual([]);
    expect(sent('BatchGetItem')).toHaveLength(1);
  });

  test('a key asked for twice (in one request or in two) is sent once and answered everywhere', async () => {
    const acc = accounts('dup', 3);
    await db.model(Account).batchPut(acc);
    seen.length = 0;
    const [a0, a1, a2] = acc as [Account, Account, Account];
    const result = await db.batchGet([
      getKeys(Account, [{ id: a0.id }, a1, { id: a0.id }, { id: 'dup-missing' }, { id: 'dup-missing' }]),
      getKeys(Account, [a0, a2]),
    ]);
    const keys = sentKeys();
    expect(keys).toHaveLength(4); // a0, a1, a2, dup-missing
    expect(new Set(keys).size).toBe(4);
    expect(byId(result.items[1])).toEqual([a0, a2]);
    // Each request gets its distinct keys, in the order it gave them (a0 was asked twice in the first).
    expect(result.items[0]).toEqual([a0, a1]);
    expect(result.missing[0]).toEqual([{ id: 'dup-missing' }]);
    expect(result.missing[1]).toEqual([]);
  });

  test('more than 100 keys go out in chunks of at most 100, and every item comes back', async () => {
    const acc = accounts('chunk', 230);
    await db.model(Account).batchPut(acc);
    seen.length = 0;
    const result = await db.model(Account).batchGet(acc.map(({ id }) => ({ id })));
    expect(sizes('BatchGetItem').sort((a, b) => b - a)).toEqual([100, 100, 30]);
    expect(byId(result.items)).toEqual(acc);
    expect(result.missing).toEqual([]);

    // Across models, the chunks hold up to 100 keys in all, not per table.
    const ord = orders('chunk-c', 120);
    await db.model(Order).batchPut(ord);
    seen.length = 0;
    const mixed = await db.batchGet([getKeys(Account, acc.slice(0, 90)), getKeys(Order, ord)]);
    expect(sizes('BatchGetItem').reduce((a, b) => a + b, 0)).toBe(210);
    expect(Math.max(...sizes('BatchGetItem'))).toBeLessThanOrEqual(100);
    expect(sizes('BatchGetItem')).toHaveLength(3);
    expect(mixed.items[0]).toHaveLength(90);
    expect(mixed.items[1].map((o) => o.orderId).sort()).toEqual(ord.map((o) => o.orderId));
  });

  test('missing lists exactly the keys that were not found, as key fields', async () => {
    const acc = accounts('miss', 150);
    const stored = acc.filter((_, i) => i % 3 !== 0);
    await db.model(Account).batchPut(stored);
    const result = await db.batchGet([getKeys(Account, acc), getKeys(Order, [{ customerId: 'miss-c', orderId: '1' }])]);
    expect(byId(result.items[0])).toEqual(stored);
    const expected = acc.filter((_, i) => i % 3 === 0).map(({ id }) => ({ id }));
    expect(byId(result.missing[0])).toEqual(expected);
    expect(result.missing[1]).toEqual([{ customerId: 'miss-c', orderId: '1' }]);
  });

  test('reads are eventually consistent unless asked; consistent reads are sent as such', async () => {
    const acc = accounts('cons', 2);
    await db.model(Account).batchPut(acc);
    seen.length = 0;
    await db.model(Account).batchGet([acc[0]!]);
    const plain = sent('BatchGetItem')[0]?.input.RequestItems as Record<string, { ConsistentRead?: boolean }>;
    expect(plain[db.tableName(Account)]?.ConsistentRead).toBeUndefined();

    seen.length = 0;
    const result = await db.batchGet([getKeys(Account, acc, { consistent: true }), getKeys(Order, [{ customerId: 'x', orderId: 'y' }])]);
    expect(byId(result.items[0])).toEqual(acc);
    const items = sent('BatchGetItem')[0]?.input.RequestItems as Record<string, { ConsistentRead?: boolean }>;
    expect(items[db.tableName(Account)]?.ConsistentRead).toBe(true);
    expect(items[db.tableName(Order)]?.ConsistentRead).toBeUndefined();

    // A write is visible at once to a consistent batch read.
    await db.model(Account).update({ id: acc[1]!.id }, { balance: 777 });
    const after = await db.model(Account).batchGet([{ id: acc[1]!.id }], { consistent: true });
    expect(after.items[0]?.balance).toBe(777);
  });

  test('an invalid key is refused before anything is sent', async () => {
    const error = await failure(db.batchGet([getKeys(Account, [{ id: 'ok' }]), getKeys(Order, [{ customerId: 'c' } as never])]));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).path).toEqual(['orderId']);
    expect(seen).toHaveLength(0);
  });
});

describe('batch write', () => {
  const readAccount = (id: string) => db.model(Account).get({ id }, { consistent: true });

  test('puts and deletes across models, 25 writes a request at most', async () => {
    const old = orders('bw-c', 10);
    await db.model(Order).batchPut(old);
    seen.length = 0;
    const acc = accounts('bw', 60);
    const result = await db.batchWrite([putItems(Account, acc), deleteKeys(Order, old.map(({ customerId, orderId }) => ({ customerId, orderId })))]);
    expect(result).toEqual({ written: 70 });
    expect(sizes('BatchWriteItem').sort((a, b) => b - a)).toEqual([25, 25, 20]);
    const back = await db.model(Account).batchGet(acc, { consistent: true });
    expect(byId(back.items)).toEqual(acc);
    expect(await db.model(Order).where('customerId', '=', 'bw-c').count()).toBe(0);
  });

  test('model handles: batchPut, batchGet and batchDelete of any number of items', async () => {
    const acc = accounts('mh', 53);
    expect(await db.model(Account).batchPut(acc)).toEqual({ written: 53 });
    expect(sizes('BatchWriteItem')).toEqual([25, 25, 3]);
    expect((await db.model(Account).batchGet(acc)).items).toHaveLength(53);
    expect(await db.model(Account).batchDelete(acc.slice(0, 50))).toEqual({ written: 50 });
    const left = await db.model(Account).batchGet(acc, { consistent: true });
    expect(byId(left.items)).toEqual(acc.slice(50));
    expect(left.missing).toHaveLength(50);
    // Puts replace whole items (an unversioned put is a plain overwrite).
    await db.model(Account).batchPut([{ id: acc[51]!.id, owner: 'new', balance: 1 }]);
    expect(await readAccount(acc[51]!.id)).toEqual({ id: acc[51]!.id, owner: 'new', balance: 1 });
  });

  test('an empty batch sends nothing', async () => {
    expect(await db.batchWrite([putItems(Account, [])])).toEqual({ written: 0 });
    expect((await db.batchGet([getKeys(Account, [])])).items).toEqual([[]]);
    expect(seen).toHaveLength(0);
  });

  test('two writes to one key in one call are refused before anything is sent', async () => {
    const acc = accounts('twice', 40);
    const cases = [
      // the same key put twice, far apart (different chunks)
      () => db.batchWrite([putItems(Account, [...acc, { ...acc[0]!, owner: 'again' }])]),
      // a put and a delete of one key, in two requests
      () => db.batchWrite([putItems(Account, acc), deleteKeys(Account, [{ id: acc[39]!.id }])]),
      // one key deleted twice
      () => db.model(Order).batchDelete([{ customerId: 'twice-c', orderId: '1' }, { customerId: 'twice-c', orderId: '1' }]),
    ];
    for (const attempt of cases) {
      const error = await failure(attempt());
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).rule).toBe('duplicate-key');
    }
    expect(sent('BatchWriteItem')).toHaveLength(0);
    expect(await readAccount(acc[0]!.id)).toBeUndefined();

    // Same partition key, different sort keys: two items, not a duplicate.
    expect(await db.model(Order).batchPut([{ customerId: 'twice-c', orderId: '1', total: 1 }, { customerId: 'twice-c', orderId: '2', total: 2 }])).toEqual({ written: 2 });
  });

  test('an invalid item anywhere is refused before anything is sent: nothing half-written', async () => {
    const acc = accounts('invalid', 60);
    const bad = [...acc.slice(0, 55), { id: 'invalid-bad', owner: 'x', balance: 1.5 }, ...acc.slice(55)];
    const error = await failure(db.batchWrite([putItems(Order, orders('invalid-c', 30)), putItems(Account, bad)]));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).path).toEqual(['balance']);
    // Unknown fields and missing required fields are refused too.
    expect(await failure(db.model(Account).batchPut([{ id: 'invalid-x', owner: 'x', balance: 1, extra: 1 } as never]))).toBeInstanceOf(ValidationError);
    expect(await failure(db.model(Account).batchPut([{ id: 'invalid-y', balance: 1 } as never]))).toBeInstanceOf(ValidationError);
    expect(await failure(db.model(Account).batchDelete([{ id: 'ok' }, {} as never]))).toBeInstanceOf(ValidationError);
    expect(seen).toHaveLength(0);
    const back = await db.batchGet([getKeys(Account, acc, { consistent: true }), getKeys(Order, orders('invalid-c', 30), { consistent: true })]);
    expect(back.items).toEqual([[], []]);
  });

  test('a failure that cannot be retried stops the batch: nothing is sent after the call has failed', async () => {
    const acc = accounts('stop', 300); // 13 chunks; the first one also names a missing table
    const error = await failure(db.batchWrite([putItems(Ghost, [{ id: 'g1' }]), putItems(Account, acc)]));
    expect(error).toBeInstanceOf(DynamORMError);
    expect(error).not.toBeInstanceOf(UnprocessedItemsError);
    const sentAtFailure = sent('BatchWriteItem').length;
    const storedAtFailure = (await db.model(Account).batchGet(acc, { consistent: true })).items.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    // The batch stopped: the calls in flight finished, no new one started, and none went out after.
    expect(sentAtFailure).toBeLessThan(13);
    expect(sent('BatchWriteItem').length).toBe(sentAtFailure);
    expect((await db.model(Account).batchGet(acc, { consistent: true })).items.length).toBe(storedAtFailure);
  });

  test('versioned models are refused (a batch write cannot check versions), before anything is sent', async () => {
    const acc = accounts('ver', 3);
    const cases = [
      () => db.model(Ledger).batchPut([{ id: 'l1', amount: 1 }]),
      () => db.model(Ledger).batchDelete([{ id: 'l1' }]),
      () => db.batchWrite([putItems(Account, acc), putItems(Ledger, [{ id: 'l2', amount: 2 }])]),
    ];
    for (const attempt of cases) {
      const error = await failure(attempt());
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).rule).toBe('versioned-batch');
    }
    expect(seen).toHaveLength(0);
    expect(await readAccount(acc[0]!.id)).toBeUndefined();
    // Batch reads of versioned models are fine.
    await db.model(Ledger).create({ id: 'l3', amount: 3 });
    expect((await db.model(Ledger).batchGet([{ id: 'l3' }])).items).toEqual([{ id: 'l3', amount: 3, version: 1 }]);
  });
});
