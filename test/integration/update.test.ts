/**
 * update() against DynamoDB Local: partial patches, every update action, undefined values, the
 * returned item, updatedAt, missing items, rejected patches, and GSI key templates.
 */
import { QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  add,
  append,
  attr,
  ifNotExists,
  ItemNotFoundError,
  model,
  prepend,
  remove,
  removeFromSet,
  ValidationError,
  type AnyModel,
  type Item,
} from '../../src/index.js';
import { rawItem, recordOperations, testDb } from '../support/db.js';
import { failure } from '../support/failure.js';

const Order = model('Order', {
  table: 'orders',
  attributes: {
    id: attr.string().partitionKey(),
    customerId: attr.string(),
    region: attr.string(),
    gsi1pk: attr.template('CUST#{customerId}#REGION#{region}'),
    status: attr.enum(['new', 'paid', 'shipped']),
    note: attr.string().optional(),
    amount: attr.cents(),
    attempts: attr.integer().default(0),
    total: attr.bigint().default(0n),
    tags: attr.stringSet(),
    scores: attr.numberSet().optional(),
    events: attr.list(attr.string()),
    history: attr.list(attr.object({ at: attr.date(), what: attr.string() })).optional(),
    firstSeenAt: attr.date().optional(),
    address: attr.object({ city: attr.string(), zip: attr.string().optional() }).optional(),
    meta: attr.json().optional(),
    createdAt: attr.createdAt(),
    updatedAt: attr.updatedAt(),
  },
  indexes: { byCustomer: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'createdAt' } },
});
type Order = Item<typeof Order>;

const Tenanted = model('Tenanted', {
  table: 'tenanted',
  attributes: {
    pk: attr.template('TENANT#{tenantId}').partitionKey(),
    sk: attr.template('DOC#{docId}').sortKey(),
    tenantId: attr.string(),
    docId: attr.string(),
    title: attr.string(),
    state: attr.enum(['draft', 'published']).default('draft'),
    // An index key mixing a primary-key field (tenantId) with a field updates change (state).
    byState: attr.template('T#{tenantId}#S#{state}'),
  },
  indexes: { byState: { name: 'gsi-state', partitionKey: 'byState' } },
});

let now = new Date('2024-06-01T00:00:00.000Z');
const operations: string[] = [];
const db = testDb({
  clock: () => now,
  middleware: [recordOperations(operations)],
});
const orders = db.model(Order);
const tenanted = db.model(Tenanted);

beforeAll(async () => {
  await Promise.all([db.tables.create(Order), db.tables.create(Tenanted)]);
});
afterAll(() => db.destroy());
beforeEach(() => {
  now = new Date('2024-06-01T00:00:00.000Z');
});

let seq = 0;
/** A fresh order with every field filled. */
async function newOrder(overrides: Partial<Parameters<typeof orders.create>[0]> = {}): Promise<Order> {
  return orders.create({
    id: `o-${++seq}`,
    customerId: 'c1',
    region: 'us',
    status: 'new',
    note: 'fragile',
    amount: 1000,
    tags: ['a', 'b'],
    events: ['created'],
    address: { city: 'Paris', zip: '75001' },
    ...overrides,
  });
}

const raw = (m: AnyModel, key: Record<string, AttributeValue>) => rawItem(db, m, key);

const read = (id: string) => orders.get({ id }, { consistent: true });

describe('a partial patch', () => {
  test('changes the named fields and never touches the others', async () => {
    const order = await newOrder({ meta: { source: 'web', n: 1 } });
    const before = await raw(Order, { id: { S: order.id } });
    now = new Date('2024-06-02T00:00:00.000Z');
    await orders.update({ id: order.id }, { status: 'paid' });
    const after = await raw(Order, { id: { S: order.id } });
    const { status: s1, updatedAt: u1, ...restBefore } = before ?? {};
    const { status: s2, updatedAt: u2, ...restAfter } = after ?? {};
    expect(s1).toEqual({ S: 'new' });
    expect(s2).toEqual({ S: 'paid' });
    expect(u1).toEqual({ S: '2024-06-01T00:00:00.000Z' });
    expect(u2).toEqual({ S: '2024-06-02T00:00:00.000Z' });
    expect(restAfter).toEqual(restBefore);
  });

  test('sets values of every kind and returns the new item', async () => {
    const order = await newOrder();
    now = new Date('2024-06-03T12:00:00.000Z');
    const updated = await orders.update(order, {
      amount: 2500,
      note: 'handle with care',
      address: { city: 'Lyon' },
      tags: new Set(['x']),
      meta: { nested: [1, 'two', null] },
      events: ['created', 'paid'],
    });
    const expected = {
      ...order,
      amount: 2500,
      note: 'handle with care',
      address: { city: 'Lyon' },
      tags: new Set(['x']),
      meta: { nested: [1, 'two', null] },
      events: ['created', 'paid'],
      updatedAt: now,
    };
    expect(updated).toEqual(expected);
    expect(await read(order.id)).toEqual(expected);
    // The object was replaced as a whole: the old zip is gone.
    expect((await raw(Order, { id: { S: order.id } }))?.address).toEqual({ M: { city: { S: 'Lyon' } } });
  });

  test('undefined values are ignored, never written as empty values', async () => {
    const order = await newOrder();
    const updated = await orders.update(order, { note: undefined, amount: undefined, status: 'shipped' });
    expect(updated.note).toBe('fragile');
    expect(updated.amount).toBe(1000);
    const stored = await raw(Order, { id: { S: order.id } });
    expect(stored?.note).toEqual({ S: 'fragile' });
    expect(stored?.amount).toEqual({ N: '1000' });
    expect(stored?.status).toEqual({ S: 'shipped' });
  });

  test('a patch that changes nothing is rejected before sending and bumps nothing', async () => {
    const order = await newOrder();
    operations.length = 0;
    now = new Date('2024-06-09T00:00:00.000Z');
    for (const patch of [{}, { note: undefined }]) {
      const error = await failure(orders.update(order, patch));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).rule).toBe('empty-update');
    }
    expect(operations).toEqual([]);
    expect((await read(order.id))?.updatedAt).toEqual(order.updatedAt);
  });

  test('updatedAt comes from the clock; createdAt is kept', async () => {
    const order = await newOrder();
    now = new Date('2025-01-01T08:30:00.000Z');
    const updated = await orders.update(order, { amount: 1 });
    expect(updated.updatedAt).toEqual(new Date('2025-01-01T08:30:00.000Z'));
    expect(updated.createdAt).toEqual(order.createdAt);
    expect(updated.createdAt).toEqual(new Date('2024-06-01T00:00:00.000Z'));
    expect((await raw(Order, { id: { S: order.id } }))?.updatedAt).toEqual({ S: '2025-01-01T08:30:00.000Z' });
  });

  test('setting a set to an empty set removes the attribute; it reads back as an empty Set', async () => {
    const order = await newOrder();
    const updated = await orders.update(order, { tags: [] });
    expect(updated.tags).toEqual(new Set());
    expect(await raw(Order, { id: { S: order.id } })).not.toHaveProperty('tags');
    expect((await read(order.id))?.tags).toEqual(new Set());
  });
});

describe('update actions', () => {
  test('remove() deletes an optional field', async () => {
    const order = await newOrder();
    const updated = await orders.update(order, { note: remove(), address: remove() });
    expect(updated).not.toHaveProperty('note');
    expect(updated).not.toHaveProperty('address');
    const stored = await raw(Order, { id: { S: order.id } });
    expect(stored).not.toHaveProperty('note');
    expect(stored).not.toHaveProperty('address');
    expect(stored?.status).toEqual({ S: 'new' });
  });

  test('remove() of a required field is refused before sending', async () => {
    const order = await newOrder();
    operations.length = 0;
    const error = await failure(orders.update(order, { amount: remove() } as never));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).rule).toBe('update-action');
    expect((error as ValidationError).path).toEqual(['amount']);
    expect(operations).toEqual([]);
    expect((await read(order.id))?.amount).toBe(1000);
  });

  test('add() to numbers is atomic and exact', async () => {
    const order = await newOrder();
    await Promise.all(Array.from({ length: 10 }, () => orders.update(order, { attempts: add(1) })));
    const updated = await orders.update(order, { attempts: add(-3), amount: add(250), total: add(10n ** 30n + 1n) });
    expect(updated.attempts).toBe(7);
    expect(updated.amount).toBe(1250);
    expect(updated.total).toBe(10n ** 30n + 1n);
    const again = await orders.update(order, { total: add(10n ** 30n) });
    expect(again.total).toBe(2n * 10n ** 30n + 1n);
    expect((await raw(Order, { id: { S: order.id } }))?.total).toEqual({ N: '2000000000000000000000000000001' });
  });

  test('add() to a set adds members, and creates the set when absent', async () => {
    const order = await newOrder();
    const updated = await orders.update(order, { tags: add(['b', 'c']), scores: add([1.5, 2]) });
    expect(updated.tags).toEqual(new Set(['a', 'b', 'c']));
    expect(updated.scores).toEqual(new Set([1.5, 2]));
    expect(await read(order.id)).toMatchObject({ tags: new Set(['a', 'b', 'c']), scores: new Set([1.5, 2]) });
  });

  test('removeFromSet() removes members; removing the last one leaves an empty Set', async () => {
    const order = await newOrder();
    const one = await orders.update(order, { tags: removeFromSet(['a', 'not-there']) });
    expect(one.tags).toEqual(new Set(['b']));
    const none = await orders.update(order, { tags: removeFromSet(new Set(['b'])) });
    expect(none.tags).toEqual(new Set());
    expect(await raw(Order, { id: { S: order.id } })).not.toHaveProperty('tags');
    expect((await read(order.id))?.tags).toEqual(new Set());
  });

  test('append() and prepend() on an existing list', async () => {
    const order = await newOrder();
    await orders.update(order, { events: append(['paid', 'packed']) });
    const updated = await orders.update(order, { events: prepend(['draft']) });
    expect(updated.events).toEqual(['draft', 'created', 'paid', 'packed']);
    expect((await read(order.id))?.events).toEqual(['draft', 'created', 'paid', 'packed']);
  });

  test('append() and prepend() create a missing list', async () => {
    const a = await newOrder();
    const at = new Date('2024-06-05T00:00:00.000Z');
    expect(a.history).toBeUndefined();
    const appended = await orders.update(a, { history: append([{ at, what: 'created' }]) });
    expect(appended.history).toEqual([{ at, what: 'created' }]);
    const b = await newOrder();
    const prepended = await orders.update(b, { history: prepend([{ at, what: 'imported' }]) });
    expect(prepended.history).toEqual([{ at, what: 'imported' }]);
    expect((await read(b.id))?.history).toEqual([{ at, what: 'imported' }]);
  });

  test('ifNotExists() sets a field only when it has no value', async () => {
    const order = await newOrder();
    const first = new Date('2024-06-06T00:00:00.000Z');
    const second = new Date('2024-07-07T00:00:00.000Z');
    const one = await orders.update(order, { firstSeenAt: ifNotExists(first) });
    expect(one.firstSeenAt).toEqual(first);
    const two = await orders.update(order, { firstSeenAt: ifNotExists(second), note: ifNotExists('ignored') });
    expect(two.firstSeenAt).toEqual(first);
    expect(two.note).toBe('fragile');
    expect((await raw(Order, { id: { S: order.id } }))?.firstSeenAt).toEqual({ S: '2024-06-06T00:00:00.000Z' });
  });

  test('an action that does not fit the field is refused before sending', async () => {
    const order = await newOrder();
    operations.length = 0;
    for (const patch of [{ status: add(1) }, { note: append(['x']) }, { amount: removeFromSet([1]) }]) {
      const error = await failure(orders.update(order, patch as never));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).rule).toBe('update-action');
    }
    expect(operations).toEqual([]);
  });
});

describe('missing items', () => {
  test('ItemNotFoundError, and no item is created', async () => {
    const error = await failure(orders.update({ id: 'nope' }, { status: 'paid', attempts: add(1) }));
    expect(error).toBeInstanceOf(ItemNotFoundError);
    expect((error as ItemNotFoundError).key).toEqual({ id: 'nope' });
    expect(await raw(Order, { id: { S: 'nope' } })).toBeUndefined();
  });
});

describe('patches refused before sending', () => {
  test('key fields, computed fields and unknown fields', async () => {
    const order = await newOrder();
    const doc = await tenanted.create({ tenantId: 't1', docId: 'd1', title: 'hello' });
    operations.length = 0;
    const cases: [Promise<unknown>, string, string][] = [
      [orders.update(order, { id: 'other' } as never), 'key-change', 'id'],
      [tenanted.update(doc, { tenantId: 't2' } as never), 'key-change', 'tenantId'],
      [tenanted.update(doc, { pk: 'TENANT#t2' } as never), 'key-change', 'pk'],
      [orders.update(order, { gsi1pk: 'CUST#x#REGION#y' } as never), 'computed', 'gsi1pk'],
      [orders.update(order, { createdAt: new Date() } as never), 'computed', 'createdAt'],
      [orders.update(order, { updatedAt: new Date() } as never), 'computed', 'updatedAt'],
      [orders.update(order, { bogus: 1 } as never), 'unknown-field', 'bogus'],
      [orders.update(order, { note: null } as never), 'type', 'note'],
      [orders.update(order, { amount: 'ten' } as never), 'type', 'amount'],
    ];
    for (const [promise, rule, field] of cases) {
      const error = await failure(promise);
      expect(error, `${rule} ${field}`).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).rule).toBe(rule);
      expect((error as ValidationError).path).toEqual([field]);
    }
    expect(operations).toEqual([]);
    expect(await read(order.id)).toEqual(order);
    expect(await tenanted.get(doc, { consistent: true })).toEqual(doc);
  });

  test('every problem of a patch is reported, and nothing is half-applied', async () => {
    const order = await newOrder();
    operations.length = 0;
    const error = await failure(orders.update(order, { status: 'paid', bogus: 1, amount: 1.5 } as never));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.rule).sort()).toEqual(['cents', 'unknown-field']);
    expect(operations).toEqual([]);
    expect((await read(order.id))?.status).toBe('new');
  });

  test('an update of a template-keyed item works through its fields', async () => {
    const doc = await tenanted.create({ tenantId: 't9', docId: 'd9', title: 'v1' });
    const updated = await tenanted.update({ tenantId: 't9', docId: 'd9' }, { title: 'v2' });
    expect(updated).toEqual({ ...doc, title: 'v2' });
  });

  test('an index key made of a primary-key field and an updated field follows the update', async () => {
    await tenanted.create({ tenantId: 't8', docId: 'd8', title: 'draft one' });
    const updated = await tenanted.update({ tenantId: 't8', docId: 'd8' }, { state: 'published' });
    expect(updated.byState).toBe('T#t8#S#published');
    expect((await tenanted.where('tenantId', '=', 't8').where('state', '=', 'published').all()).map((d) => d.docId)).toEqual(['d8']);
  });
});

describe('GSI key templates', () => {
  async function byCustomer(gsi1pk: string): Promise<string[]> {
    const out = await db.client.send(
      new QueryCommand({
        TableName: db.tableName(Order),
        IndexName: 'gsi1',
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': 'gsi1pk' },
        ExpressionAttributeValues: { ':v': { S: gsi1pk } },
      }),
    );
    return (out.Items ?? []).map((i) => i.id?.S ?? '');
  }

  test('are recomputed when all of their fields change', async () => {
    const order = await newOrder({ customerId: 'gsi-c1', region: 'us' });
    expect(order.gsi1pk).toBe('CUST#gsi-c1#REGION#us');
    expect(await byCustomer('CUST#gsi-c1#REGION#us')).toEqual([order.id]);
    const updated = await orders.update(order, { customerId: 'gsi-c2', region: 'eu' });
    expect(updated.gsi1pk).toBe('CUST#gsi-c2#REGION#eu');
    expect((await raw(Order, { id: { S: order.id } }))?.gsi1pk).toEqual({ S: 'CUST#gsi-c2#REGION#eu' });
    expect(await byCustomer('CUST#gsi-c2#REGION#eu')).toEqual([order.id]);
    expect(await byCustomer('CUST#gsi-c1#REGION#us')).toEqual([]);
  });

  test('a change of only some of their fields is a ValidationError, and nothing is sent', async () => {
    const order = await newOrder({ customerId: 'gsi-c3', region: 'us' });
    operations.length = 0;
    const error = await failure(orders.update(order, { customerId: 'gsi-c4' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).rule).toBe('key-template');
    expect((error as ValidationError).path).toEqual(['customerId']);
    const viaAction = await failure(orders.update(order, { customerId: ifNotExists('x'), region: 'eu' }));
    expect((viaAction as ValidationError).rule).toBe('key-template');
    expect(operations).toEqual([]);
    const stored = await raw(Order, { id: { S: order.id } });
    expect(stored?.customerId).toEqual({ S: 'gsi-c3' });
    expect(stored?.gsi1pk).toEqual({ S: 'CUST#gsi-c3#REGION#us' });
  });
});
