/**
 * create, put and get against DynamoDB Local: defaults and clock fields, version 1, already-exists,
 * upserts and versioned compare-and-swap puts, consistent and projected reads, key templates,
 * stored names, and every attribute type round-tripping through the real DynamoDB.
 */
import { GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  attr,
  ConditionalCheckFailedError,
  ItemAlreadyExistsError,
  ItemNotFoundError,
  model,
  ValidationError,
  VersionConflictError,
  type AnyModel,
  type DynamORMRequest,
} from '../../src/index.js';
import { recordRequests, testDb } from '../support/db.js';
import { failure } from '../support/failure.js';

const Account = model('Account', {
  table: 'accounts',
  attributes: {
    id: attr.string().partitionKey(),
    owner: attr.string(),
    balance: attr.cents().default(0),
    currency: attr.string().default('USD'),
    reference: attr.string().default(() => `ref-${counter++}`),
    note: attr.string().optional(),
    tags: attr.stringSet(),
    createdAt: attr.createdAt(),
    updatedAt: attr.updatedAt(),
    version: attr.version(),
  },
});
let counter = 1;

const Setting = model('Setting', {
  table: 'settings',
  attributes: {
    id: attr.string().partitionKey(),
    value: attr.string(),
    note: attr.string().optional(),
    updatedAt: attr.updatedAt(),
  },
});

/** Single composite partition key plus a templated sort key with a numeric component. */
const Txn = model('Txn', {
  table: 'txns',
  attributes: {
    pk: attr.template('TENANT#{tenantId}#TXN#{transactionId}').partitionKey(),
    sk: attr.template('LINE#{line}').sortKey(),
    tenantId: attr.string(),
    transactionId: attr.string(),
    line: attr.integer(),
    amount: attr.cents(),
  },
});

/** Stored names that differ from the field names (an existing table's layout). */
const Legacy = model('Legacy', {
  table: 'legacy',
  attributes: {
    id: attr.string().partitionKey().storedAs('PK'),
    amount: attr.cents().storedAs('amt'),
    customer: attr.object({ fullName: attr.string().storedAs('nm'), city: attr.string().optional().storedAs('c') }).storedAs('cust'),
    createdAt: attr.createdAt({ storage: 'epochMillis' }).storedAs('ts'),
  },
});

class Money {
  constructor(
    readonly currency: string,
    readonly minor: bigint,
  ) {}
  static parse(text: string): Money {
    const [currency = '', minor = '0'] = text.split(':');
    return new Money(currency, BigInt(minor));
  }
}

const AllTypes = model('AllTypes', {
  table: 'all-types',
  attributes: {
    id: attr.string().partitionKey(),
    str: attr.string(),
    unicode: attr.string(),
    num: attr.number(),
    huge: attr.number(),
    int: attr.integer(),
    cents: attr.cents(),
    big: attr.bigint(),
    bigNegative: attr.bigint(),
    dec: attr.decimal(),
    tiny: attr.decimal(),
    bool: attr.boolean(),
    falsy: attr.boolean(),
    iso: attr.date(),
    secs: attr.date({ storage: 'epochSeconds' }),
    millis: attr.date({ storage: 'epochMillis' }),
    status: attr.enum(['pending', 'completed']),
    address: attr.object({
      street: attr.string(),
      zip: attr.string().optional(),
      geo: attr.object({ lat: attr.number(), lng: attr.number() }),
      labels: attr.stringSet(),
    }),
    lines: attr.list(attr.object({ sku: attr.string(), qty: attr.integer(), price: attr.cents() })),
    emptyList: attr.list(attr.string()),
    counts: attr.record(attr.integer()),
    names: attr.stringSet(),
    numbers: attr.numberSet(),
    blobs: attr.binarySet(),
    emptyNames: attr.stringSet(),
    emptyNumbers: attr.numberSet(),
    emptyBlobs: attr.binarySet(),
    bytes: attr.binary(),
    doc: attr.json(),
    money: attr.custom(attr.string(), { encode: (m: Money) => `${m.currency}:${m.minor}`, decode: (s: string) => Money.parse(s) }),
    expiresAt: attr.ttl(),
    expiresAtSeconds: attr.date({ storage: 'epochSeconds' }).optional(),
    maybe: attr.string().optional(),
  },
});

/** An existing table whose items hold only the composite key, not the fields it is made of. */
const LegacyTxn = model('LegacyTxn', {
  table: 'legacy-txns',
  attributes: {
    pk: attr.template('TENANT#{tenantId}#TXN#{transactionId}').partitionKey(),
    tenantId: attr.string(),
    transactionId: attr.string(),
    seq: attr.integer(),
    amount: attr.cents(),
  },
});

const TtlOnly = model('TtlOnly', {
  table: 'ttl-only',
  attributes: { id: attr.string().partitionKey(), expiresAt: attr.ttl() },
});

let now = new Date('2024-03-01T10:00:00.000Z');
const seen: DynamORMRequest[] = [];
const db = testDb({
  clock: () => now,
  middleware: [recordRequests(seen)],
});

const accounts = db.model(Account);
const settings = db.model(Setting);

beforeAll(async () => {
  await Promise.all([Account, Setting, Txn, Legacy, AllTypes, LegacyTxn, TtlOnly].map((m) => db.tables.create(m)));
});
afterAll(() => db.destroy());

/**
 * The item as stored in DynamoDB (strongly consistent, no DynamORM decoding), without the entity-type
 * marker DynamORM adds for single-table design and the token of the last write (`_wt`, random): they
 * are not what these tests are about.
 */
async function raw(m: AnyModel, key: Record<string, AttributeValue>): Promise<Record<string, AttributeValue> | undefined> {
  const out = await db.client.send(new GetItemCommand({ TableName: db.tableName(m), Key: key, ConsistentRead: true }));
  if (!out.Item) return undefined;
  const entity = (m.compiled as { entity?: { attribute: string } }).entity?.attribute;
  const { [entity ?? '']: _marker, _wt, ...item } = out.Item;
  return item;
}

describe('create', () => {
  test('fills defaults, createdAt/updatedAt from the injected clock and version 1', async () => {
    now = new Date('2024-03-01T10:00:00.000Z');
    const created = await accounts.create({ id: 'c-defaults', owner: 'ann', tags: ['a', 'b'] });
    expect(created).toEqual({
      id: 'c-defaults',
      owner: 'ann',
      balance: 0,
      currency: 'USD',
      reference: expect.stringMatching(/^ref-\d+$/),
      tags: new Set(['a', 'b']),
      createdAt: new Date('2024-03-01T10:00:00.000Z'),
      updatedAt: new Date('2024-03-01T10:00:00.000Z'),
      version: 1,
    });
    expect(await accounts.get({ id: 'c-defaults' }, { consistent: true })).toEqual(created);
    const stored = await raw(Account, { id: { S: 'c-defaults' } });
    expect(stored).toEqual({
      id: { S: 'c-defaults' },
      owner: { S: 'ann' },
      balance: { N: '0' },
      currency: { S: 'USD' },
      reference: { S: created.reference },
      tags: { SS: expect.arrayContaining(['a', 'b']) },
      createdAt: { S: '2024-03-01T10:00:00.000Z' },
      updatedAt: { S: '2024-03-01T10:00:00.000Z' },
      version: { N: '1' },
    });
    expect(stored).not.toHaveProperty('note');
  });

  test('a default function runs for every write', async () => {
    const a = await accounts.create({ id: 'c-default-fn-1', owner: 'x', tags: [] });
    const b = await accounts.create({ id: 'c-default-fn-2', owner: 'x', tags: [] });
    expect(a.reference).not.toBe(b.reference);
  });

  test('createdAt may be given (imports); updatedAt still comes from the clock', async () => {
    now = new Date('2024-03-02T00:00:00.000Z');
    const created = await accounts.create({ id: 'c-import', owner: 'x', tags: [], createdAt: new Date('2020-01-01T00:00:00.000Z') });
    expect(created.createdAt).toEqual(new Date('2020-01-01T00:00:00.000Z'));
    expect(created.updatedAt).toEqual(now);
    expect((await raw(Account, { id: { S: 'c-import' } }))?.createdAt).toEqual({ S: '2020-01-01T00:00:00.000Z' });
  });

  test('an existing key raises ItemAlreadyExistsError with the stored item and overwrites nothing', async () => {
    now = new Date('2024-03-03T00:00:00.000Z');
    const original = await accounts.create({ id: 'c-exists', owner: 'first', balance: 100, tags: ['keep'] });
    now = new Date('2024-03-04T00:00:00.000Z');
    const error = await failure(accounts.create({ id: 'c-exists', owner: 'second', balance: 999, tags: ['other'] }));
    expect(error).toBeInstanceOf(ItemAlreadyExistsError);
    expect(error).toBeInstanceOf(ConditionalCheckFailedError);
    const e = error as ItemAlreadyExistsError;
    expect(e.code).toBe('ALREADY_EXISTS');
    expect(e.model).toBe('Account');
    expect(e.key).toEqual({ id: 'c-exists' });
    expect(e.item).toEqual(original);
    expect(await accounts.get({ id: 'c-exists' }, { consistent: true })).toEqual(original);
  });

  test('an extra condition on create is checked too', async () => {
    // The item does not exist, so a condition requiring an attribute fails: nothing is written.
    const error = await failure(
      accounts.create({ id: 'c-cond', owner: 'x', tags: [] }, { condition: (c) => c.exists('owner') }),
    );
    expect(error).toBeInstanceOf(ConditionalCheckFailedError);
    expect(error).not.toBeInstanceOf(ItemAlreadyExistsError);
    expect(await accounts.get({ id: 'c-cond' }, { consistent: true })).toBeUndefined();
    const ok = await accounts.create({ id: 'c-cond', owner: 'x', tags: [] }, { condition: (c) => c.notExists('owner') });
    expect(ok.version).toBe(1);
  });
});

describe('put', () => {
  test('on an unversioned model: upsert that replaces the whole item', async () => {
    now = new Date('2024-04-01T00:00:00.000Z');
    const first = await settings.put({ id: 's-1', value: 'one', note: 'first note' });
    expect(first).toEqual({ id: 's-1', value: 'one', note: 'first note', updatedAt: now });
    now = new Date('2024-04-02T00:00:00.000Z');
    const second = await settings.put({ id: 's-1', value: 'two' });
    expect(second).toEqual({ id: 's-1', value: 'two', updatedAt: now });
    // Replaced, not merged: the note is gone.
    expect(await settings.get({ id: 's-1' }, { consistent: true })).toEqual({ id: 's-1', value: 'two', updatedAt: now });
    expect(await raw(Setting, { id: { S: 's-1' } })).toEqual({
      id: { S: 's-1' },
      value: { S: 'two' },
      updatedAt: { S: '2024-04-02T00:00:00.000Z' },
    });
  });

  test('on a versioned model without a version: only when the item is absent', async () => {
    const created = await accounts.put({ id: 'p-absent', owner: 'ann', tags: ['x'] });
    expect(created.version).toBe(1);
    // Without a version a put means "create": the key is taken, which is what the error says.
    const error = await failure(accounts.put({ id: 'p-absent', owner: 'mallory', tags: [] }));
    expect(error).toBeInstanceOf(ItemAlreadyExistsError);
    expect(error).not.toBeInstanceOf(VersionConflictError);
    expect((error as ItemAlreadyExistsError).item).toEqual(created);
    expect(await accounts.get({ id: 'p-absent' }, { consistent: true })).toEqual(created);
  });

  test('with item.version replaces the item and bumps the version', async () => {
    now = new Date('2024-04-03T00:00:00.000Z');
    const v1 = await accounts.create({ id: 'p-cas', owner: 'ann', balance: 10, note: 'n', tags: ['x'] });
    now = new Date('2024-04-04T00:00:00.000Z');
    const { note: _dropped, ...rest } = v1;
    const v2 = await accounts.put({ ...rest, balance: 20 });
    expect(v2.version).toBe(2);
    expect(v2.balance).toBe(20);
    expect(v2.createdAt).toEqual(v1.createdAt);
    expect(v2.updatedAt).toEqual(now);
    expect(v2).not.toHaveProperty('note');
    expect(await accounts.get(v1, { consistent: true })).toEqual(v2);
    // expectedVersion overrides the item's version.
    const v3 = await accounts.put({ ...rest, balance: 30 }, { expectedVersion: 2 });
    expect(v3.version).toBe(3);
    expect((await raw(Account, { id: { S: 'p-cas' } }))?.version).toEqual({ N: '3' });
  });

  test('a stale version raises VersionConflictError and changes nothing', async () => {
    const v1 = await accounts.create({ id: 'p-stale', owner: 'ann', balance: 10, tags: [] });
    const v2 = await accounts.put({ ...v1, balance: 20 });
    const error = await failure(accounts.put({ ...v1, balance: 99 }));
    expect(error).toBeInstanceOf(VersionConflictError);
    const e = error as VersionConflictError;
    expect(e.expectedVersion).toBe(1);
    expect(e.actualVersion).toBe(2);
    expect(e.item).toEqual(v2);
    expect(await accounts.get(v1, { consistent: true })).toEqual(v2);
  });

  test('a version given for a missing item is a conflict, not a create', async () => {
    const error = await failure(accounts.put({ id: 'p-ghost', owner: 'x', tags: [], version: 4 }));
    expect(error).toBeInstanceOf(VersionConflictError);
    expect((error as VersionConflictError).actualVersion).toBeUndefined();
    expect(await accounts.get({ id: 'p-ghost' }, { consistent: true })).toBeUndefined();
  });
});

describe('get', () => {
  test('is eventually consistent by default and strongly consistent on request', async () => {
    await accounts.create({ id: 'g-consistency', owner: 'ann', tags: [] });
    seen.length = 0;
    await accounts.get({ id: 'g-consistency' });
    await accounts.get({ id: 'g-consistency' }, { consistent: true });
    await accounts.get({ id: 'g-consistency' }, { consistent: false });
    expect(seen.map((r) => r.operation)).toEqual(['GetItem', 'GetItem', 'GetItem']);
    expect(seen[0]?.input).not.toHaveProperty('ConsistentRead');
    expect(seen[1]?.input.ConsistentRead).toBe(true);
    expect(seen[2]?.input.ConsistentRead).not.toBe(true);
  });

  test('a projection reads and returns only the requested fields', async () => {
    const created = await accounts.create({ id: 'g-projection', owner: 'ann', balance: 4200, note: 'secret', tags: ['t'] });
    seen.length = 0;
    const partial = await accounts.get({ id: 'g-projection' }, { projection: ['balance', 'owner'], consistent: true });
    expect(partial).toEqual({ balance: 4200, owner: 'ann' });
    const sent = seen[0]?.input as { ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> };
    expect(Object.values(sent.ExpressionAttributeNames ?? {}).sort()).toEqual(['balance', 'owner']);
    expect(sent.ProjectionExpression?.split(', ').length).toBe(2);
    expect(created.note).toBe('secret');
  });

  test('missing items are undefined, or ItemNotFoundError with { required: true }', async () => {
    expect(await accounts.get({ id: 'g-missing' })).toBeUndefined();
    expect(await accounts.get({ id: 'g-missing' }, { consistent: true })).toBeUndefined();
    const error = await failure(accounts.get({ id: 'g-missing' }, { required: true }));
    expect(error).toBeInstanceOf(ItemNotFoundError);
    expect((error as ItemNotFoundError).code).toBe('NOT_FOUND');
    expect((error as ItemNotFoundError).key).toEqual({ id: 'g-missing' });
    const found = await accounts.get({ id: 'g-consistency' }, { required: true, consistent: true });
    expect(found.id).toBe('g-consistency');
  });

  test('accepts an item read before as the key', async () => {
    const created = await accounts.create({ id: 'g-by-item', owner: 'ann', tags: [] });
    expect(await accounts.get(created, { consistent: true })).toEqual(created);
  });
});

describe('key templates', () => {
  const txns = db.model(Txn);

  test('are filled on write and parsed back on read', async () => {
    const created = await txns.create({ tenantId: 'acme', transactionId: 'tx-1', line: 7, amount: 1250 });
    expect(created).toEqual({ pk: 'TENANT#acme#TXN#tx-1', sk: 'LINE#7', tenantId: 'acme', transactionId: 'tx-1', line: 7, amount: 1250 });
    const stored = await raw(Txn, { pk: { S: 'TENANT#acme#TXN#tx-1' }, sk: { S: 'LINE#7' } });
    expect(stored?.pk).toEqual({ S: 'TENANT#acme#TXN#tx-1' });
    expect(stored?.sk).toEqual({ S: 'LINE#7' });
    expect(await txns.get({ tenantId: 'acme', transactionId: 'tx-1', line: 7 }, { consistent: true })).toEqual(created);
    // Other lines of the same transaction are different items.
    expect(await txns.get({ tenantId: 'acme', transactionId: 'tx-1', line: 8 }, { consistent: true })).toBeUndefined();
  });

  test('a field may contain the separator of another part when it stays unambiguous', async () => {
    // '#' alone is fine inside tenantId: only '#TXN#' (the text that follows it) is forbidden.
    const created = await txns.create({ tenantId: 'a#b', transactionId: 'x#TXN#y', line: 1, amount: 1 });
    expect(created.pk).toBe('TENANT#a#b#TXN#x#TXN#y');
    const read = await txns.get({ tenantId: 'a#b', transactionId: 'x#TXN#y', line: 1 }, { consistent: true });
    expect(read).toEqual(created);
    const error = await failure(txns.create({ tenantId: 'a#TXN#b', transactionId: 'x', line: 1, amount: 1 }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).rule).toBe('key-separator');
    expect((error as ValidationError).path).toEqual(['tenantId']);
  });

  test('a projection of a template component is parsed back from the key', async () => {
    await txns.create({ tenantId: 'proj', transactionId: 'tx-9', line: 3, amount: 500 });
    const partial = await txns.get({ tenantId: 'proj', transactionId: 'tx-9', line: 3 }, { projection: ['transactionId', 'amount'], consistent: true });
    expect(partial).toEqual({ transactionId: 'tx-9', amount: 500 });
  });

  test('a model on an existing table storing only the composite key gets the fields parsed back', async () => {
    await db.client.send(
      new PutItemCommand({
        TableName: db.tableName(LegacyTxn),
        Item: { pk: { S: 'TENANT#globex#TXN#0042' }, seq: { N: '3' }, amount: { N: '999' } },
      }),
    );
    const read = await db.model(LegacyTxn).get({ tenantId: 'globex', transactionId: '0042' }, { consistent: true, required: true });
    expect(read).toEqual({ pk: 'TENANT#globex#TXN#0042', tenantId: 'globex', transactionId: '0042', seq: 3, amount: 999 });
  });
});

describe('stored attribute names', () => {
  test('differ from the field names, at the top level and inside objects', async () => {
    now = new Date('2024-05-01T12:00:00.123Z');
    const legacy = db.model(Legacy);
    const created = await legacy.create({ id: 'L-1', amount: 1999, customer: { fullName: 'Ada Lovelace', city: 'London' } });
    expect(await raw(Legacy, { PK: { S: 'L-1' } })).toEqual({
      PK: { S: 'L-1' },
      amt: { N: '1999' },
      cust: { M: { nm: { S: 'Ada Lovelace' }, c: { S: 'London' } } },
      ts: { N: String(now.getTime()) },
    });
    const read = await legacy.get({ id: 'L-1' }, { consistent: true });
    expect(read).toEqual({ id: 'L-1', amount: 1999, customer: { fullName: 'Ada Lovelace', city: 'London' }, createdAt: now });
    expect(read).toEqual(created);
    const partial = await legacy.get({ id: 'L-1' }, { projection: ['amount'], consistent: true });
    expect(partial).toEqual({ amount: 1999 });
  });
});

describe('every attribute type round-trips through DynamoDB', () => {
  const all = db.model(AllTypes);
  const bytes = new Uint8Array([0, 1, 2, 127, 128, 254, 255]);
  const input = {
    id: 'types-1',
    str: 'hello world',
    unicode: 'ünïcødé 🎉 中文',
    num: 0.1 + 0.2,
    huge: 1.5e100,
    int: -9_007_199_254_740_991,
    cents: 9_007_199_254_740_991,
    big: 2n ** 63n + 7n,
    bigNegative: -(10n ** 37n) * 9n - 123n, // 38 digits: -9 followed by 34 zeros and 123
    dec: '1234567890123456789012345678.9012345678', // 38 significant digits
    tiny: '-0.000000000000000000000000000000000000000000000000123',
    bool: true,
    falsy: false,
    iso: new Date('2024-02-29T23:59:59.999Z'),
    secs: new Date('2024-02-29T12:34:56.000Z'),
    millis: new Date('2024-02-29T12:34:56.789Z'),
    status: 'completed' as const,
    address: { street: '1 Main St', geo: { lat: 51.5074, lng: -0.1278 }, labels: new Set(['home', 'billing']) },
    lines: [
      { sku: 'A-1', qty: 2, price: 1250 },
      { sku: 'B-2', qty: 1, price: 99 },
    ],
    emptyList: [] as string[],
    counts: { apples: 3, pears: 0, 'odd key.with#chars': -1 },
    names: ['b', 'a', 'b'],
    numbers: new Set([1.5, 2, -3]),
    blobs: [new Uint8Array([1, 2]), new Uint8Array([3])],
    emptyNames: new Set<string>(),
    emptyNumbers: [] as number[],
    emptyBlobs: new Set<Uint8Array>(),
    bytes,
    doc: { a: 1, b: [true, null, 'x', 2.5], c: { d: { e: 'deep' } }, empty: {}, list: [] },
    money: new Money('EUR', 123456789012345678901234567n),
    expiresAt: new Date('2030-01-01T00:00:00.750Z'),
    expiresAtSeconds: new Date('2030-01-01T00:00:00.000Z'),
  };

  test('written, stored in the expected DynamoDB types, and read back exactly', async () => {
    const created = await all.create(input);
    const expected = {
      ...input,
      names: new Set(['a', 'b']),
      numbers: new Set([1.5, 2, -3]),
      blobs: new Set([new Uint8Array([1, 2]), new Uint8Array([3])]),
      emptyNumbers: new Set(),
      expiresAt: new Date('2030-01-01T00:00:00.000Z'), // TTL is whole epoch seconds
    };
    expect(created).toEqual(expected);
    const read = await all.get({ id: 'types-1' }, { consistent: true, required: true });
    expect(read).toEqual(expected);

    // Exactness beyond what toEqual shows.
    expect(read.big).toBe(9223372036854775815n);
    expect(typeof read.big).toBe('bigint');
    expect(read.bigNegative).toBe(-90000000000000000000000000000000000123n);
    expect(read.bigNegative.toString()).toHaveLength(39); // minus sign and 38 digits
    expect(read.dec).toBe('1234567890123456789012345678.9012345678');
    expect(read.tiny).toBe('-0.000000000000000000000000000000000000000000000000123');
    expect(read.int).toBe(-9_007_199_254_740_991);
    expect(read.cents).toBe(9_007_199_254_740_991);
    expect(read.num).toBe(0.1 + 0.2);
    expect(read.huge).toBe(1.5e100);
    expect(read.money).toBeInstanceOf(Money);
    expect(read.money.minor).toBe(123456789012345678901234567n);
    expect(read.emptyNames).toBeInstanceOf(Set);
    expect(read.emptyNames.size).toBe(0);
    expect(read.emptyBlobs).toEqual(new Set());
    expect(Array.from(read.bytes)).toEqual(Array.from(bytes));
    expect(read.maybe).toBeUndefined();
    expect('maybe' in read).toBe(false);

    const stored = await raw(AllTypes, { id: { S: 'types-1' } });
    expect(stored).toBeDefined();
    const s = stored as Record<string, AttributeValue>;
    expect(s.big).toEqual({ N: '9223372036854775815' });
    expect(s.bigNegative).toEqual({ N: '-90000000000000000000000000000000000123' });
    expect(s.dec).toEqual({ N: '1234567890123456789012345678.9012345678' });
    expect(s.cents).toEqual({ N: '9007199254740991' });
    expect(s.bool).toEqual({ BOOL: true });
    expect(s.falsy).toEqual({ BOOL: false });
    expect(s.iso).toEqual({ S: '2024-02-29T23:59:59.999Z' });
    expect(s.secs).toEqual({ N: String(Date.UTC(2024, 1, 29, 12, 34, 56) / 1000) });
    expect(s.millis).toEqual({ N: String(Date.UTC(2024, 1, 29, 12, 34, 56, 789)) });
    expect(s.status).toEqual({ S: 'completed' });
    expect(s.address?.M?.geo).toEqual({ M: { lat: { N: '51.5074' }, lng: { N: '-0.1278' } } });
    expect(s.address?.M).not.toHaveProperty('zip');
    expect(s.lines?.L?.[0]).toEqual({ M: { sku: { S: 'A-1' }, qty: { N: '2' }, price: { N: '1250' } } });
    expect(s.emptyList).toEqual({ L: [] });
    expect(s.counts?.M?.['odd key.with#chars']).toEqual({ N: '-1' });
    expect(s.names?.SS?.slice().sort()).toEqual(['a', 'b']);
    expect(s.numbers?.NS?.slice().sort()).toEqual(['-3', '1.5', '2']);
    expect(s.blobs?.BS).toHaveLength(2);
    expect(s.bytes?.B).toBeDefined();
    expect(s.doc?.M?.b).toEqual({ L: [{ BOOL: true }, { NULL: true }, { S: 'x' }, { N: '2.5' }] });
    expect(s.money).toEqual({ S: 'EUR:123456789012345678901234567' });
    expect(s.expiresAt).toEqual({ N: String(Date.UTC(2030, 0, 1) / 1000) });
    // Empty sets and absent optionals are no attribute at all (DynamoDB has no empty sets).
    for (const name of ['emptyNames', 'emptyNumbers', 'emptyBlobs', 'maybe']) expect(s).not.toHaveProperty(name);
  });

  test('TTL accepts epoch seconds and stores epoch seconds', async () => {
    const ttl = db.model(TtlOnly);
    const seconds = 1_900_000_000;
    const fromNumber = await ttl.create({ id: 'ttl-number', expiresAt: seconds });
    expect(fromNumber.expiresAt).toEqual(new Date(seconds * 1000));
    expect((await raw(TtlOnly, { id: { S: 'ttl-number' } }))?.expiresAt).toEqual({ N: String(seconds) });
    const fromDate = await ttl.create({ id: 'ttl-date', expiresAt: new Date(seconds * 1000 + 999) });
    expect((await raw(TtlOnly, { id: { S: 'ttl-date' } }))?.expiresAt).toEqual({ N: String(seconds) });
    expect((await ttl.get({ id: 'ttl-date' }, { consistent: true }))?.expiresAt).toEqual(new Date(seconds * 1000));
    expect(fromDate.expiresAt).toEqual(new Date(seconds * 1000));
  });

  test('a number stored by another writer beyond 2^53 in a cents field is refused on read, not rounded', async () => {
    await db.client.send(
      new PutItemCommand({
        TableName: db.tableName(Account),
        Item: {
          id: { S: 'foreign-big' },
          owner: { S: 'x' },
          balance: { N: '9007199254740993' },
          currency: { S: 'USD' },
          reference: { S: 'r' },
          createdAt: { S: '2024-01-01T00:00:00.000Z' },
          updatedAt: { S: '2024-01-01T00:00:00.000Z' },
          version: { N: '1' },
        },
      }),
    );
    const error = await failure(accounts.get({ id: 'foreign-big' }, { consistent: true }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).rule).toBe('stored-value');
    expect((error as ValidationError).path).toEqual(['balance']);
  });
});
