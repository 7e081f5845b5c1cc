/**
 * Queries against DynamoDB Local: typed where() conditions, every sort-key operator, every filter
 * operator with and/or/not groups, automatic index choice (table, LSI, GSI) checked with explain()
 * and by the results, forced indexes, GetItem for complete keys, NoUsableIndexError without any
 * request (never a silent scan), key templates in key conditions and shared tables, and the result
 * methods over several pages: first, all, count, limit after filtering, order, select, consistent,
 * stream and pages.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, test } from 'vitest';
import {
  attr,
  model,
  NoUsableIndexError,
  putItems,
  ValidationError,
  type ConditionInput,
  type CreateInput,
  type DynamORMRequest,
  type Item,
} from '../../src/index.js';
import { recordRequests, testDb } from '../support/db.js';

const Order = model('Order', {
  table: 'orders',
  attributes: {
    customerId: attr.string().partitionKey(),
    orderId: attr.string().sortKey(),
    status: attr.enum(['open', 'paid', 'void']),
    merchantId: attr.string(),
    amount: attr.cents(),
    placedAt: attr.date(),
    title: attr.string(),
    tags: attr.stringSet(),
    lines: attr.list(attr.string()),
    note: attr.string().optional(),
  },
  indexes: {
    byPlaced: { name: 'lsi-placed', type: 'local', partitionKey: 'customerId', sortKey: 'placedAt' },
    byStatus: { name: 'gsi-status-amount', partitionKey: 'status', sortKey: 'amount' },
    byStatusDate: { name: 'gsi-status-placed', partitionKey: 'status', sortKey: 'placedAt' },
    byMerchant: { name: 'gsi-merchant', partitionKey: 'merchantId', sortKey: 'placedAt' },
  },
});
type Order = Item<typeof Order>;

/** No entity attribute: queries without filter() send no FilterExpression, so Limit can be the item limit. */
const Reading = model('Reading', {
  table: 'readings',
  entityAttribute: false,
  attributes: { sensor: attr.string().partitionKey(), seq: attr.integer().sortKey(), value: attr.integer() },
});

// Single-table design: three models in one table, with key templates.
const Txn = model('Txn', {
  table: 'ledger',
  attributes: {
    pk: attr.template('TENANT#{tenantId}').partitionKey(),
    sk: attr.template('TXN#{day}#{txnId}').sortKey(),
    gpk: attr.template('MERCHANT#{merchantId}'),
    gsk: attr.template('DAY#{day}#{txnId}'),
    tenantId: attr.string(),
    day: attr.string(),
    txnId: attr.string(),
    merchantId: attr.string(),
    amount: attr.cents(),
  },
  indexes: { byMerchant: { name: 'gsi-ledger-merchant', partitionKey: 'gpk', sortKey: 'gsk' } },
});
type Txn = Item<typeof Txn>;
/** Same key templates as Txn, another entity type: its items fall inside Txn's key conditions. */
const LegacyTxn = model('LegacyTxn', {
  table: 'ledger',
  attributes: {
    pk: attr.template('TENANT#{tenantId}').partitionKey(),
    sk: attr.template('TXN#{day}#{txnId}').sortKey(),
    tenantId: attr.string(),
    day: attr.string(),
    txnId: attr.string(),
    amount: attr.cents(),
  },
});
const Profile = model('Profile', {
  table: 'ledger',
  attributes: {
    pk: attr.template('TENANT#{tenantId}').partitionKey(),
    sk: attr.template('PROFILE').sortKey(),
    tenantId: attr.string(),
    name: attr.string(),
  },
});

const requests: DynamORMRequest[] = [];
const ops = () => requests.map((r) => r.operation);
const db = testDb({
  cursorSecret: 'query-tests-cursor-secret-0123456789',
  // Seeding fresh tables can take DynamoDB Local over the default 2 s on a loaded machine, and
  // DynamORM no longer resends a batch call the SDK gave up on (docs/guides/resilience.md).
  requestTimeoutMs: 10_000,
  middleware: [recordRequests(requests)],
});
const orders = db.model(Order);
const ledger = db.model(Txn);

const DAY = 86_400_000;
const BASE = Date.UTC(2024, 0, 1);
const pad = (n: number) => String(n).padStart(3, '0');
const STATUSES = ['open', 'paid', 'void'] as const;

function orderInput(customerId: string, i: number): CreateInput<typeof Order> {
  return {
    customerId,
    orderId: `o-${pad(i)}`,
    status: STATUSES[i % 3] as Order['status'],
    merchantId: customerId === 'c1' ? (i % 2 ? 'm1' : 'm2') : 'm3',
    amount: customerId === 'c1' ? 100 * (i + 1) : 5000 + i,
    // A permutation of the days: LSI order (placedAt) differs from table order (orderId).
    placedAt: new Date(BASE + ((i * 7) % 30) * DAY + (customerId === 'c1' ? 0 : 3_600_000)),
    title: `Order number ${i}${i % 5 === 0 ? ' (rush)' : ''}`,
    tags: i % 4 === 0 ? ['vip', 'gift'] : ['std'],
    lines: i % 2 ? ['sku-a', 'sku-b'] : ['sku-c'],
    ...(i % 3 === 0 ? { note: `note ${i}` } : {}),
  };
}
const c1Inputs = Array.from({ length: 30 }, (_, i) => orderInput('c1', i));
const c2Inputs = Array.from({ length: 10 }, (_, i) => orderInput('c2', i));
let c1: Order[] = [];
let all: Order[] = [];

const ids = (items: readonly { orderId: string }[]) => items.map((x) => x.orderId);
const byOrderId = (a: Order, b: Order) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0);
const byPlacedAt = (a: Order, b: Order) => a.placedAt.getTime() - b.placedAt.getTime();
const byAmount = (a: Order, b: Order) => a.amount - b.amount;
const expectIds = (items: readonly { orderId: string }[], expected: readonly Order[]) => expect(ids(items)).toEqual(ids(expected));

// Ledger data: tenant a has 30 Txn over three days, 5 LegacyTxn interleaved in the same key range and a
// Profile; tenant b has 5 Txn.
const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03'];
const txnsA = DAYS.flatMap((day, d) =>
  Array.from({ length: 10 }, (_, i) => ({ tenantId: 'a', day, txnId: pad(i), merchantId: (d * 10 + i) % 3 === 0 ? 'mx' : 'my', amount: d * 1000 + i })),
);
const txnsB = Array.from({ length: 5 }, (_, i) => ({ tenantId: 'b', day: '2024-01-02', txnId: pad(i), merchantId: 'mx', amount: 7 }));
const legacyA = Array.from({ length: 5 }, (_, i) => ({ tenantId: 'a', day: '2024-01-02', txnId: `00${i}5`, amount: 1 }));
const txnKey = (t: { day: string; txnId: string }) => `${t.day}/${t.txnId}`;

beforeAll(async () => {
  await Promise.all([db.tables.create(Order), db.tables.create(Reading), db.tables.create([Txn, LegacyTxn, Profile])]);
  await db.batchWrite([
    putItems(Order, [...c1Inputs, ...c2Inputs]),
    putItems(Reading, Array.from({ length: 20 }, (_, i) => ({ sensor: 's1', seq: i, value: i * 10 }))),
    putItems(Txn, [...txnsA, ...txnsB]),
    putItems(LegacyTxn, legacyA),
    putItems(Profile, [{ tenantId: 'a', name: 'Tenant A' }]),
  ]);
  // The items as DynamORM reads them back (defaults and decoded types), to compute expectations.
  all = await db.model(Order).scan().all();
  c1 = all.filter((o) => o.customerId === 'c1').sort(byOrderId);
  expect(c1).toHaveLength(30);
  expect(all).toHaveLength(40);
});
afterAll(() => db.destroy());
beforeEach(() => {
  requests.length = 0;
});

describe('where() conditions on keys', () => {
  test('field names and value types are checked by the compiler and at run time', () => {
    // @ts-expect-error customerId is a string
    expect(() => orders.where('customerId', '=', 42).explain()).toThrow(ValidationError);
    // @ts-expect-error not a field of Order: a mistake in the query (unknown-field), not a missing index
    expect(() => orders.where('nope', '=', 'x').explain()).toThrow(expect.objectContaining({ rule: 'unknown-field' }));
    // @ts-expect-error not a status
    expect(() => orders.where('status', '=', 'closed').explain()).toThrow(ValidationError);
    // @ts-expect-error between takes a pair
    expect(() => orders.where('customerId', '=', 'c1').where('orderId', 'between', 'o-001').explain()).toThrow(ValidationError);
    expect(requests).toHaveLength(0);
  });

  test('every sort key operator on a string table sort key', async () => {
    const q = () => orders.where('customerId', '=', 'c1');
    const cases: [string, ReturnType<typeof q>, (o: Order) => boolean][] = [
      ['=', q().where('orderId', '=', 'o-007').filter('amount', '>', 0), (o) => o.orderId === 'o-007'],
      ['<', q().where('orderId', '<', 'o-005'), (o) => o.orderId < 'o-005'],
      ['<=', q().where('orderId', '<=', 'o-005'), (o) => o.orderId <= 'o-005'],
      ['>', q().where('orderId', '>', 'o-024'), (o) => o.orderId > 'o-024'],
      ['>=', q().where('orderId', '>=', 'o-024'), (o) => o.orderId >= 'o-024'],
      ['between', q().where('orderId', 'between', ['o-010', 'o-013']), (o) => o.orderId >= 'o-010' && o.orderId <= 'o-013'],
      ['begins_with', q().where('orderId', 'begins_with', 'o-02'), (o) => o.orderId.startsWith('o-02')],
    ];
    for (const [op, query, predicate] of cases) {
      expect(query.explain(), op).toEqual({ index: undefined, indexName: undefined, getItem: false });
      const expected = c1.filter(predicate);
      expect(expected.length, op).toBeGreaterThan(0);
      expect(ids(await query.all()), op).toEqual(ids(expected));
    }
    expect(new Set(ops())).toEqual(new Set(['Query']));
  });

  test('range operators on a number GSI sort key and a date LSI sort key', async () => {
    const paid = all.filter((o) => o.status === 'paid').sort(byAmount);
    const numberCases: [string, ReturnType<typeof orders.where>, (o: Order) => boolean][] = [
      ['<', orders.where('status', '=', 'paid').where('amount', '<', 1100), (o) => o.amount < 1100],
      ['<=', orders.where('status', '=', 'paid').where('amount', '<=', 1100), (o) => o.amount <= 1100],
      ['>', orders.where('status', '=', 'paid').where('amount', '>', 2600), (o) => o.amount > 2600],
      ['>=', orders.where('status', '=', 'paid').where('amount', '>=', 2600), (o) => o.amount >= 2600],
      ['=', orders.where('status', '=', 'paid').where('amount', '=', 5001), (o) => o.amount === 5001],
      ['between', orders.where('status', '=', 'paid').where('amount', 'between', [500, 1400]), (o) => o.amount >= 500 && o.amount <= 1400],
    ];
    for (const [op, query, predicate] of numberCases) {
      expect(query.explain().index, op).toBe('byStatus');
      const expected = paid.filter(predicate);
      expect(expected.length, op).toBeGreaterThan(0);
      expect(ids(await query.all()), op).toEqual(ids(expected));
    }
    const from = new Date(BASE + 5 * DAY);
    const to = new Date(BASE + 12 * DAY);
    const lsi = orders.where('customerId', '=', 'c1').where('placedAt', 'between', [from, to]);
    expect(lsi.explain()).toEqual({ index: 'byPlaced', indexName: 'lsi-placed', getItem: false });
    const expected = c1.filter((o) => o.placedAt >= from && o.placedAt <= to).sort(byPlacedAt);
    expect(expected).toHaveLength(8);
    const got = await lsi.all();
    expectIds(got, expected);
    expect(got[0]?.placedAt).toBeInstanceOf(Date);
  });
});

describe('automatic index choice', () => {
  test('the table for its partition key, with or without a sort key condition', async () => {
    const q = orders.where('customerId', '=', 'c1');
    expect(q.explain()).toEqual({ index: undefined, indexName: undefined, getItem: false });
    expectIds(await q.all(), c1);
    expect(requests.at(-1)?.input.IndexName).toBeUndefined();
  });

  test('the LSI when the condition is on its sort key', async () => {
    const since = new Date(BASE + 20 * DAY);
    const q = orders.where('customerId', '=', 'c1').where('placedAt', '>=', since);
    expect(q.explain().index).toBe('byPlaced');
    expectIds(await q.all(), c1.filter((o) => o.placedAt >= since).sort(byPlacedAt));
    expect(requests.at(-1)?.input.IndexName).toBe('lsi-placed');
  });

  test('a GSI for its partition key; among GSIs, the one whose sort key takes the condition', async () => {
    const status = orders.where('status', '=', 'void');
    expect(status.explain()).toEqual({ index: 'byStatus', indexName: 'gsi-status-amount', getItem: false });
    expectIds(await status.all(), all.filter((o) => o.status === 'void').sort(byAmount));

    const since = new Date(BASE + 10 * DAY);
    const byDate = orders.where('status', '=', 'void').where('placedAt', '>', since);
    expect(byDate.explain()).toEqual({ index: 'byStatusDate', indexName: 'gsi-status-placed', getItem: false });
    expectIds(await byDate.all(), all.filter((o) => o.status === 'void' && o.placedAt > since).sort(byPlacedAt));
    expect(requests.at(-1)?.input.IndexName).toBe('gsi-status-placed');

    const merchant = orders.where('merchantId', '=', 'm3');
    expect(merchant.explain().index).toBe('byMerchant');
    expectIds(await merchant.all(), all.filter((o) => o.merchantId === 'm3').sort(byPlacedAt));
  });

  test('.index(alias) forces an index', async () => {
    const lsi = orders.where('customerId', '=', 'c1').index('byPlaced');
    expect(lsi.explain()).toEqual({ index: 'byPlaced', indexName: 'lsi-placed', getItem: false });
    const got = await lsi.all();
    expectIds(got, [...c1].sort(byPlacedAt));
    expect(ids(got)).not.toEqual(ids(c1));

    const gsi = orders.where('status', '=', 'paid').index('byStatusDate');
    expect(gsi.explain().index).toBe('byStatusDate');
    expectIds(await gsi.all(), all.filter((o) => o.status === 'paid').sort(byPlacedAt));

    // A forced index that cannot serve the conditions is an error, not another index or a scan.
    requests.length = 0;
    const wrong = orders.where('customerId', '=', 'c1').index('byStatus');
    expect(() => wrong.explain()).toThrow(NoUsableIndexError);
    await expect(wrong.all()).rejects.toThrow(/index byStatus/);
    const unknown = (() => {
      try {
        return orders.where('customerId', '=', 'c1').index('nope' as 'byStatus').explain();
      } catch (e) {
        return e;
      }
    })();
    expect(unknown).toBeInstanceOf(ValidationError);
    expect((unknown as ValidationError).issues[0]?.rule).toBe('unknown-index');
    expect(requests).toHaveLength(0);
  });
});

describe('GetItem when the key is complete', () => {
  test('first(), all() and page() read with GetItem', async () => {
    const q = orders.where('customerId', '=', 'c1').where('orderId', '=', 'o-004');
    expect(q.explain()).toEqual({ index: undefined, indexName: undefined, getItem: true });
    expect(await q.first()).toEqual(c1[4]);
    expect(await q.all()).toEqual([c1[4]]);
    expect(await q.page()).toEqual({ items: [c1[4]], cursor: undefined });
    expect(ops()).toEqual(['GetItem', 'GetItem', 'GetItem']);
    expect(requests[0]?.input.Key).toEqual({ customerId: { S: 'c1' }, orderId: { S: 'o-004' } });
  });

  test('a missing item is undefined / empty', async () => {
    const q = orders.where('customerId', '=', 'c1').where('orderId', '=', 'o-999');
    expect(await q.first()).toBeUndefined();
    expect(await q.all()).toEqual([]);
    expect(ops()).toEqual(['GetItem', 'GetItem']);
  });

  test('select and consistent go into the GetItem', async () => {
    const q = orders.where('customerId', '=', 'c2').where('orderId', '=', 'o-003').select('amount', 'status').consistent();
    expect(await q.first()).toEqual({ amount: 5003, status: 'open' });
    expect(ops()).toEqual(['GetItem']);
    expect(requests[0]?.input.ConsistentRead).toBe(true);
  });

  test('a filter turns it into a Query, and the filter applies', async () => {
    const q = orders.where('customerId', '=', 'c1').where('orderId', '=', 'o-004');
    expect(q.filter('status', '=', 'open').explain().getItem).toBe(false);
    expect(await q.filter('status', '=', 'open').first()).toBeUndefined();
    expect(await q.filter('status', '=', 'paid').first()).toEqual(c1[4]);
    expect(ops()).toEqual(['Query', 'Query']);
  });

  test('an index query with a complete index key is still a Query', async () => {
    const q = orders.where('status', '=', 'paid').where('amount', '=', 500);
    expect(q.explain().getItem).toBe(false);
    expect(ids(await q.all())).toEqual(['o-004']);
    expect(ops()).toEqual(['Query']);
  });
});

describe('no usable index: an error, never a scan', () => {
  test('the error names the keys and indexes and suggests .scan(); nothing is sent', async () => {
    const q = orders.where('amount', '=', 500);
    let error: unknown;
    try {
      q.explain();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NoUsableIndexError);
    const message = (error as Error).message;
    for (const name of ['customerId', 'orderId', 'byPlaced', 'lsi-placed', 'byStatus', 'gsi-status-amount', 'byStatusDate', 'byMerchant', 'gsi-merchant', '.scan()']) {
      expect(message).toContain(name);
    }
    await expect(q.all()).rejects.toBeInstanceOf(NoUsableIndexError);
    await expect(q.first()).rejects.toBeInstanceOf(NoUsableIndexError);
    await expect(q.count()).rejects.toBeInstanceOf(NoUsableIndexError);
    await expect(q.page()).rejects.toBeInstanceOf(NoUsableIndexError);
    await expect(q.stream().next()).rejects.toBeInstanceOf(NoUsableIndexError);
    await expect(q.pages().next()).rejects.toBeInstanceOf(NoUsableIndexError);
    expect(requests).toHaveLength(0);
  });

  test('a sort key alone, a non-key condition next to a key, or no condition at all', async () => {
    const cases = [
      orders.where('orderId', '=', 'o-001'),
      orders.where('customerId', '=', 'c1').where('amount', '>', 500),
      orders.where('customerId', '=', 'c1').where('title', 'contains', 'rush'),
      orders.where('status', 'in', ['paid', 'void']),
      // Two conditions on one sort key, or two partition values: never one of them silently dropped.
      orders.where('customerId', '=', 'c1').where('orderId', '>', 'o-005').where('orderId', '<', 'o-010'),
      orders.where('customerId', '=', 'c1').where('customerId', '=', 'c2'),
      orders.query(),
    ];
    for (const q of cases) {
      await expect(q.all()).rejects.toThrow(/\.scan\(\)/);
      await expect(q.all()).rejects.toBeInstanceOf(NoUsableIndexError);
    }
    expect(requests).toHaveLength(0);
    // The non-key condition belongs in filter(): then the query runs.
    expect(await orders.where('customerId', '=', 'c1').filter('amount', '>', 2500).count()).toBe(5);
  });
});

describe('filters', () => {
  type Case = [string, ConditionInput<typeof Order>, (o: Order) => boolean];
  const cases: Case[] = [
    ['=', (c) => c.where('status', '=', 'paid'), (o) => o.status === 'paid'],
    ['<>', (c) => c.where('status', '<>', 'paid'), (o) => o.status !== 'paid'],
    ['<', (c) => c.where('amount', '<', 800), (o) => o.amount < 800],
    ['<=', (c) => c.where('amount', '<=', 800), (o) => o.amount <= 800],
    ['>', (c) => c.where('amount', '>', 2200), (o) => o.amount > 2200],
    ['>=', (c) => c.where('amount', '>=', 2200), (o) => o.amount >= 2200],
    ['between', (c) => c.where('amount', 'between', [700, 1200]), (o) => o.amount >= 700 && o.amount <= 1200],
    ['between dates', (c) => c.where('placedAt', 'between', [new Date(BASE + 3 * DAY), new Date(BASE + 9 * DAY)]), (o) => o.placedAt.getTime() >= BASE + 3 * DAY && o.placedAt.getTime() <= BASE + 9 * DAY],
    ['in', (c) => c.where('status', 'in', ['open', 'void']), (o) => o.status === 'open' || o.status === 'void'],
    ['begins_with', (c) => c.where('title', 'begins_with', 'Order number 1'), (o) => o.title.startsWith('Order number 1')],
    ['contains substring', (c) => c.where('title', 'contains', '(rush)'), (o) => o.title.includes('(rush)')],
    ['contains set member', (c) => c.where('tags', 'contains', 'vip'), (o) => o.tags.has('vip')],
    ['contains list member', (c) => c.where('lines', 'contains', 'sku-b'), (o) => o.lines.includes('sku-b')],
    ['exists', (c) => c.exists('note'), (o) => o.note !== undefined],
    ['notExists', (c) => c.notExists('note'), (o) => o.note === undefined],
    ['size of a set', (c) => c.size('tags', '>', 1), (o) => o.tags.size > 1],
    ['size of a list', (c) => c.size('lines', '=', 1), (o) => o.lines.length === 1],
    ['size of a string, between', (c) => c.size('title', 'between', [15, 20]), (o) => o.title.length >= 15 && o.title.length <= 20],
    [
      'and / or / not',
      (c) => c.or(c.and(c.where('status', '=', 'paid'), c.where('amount', '>', 1500)), c.not(c.or(c.exists('note'), c.where('lines', 'contains', 'sku-a')))),
      (o) => (o.status === 'paid' && o.amount > 1500) || !(o.note !== undefined || o.lines.includes('sku-a')),
    ],
    ['not in', (c) => c.not(c.where('status', 'in', ['paid'])), (o) => o.status !== 'paid'],
  ];

  test.each(cases)('filter %s', async (_name, condition, predicate) => {
    const expected = c1.filter(predicate);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(c1.length);
    expectIds(await orders.where('customerId', '=', 'c1').filter(condition).all(), expected);
    expect(ops()).toEqual(['Query']);
  });

  test('(field, op, value) form, and several filter() calls all have to hold', async () => {
    const got = await orders.where('customerId', '=', 'c1').filter('status', '<>', 'void').filter((c) => c.exists('note')).filter('amount', '<', 2000).all();
    expectIds(got, c1.filter((o) => o.status !== 'void' && o.note !== undefined && o.amount < 2000));
    expect(got.length).toBeGreaterThan(0);
  });

  test('filters on an index query', async () => {
    const got = await orders.where('merchantId', '=', 'm1').filter('amount', '>', 1500).all();
    expectIds(got, all.filter((o) => o.merchantId === 'm1' && o.amount > 1500).sort(byPlacedAt));
    expect(got.length).toBeGreaterThan(0);
  });

  test('a filter value of the wrong type is a ValidationError before sending', async () => {
    // @ts-expect-error amount is a number
    await expect(orders.where('customerId', '=', 'c1').filter('amount', '>', 'x').all()).rejects.toBeInstanceOf(ValidationError);
    await expect(orders.where('customerId', '=', 'c1').filter('status', 'in', []).all()).rejects.toBeInstanceOf(ValidationError);
    expect(requests).toHaveLength(0);
  });
});

describe('key templates and shared tables', () => {
  test('the partition template is built from its fields and the sort template prefix keeps to the model', async () => {
    const q = ledger.where('tenantId', '=', 'a');
    expect(q.explain()).toEqual({ index: undefined, indexName: undefined, getItem: false });
    const values = Object.values(q.toInput().ExpressionAttributeValues as Record<string, unknown>);
    expect(values).toContainEqual({ S: 'TENANT#a' });
    expect(values).toContainEqual({ S: 'TXN#' });
    const got = await q.all();
    expect(got.map(txnKey)).toEqual(txnsA.map(txnKey));
    expect(got[0]).toEqual({ ...txnsA[0], pk: 'TENANT#a', sk: 'TXN#2024-01-01#000', gpk: 'MERCHANT#mx', gsk: 'DAY#2024-01-01#000' });
  });

  test('a model only sees its own items, even inside its key range', async () => {
    // LegacyTxn items sit between Txn items in the same partition and sort range.
    expect(await ledger.where('tenantId', '=', 'a').where('day', '=', '2024-01-02').count()).toBe(10);
    const legacy = await db.model(LegacyTxn).where('tenantId', '=', 'a').all();
    expect(legacy.map(txnKey)).toEqual(legacyA.map(txnKey));
    // A complete key of another model's item reads nothing.
    expect(await ledger.where('tenantId', '=', 'a').where('day', '=', '2024-01-02').where('txnId', '=', '0015').first()).toBeUndefined();
    expect(await ledger.where('tenantId', '=', 'a').where('day', '=', '2024-01-02').where('txnId', '=', '0015').select('amount').first()).toBeUndefined();
    expect(ops().filter((o) => o === 'GetItem')).toHaveLength(2);
    expect(await db.model(LegacyTxn).where('tenantId', '=', 'a').where('day', '=', '2024-01-02').where('txnId', '=', '0015').first()).toMatchObject({ amount: 1 });
    // A literal-only sort template: the partition fields make the whole key.
    const profile = db.model(Profile).where('tenantId', '=', 'a');
    expect(profile.explain().getItem).toBe(true);
    expect(await profile.first()).toMatchObject({ name: 'Tenant A' });
    expect(await ledger.scan().count()).toBe(35);
  });

  test('equality on leading sort template fields, begins_with on the next', async () => {
    const day = ledger.where('tenantId', '=', 'a').where('day', '=', '2024-01-03');
    expect((await day.all()).map(txnKey)).toEqual(txnsA.filter((t) => t.day === '2024-01-03').map(txnKey));
    const prefixed = await ledger.where('tenantId', '=', 'a').where('day', '=', '2024-01-01').where('txnId', 'begins_with', '00').all();
    expect(prefixed.map(txnKey)).toEqual(txnsA.filter((t) => t.day === '2024-01-01').map(txnKey));
    const days = await ledger.where('tenantId', '=', 'a').where('day', 'begins_with', '2024-01-0').all();
    expect(days).toHaveLength(30);
    const none = await ledger.where('tenantId', '=', 'a').where('day', 'begins_with', '2023').all();
    expect(none).toEqual([]);
  });

  test('between on the last template field', async () => {
    const got = await ledger.where('tenantId', '=', 'a').where('day', '=', '2024-01-02').where('txnId', 'between', ['003', '006']).all();
    expect(got.map((t) => t.txnId)).toEqual(['003', '004', '005', '006']);
    const desc = await ledger.where('tenantId', '=', 'a').where('day', '=', '2024-01-02').where('txnId', 'between', ['003', '006']).order('desc').all();
    expect(desc.map((t) => t.txnId)).toEqual(['006', '005', '004', '003']);
    // A range on a field that is not last cannot be one key condition.
    await expect(ledger.where('tenantId', '=', 'a').where('day', 'between', ['2024-01-01', '2024-01-02']).all()).rejects.toBeInstanceOf(NoUsableIndexError);
  });

  test('a complete template key reads with GetItem', async () => {
    const q = ledger.where('tenantId', '=', 'b').where('day', '=', '2024-01-02').where('txnId', '=', '003');
    expect(q.explain().getItem).toBe(true);
    expect(await q.first()).toMatchObject({ tenantId: 'b', txnId: '003', amount: 7 });
    expect(ops()).toEqual(['GetItem']);
    expect(requests[0]?.input.Key).toEqual({ pk: { S: 'TENANT#b' }, sk: { S: 'TXN#2024-01-02#003' } });
  });

  test('a GSI whose keys are templates', async () => {
    const q = ledger.where('merchantId', '=', 'mx');
    expect(q.explain()).toEqual({ index: 'byMerchant', indexName: 'gsi-ledger-merchant', getItem: false });
    const expected = [...txnsA, ...txnsB].filter((t) => t.merchantId === 'mx').sort((a, b) => (txnKey(a) < txnKey(b) ? -1 : txnKey(a) > txnKey(b) ? 1 : 0));
    const got = await q.all();
    expect(got.map(txnKey).sort()).toEqual(expected.map(txnKey));
    expect(got.every((t) => t.merchantId === 'mx')).toBe(true);
    const day = await ledger.where('merchantId', '=', 'mx').where('day', '=', '2024-01-02').all();
    expect(day.map((t) => `${t.tenantId}/${t.txnId}`).sort()).toEqual(
      expected.filter((t) => t.day === '2024-01-02').map((t) => `${t.tenantId}/${t.txnId}`).sort(),
    );
  });
});

describe('results across pages', () => {
  test('all() and stream() read every page; pages() yields each page', async () => {
    const got = await orders.where('customerId', '=', 'c1').pageSize(4).all();
    expectIds(got, c1);
    const queries = ops().filter((o) => o === 'Query').length;
    expect(queries).toBeGreaterThanOrEqual(8);
    expect(requests.every((r) => r.input.Limit === 4)).toBe(true);

    const streamed: Order[] = [];
    for await (const item of orders.where('customerId', '=', 'c1').pageSize(4).stream()) streamed.push(item);
    expectIds(streamed, c1);

    const pages: Order[][] = [];
    for await (const page of orders.where('customerId', '=', 'c1').pageSize(7).pages()) pages.push(page);
    expect(pages.length).toBeGreaterThanOrEqual(5);
    expect(pages.every((p) => p.length <= 7)).toBe(true);
    expectIds(pages.flat(), c1);
  });

  test('stream() and pages() yield everything exactly once, with a filter, on a GSI, in both orders', async () => {
    for (const order of ['asc', 'desc'] as const) {
      const q = orders.where('status', '=', 'open').filter('lines', 'contains', 'sku-c').order(order).pageSize(3);
      let expected = all.filter((o) => o.status === 'open' && o.lines.includes('sku-c')).sort(byAmount);
      if (order === 'desc') expected = expected.reverse();
      const streamed: Order[] = [];
      for await (const item of q.stream()) streamed.push(item);
      expectIds(streamed, expected);
      const paged: Order[][] = [];
      for await (const page of q.pages()) paged.push(page);
      expectIds(paged.flat(), expected);
      expect(paged.length).toBeGreaterThan(1);
    }
  });

  test('stream() reads no further than the consumer asks', async () => {
    const seen: string[] = [];
    for await (const item of orders.where('customerId', '=', 'c1').pageSize(5).stream()) {
      seen.push(item.orderId);
      if (seen.length === 7) break;
    }
    expect(seen).toEqual(ids(c1.slice(0, 7)));
    expect(ops()).toEqual(['Query', 'Query']);
  });

  test('first() in both orders, and on an index', async () => {
    expect(await orders.where('customerId', '=', 'c1').first()).toEqual(c1[0]);
    expect(await orders.where('customerId', '=', 'c1').order('desc').first()).toEqual(c1[29]);
    expect((await orders.where('customerId', '=', 'c1').index('byPlaced').order('desc').first())?.placedAt).toEqual(new Date(BASE + 29 * DAY));
    expect(await orders.where('customerId', '=', 'nobody').first()).toBeUndefined();
    // A selective filter: first() keeps reading pages until an item matches.
    requests.length = 0;
    const rare = await orders.where('customerId', '=', 'c1').filter('amount', '=', 2800).pageSize(4).first();
    expect(rare?.orderId).toBe('o-027');
    expect(ops()).toEqual(Array(7).fill('Query'));
  });

  test('count() counts over every page, with filters and on indexes', async () => {
    expect(await orders.where('customerId', '=', 'c1').pageSize(4).count()).toBe(30);
    expect(ops().length).toBeGreaterThanOrEqual(8);
    expect(requests.every((r) => r.input.Select === 'COUNT')).toBe(true);
    expect(await orders.where('customerId', '=', 'c1').filter('status', '=', 'paid').pageSize(4).count()).toBe(10);
    expect(await orders.where('status', '=', 'paid').pageSize(3).count()).toBe(all.filter((o) => o.status === 'paid').length);
    expect(await orders.where('customerId', '=', 'c1').where('orderId', 'begins_with', 'o-01').count()).toBe(10);
    expect(await orders.where('customerId', '=', 'nobody').count()).toBe(0);
    // A projection does not get in the way of COUNT.
    expect(await orders.where('customerId', '=', 'c2').select('amount').count()).toBe(10);
  });

  test('limit(n) returns n items across pages, after filtering, and stops reading', async () => {
    const paid = c1.filter((o) => o.status === 'paid');
    const got = await orders.where('customerId', '=', 'c1').filter('status', '=', 'paid').pageSize(4).limit(4).all();
    expectIds(got, paid.slice(0, 4));
    // o-010 is the 4th paid order: it is in the 3rd page of 4; nothing is read after it.
    expect(ops()).toEqual(['Query', 'Query', 'Query']);

    const desc = await orders.where('customerId', '=', 'c1').filter('status', '=', 'paid').order('desc').pageSize(4).limit(3).all();
    expectIds(desc, [...paid].reverse().slice(0, 3));
    // More than there is: everything.
    expectIds(await orders.where('customerId', '=', 'c1').filter('status', '=', 'paid').pageSize(4).limit(100).all(), paid);
    // Streams and pages honour the limit too.
    const streamed: Order[] = [];
    for await (const item of orders.where('status', '=', 'paid').pageSize(2).limit(5).stream()) streamed.push(item);
    expectIds(streamed, all.filter((o) => o.status === 'paid').sort(byAmount).slice(0, 5));
    expect((await orders.where('customerId', '=', 'c1').limit(3).page()).items).toHaveLength(3);
    expect(() => orders.where('customerId', '=', 'c1').limit(0)).toThrow(ValidationError);
    expect(() => orders.where('customerId', '=', 'c1').limit(1.5)).toThrow(ValidationError);
    expect(() => orders.where('customerId', '=', 'c1').pageSize(-1)).toThrow(ValidationError);
  });

  test('without a filter, DynamoDB Limit is the number of items still wanted; page() asks for one more to see if more follow', async () => {
    const readings = db.model(Reading);
    const got = await readings.where('sensor', '=', 's1').pageSize(4).limit(10).all();
    expect(got.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // A walk that stops at the limit reads no item past it.
    expect(requests.map((r) => r.input.Limit)).toEqual([4, 4, 2]);
    requests.length = 0;
    expect((await readings.where('sensor', '=', 's1').where('seq', '>=', 15).order('desc').limit(3).all()).map((r) => r.seq)).toEqual([19, 18, 17]);
    expect(requests.map((r) => r.input.Limit)).toEqual([3]);
    requests.length = 0;
    expect((await readings.where('sensor', '=', 's1').first())?.seq).toBe(0);
    expect(requests.map((r) => r.input.Limit)).toEqual([1]);
    // page() hands out a cursor: one item more tells whether anything follows.
    requests.length = 0;
    const more = await readings.where('sensor', '=', 's1').where('seq', '>=', 15).order('desc').limit(3).page();
    expect(more.items.map((r) => r.seq)).toEqual([19, 18, 17]);
    expect(more.cursor).toBeDefined();
    expect(requests.map((r) => r.input.Limit)).toEqual([4]);
    requests.length = 0;
    const end = await readings.where('sensor', '=', 's1').where('seq', '>=', 17).order('desc').limit(3).page();
    expect(end.items.map((r) => r.seq)).toEqual([19, 18, 17]);
    // Exactly three items: with Limit 3 DynamoDB would answer with a LastEvaluatedKey (its Limit
    // reached), and a cursor would lead to an empty page. With 4, the end is known: no cursor.
    expect(end.cursor).toBeUndefined();
    expect(requests.map((r) => r.input.Limit)).toEqual([4]);
  });

  test('order(desc) reverses the sort key order on the table and on indexes', async () => {
    expectIds(await orders.where('customerId', '=', 'c1').order('desc').pageSize(6).all(), [...c1].reverse());
    expectIds(await orders.where('customerId', '=', 'c1').index('byPlaced').order('desc').all(), [...c1].sort(byPlacedAt).reverse());
    expectIds(await orders.where('status', '=', 'open').order('desc').all(), all.filter((o) => o.status === 'open').sort(byAmount).reverse());
    expect(requests.every((r) => r.input.ScanIndexForward === false)).toBe(true);
    expect(() => orders.where('customerId', '=', 'c1').order('up' as 'asc')).toThrow(ValidationError);
  });

  test('select() returns only the selected fields, typed', async () => {
    const got = await orders.where('customerId', '=', 'c1').select('amount', 'status').pageSize(8).all();
    expectTypeOf(got).toEqualTypeOf<Pick<Order, 'amount' | 'status'>[]>();
    expect(got).toEqual(c1.map((o) => ({ amount: o.amount, status: o.status })));
    const projection = String(requests[0]?.input.ProjectionExpression);
    expect(projection.split(',').length).toBeLessThan(6);
    // On a GSI, and with optional fields that are missing on some items.
    const notes = await orders.where('status', '=', 'open').select('note', 'orderId').all();
    expect(notes).toEqual(all.filter((o) => o.status === 'open').sort(byAmount).map((o) => (o.note === undefined ? { orderId: o.orderId } : { orderId: o.orderId, note: o.note })));
    // Template components can be selected (they are parsed out of the key).
    const txns = await ledger.where('tenantId', '=', 'b').select('txnId', 'amount').all();
    expect(txns).toEqual(txnsB.map((t) => ({ txnId: t.txnId, amount: t.amount })));
    const first = await ledger.where('tenantId', '=', 'b').select('day').first();
    expectTypeOf(first).toEqualTypeOf<Pick<Txn, 'day'> | undefined>();
    expect(first).toEqual({ day: '2024-01-02' });
    expect(() => orders.where('customerId', '=', 'c1').select('nope' as 'amount')).toThrow(ValidationError);
  });

  test('consistent() reads the table and an LSI consistently; on a GSI it is a ValidationError', async () => {
    expectIds(await orders.where('customerId', '=', 'c1').consistent().pageSize(10).all(), c1);
    expect(requests.length).toBeGreaterThan(1);
    expect(requests.every((r) => r.input.ConsistentRead === true)).toBe(true);
    expect(await orders.where('customerId', '=', 'c1').where('placedAt', '<', new Date(BASE + 3 * DAY)).consistent().count()).toBe(3);
    expect((await orders.where('customerId', '=', 'c1').all()).length).toBe(30);
    expect(requests.at(-1)?.input.ConsistentRead).toBeUndefined();

    requests.length = 0;
    for (const q of [orders.where('status', '=', 'paid').consistent(), orders.where('status', '=', 'paid').index('byStatusDate').consistent()]) {
      const error = await q.all().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]?.rule).toBe('consistent-read');
    }
    const e2 = await orders.where('merchantId', '=', 'm1').consistent().first().catch((e: unknown) => e);
    expect((e2 as ValidationError).issues?.[0]?.rule).toBe('consistent-read');
    expect(requests).toHaveLength(0);
    // consistent(false) switches it off again.
    expect(await orders.where('status', '=', 'paid').consistent().consistent(false).count()).toBe(all.filter((o) => o.status === 'paid').length);
  });

  test('builders are immutable: a derived builder leaves the base unchanged', async () => {
    const base = orders.where('customerId', '=', 'c2');
    const filtered = base.filter('status', '=', 'void').limit(1);
    expect(await base.count()).toBe(10);
    expect(await filtered.all()).toHaveLength(1);
    expect(await base.all()).toHaveLength(10);
  });
});
