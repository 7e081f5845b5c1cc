/**
 * Collections against DynamoDB Local: several models in one table under one partition key, read with
 * one Query and returned as a union tagged by model (all, grouped, stream, page with cursor, limit,
 * order), items of models not in the list skipped, collections over a shared GSI, and the errors for
 * models that cannot form a collection.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, test } from 'vitest';
import {
  attr,
  InvalidCursorError,
  model,
  ModelDefinitionError,
  putItems,
  ValidationError,
  type CollectionItem,
  type DynamORMRequest,
  type Item,
} from '../../src/index.js';
import { recordRequests, testDb } from '../support/db.js';

const Customer = model('Customer', {
  table: 'shop',
  attributes: {
    pk: attr.template('CUST#{customerId}').partitionKey(),
    sk: attr.template('PROFILE').sortKey(),
    customerId: attr.string(),
    name: attr.string(),
  },
});
const Payment = model('Payment', {
  table: 'shop',
  attributes: {
    pk: attr.template('CUST#{customerId}').partitionKey(),
    sk: attr.template('PAY#{paymentId}').sortKey(),
    gsi1pk: attr.template('MERCHANT#{merchantId}'),
    gsi1sk: attr.template('PAY#{paymentId}'),
    customerId: attr.string(),
    paymentId: attr.string(),
    merchantId: attr.string(),
    amount: attr.cents(),
    status: attr.enum(['pending', 'completed']),
  },
  indexes: { byMerchant: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' } },
});
const Refund = model('Refund', {
  table: 'shop',
  attributes: {
    pk: attr.template('CUST#{customerId}').partitionKey(),
    sk: attr.template('REF#{refundId}').sortKey(),
    gsi1pk: attr.template('MERCHANT#{merchantId}'),
    gsi1sk: attr.template('REF#{refundId}'),
    customerId: attr.string(),
    refundId: attr.string(),
    merchantId: attr.string(),
    amount: attr.cents(),
    reason: attr.string(),
  },
  indexes: { byMerchant: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' } },
});
/** In the same partition, but not part of the collections below. */
const Note = model('Note', {
  table: 'shop',
  attributes: {
    pk: attr.template('CUST#{customerId}').partitionKey(),
    sk: attr.template('NOTE#{noteId}').sortKey(),
    customerId: attr.string(),
    noteId: attr.string(),
    text: attr.string(),
  },
});
/** Writes no entity attribute: its items cannot be told apart, so collections skip them. */
const Legacy = model('Legacy', {
  table: 'shop',
  entityAttribute: false,
  attributes: {
    pk: attr.template('CUST#{customerId}').partitionKey(),
    sk: attr.template('PAY#{paymentId}#OLD').sortKey(),
    customerId: attr.string(),
    paymentId: attr.string(),
  },
});
type Customer = Item<typeof Customer>;
type Payment = Item<typeof Payment>;
type Refund = Item<typeof Refund>;

const requests: DynamORMRequest[] = [];
const db = testDb({
  cursorSecret: 'collection-tests-cursor-secret-0123456',
  middleware: [recordRequests(requests)],
});
const shop = db.collection([Customer, Payment, Refund]);

const pad = (n: number) => String(n).padStart(3, '0');
const payments = Array.from({ length: 25 }, (_, i) => ({
  customerId: 'c1',
  paymentId: pad(i),
  merchantId: i % 2 ? 'm1' : 'm2',
  amount: 100 + i,
  status: (i % 3 ? 'completed' : 'pending') as Payment['status'],
}));
const refunds = Array.from({ length: 6 }, (_, i) => ({ customerId: 'c1', refundId: pad(i), merchantId: 'm1', amount: 10 + i, reason: `reason ${i}` }));
const notes = Array.from({ length: 4 }, (_, i) => ({ customerId: 'c1', noteId: pad(i), text: `note ${i}` }));
const legacy = Array.from({ length: 3 }, (_, i) => ({ customerId: 'c1', paymentId: pad(i) }));
const c2Payments = Array.from({ length: 3 }, (_, i) => ({ customerId: 'c2', paymentId: pad(i), merchantId: 'm1', amount: 900 + i, status: 'completed' as const }));

/** The expected c1 collection, in sort key order: PAY#..., PROFILE, REF#... (NOTE# and the legacy items are skipped). */
const label = (x: CollectionItem<[typeof Customer, typeof Payment, typeof Refund]>) =>
  x.model === 'Customer' ? `Customer:${x.item.customerId}` : x.model === 'Payment' ? `Payment:${x.item.paymentId}` : `Refund:${x.item.refundId}`;
const expectedC1 = [...payments.map((p) => `Payment:${p.paymentId}`), 'Customer:c1', ...refunds.map((r) => `Refund:${r.refundId}`)];

beforeAll(async () => {
  await db.tables.create([Customer, Payment, Refund, Note, Legacy]);
  await db.batchWrite([
    putItems(Customer, [
      { customerId: 'c1', name: 'Ada' },
      { customerId: 'c2', name: 'Grace' },
    ]),
    putItems(Payment, [...payments, ...c2Payments]),
    putItems(Refund, refunds),
    putItems(Note, notes),
    putItems(Legacy, legacy),
  ]);
});
afterAll(() => db.destroy());
beforeEach(() => {
  requests.length = 0;
});

describe('reading a collection', () => {
  test('all() returns the union tagged by model, in sort key order, with one Query', async () => {
    const items = await shop.all({ customerId: 'c1' });
    expect(items.map(label)).toEqual(expectedC1);
    expect(requests.map((r) => r.operation)).toEqual(['Query']);
    let total = 0;
    for (const x of items) {
      // The union narrows on `model`.
      if (x.model === 'Payment') {
        expectTypeOf(x.item).toEqualTypeOf<Payment>();
        total += x.item.amount;
      } else if (x.model === 'Refund') {
        expectTypeOf(x.item).toEqualTypeOf<Refund>();
        expect(x.item.reason).toMatch(/^reason /);
      } else {
        expectTypeOf(x.item).toEqualTypeOf<Customer>();
        expect(x.item.name).toBe('Ada');
      }
    }
    expect(total).toBe(payments.reduce((s, p) => s + p.amount, 0));
    const payment = items.find((x) => x.model === 'Payment');
    expect(payment?.item).toEqual({ ...payments[0], pk: 'CUST#c1', sk: 'PAY#000', gsi1pk: 'MERCHANT#m2', gsi1sk: 'PAY#000' });
    // Another partition.
    expect((await shop.all({ customerId: 'c2' })).map(label)).toEqual([...c2Payments.map((p) => `Payment:${p.paymentId}`), 'Customer:c2']);
    expect(await shop.all({ customerId: 'nobody' })).toEqual([]);
  });

  test('items of models not in the list are skipped', async () => {
    const partial = await db.collection([Payment, Note]).all({ customerId: 'c1' });
    expect(partial.map((x) => x.model)).toEqual([...notes.map(() => 'Note'), ...payments.map(() => 'Payment')]);
    const single = await db.collection([Refund]).all({ customerId: 'c1' });
    expect(single.map((x) => x.item.refundId)).toEqual(refunds.map((r) => r.refundId));
  });

  test('grouped() returns typed groups per model', async () => {
    const groups = await shop.grouped({ customerId: 'c1' });
    expectTypeOf(groups.Payment).toEqualTypeOf<Payment[]>();
    expectTypeOf(groups.Customer).toEqualTypeOf<Customer[]>();
    expect(Object.keys(groups).sort()).toEqual(['Customer', 'Payment', 'Refund']);
    expect(groups.Customer.map((c) => c.name)).toEqual(['Ada']);
    expect(groups.Payment.map((p) => p.paymentId)).toEqual(payments.map((p) => p.paymentId));
    expect(groups.Refund.map((r) => r.amount)).toEqual(refunds.map((r) => r.amount));
    const empty = await shop.grouped({ customerId: 'nobody' });
    expect(empty).toEqual({ Customer: [], Payment: [], Refund: [] });
  });

  test('stream() yields every item once and stops when the consumer does', async () => {
    const seen: string[] = [];
    for await (const x of shop.stream({ customerId: 'c1' })) seen.push(label(x));
    expect(seen).toEqual(expectedC1);
    requests.length = 0;
    const firstThree: string[] = [];
    for await (const x of shop.limit(100).stream({ customerId: 'c1' })) {
      firstThree.push(label(x));
      if (firstThree.length === 3) break;
    }
    expect(firstThree).toEqual(expectedC1.slice(0, 3));
    expect(requests).toHaveLength(1);
  });

  test('limit(n) and order(desc)', async () => {
    expect((await shop.limit(5).all({ customerId: 'c1' })).map(label)).toEqual(expectedC1.slice(0, 5));
    expect((await shop.order('desc').all({ customerId: 'c1' })).map(label)).toEqual([...expectedC1].reverse());
    expect((await shop.order('desc').limit(8).all({ customerId: 'c1' })).map(label)).toEqual([...expectedC1].reverse().slice(0, 8));
    expect(requests.filter((r) => r.input.ScanIndexForward === false)).toHaveLength(2);
    expect(() => shop.limit(0)).toThrow(ValidationError);
    expect(() => shop.limit(2.5)).toThrow(ValidationError);
    expect(() => shop.order('sideways' as 'asc')).toThrow(ValidationError);
  });

  test('a collection over a GSI shared by the models', async () => {
    const byMerchant = db.collection([Payment, Refund], { index: 'byMerchant' });
    const items = await byMerchant.all({ merchantId: 'm1' });
    const expected = [
      ...[...payments, ...c2Payments].filter((p) => p.merchantId === 'm1').map((p) => `Payment:${p.customerId}/${p.paymentId}`),
      ...refunds.map((r) => `Refund:${r.customerId}/${r.refundId}`),
    ];
    const got = items.map((x) => (x.model === 'Payment' ? `Payment:${x.item.customerId}/${x.item.paymentId}` : `Refund:${x.item.customerId}/${x.item.refundId}`));
    expect([...got].sort()).toEqual([...expected].sort());
    expect(got.indexOf('Refund:c1/000')).toBeGreaterThan(got.lastIndexOf('Payment:c2/002'));
    expect(requests[0]?.input.IndexName).toBe('gsi1');
  });
});

describe('page() with cursors', () => {
  const walk = async (collection: typeof shop, values: Record<string, unknown>) => {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await collection.page(values, cursor);
      pages.push(page.items.map(label));
      cursor = page.cursor;
    } while (cursor !== undefined && pages.length < 100);
    expect(cursor).toBeUndefined();
    return pages;
  };

  test('a limit walks every item exactly once, in both orders', async () => {
    for (const [order, limit] of [
      ['asc', 4],
      ['desc', 4],
      ['asc', 1],
      ['desc', 7],
      ['asc', 32],
    ] as const) {
      const pages = await walk(shop.order(order).limit(limit), { customerId: 'c1' });
      const expected = order === 'asc' ? expectedC1 : [...expectedC1].reverse();
      expect(pages.flat()).toEqual(expected);
      for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
      expect(pages.length).toBe(Math.ceil(expected.length / limit));
    }
  });

  test('without a limit, one DynamoDB page: everything and no cursor', async () => {
    const page = await shop.page({ customerId: 'c1' });
    expect(page.items.map(label)).toEqual(expectedC1);
    expect(page.cursor).toBeUndefined();
  });

  test('tampered and foreign cursors are refused before sending', async () => {
    const { cursor } = await shop.limit(5).page({ customerId: 'c1' });
    expect(cursor).toBeTypeOf('string');
    // The key (CUST#c1) is not readable from the cursor, as text or once base64 is undone. (A bare
    // 'c1' may turn up by chance in the random base64 text: that says nothing.)
    for (const part of (cursor as string).split('.')) {
      expect(part).not.toContain('CUST#c1');
      expect(Buffer.from(part, 'base64url').toString('latin1')).not.toContain('CUST#c1');
    }
    expect(cursor).not.toContain('PAY');
    const c = cursor as string;
    requests.length = 0;
    const refused: [string, () => Promise<unknown>][] = [
      ['flipped', () => shop.limit(5).page({ customerId: 'c1' }, c.slice(0, 10) + (c[10] === 'A' ? 'B' : 'A') + c.slice(11))],
      ['truncated', () => shop.limit(5).page({ customerId: 'c1' }, c.slice(0, -3))],
      ['appended', () => shop.limit(5).page({ customerId: 'c1' }, `${c}AA`)],
      ['garbage', () => shop.limit(5).page({ customerId: 'c1' }, 'not-a-cursor')],
      ['empty', () => shop.limit(5).page({ customerId: 'c1' }, '')],
      ['another partition', () => shop.limit(5).page({ customerId: 'c2' }, c)],
      ['another order', () => shop.order('desc').limit(5).page({ customerId: 'c1' }, c)],
      ['other models', () => db.collection([Customer, Payment]).limit(5).page({ customerId: 'c1' }, c)],
      ['a query of one model', () => db.model(Payment).where('customerId', '=', 'c1').limit(5).page(c)],
    ];
    for (const [what, page] of refused) {
      const error = await page().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, what).toBeInstanceOf(InvalidCursorError);
    }
    expect(requests).toHaveLength(0);
    // A model query's cursor does not open a collection page either.
    const queryCursor = (await db.model(Payment).where('customerId', '=', 'c1').limit(5).page()).cursor as string;
    requests.length = 0;
    await expect(shop.limit(5).page({ customerId: 'c1' }, queryCursor)).rejects.toBeInstanceOf(InvalidCursorError);
    expect(requests).toHaveLength(0);
  });
});

describe('models that cannot form a collection', () => {
  test('models in different tables', () => {
    const Elsewhere = model('Elsewhere', {
      table: 'elsewhere',
      attributes: { pk: attr.template('CUST#{customerId}').partitionKey(), sk: attr.string().sortKey(), customerId: attr.string() },
    });
    // Refused by the compiler when the tables are literal types, and at run time when the types were forced.
    // @ts-expect-error models of different tables
    expect(() => db.collection([Customer, Elsewhere])).toThrow(ModelDefinitionError);
    // @ts-expect-error models of different tables
    expect(() => db.collection([Customer, Elsewhere])).toThrow(/different tables/);
  });

  test('models that do not share the partition key attribute', () => {
    const OtherKey = model('OtherKey', { table: 'shop', attributes: { id: attr.string().partitionKey(), customerId: attr.string() } });
    expect(() => db.collection([Customer, OtherKey])).toThrow(/do not share the partition key/);
  });

  test('models whose templates build another partition key from the same values', async () => {
    const Account = model('Account', {
      table: 'shop',
      attributes: { pk: attr.template('ACCT#{customerId}').partitionKey(), sk: attr.template('ACCOUNT').sortKey(), customerId: attr.string() },
    });
    const mixed = db.collection([Customer, Account]);
    const error = await mixed.all({ customerId: 'c1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.rule)).toContain('collection-key');
    expect(requests).toHaveLength(0);
  });

  test('missing or wrong partition values are a ValidationError before sending', async () => {
    await expect(shop.all({})).rejects.toBeInstanceOf(ValidationError);
    await expect(shop.all({ customerID: 'c1' })).rejects.toBeInstanceOf(ValidationError);
    await expect(shop.page({ customerId: 42 })).rejects.toBeInstanceOf(ValidationError);
    expect(requests).toHaveLength(0);
  });

  test('models without an entity attribute, with another entity attribute, or with one entity type', () => {
    expect(() => db.collection([Customer, Legacy])).toThrow(/entity attribute/);
    const Tagged = model('Tagged', {
      table: 'shop',
      entityAttribute: 'kind',
      attributes: { pk: attr.template('CUST#{customerId}').partitionKey(), sk: attr.template('TAG#{tag}').sortKey(), customerId: attr.string(), tag: attr.string() },
    });
    expect(() => db.collection([Customer, Tagged])).toThrow(ModelDefinitionError);
    const Twin = model('Twin', {
      table: 'shop',
      entityType: 'Customer',
      attributes: { pk: attr.template('CUST#{customerId}').partitionKey(), sk: attr.template('TWIN').sortKey(), customerId: attr.string() },
    });
    expect(() => db.collection([Customer, Twin])).toThrow(/entity type Customer/);
    expect(() => db.collection([])).toThrow(ModelDefinitionError);
    expect(() => db.collection([Payment, Customer], { index: 'byMerchant' })).toThrow(/no index byMerchant/);
  });
});
