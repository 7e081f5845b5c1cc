/**
 * Unique values on DynamoDB Local: guard items written in the same transaction as the item, checked
 * in the raw table; duplicates refused with nothing written (create, put, update, transaction);
 * guards moved on update and put, removed on delete; scopes; lookups through the guard; batches
 * refused; a stale read refused rather than leaving a guard behind.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  attr,
  ConfigurationError,
  DynamORMError,
  ItemNotFoundError,
  model,
  putItems,
  remove,
  TransactionCanceledError,
  ValidationError,
  WriteInDoubtError,
  type DynamORMRequest,
} from '../../../src/index.js';
import { findByUnique, uniqueValues, UniqueConstraintError, UniqueGuardMismatchError } from '../../../src/unique/index.js';
import { rawItem, recordRequests, testDb } from '../../support/db.js';

const User = model('UniqUser', {
  table: 'uniq',
  attributes: {
    pk: attr.template('USER#{id}').partitionKey(),
    id: attr.string(),
    email: attr.string().unique(),
    nickname: attr.string().optional().unique(),
    note: attr.string().optional(),
  },
});
const Order = model('UniqOrder', {
  table: 'uniq',
  attributes: {
    pk: attr.template('ORDER#{id}').partitionKey(),
    id: attr.string(),
    merchantId: attr.string(),
    reference: attr.string().unique({ scope: ['merchantId'] }),
    version: attr.version(),
  },
});
const Card = model('UniqCard', {
  table: 'uniq-sk',
  attributes: { customerId: attr.string().partitionKey(), cardId: attr.string().sortKey(), fingerprint: attr.string().unique() },
});

const sent: DynamORMRequest[] = [];
const db = testDb({ extensions: [uniqueValues()], middleware: [recordRequests(sent)] });
const users = db.model(User);
const orders = db.model(Order);

beforeAll(async () => {
  await db.tables.create(User, { ifNotExists: true });
  await db.tables.create(Card, { ifNotExists: true });
});
afterAll(() => db.destroy());

/** Every item of a table, raw. */
async function scanAll(table: string): Promise<Record<string, AttributeValue>[]> {
  const out = await db.client.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return out.Items ?? [];
}

/** The guards of a model's field, as `owner partition → count`. */
async function guards(model: string, field: string, table = db.tableName(User)): Promise<string[]> {
  const items = await scanAll(table);
  return items.filter((i) => i.pk?.S?.startsWith(`_unique#${model}#${field}#`) || i.customerId?.S?.startsWith(`_unique#${model}#${field}#`)).map((i) => i._opk?.S as string);
}

const caught = async (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (e: unknown) => e);

describe('create', () => {
  test('writes the item and its guard in one transaction; the guard holds a hash, not the value', async () => {
    sent.length = 0;
    await users.create({ id: 'u1', email: 'ada@example.com' });
    expect(sent.map((r) => r.operation)).toEqual(['TransactWriteItems']);
    const table = await scanAll(db.tableName(User));
    const guard = table.find((i) => i.pk?.S?.startsWith('_unique#UniqUser#email#'));
    expect(guard).toBeDefined();
    expect(guard?._opk).toEqual({ S: 'USER#u1' });
    expect(guard?._type).toEqual({ S: '_unique' });
    expect(JSON.stringify(guard)).not.toContain('ada@example.com');
    expect(JSON.stringify(guard)).not.toContain('ada');
  });

  test('a duplicate is refused with UniqueConstraintError naming the field, not the value; nothing is written', async () => {
    await users.create({ id: 'u2', email: 'bob@example.com' });
    const before = await scanAll(db.tableName(User));
    const error = await caught(users.create({ id: 'u3', email: 'bob@example.com' }));
    expect(error).toBeInstanceOf(UniqueConstraintError);
    expect((error as UniqueConstraintError).field).toBe('email');
    expect((error as UniqueConstraintError).code).toBe('UNIQUE_CONSTRAINT');
    expect((error as Error).message).not.toContain('bob');
    expect(JSON.stringify(error)).not.toContain('bob');
    expect(await rawItem(db, User, { pk: { S: 'USER#u3' } })).toBeUndefined();
    expect(await scanAll(db.tableName(User))).toEqual(before);
  });

  test('items without a value of an optional unique field are not constrained', async () => {
    await users.create({ id: 'n1', email: 'n1@example.com' });
    await users.create({ id: 'n2', email: 'n2@example.com' });
    expect(await guards('UniqUser', 'nickname')).toEqual([]);
    await users.create({ id: 'n3', email: 'n3@example.com', nickname: 'nick' });
    expect(await guards('UniqUser', 'nickname')).toEqual(['USER#n3']);
    const error = await caught(users.create({ id: 'n4', email: 'n4@example.com', nickname: 'nick' }));
    expect((error as UniqueConstraintError).field).toBe('nickname');
    // Removing the value removes its guard.
    await users.update({ id: 'n3' }, { nickname: remove() });
    expect(await guards('UniqUser', 'nickname')).toEqual([]);
    await users.create({ id: 'n4', email: 'n4@example.com', nickname: 'nick' });
  });
});

describe('update, put and delete move and remove guards', () => {
  test('an update to a free value moves the guard: the old value is free again', async () => {
    await users.create({ id: 'm1', email: 'old@example.com' });
    await users.update({ id: 'm1' }, { email: 'new@example.com' });
    expect((await users.get({ id: 'm1' }, { consistent: true }))?.email).toBe('new@example.com');
    expect((await guards('UniqUser', 'email')).filter((o) => o === 'USER#m1')).toHaveLength(1);
    expect((await findByUnique(db, User, 'email', 'new@example.com'))?.id).toBe('m1');
    expect(await findByUnique(db, User, 'email', 'old@example.com')).toBeUndefined();
    await users.create({ id: 'm2', email: 'old@example.com' });
  });

  test('an update into a taken value is refused and changes nothing', async () => {
    await users.create({ id: 't1', email: 't1@example.com' });
    await users.create({ id: 't2', email: 't2@example.com' });
    const before = await scanAll(db.tableName(User));
    const error = await caught(users.update({ id: 't2' }, { email: 't1@example.com', note: 'changed' }));
    expect(error).toBeInstanceOf(UniqueConstraintError);
    expect(await scanAll(db.tableName(User))).toEqual(before);
  });

  test('an update that leaves unique fields alone is one UpdateItem, without reading first', async () => {
    await users.create({ id: 'plain', email: 'plain@example.com' });
    sent.length = 0;
    await users.update({ id: 'plain' }, { note: 'hello' });
    expect(sent.map((r) => r.operation)).toEqual(['UpdateItem']);
  });

  test('an update of a missing item that names a unique field is ItemNotFoundError, nothing sent after the read', async () => {
    sent.length = 0;
    await expect(users.update({ id: 'ghost' }, { email: 'ghost@example.com' })).rejects.toBeInstanceOf(ItemNotFoundError);
    expect(sent.map((r) => r.operation)).toEqual(['GetItem']);
    expect(await findByUnique(db, User, 'email', 'ghost@example.com')).toBeUndefined();
  });

  test('a put that replaces an item moves its guards; a put with a taken value is refused', async () => {
    await users.create({ id: 'p1', email: 'p1@example.com', nickname: 'p1nick' });
    await users.put({ id: 'p1', email: 'p1b@example.com', nickname: 'p1nick' });
    expect((await findByUnique(db, User, 'email', 'p1b@example.com'))?.id).toBe('p1');
    expect((await findByUnique(db, User, 'nickname', 'p1nick'))?.id).toBe('p1');
    expect(await findByUnique(db, User, 'email', 'p1@example.com')).toBeUndefined();
    await users.create({ id: 'p2', email: 'p1@example.com' });
    const before = await scanAll(db.tableName(User));
    await expect(users.put({ id: 'p2', email: 'p1b@example.com' })).rejects.toBeInstanceOf(UniqueConstraintError);
    await expect(users.put({ id: 'p3', email: 'p1b@example.com' })).rejects.toBeInstanceOf(UniqueConstraintError);
    expect(await scanAll(db.tableName(User))).toEqual(before);
  });

  test('a delete removes the guards of the item', async () => {
    await users.create({ id: 'd1', email: 'd1@example.com', nickname: 'd1nick' });
    await users.delete({ id: 'd1' });
    const table = await scanAll(db.tableName(User));
    expect(table.filter((i) => i._opk?.S === 'USER#d1')).toEqual([]);
    await users.create({ id: 'd2', email: 'd1@example.com', nickname: 'd1nick' });
  });

  test('a write whose value changed after it was read is refused, and leaves no guard behind', async () => {
    await users.create({ id: 'race', email: 'race-a@example.com' });
    // Between the read and the transaction of a put, another writer moves the value a → b.
    const other = testDb({ extensions: [uniqueValues()], tablePrefix: db.config.tablePrefix });
    let once = true;
    const meddling = testDb({
      extensions: [uniqueValues()],
      tablePrefix: db.config.tablePrefix,
      middleware: [
        async (request, next) => {
          if (request.operation === 'TransactWriteItems' && once) {
            once = false;
            await other.model(User).update({ id: 'race' }, { email: 'race-b@example.com' });
          }
          return next(request);
        },
      ],
    });
    const error = await caught(meddling.model(User).put({ id: 'race', email: 'race-c@example.com' }));
    expect(error).toBeInstanceOf(UniqueGuardMismatchError);
    expect((error as UniqueGuardMismatchError).field).toBe('email');
    // The item holds b and owns exactly b's guard.
    expect((await users.get({ id: 'race' }, { consistent: true }))?.email).toBe('race-b@example.com');
    expect((await findByUnique(db, User, 'email', 'race-b@example.com'))?.id).toBe('race');
    expect(await guards('UniqUser', 'email').then((g) => g.filter((o) => o === 'USER#race'))).toHaveLength(1);
    other.destroy();
    meddling.destroy();
  });

  test('an item written without its guard: unversioned writes that move the value are refused', async () => {
    await db.client.send(new PutItemCommand({ TableName: db.tableName(User), Item: { pk: { S: 'USER#legacy' }, id: { S: 'legacy' }, email: { S: 'legacy@example.com' }, _type: { S: 'UniqUser' } } }));
    await expect(users.update({ id: 'legacy' }, { email: 'legacy2@example.com' })).rejects.toBeInstanceOf(UniqueGuardMismatchError);
    // Re-asserting the same value writes its guard; then it moves.
    await users.put({ id: 'legacy', email: 'legacy@example.com' });
    await users.update({ id: 'legacy' }, { email: 'legacy2@example.com' });
    expect((await findByUnique(db, User, 'email', 'legacy2@example.com'))?.id).toBe('legacy');
  });
});

describe('scopes', () => {
  test('a scoped value is unique per scope; lookups take the scope', async () => {
    await orders.create({ id: 'o1', merchantId: 'm1', reference: 'R-1' });
    await orders.create({ id: 'o2', merchantId: 'm2', reference: 'R-1' });
    const error = await caught(orders.create({ id: 'o3', merchantId: 'm1', reference: 'R-1' }));
    expect(error).toBeInstanceOf(UniqueConstraintError);
    expect((error as UniqueConstraintError).field).toBe('reference');
    expect((await findByUnique(db, Order, 'reference', 'R-1', { merchantId: 'm1' }))?.id).toBe('o1');
    expect((await findByUnique(db, Order, 'reference', 'R-1', { merchantId: 'm2' }))?.id).toBe('o2');
    expect(await findByUnique(db, Order, 'reference', 'R-1', { merchantId: 'm3' })).toBeUndefined();
  });

  test('moving an item to another scope moves its guard (versioned: checked by the version)', async () => {
    const o = await orders.create({ id: 'o4', merchantId: 'm1', reference: 'R-4' });
    const moved = await orders.update(o, { merchantId: 'm2' });
    expect(moved.version).toBe(2);
    expect(await findByUnique(db, Order, 'reference', 'R-4', { merchantId: 'm1' })).toBeUndefined();
    expect((await findByUnique(db, Order, 'reference', 'R-4', { merchantId: 'm2' }))?.id).toBe('o4');
    await orders.create({ id: 'o5', merchantId: 'm1', reference: 'R-4' });
  });

  test('a versioned item written without its guard can still move its value', async () => {
    await db.client.send(
      new PutItemCommand({
        TableName: db.tableName(Order),
        Item: { pk: { S: 'ORDER#old' }, id: { S: 'old' }, merchantId: { S: 'm1' }, reference: { S: 'R-old' }, version: { N: '1' }, _type: { S: 'UniqOrder' } },
      }),
    );
    await orders.update({ id: 'old', version: 1 }, { reference: 'R-new' });
    expect((await findByUnique(db, Order, 'reference', 'R-new', { merchantId: 'm1' }))?.id).toBe('old');
  });
});

describe('a table with a sort key', () => {
  test('guards take a constant sort key; duplicates refused; lookups work', async () => {
    const cards = db.model(Card);
    await cards.create({ customerId: 'c1', cardId: 'k1', fingerprint: 'fp-1' });
    await expect(cards.create({ customerId: 'c2', cardId: 'k1', fingerprint: 'fp-1' })).rejects.toBeInstanceOf(UniqueConstraintError);
    const guard = (await scanAll(db.tableName(Card))).find((i) => i.customerId?.S?.startsWith('_unique#'));
    expect(guard?.cardId).toEqual({ S: '_unique' });
    expect(guard?._osk).toEqual({ S: 'k1' });
    expect(await findByUnique(db, Card, 'fingerprint', 'fp-1')).toEqual({ customerId: 'c1', cardId: 'k1', fingerprint: 'fp-1' });
  });
});

describe('lookups', () => {
  test('bad input is refused before anything is sent', async () => {
    sent.length = 0;
    await expect(findByUnique(db, User, 'note' as 'email', 'x')).rejects.toMatchObject({ rule: 'not-unique' });
    await expect(findByUnique(db, User, 'email', 42 as never)).rejects.toBeInstanceOf(ValidationError);
    await expect(findByUnique(db, Order, 'reference', 'R-1', {} as never)).rejects.toMatchObject({ rule: 'required', path: ['merchantId'] });
    expect(sent).toEqual([]);
  });

  test('queries and scans of the model never return guard items', async () => {
    const scanned = await db.model(User).scan().all();
    expect(scanned.length).toBeGreaterThan(5);
    expect(scanned.every((u) => u.pk.startsWith('USER#'))).toBe(true);
    expect((await scanAll(db.tableName(User))).some((i) => i.pk?.S?.startsWith('_unique#'))).toBe(true);
  });

  test('reads the guard and the item strongly consistent', async () => {
    await users.create({ id: 'look', email: 'look@example.com' });
    sent.length = 0;
    expect((await findByUnique(db, User, 'email', 'look@example.com'))?.id).toBe('look');
    expect(sent.map((r) => [r.operation, (r.input as { ConsistentRead?: boolean }).ConsistentRead])).toEqual([
      ['GetItem', true],
      ['GetItem', true],
    ]);
  });
});

describe('batches and transactions', () => {
  test('batch writes are refused before sending', async () => {
    sent.length = 0;
    const error = await caught(db.batchWrite([putItems(User, [{ id: 'b1', email: 'b1@example.com' }])]));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).rule).toBe('batch-refused');
    expect(sent).toEqual([]);
  });

  test('a transaction carries the guards: applied together, or refused together', async () => {
    await db.transaction((tx) => {
      tx.create(User, { id: 'x1', email: 'x1@example.com' });
      tx.create(Order, { id: 'x1', merchantId: 'm1', reference: 'X-1' });
    });
    expect((await findByUnique(db, User, 'email', 'x1@example.com'))?.id).toBe('x1');
    const before = await scanAll(db.tableName(User));
    const error = await caught(
      db.transaction((tx) => {
        tx.create(User, { id: 'x2', email: 'x2@example.com' });
        tx.create(User, { id: 'x3', email: 'x1@example.com' });
      }),
    );
    expect(error).toBeInstanceOf(TransactionCanceledError);
    const failures = (error as TransactionCanceledError).failures;
    expect(failures.map((f) => f.error?.name)).toEqual(['UniqueConstraintError']);
    expect(await scanAll(db.tableName(User))).toEqual(before);
  });

  test('one value twice in one transaction is refused and nothing is written', async () => {
    const before = await scanAll(db.tableName(User));
    const error = await caught(
      db.transaction((tx) => {
        tx.create(User, { id: 'y1', email: 'same@example.com' });
        tx.create(User, { id: 'y2', email: 'same@example.com' });
      }),
    );
    // DynamoDB refuses two actions on one item (ValidationException); DynamoDB Local cancels the
    // transaction on the second guard instead. Either way an error that says nothing was written.
    expect(error).toBeInstanceOf(DynamORMError);
    expect(error).not.toBeInstanceOf(WriteInDoubtError);
    expect(await scanAll(db.tableName(User))).toEqual(before);
  });
});

describe('configuration', () => {
  test('a model with a unique field is refused by a database without the extension', () => {
    const bare = testDb();
    expect(() => bare.model(User)).toThrow(ConfigurationError);
    bare.destroy();
  });

  test('unique fields that cannot be guarded are refused when the handle is made', () => {
    const NumberKey = model('UniqNumberKey', { table: 'uniq-n', attributes: { id: attr.integer().partitionKey(), email: attr.string().unique() } });
    expect(() => db.model(NumberKey)).toThrow(/string partition key/);
    const BadScope = model('UniqBadScope', { table: 'uniq-b', attributes: { id: attr.string().partitionKey(), code: attr.string().unique({ scope: ['nope'] }) } });
    expect(() => db.model(BadScope)).toThrow(/nope, which is not a field/);
    const ListUnique = model('UniqList', { table: 'uniq-l', attributes: { id: attr.string().partitionKey(), tags: attr.list(attr.string()).unique() } });
    expect(() => db.model(ListUnique)).toThrow(/only scalar fields/);
  });
});
