/**
 * Bad input stopped before sending (issue 14, section 5). Each case was found by fuzzing: a sparse
 * array, a huge value inside an update action, a document nested one level too deep, arguments of the
 * wrong type, a key filled by `.default()`, model mistakes. Each is shown refused by DynamoDB itself
 * (with the raw SDK), then refused by DynamORM with a ValidationError or ModelDefinitionError before
 * anything is sent (a middleware records every request) and nothing is stored.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  append,
  attr,
  DynamoDBError,
  DynamORMError,
  getKeys,
  ItemAlreadyExistsError,
  model,
  ModelDefinitionError,
  putItems,
  deleteKeys,
  txGet,
  ValidationError,
  type DynamORMRequest,
  type JsonValue,
} from '../../src/index.js';
import { rawItem, recordRequests, testDb } from '../support/db.js';

const Doc = model('Doc', {
  table: 'docs',
  attributes: {
    id: attr.string().partitionKey(),
    amount: attr.integer().optional(),
    numbers: attr.list(attr.number()).optional(),
    doc: attr.json().optional(),
    meta: attr.object({ labels: attr.record(attr.json()) }).optional(),
  },
});

let nextId = 'gen-1';
const Generated = model('Generated', {
  table: 'generated',
  attributes: { id: attr.string().partitionKey().default(() => nextId).loggable(), body: attr.string() },
});

const sent: DynamORMRequest[] = [];
const db = testDb({ middleware: [recordRequests(sent)] });
const docs = db.model(Doc);

beforeAll(async () => {
  await Promise.all([db.tables.create(Doc), db.tables.create(Generated)]);
});
afterAll(() => db.destroy());

/** The error `call` fails with, after checking it is a DynamORM error and that no request was sent. */
async function refused(call: () => unknown): Promise<DynamORMError> {
  sent.length = 0;
  let error: unknown;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DynamORMError);
  expect(sent.map((r) => r.operation)).toEqual([]);
  return error as DynamORMError;
}

/** As {@link refused}, for a ValidationError with `rule` (and `path`, if given). */
async function invalid(call: () => unknown, rule: string, path?: readonly (string | number)[]): Promise<ValidationError> {
  const error = await refused(call);
  expect(error).toBeInstanceOf(ValidationError);
  const v = error as ValidationError;
  expect(v.rule).toBe(rule);
  if (path) expect(v.path).toEqual(path);
  return v;
}

/** What DynamoDB answers to a raw request (the SDK client, no DynamORM in between). */
async function raw(command: PutItemCommand | UpdateItemCommand | CreateTableCommand): Promise<string> {
  try {
    await db.client.send(command as never);
    return 'accepted';
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

const stored = (id: string) => rawItem(db, Doc, { id: { S: id } });
const newId = () => `doc-${randomUUID().slice(0, 8)}`;

describe('1. sparse arrays', () => {
  // `as never`: the types already refuse an array with holes; JavaScript callers (and casts) do not.
  // eslint-disable-next-line no-sparse-arrays
  const holey = () => [1, , 3] as never;

  test('DynamoDB refuses a list with a hole as the SDK sends it', async () => {
    // eslint-disable-next-line no-sparse-arrays
    const L = [{ N: '1' }, , { N: '3' }] as AttributeValue[];
    const answer = await raw(new PutItemCommand({ TableName: db.tableName(Doc), Item: { id: { S: newId() }, doc: { L } } }));
    expect(answer).toMatch(/^ValidationException: The supplied Item contains a null AttributeValue/);
  });

  test('a hole in a list attribute is refused (it used to be stored as [1, 3]), in a json attribute too (it used to be sent)', async () => {
    const id = newId();
    await invalid(() => docs.create({ id, numbers: holey() }), 'sparse-array', ['numbers', 1]);
    await invalid(() => docs.create({ id, doc: holey() }), 'sparse-array', ['doc', 1]);
    await invalid(() => docs.create({ id, meta: { labels: { a: { deep: holey() } } } }), 'sparse-array', ['meta', 'labels', 'a', 'deep', 1]);
    await invalid(() => docs.put({ id, doc: { list: holey() } }), 'sparse-array', ['doc', 'list', 1]);
    expect(await stored(id)).toBeUndefined();
  });

  test('in updates and update actions', async () => {
    const id = newId();
    await docs.create({ id, numbers: [0] });
    await invalid(() => docs.update({ id }, { numbers: holey() }), 'sparse-array', ['numbers', 1]);
    await invalid(() => docs.update({ id }, { numbers: append(holey()) }), 'sparse-array', ['numbers', 1]);
    await invalid(() => docs.update({ id }, { doc: holey() }), 'sparse-array', ['doc', 1]);
    expect((await stored(id))?.numbers).toEqual({ L: [{ N: '0' }] });
  });
});

describe('2. values inside update actions count toward the size limit', () => {
  const numbers = Array.from({ length: 150_000 }, (_, i) => i * 1.5);

  test('DynamoDB refuses an append of 150,000 numbers', async () => {
    const id = newId();
    await docs.create({ id, numbers: [] });
    const L = numbers.map((n) => ({ N: String(n) }));
    const answer = await raw(
      new UpdateItemCommand({
        TableName: db.tableName(Doc),
        Key: { id: { S: id } },
        UpdateExpression: 'SET #l = list_append(#l, :v)',
        ExpressionAttributeNames: { '#l': 'numbers' },
        ExpressionAttributeValues: { ':v': { L } },
      }),
    );
    expect(answer).toMatch(/^ValidationException: .*size/i);
  });

  test('DynamORM refuses it before sending', async () => {
    const id = newId();
    await docs.create({ id, numbers: [1] });
    const error = await invalid(() => docs.update({ id }, { numbers: append(numbers) }), 'item-size');
    expect(error.message).toMatch(/the patch alone is \d+ bytes; DynamoDB allows 409600/);
    await invalid(() => docs.update({ id }, { doc: { small: 1 }, numbers: append(numbers.slice(0, 80_000)) }), 'item-size');
    expect((await stored(id))?.numbers).toEqual({ L: [{ N: '1' }] });
  });
});

describe('3. nesting depth, counted from the item', () => {
  const rawMaps = (n: number): AttributeValue => {
    let v: AttributeValue = { S: 'leaf' };
    for (let i = 0; i < n; i++) v = { M: { a: v } };
    return v;
  };
  const maps = (n: number, leaf: JsonValue = 'leaf'): JsonValue => {
    let v = leaf;
    for (let i = 0; i < n; i++) v = { a: v };
    return v;
  };

  test("DynamoDB's own boundary: a top-level attribute of 31 nested maps is stored, 32 are refused", async () => {
    const put = (n: number) => raw(new PutItemCommand({ TableName: db.tableName(Doc), Item: { id: { S: newId() }, doc: rawMaps(n) } }));
    expect(await put(31)).toBe('accepted');
    expect(await put(32)).toMatch(/^ValidationException: Nesting Levels have exceeded supported limits/);
    // An empty 32nd map is refused too: lists and maps are counted, not the scalars inside them.
    const emptyInside: AttributeValue = { M: { a: rawMaps(30) } };
    let inner = emptyInside;
    while (inner.M?.a?.M) inner = inner.M.a;
    inner.M = { a: { M: {} } };
    expect(await raw(new PutItemCommand({ TableName: db.tableName(Doc), Item: { id: { S: newId() }, doc: emptyInside } }))).toMatch(/Nesting Levels/);
  });

  test('DynamORM stores the deepest document DynamoDB takes and refuses one level more, before sending', async () => {
    const id = newId();
    await docs.create({ id, doc: maps(31) });
    expect((await docs.get({ id }, { consistent: true }))?.doc).toEqual(maps(31));
    const error = await invalid(() => docs.create({ id: newId(), doc: maps(32) }), 'depth');
    expect(error.path).toHaveLength(32);
    await invalid(() => docs.update({ id }, { doc: maps(32) }), 'depth');
    await invalid(() => docs.update({ id }, { doc: maps(31, []) }), 'depth');
  });

  test('the count runs through object and record attributes (it used to restart inside them)', async () => {
    // meta and labels are two maps: a json value inside may nest 29 more, 31 in all.
    const id = newId();
    await docs.create({ id, meta: { labels: { k: maps(29) } } });
    const item = await docs.get({ id }, { consistent: true });
    expect(item?.meta?.labels.k).toEqual(maps(29));
    await invalid(() => docs.create({ id: newId(), meta: { labels: { k: maps(30) } } }), 'depth');
    const put = (n: number) => raw(new PutItemCommand({ TableName: db.tableName(Doc), Item: { id: { S: newId() }, meta: { M: { labels: { M: { k: rawMaps(n) } } } } } }));
    expect(await put(29)).toBe('accepted');
    expect(await put(30)).toMatch(/Nesting Levels/);
  });
});

describe('key values over DynamoDB\'s limits (found by the fuzz)', () => {
  const Keyed = model('Keyed', {
    table: 'keyed',
    attributes: { id: attr.string().partitionKey(), at: attr.string().sortKey(), g: attr.string().optional() },
    indexes: { byG: { name: 'gsi-g', partitionKey: 'g' } },
  });
  const keyed = db.model(Keyed);
  beforeAll(() => db.tables.create(Keyed));
  const put = (item: Record<string, string>) =>
    raw(new PutItemCommand({ TableName: db.tableName(Keyed), Item: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, { S: v }])) }));

  test('DynamoDB: partition keys up to 2048 bytes, sort keys up to 1024, of the table and of an index', async () => {
    expect(await put({ id: 'x'.repeat(2048), at: 'y'.repeat(1024), g: 'z'.repeat(2048) })).toBe('accepted');
    expect(await put({ id: 'x'.repeat(2049), at: 'a' })).toMatch(/^ValidationException: Hash primary key values must be under 2048 bytes/);
    expect(await put({ id: 'a', at: 'y'.repeat(1025) })).toMatch(/^ValidationException/);
    expect(await put({ id: 'a', at: 'b', g: 'z'.repeat(2049) })).toMatch(/^ValidationException: One or more parameter values were invalid: Size limit exceeded/);
  });

  test('DynamORM: the same boundaries, refused before sending', async () => {
    await keyed.create({ id: 'k'.repeat(2048), at: 'a'.repeat(1024), g: 'g'.repeat(2048) });
    await invalid(() => keyed.create({ id: 'k'.repeat(2049), at: 'a' }), 'key-size', ['id']);
    await invalid(() => keyed.create({ id: 'k', at: 'a'.repeat(1025) }), 'key-size', ['at']);
    await invalid(() => keyed.create({ id: 'k', at: 'a', g: 'g'.repeat(2049) }), 'key-size', ['g']);
    await invalid(() => keyed.get({ id: 'k'.repeat(2049), at: 'a' }), 'key-size', ['id']);
    await invalid(() => keyed.update({ id: 'k', at: 'a' }, { g: 'g'.repeat(2049) }), 'key-size', ['g']);
    await invalid(() => keyed.where('id', '=', 'k').where('at', '>', 'a'.repeat(1025)).all(), 'key-size', ['at']);
  });
});

describe('4. arguments of the wrong type are ValidationErrors, never TypeErrors', () => {
  const trap = { toString: () => { throw new Error('toString trap'); } };
  const cases: [string, () => unknown, string][] = [
    ['put(null)', () => docs.put(null as never), 'type'],
    ['put(undefined)', () => docs.put(undefined as never), 'type'],
    ['create(null)', () => docs.create(null as never), 'type'],
    ['create([])', () => docs.create([] as never), 'type'],
    ['update(key, null)', () => docs.update({ id: 'x' }, null as never), 'type'],
    ['update(null, patch)', () => docs.update(null as never, { amount: 1 }), 'type'],
    ['get(null)', () => docs.get(null as never), 'type'],
    ['delete(undefined)', () => docs.delete(undefined as never), 'type'],
    ['create(item, null)', () => docs.create({ id: 'x' }, null as never), 'type'],
    ['get(key, "x")', () => docs.get({ id: 'x' }, 'x' as never), 'type'],
    ['get projection not an array', () => docs.get({ id: 'x' }, { projection: 'amount' as never }), 'projection'],
    ['condition: () => undefined', () => docs.update({ id: 'x' }, { amount: 1 }, { condition: () => undefined as never }), 'condition'],
    ['condition: () => ({})', () => docs.update({ id: 'x' }, { amount: 1 }, { condition: () => ({}) as never }), 'condition'],
    ["condition: 'amount > 5'", () => docs.update({ id: 'x' }, { amount: 1 }, { condition: 'amount > 5' as never }), 'condition'],
    ['condition: null', () => docs.create({ id: 'x' }, { condition: null as never }), 'condition'],
    ['condition: c.and(undefined)', () => docs.delete({ id: 'x' }, { condition: (c) => c.and(undefined as never) }), 'condition'],
    ['condition: size with a raw operator', () => docs.delete({ id: 'x' }, { condition: (c) => c.size('doc', 'OR 1 =' as never, 1 as never) }), 'operator'],
    ['condition: begins_with a toString trap', () => docs.delete({ id: 'x' }, { condition: (c) => c.where('id', 'begins_with', trap as never) }), 'type'],
    ['filter(() => undefined)', () => docs.where('id', '=', 'x').filter(() => undefined as never).all(), 'condition'],
    ['filter(123, "=", 1)', () => docs.where('id', '=', 'x').filter(123 as never, '=', 1 as never).all(), 'unknown-field'],
    ['filter with a symbol field', () => docs.scan().filter(Symbol('f') as never, '=', 1 as never).all(), 'unknown-field'],
    ['where(undefined, "=", 1)', () => docs.where(undefined as never, '=', 1 as never).all(), 'unknown-field'],
    ['where with an unknown operator', () => docs.where('id', 'LIKE' as never, 'x' as never).all(), 'operator'],
    ['where with a symbol operator', () => docs.where('id', Symbol('op') as never, 'x' as never).all(), 'operator'],
    ['select(symbol)', () => docs.where('id', '=', 'x').select(Symbol('f') as never).all(), 'unknown-field'],
    ['index(symbol)', () => docs.scan().index(Symbol('i') as never).all(), 'unknown-index'],
    ['batchGet(keys: 5)', () => docs.batchGet(5 as never), 'type'],
    ['batchGet(keys, null)', () => docs.batchGet([{ id: 'x' }], null as never), 'type'],
    ['batchPut(null)', () => docs.batchPut(null as never), 'type'],
    ['batchDelete("ab")', () => docs.batchDelete('ab' as never), 'type'],
    ['db.batchGet(null)', () => db.batchGet(null as never), 'type'],
    ['db.batchGet([null])', () => db.batchGet([null] as never), 'type'],
    ['db.batchGet(getKeys(Doc, null))', () => db.batchGet([getKeys(Doc, null as never)]), 'type'],
    ['db.batchGet model null', () => db.batchGet([{ model: null, keys: [] }] as never), 'type'],
    ['db.batchWrite(null)', () => db.batchWrite(null as never), 'type'],
    ['db.batchWrite([null])', () => db.batchWrite([null] as never), 'type'],
    ['db.batchWrite(putItems(Doc, null))', () => db.batchWrite([putItems(Doc, null as never)]), 'type'],
    ['db.batchWrite(deleteKeys(Doc, {}))', () => db.batchWrite([deleteKeys(Doc, {} as never)]), 'type'],
    ['db.batchWrite unknown kind', () => db.batchWrite([{ kind: 'upsert', model: Doc, items: [] }] as never), 'type'],
    ['db.transaction(null)', () => db.transaction(null as never), 'type'],
    ['db.transaction(fn, null)', () => db.transaction(() => undefined, null as never), 'type'],
    ['db.transaction token symbol', () => db.transaction((tx) => void tx.create(Doc, { id: 'x' }), { token: Symbol('t') as never }), 'token'],
    ['tx.create(null, item)', () => db.transaction((tx) => void tx.create(null as never, { id: 'x' })), 'type'],
    ['tx.create(Doc, null)', () => db.transaction((tx) => void tx.create(Doc, null as never)), 'type'],
    ['tx.put(Doc, "item")', () => db.transaction((tx) => void tx.put(Doc, 'item' as never)), 'type'],
    ['tx.update(Doc, key, null)', () => db.transaction((tx) => void tx.update(Doc, { id: 'x' }, null as never)), 'type'],
    ['tx.delete(Doc, key, 5)', () => db.transaction((tx) => void tx.delete(Doc, { id: 'x' }, 5 as never)), 'type'],
    ['tx.check(Doc, key, undefined)', () => db.transaction((tx) => void tx.check(Doc, { id: 'x' }, undefined as never)), 'condition'],
    ['tx.check(Doc, key, () => 1)', () => db.transaction((tx) => void tx.check(Doc, { id: 'x' }, (() => 1) as never)), 'condition'],
    ['db.transactGet(null)', () => db.transactGet(null as never), 'type'],
    ['db.transactGet([null])', () => db.transactGet([null] as never), 'type'],
    ['db.transactGet(txGet(Doc, null))', () => db.transactGet([txGet(Doc, null as never)]), 'type'],
    ['collection values null', () => db.collection([Doc]).all(null as never), 'type'],
    ['collection options null', () => db.collection([Doc], null as never), 'type'],
    ['db.model(null)', () => db.model(null as never), 'type'],
  ];
  test.each(cases)('%s', async (_name, call, rule) => {
    const error = await invalid(call, rule);
    expect(error.message).not.toMatch(/Cannot read|is not a function|is not iterable|undefined \(reading/);
  });

  test('a collection of no array or of things that are no models is a ModelDefinitionError', async () => {
    expect(await refused(() => db.collection(null as never))).toBeInstanceOf(ModelDefinitionError);
    expect(await refused(() => db.collection([Doc, {}] as never))).toBeInstanceOf(ModelDefinitionError);
  });
});

describe('5. a key filled by .default() names the error', () => {
  test('ItemAlreadyExistsError.key holds the generated id, not { id: undefined }', async () => {
    const generated = db.model(Generated);
    nextId = `gen-${randomUUID().slice(0, 8)}`;
    const first = await generated.create({ body: 'first' });
    expect(first.id).toBe(nextId);
    sent.length = 0;
    const error = await generated.create({ body: 'second' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ItemAlreadyExistsError);
    expect((error as ItemAlreadyExistsError).key).toEqual({ id: nextId });
    expect((error as Error).message).toBe(`Generated {id=${JSON.stringify(nextId)}} already exists`);
    // put() the same way (unversioned: it overwrites, so a condition is what fails here).
    const conditional = await generated.put({ body: 'third' }, { condition: (c) => c.notExists('id') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((conditional as ItemAlreadyExistsError).key).toEqual({ id: nextId });
  });
});

describe('6. model mistakes DynamoDB would find are found by model(), db.model() and collection()', () => {
  test('a local index on a table with no sort key: DynamoDB refuses the table; model() refuses the model', async () => {
    const answer = await raw(
      new CreateTableCommand({
        TableName: `${db.config.tablePrefix}lsi-no-sort`,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [
          { AttributeName: 'id', AttributeType: 'S' },
          { AttributeName: 'at', AttributeType: 'S' },
        ],
        LocalSecondaryIndexes: [{ IndexName: 'lsi-at', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }, { AttributeName: 'at', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    expect(answer).toMatch(/^ValidationException/);
    expect(() =>
      model('NoSort', {
        table: 'lsi-no-sort',
        attributes: { id: attr.string().partitionKey(), at: attr.string() },
        indexes: { byAt: { name: 'lsi-at', type: 'local', partitionKey: 'id', sortKey: 'at' } },
      }),
    ).toThrow(/local index byAt needs a table with a sort key/);
  });

  test("table and index names outside DynamoDB's rules", async () => {
    const create = (TableName: string, IndexName?: string) =>
      raw(
        new CreateTableCommand({
          TableName,
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [
            { AttributeName: 'id', AttributeType: 'S' },
            { AttributeName: 'g', AttributeType: 'S' },
          ],
          ...(IndexName ? { GlobalSecondaryIndexes: [{ IndexName, KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }] } : {}),
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    expect(await create('no spaces allowed!')).toMatch(/^ValidationException/);
    expect(await create('ab')).toMatch(/^ValidationException/);
    expect(await create('x'.repeat(256))).toMatch(/^ValidationException/);
    expect(await create(`${db.config.tablePrefix}gsi-name`, 'ab')).toMatch(/^ValidationException/);
    const attributes = { id: attr.string().partitionKey(), g: attr.string() };
    expect(() => model('Spaces', { table: 'no spaces allowed!', attributes })).toThrow(ModelDefinitionError);
    expect(() => model('Long', { table: 'x'.repeat(256), attributes })).toThrow(ModelDefinitionError);
    expect(() => model('Gsi', { table: 'gsi-name', attributes, indexes: { g: { name: 'ab', partitionKey: 'g' } } })).toThrow(/index name must be 3 to 255/);
    // A short name is fine with a prefix, and refused by the first database that would send it bare.
    const Short = model('Short', { table: 'ab', attributes });
    expect(() => db.model(Short)).not.toThrow();
    const bare = testDb({ tablePrefix: '', middleware: [recordRequests(sent)] });
    const error = await refused(() => bare.model(Short));
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect(error.message).toMatch(/the table name "ab" .* must be 3 to 255 characters long/);
    expect(await refused(() => bare.tables.create(Short))).toBeInstanceOf(ModelDefinitionError);
    expect(await refused(() => bare.batchGet([getKeys(Short, [{ id: 'x' }])]))).toBeInstanceOf(ModelDefinitionError);
    const spaced = testDb({ tablePrefix: 'my prefix-', middleware: [recordRequests(sent)] });
    expect(await refused(() => spaced.model(Doc).get({ id: 'x' }))).toBeInstanceOf(ModelDefinitionError);
    expect(await refused(() => spaced.collection([Doc]))).toBeInstanceOf(ModelDefinitionError);
    bare.destroy();
    spaced.destroy();
  });

  test('a collection across tables fails to compile, and at run time when the types were forced', async () => {
    const Other = model('Other', { table: 'other', attributes: { id: attr.string().partitionKey() } });
    // @ts-expect-error models of different tables
    const error = await refused(() => db.collection([Doc, Other]));
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect(error.message).toMatch(/different tables/);
  });

  test('DynamoDB errors still come through for what only DynamoDB knows', async () => {
    const Missing = model('Missing', { table: 'never-created', attributes: { id: attr.string().partitionKey() } });
    await expect(db.model(Missing).get({ id: 'x' })).rejects.toBeInstanceOf(DynamoDBError);
  });
});
