/**
 * Typed write conditions against DynamoDB Local: every operator, and/or/not nesting, nested paths,
 * failing conditions that write nothing and carry the stored item, reserved words and odd attribute
 * names (as stored names and as field names).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  add,
  attr,
  ConditionalCheckFailedError,
  ItemAlreadyExistsError,
  model,
  ValidationError,
  type AnyModel,
  type ConditionInput,
  type Item,
} from '../../src/index.js';
import { rawItem, recordOperations, testDb } from '../support/db.js';
import { failure } from '../support/failure.js';

const Thing = model('Thing', {
  table: 'things',
  attributes: {
    id: attr.string().partitionKey(),
    // Reserved words as field (and stored) names.
    status: attr.enum(['pending', 'completed', 'failed']),
    name: attr.string(),
    size: attr.integer(),
    data: attr.string().optional(),
    amount: attr.cents(),
    title: attr.string(),
    dueAt: attr.date(),
    tags: attr.stringSet(),
    scores: attr.numberSet(),
    history: attr.list(attr.string()),
    address: attr.object({ city: attr.string(), zip: attr.string().optional(), 'x.y': attr.string().optional() }),
    note: attr.string().optional(),
    // Odd stored names behind ordinary field names.
    hash: attr.string().storedAs('a#b'),
    dotted: attr.integer().storedAs('x.y'),
    colon: attr.string().storedAs(':c'),
    spaced: attr.string().storedAs('with space'),
    accented: attr.string().storedAs('ünïcødé'),
    touched: attr.integer().default(0),
  },
});
type Thing = Item<typeof Thing>;

/** Odd names as the field names themselves, and reserved words as stored names. */
const Odd = model('Odd', {
  table: 'odd',
  attributes: {
    'key#id': attr.string().partitionKey(),
    'a#b': attr.string(),
    'x.y': attr.integer(),
    ':c': attr.string().optional(),
    'with space': attr.stringSet(),
    ünïcødé: attr.string(),
    state: attr.string().storedAs('status'),
    label: attr.string().storedAs('name'),
    length: attr.integer().storedAs('size'),
  },
});

const operations: string[] = [];
const db = testDb({
  middleware: [recordOperations(operations)],
});
const things = db.model(Thing);
const odd = db.model(Odd);

beforeAll(async () => {
  await Promise.all([db.tables.create(Thing), db.tables.create(Odd)]);
});
afterAll(() => db.destroy());

const raw = (m: AnyModel, key: Record<string, AttributeValue>) => rawItem(db, m, key);

let seq = 0;
async function newThing(): Promise<Thing> {
  return things.create({
    id: `t-${++seq}`,
    status: 'pending',
    name: 'Widget',
    size: 3,
    amount: 1000,
    title: 'Hello World',
    dueAt: new Date('2024-06-15T00:00:00.000Z'),
    tags: ['red', 'green'],
    scores: [7, 9.5],
    history: ['created', 'priced'],
    address: { city: 'Paris', 'x.y': 'odd nested' },
    note: 'has a note',
    hash: 'h',
    dotted: 42,
    colon: 'c',
    spaced: 's',
    accented: 'ü',
  });
}

let subject: Thing;
beforeAll(async () => {
  subject = await newThing();
});

/**
 * Runs a conditional update of `subject`. When the condition holds, the update is applied. When it
 * does not, the error must be a ConditionalCheckFailedError carrying the stored item, and nothing
 * must have changed.
 */
async function holds(condition: ConditionInput<typeof Thing>): Promise<boolean> {
  const before = await things.get(subject, { consistent: true, required: true });
  try {
    const after = await things.update(subject, { touched: add(1) }, { condition });
    expect(after.touched).toBe(before.touched + 1);
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(ConditionalCheckFailedError);
    expect((error as ConditionalCheckFailedError).code).toBe('CONDITIONAL_CHECK_FAILED');
    expect((error as ConditionalCheckFailedError).item).toEqual(before);
    expect(await things.get(subject, { consistent: true })).toEqual(before);
    return false;
  }
}

describe('comparison operators', () => {
  test('= and <>', async () => {
    expect(await holds((c) => c.where('amount', '=', 1000))).toBe(true);
    expect(await holds((c) => c.where('amount', '=', 999))).toBe(false);
    expect(await holds((c) => c.where('amount', '<>', 999))).toBe(true);
    expect(await holds((c) => c.where('amount', '<>', 1000))).toBe(false);
    expect(await holds((c) => c.where('title', '=', 'Hello World'))).toBe(true);
    expect(await holds((c) => c.where('title', '=', 'hello world'))).toBe(false);
  });

  test('<, <=, >, >= at their boundaries', async () => {
    expect(await holds((c) => c.where('amount', '<', 1001))).toBe(true);
    expect(await holds((c) => c.where('amount', '<', 1000))).toBe(false);
    expect(await holds((c) => c.where('amount', '<=', 1000))).toBe(true);
    expect(await holds((c) => c.where('amount', '<=', 999))).toBe(false);
    expect(await holds((c) => c.where('amount', '>', 999))).toBe(true);
    expect(await holds((c) => c.where('amount', '>', 1000))).toBe(false);
    expect(await holds((c) => c.where('amount', '>=', 1000))).toBe(true);
    expect(await holds((c) => c.where('amount', '>=', 1001))).toBe(false);
  });

  test('dates compare as they are stored', async () => {
    expect(await holds((c) => c.where('dueAt', '<', new Date('2024-06-16T00:00:00.000Z')))).toBe(true);
    expect(await holds((c) => c.where('dueAt', '>', new Date('2024-06-16T00:00:00.000Z')))).toBe(false);
    expect(await holds((c) => c.where('dueAt', '=', new Date('2024-06-15T00:00:00.000Z')))).toBe(true);
  });

  test('between is inclusive, for numbers and strings', async () => {
    expect(await holds((c) => c.where('amount', 'between', [900, 1000]))).toBe(true);
    expect(await holds((c) => c.where('amount', 'between', [1000, 1000]))).toBe(true);
    expect(await holds((c) => c.where('amount', 'between', [1001, 2000]))).toBe(false);
    expect(await holds((c) => c.where('title', 'between', ['H', 'I']))).toBe(true);
    expect(await holds((c) => c.where('title', 'between', ['A', 'B']))).toBe(false);
  });

  test('in', async () => {
    expect(await holds((c) => c.where('status', 'in', ['pending', 'failed']))).toBe(true);
    expect(await holds((c) => c.where('status', 'in', ['completed', 'failed']))).toBe(false);
    expect(await holds((c) => c.where('amount', 'in', [1, 1000]))).toBe(true);
  });
});

describe('functions', () => {
  test('begins_with', async () => {
    expect(await holds((c) => c.where('title', 'begins_with', 'Hello'))).toBe(true);
    expect(await holds((c) => c.where('title', 'begins_with', 'World'))).toBe(false);
  });

  test('contains: substring, set member, list element', async () => {
    expect(await holds((c) => c.where('title', 'contains', 'lo Wo'))).toBe(true);
    expect(await holds((c) => c.where('title', 'contains', 'xyz'))).toBe(false);
    expect(await holds((c) => c.where('tags', 'contains', 'red'))).toBe(true);
    expect(await holds((c) => c.where('tags', 'contains', 'blue'))).toBe(false);
    expect(await holds((c) => c.where('scores', 'contains', 9.5))).toBe(true);
    expect(await holds((c) => c.where('scores', 'contains', 8))).toBe(false);
    expect(await holds((c) => c.where('history', 'contains', 'priced'))).toBe(true);
    expect(await holds((c) => c.where('history', 'contains', 'shipped'))).toBe(false);
  });

  test('exists and notExists', async () => {
    expect(await holds((c) => c.exists('note'))).toBe(true);
    expect(await holds((c) => c.exists('data'))).toBe(false);
    expect(await holds((c) => c.notExists('data'))).toBe(true);
    expect(await holds((c) => c.notExists('note'))).toBe(false);
    expect(await holds((c) => c.exists('address.x.y'))).toBe(true);
    expect(await holds((c) => c.exists('address.zip'))).toBe(false);
  });

  test('size of strings, sets and lists', async () => {
    expect(await holds((c) => c.size('title', '=', 11))).toBe(true);
    expect(await holds((c) => c.size('title', '>', 11))).toBe(false);
    expect(await holds((c) => c.size('tags', '=', 2))).toBe(true);
    expect(await holds((c) => c.size('history', 'between', [1, 2]))).toBe(true);
    expect(await holds((c) => c.size('history', '>=', 3))).toBe(false);
    expect(await holds((c) => c.size('tags', '<', 2))).toBe(false);
  });
});

describe('nesting', () => {
  test('and, or, not', async () => {
    expect(await holds((c) => c.and(c.where('status', '=', 'pending'), c.where('amount', '<=', 1000)))).toBe(true);
    expect(await holds((c) => c.and(c.where('status', '=', 'pending'), c.where('amount', '<', 1000)))).toBe(false);
    expect(await holds((c) => c.or(c.where('status', '=', 'failed'), c.where('amount', '=', 1000)))).toBe(true);
    expect(await holds((c) => c.or(c.where('status', '=', 'failed'), c.where('amount', '=', 1)))).toBe(false);
    expect(await holds((c) => c.not(c.where('status', '=', 'failed')))).toBe(true);
    expect(await holds((c) => c.not(c.exists('note')))).toBe(false);
  });

  test('deeply nested trees keep their grouping', async () => {
    // (false OR (true AND NOT false)) AND NOT (false AND true): true.
    const tree: ConditionInput<typeof Thing> = (c) =>
      c.and(
        c.or(
          c.where('status', 'in', ['completed', 'failed']),
          c.and(c.where('tags', 'contains', 'red'), c.not(c.where('amount', 'between', [0, 10]))),
        ),
        c.not(c.and(c.notExists('note'), c.where('title', 'begins_with', 'Hello'))),
      );
    expect(await holds(tree)).toBe(true);
    // Without the grouping, A OR B AND C would read as A OR (B AND C); this one must fail.
    expect(
      await holds((c) => c.and(c.or(c.where('amount', '=', 1000), c.where('status', '=', 'failed')), c.where('name', '=', 'nope'))),
    ).toBe(false);
    // A single-element and() / or() is the element itself.
    expect(await holds((c) => c.or(c.and(c.where('size', '=', 3))))).toBe(true);
  });

  test('nested object paths', async () => {
    expect(await holds((c) => c.where('address.city', '=', 'Paris'))).toBe(true);
    expect(await holds((c) => c.where('address.city', '=', 'Lyon'))).toBe(false);
    expect(await holds((c) => c.where('address.x.y', '=', 'odd nested'))).toBe(true);
  });
});

describe('reserved words and odd names', () => {
  test('reserved words as field names: status, name, size, data', async () => {
    expect(await holds((c) => c.and(c.where('status', '=', 'pending'), c.where('name', '=', 'Widget'), c.where('size', '=', 3), c.notExists('data')))).toBe(
      true,
    );
    const updated = await things.update(subject, { name: 'Gadget', size: add(1), data: 'payload', status: 'completed' }, {
      condition: (c) => c.where('size', '<', 10),
    });
    expect(updated).toMatchObject({ name: 'Gadget', size: 4, data: 'payload', status: 'completed' });
    const stored = await raw(Thing, { id: { S: subject.id } });
    expect(stored).toMatchObject({ name: { S: 'Gadget' }, size: { N: '4' }, data: { S: 'payload' }, status: { S: 'completed' } });
    expect(await holds((c) => c.and(c.size('name', '=', 6), c.exists('data'), c.where('status', '=', 'completed')))).toBe(true);
  });

  test("odd stored names: 'a#b', 'x.y', ':c', 'with space', 'ünïcødé'", async () => {
    const t = await newThing();
    const cond: ConditionInput<typeof Thing> = (c) =>
      c.and(
        c.where('hash', '=', 'h'),
        c.where('dotted', '=', 42),
        c.where('colon', '=', 'c'),
        c.where('spaced', '=', 's'),
        c.where('accented', '=', 'ü'),
      );
    const updated = await things.update(t, { hash: 'H', dotted: add(1), colon: 'C', spaced: 'S', accented: 'Ü' }, { condition: cond });
    expect(updated).toMatchObject({ hash: 'H', dotted: 43, colon: 'C', spaced: 'S', accented: 'Ü' });
    const stored = await raw(Thing, { id: { S: t.id } });
    expect(stored).toMatchObject({
      'a#b': { S: 'H' },
      'x.y': { N: '43' },
      ':c': { S: 'C' },
      'with space': { S: 'S' },
      ünïcødé: { S: 'Ü' },
    });
    // 'x.y' is one attribute, not a path into x.
    expect(stored).not.toHaveProperty('x');
    const error = await failure(things.update(t, { hash: 'nope' }, { condition: cond }));
    expect(error).toBeInstanceOf(ConditionalCheckFailedError);
    expect((await raw(Thing, { id: { S: t.id } }))?.['a#b']).toEqual({ S: 'H' });
  });

  test('odd names as field names, and reserved words as stored names', async () => {
    const created = await odd.create({
      'key#id': 'k:1 #x',
      'a#b': 'hash',
      'x.y': 1,
      ':c': 'colon',
      'with space': ['one', 'two'],
      ünïcødé: 'unicode',
      state: 'open',
      label: 'L',
      length: 5,
    });
    expect(await raw(Odd, { 'key#id': { S: 'k:1 #x' } })).toMatchObject({
      'a#b': { S: 'hash' },
      'x.y': { N: '1' },
      ':c': { S: 'colon' },
      'with space': { SS: expect.arrayContaining(['one', 'two']) },
      ünïcødé: { S: 'unicode' },
      status: { S: 'open' },
      name: { S: 'L' },
      size: { N: '5' },
    });
    const updated = await odd.update(
      created,
      { 'x.y': add(1), ':c': 'COLON', 'with space': add(['three']), state: 'closed', length: add(1) },
      {
        condition: (c) =>
          c.and(
            c.where('a#b', '=', 'hash'),
            c.where('x.y', '=', 1),
            c.where(':c', 'begins_with', 'col'),
            c.where('with space', 'contains', 'two'),
            c.where('ünïcødé', '=', 'unicode'),
            c.where('state', '=', 'open'),
            c.where('label', '=', 'L'),
            c.where('length', '=', 5),
            c.size('with space', '=', 2),
          ),
      },
    );
    expect(updated).toEqual({
      ...created,
      'x.y': 2,
      ':c': 'COLON',
      'with space': new Set(['one', 'two', 'three']),
      state: 'closed',
      length: 6,
    });
    expect(await odd.get({ 'key#id': 'k:1 #x' }, { consistent: true })).toEqual(updated);
    const error = await failure(odd.delete(created, { condition: (c) => c.where('state', '=', 'open') }));
    expect(error).toBeInstanceOf(ConditionalCheckFailedError);
    expect((error as ConditionalCheckFailedError).item).toEqual(updated);
    await odd.delete(created, { condition: (c) => c.where('state', '=', 'closed') });
    expect(await raw(Odd, { 'key#id': { S: 'k:1 #x' } })).toBeUndefined();
  });
});

describe('conditions on every kind of write', () => {
  test('put: a failing condition writes nothing and carries the stored item', async () => {
    const t = await newThing();
    const { touched: _t, ...input } = t;
    const error = await failure(things.put({ ...input, amount: 5 }, { condition: (c) => c.where('status', '=', 'failed') }));
    expect(error).toBeInstanceOf(ConditionalCheckFailedError);
    expect((error as ConditionalCheckFailedError).item).toEqual(t);
    expect(await things.get(t, { consistent: true })).toEqual(t);
    const replaced = await things.put({ ...input, amount: 5 }, { condition: (c) => c.where('status', '=', 'pending') });
    expect(replaced.amount).toBe(5);
    expect(await things.get(t, { consistent: true })).toEqual(replaced);
  });

  test('put: a condition on a missing item fails unless it allows absence', async () => {
    const { touched: _t, ...input } = subject;
    const fresh = { ...input, id: 'put-new' };
    const error = await failure(things.put(fresh, { condition: (c) => c.where('amount', '>', 0) }));
    expect(error).toBeInstanceOf(ConditionalCheckFailedError);
    expect((error as ConditionalCheckFailedError).item).toBeUndefined();
    expect(await raw(Thing, { id: { S: 'put-new' } })).toBeUndefined();
    await things.put(fresh, { condition: (c) => c.or(c.notExists('amount'), c.where('amount', '>', 0)) });
    expect(await raw(Thing, { id: { S: 'put-new' } })).toBeDefined();
  });

  test('create: an existing key still wins over a condition that holds', async () => {
    const t = await newThing();
    const { touched: _t, ...input } = t;
    const error = await failure(things.create({ ...input, amount: 1 }, { condition: (c) => c.notExists('data') }));
    expect(error).toBeInstanceOf(ItemAlreadyExistsError);
    expect((error as ItemAlreadyExistsError).item).toEqual(t);
    expect(await things.get(t, { consistent: true })).toEqual(t);
  });
});

describe('bad condition values are refused before sending', () => {
  test('values are checked with the field codec', async () => {
    operations.length = 0;
    const cases: [ConditionInput<typeof Thing>, string][] = [
      [(c) => c.where('amount', '=', 1.5), 'cents'],
      [(c) => c.where('status', '=', 'unknown' as never), 'enum'],
      [(c) => c.where('amount', 'in', []), 'in'],
      [(c) => c.where('amount', 'between', [1] as never), 'type'],
      [(c) => c.where('title', 'begins_with', 5 as never), 'type'],
      [(c) => c.size('tags', '>', -1), 'type'],
      [(c) => c.and(), 'condition'],
      [(c) => c.where('nope' as never, '=', 1 as never), 'unknown-field'],
      [(c) => c.where('address.nope' as never, '=', 'x' as never), 'unknown-field'],
    ];
    for (const [condition, rule] of cases) {
      const error = await failure(things.update(subject, { touched: add(1) }, { condition }));
      expect(error, rule).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).rule, rule).toBe(rule);
    }
    expect(operations).toEqual([]);
  });
});
