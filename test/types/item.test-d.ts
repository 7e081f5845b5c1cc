import { describe, expectTypeOf, test } from 'vitest';
import {
  add,
  append,
  attr,
  DynamORM,
  ifNotExists,
  model,
  remove,
  removeFromSet,
  type CreateInput,
  type FieldPath,
  type Item,
  type KeyInput,
  type UpdatePatch,
} from '../../src/index.js';
import * as attrModule from '../../src/attr.js';

class Money {
  constructor(readonly text: string) {}
}

const Everything = model('Everything', {
  table: 'everything',
  attributes: {
    id: attr.string().partitionKey(),
    n: attr.number(),
    i: attr.integer(),
    c: attr.cents(),
    big: attr.bigint(),
    dec: attr.decimal(),
    flag: attr.boolean(),
    when: attr.date(),
    whenSeconds: attr.date({ storage: 'epochSeconds' }),
    status: attr.enum(['pending', 'completed']),
    address: attr.object({ city: attr.string(), zip: attr.string().optional(), country: attr.string().default('FR') }),
    lines: attr.list(attr.cents()),
    meta: attr.record(attr.string()),
    tags: attr.stringSet(),
    scores: attr.numberSet(),
    blobs: attr.binarySet(),
    raw: attr.binary(),
    doc: attr.json<{ a: number[] }>(),
    money: attr.custom(attr.string(), { encode: (m: Money) => m.text, decode: (s: string) => new Money(s) }),
    expiresAt: attr.ttl().optional(),
    note: attr.string().optional(),
    createdAt: attr.createdAt(),
    updatedAt: attr.updatedAt(),
    version: attr.version(),
  },
});

const Txn = model('Txn', {
  table: 'txns',
  attributes: {
    pk: attr.template('TENANT#{tenantId}').partitionKey(),
    sk: attr.template('TXN#{transactionId}').sortKey(),
    tenantId: attr.string(),
    transactionId: attr.string(),
    amount: attr.cents(),
    note: attr.string().optional(),
    currency: attr.string().default('USD'),
    version: attr.version(),
  },
});

describe('Item', () => {
  test('infers every attribute type', () => {
    type E = Item<typeof Everything>;
    expectTypeOf<E['n']>().toEqualTypeOf<number>();
    expectTypeOf<E['big']>().toEqualTypeOf<bigint>();
    expectTypeOf<E['dec']>().toEqualTypeOf<string>();
    expectTypeOf<E['when']>().toEqualTypeOf<Date>();
    expectTypeOf<E['status']>().toEqualTypeOf<'pending' | 'completed'>();
    expectTypeOf<E['address']>().toEqualTypeOf<{ city: string; country: string; zip?: string }>();
    expectTypeOf<E['lines']>().toEqualTypeOf<number[]>();
    expectTypeOf<E['meta']>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf<E['tags']>().toEqualTypeOf<Set<string>>();
    expectTypeOf<E['scores']>().toEqualTypeOf<Set<number>>();
    expectTypeOf<E['blobs']>().toEqualTypeOf<Set<Uint8Array>>();
    expectTypeOf<E['raw']>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<E['doc']>().toEqualTypeOf<{ a: number[] }>();
    expectTypeOf<E['money']>().toEqualTypeOf<Money>();
    expectTypeOf<E['expiresAt']>().toEqualTypeOf<Date | undefined>();
    expectTypeOf<E['createdAt']>().toEqualTypeOf<Date>();
    expectTypeOf<E['version']>().toEqualTypeOf<number>();
  });

  test('optional fields are optional properties', () => {
    expectTypeOf<Item<typeof Txn>>().toEqualTypeOf<{
      pk: string;
      sk: string;
      tenantId: string;
      transactionId: string;
      amount: number;
      currency: string;
      version: number;
      note?: string;
    }>();
  });
});

describe('inputs', () => {
  test('create input leaves out computed fields and makes defaulted ones optional', () => {
    expectTypeOf<CreateInput<typeof Txn>>().toEqualTypeOf<{
      tenantId: string;
      transactionId: string;
      amount: number;
      note?: string;
      currency?: string;
    }>();
    type E = CreateInput<typeof Everything>;
    expectTypeOf<E['expiresAt']>().toEqualTypeOf<Date | number | undefined>();
    expectTypeOf<E['tags']>().toEqualTypeOf<Set<string> | readonly string[]>();
    expectTypeOf<E['address']>().toEqualTypeOf<{ city: string; zip?: string; country?: string }>();
    expectTypeOf<E>().not.toHaveProperty('version');
    expectTypeOf<E>().toHaveProperty('createdAt');
    expectTypeOf<E>().not.toHaveProperty('updatedAt');
  });

  test('key input expands key templates into their fields', () => {
    expectTypeOf<KeyInput<typeof Txn>>().toEqualTypeOf<{ tenantId: string; transactionId: string }>();
    expectTypeOf<KeyInput<typeof Everything>>().toEqualTypeOf<{ id: string }>();
  });

  test('update patch excludes keys, key fields and computed fields', () => {
    type P = UpdatePatch<typeof Txn>;
    expectTypeOf<keyof P>().toEqualTypeOf<'amount' | 'note' | 'currency'>();
    type Q = UpdatePatch<typeof Everything>;
    expectTypeOf<Q>().not.toHaveProperty('id');
    expectTypeOf<Q>().not.toHaveProperty('version');
    expectTypeOf<Q>().not.toHaveProperty('createdAt');
    expectTypeOf<Q>().not.toHaveProperty('updatedAt');
  });

  test('field paths reach into nested objects', () => {
    expectTypeOf<'address.city'>().toExtend<FieldPath<typeof Everything>>();
    expectTypeOf<'address.nope'>().not.toExtend<FieldPath<typeof Everything>>();
    expectTypeOf<'when.getTime'>().not.toExtend<FieldPath<typeof Everything>>();
  });
});

describe('the model client rejects what the model does not allow', () => {
  const db = DynamORM.create();
  const txns = db.model(Txn);
  const everything = db.model(Everything);
  const key = { tenantId: 't', transactionId: 'x' };

  test('create', () => {
    expectTypeOf(txns.create({ tenantId: 't', transactionId: 'x', amount: 5 })).resolves.toEqualTypeOf<Item<typeof Txn>>();
    // @ts-expect-error missing required field
    void txns.create({ tenantId: 't', transactionId: 'x' });
    // @ts-expect-error unknown field
    void txns.create({ tenantId: 't', transactionId: 'x', amount: 5, amuont: 5 });
    // @ts-expect-error wrong value type
    void txns.create({ tenantId: 't', transactionId: 'x', amount: '5' });
    // @ts-expect-error the version is computed
    void txns.create({ tenantId: 't', transactionId: 'x', amount: 5, version: 3 });
  });

  test('get', () => {
    expectTypeOf(txns.get(key)).resolves.toEqualTypeOf<Item<typeof Txn> | undefined>();
    expectTypeOf(txns.get(key, { required: true })).resolves.toEqualTypeOf<Item<typeof Txn>>();
    expectTypeOf(txns.get(key, { projection: ['amount', 'note'] })).resolves.toEqualTypeOf<
      { amount: number; note?: string } | undefined
    >();
    // @ts-expect-error incomplete key
    void txns.get({ tenantId: 't' });
    // @ts-expect-error projection of an unknown field
    void txns.get(key, { projection: ['amuont'] });
  });

  test('update', () => {
    void txns.update({ ...key, version: 1 }, { amount: 7, note: remove() });
    void everything.update({ id: 'a' }, { c: add(5), big: add(5n), tags: add(['x']), scores: removeFromSet([1]), lines: append([1, 2]) });
    void everything.update({ id: 'a' }, { n: ifNotExists(0), note: remove() }, { expectedVersion: 'any' });
    // @ts-expect-error remove() of a required field
    void txns.update(key, { amount: remove() });
    // @ts-expect-error a key field cannot be patched
    void txns.update(key, { tenantId: 'u' });
    // @ts-expect-error wrong value type
    void txns.update(key, { amount: 'seven' });
    // @ts-expect-error add() on a string
    void txns.update(key, { note: add(1) });
    // @ts-expect-error append() of the wrong element type
    void everything.update({ id: 'a' }, { lines: append(['x']) });
  });

  test('conditions', () => {
    void txns.update(key, { amount: 1 }, { condition: (c) => c.and(c.where('amount', '>', 5), c.not(c.exists('note'))) });
    void everything.update({ id: 'a' }, { n: 1 }, { condition: (c) => c.where('address.city', '=', 'Paris') });
    void everything.update({ id: 'a' }, { n: 1 }, { condition: (c) => c.where('tags', 'contains', 'vip') });
    void everything.update({ id: 'a' }, { n: 1 }, { condition: (c) => c.where('c', 'between', [1, 10]) });
    void everything.update({ id: 'a' }, { n: 1 }, { condition: (c) => c.where('status', 'in', ['pending']) });
    // @ts-expect-error unknown field in a condition
    void txns.update(key, { amount: 1 }, { condition: (c) => c.where('amuont', '>', 5) });
    // @ts-expect-error wrong value type in a condition
    void txns.update(key, { amount: 1 }, { condition: (c) => c.where('amount', '>', 'five') });
    // @ts-expect-error not an enum value
    void everything.update({ id: 'a' }, { n: 1 }, { condition: (c) => c.where('status', '=', 'lost') });
  });
});

describe('dynamorm/attr', () => {
  test('the module has the same builders, with the same types, as the attr object', () => {
    expectTypeOf<keyof typeof attrModule>().toEqualTypeOf<keyof typeof attr>();
    expectTypeOf(attrModule.enum).toEqualTypeOf(attr.enum);
    expectTypeOf(attrModule.template).toEqualTypeOf(attr.template);
    const WithModule = model('M', {
      table: 't',
      attributes: { pk: attrModule.template('A#{id}').partitionKey(), id: attrModule.string(), status: attrModule.enum(['a', 'b']), n: attrModule.cents().optional() },
    });
    const WithObject = model('M', {
      table: 't',
      attributes: { pk: attr.template('A#{id}').partitionKey(), id: attr.string(), status: attr.enum(['a', 'b']), n: attr.cents().optional() },
    });
    expectTypeOf<Item<typeof WithModule>>().toEqualTypeOf<Item<typeof WithObject>>();
    expectTypeOf<KeyInput<typeof WithModule>>().toEqualTypeOf<{ id: string }>();
  });
});
