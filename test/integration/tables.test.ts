/**
 * Table management from models (`db.tables`), checked against what DynamoDB Local itself describes:
 * keys, attribute types, GSIs and LSIs, billing, streams, TTL, shared tables, `ifNotExists`, and
 * `diff()` against tables created differently with the raw SDK.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, test } from 'vitest';
import { attr, DynamoDBError, DynamORMError, model, ModelDefinitionError, tableDefinition, TimeoutError, ValidationError, type AnyModel } from '../../src/index.js';
import { endpoint, localCredentials, testDb } from '../support/db.js';

const db = testDb();
const raw = new DynamoDBClient({ endpoint: endpoint(), region: 'us-east-1', credentials: localCredentials, maxAttempts: 1 });
afterAll(() => {
  db.destroy();
  raw.destroy();
});

const describeRaw = async (m: AnyModel) => (await raw.send(new DescribeTableCommand({ TableName: db.tableName(m) }))).Table;
const ttlRaw = async (m: AnyModel) => (await raw.send(new DescribeTimeToLiveCommand({ TableName: db.tableName(m) }))).TimeToLiveDescription;
const typesOf = (t: { AttributeDefinitions?: { AttributeName?: string; AttributeType?: string }[] } | undefined) =>
  Object.fromEntries((t?.AttributeDefinitions ?? []).map((d) => [d.AttributeName, d.AttributeType]));
const byIndexName = <T extends { IndexName?: string }>(list: T[] | undefined) => Object.fromEntries((list ?? []).map((i) => [i.IndexName, i]));
const paths = (diffs: readonly { path: string }[]) => diffs.map((d) => d.path).sort();

const Order = model('Order', {
  table: 'orders',
  attributes: {
    customerId: attr.string().partitionKey(),
    orderId: attr.string().sortKey(),
    status: attr.enum(['open', 'paid']),
    total: attr.cents(),
    placedAt: attr.date(),
    shippedAt: attr.date({ storage: 'epochMillis' }).optional(),
    region: attr.string().storedAs('rgn'),
    rank: attr.bigint(),
    fingerprint: attr.binary().optional(),
    note: attr.string().optional(),
    expiresAt: attr.ttl().storedAs('ttl').optional(),
  },
  indexes: {
    byStatus: { name: 'gsi-status', partitionKey: 'status', sortKey: 'placedAt' },
    byRegion: { name: 'gsi-region', partitionKey: 'region', projection: 'keys' },
    byRank: { name: 'gsi-rank', partitionKey: 'rank', sortKey: 'shippedAt', projection: ['total', 'note', 'customerId', 'note'] },
    byFingerprint: { name: 'gsi-fingerprint', partitionKey: 'fingerprint' },
    byTotal: { name: 'lsi-total', type: 'local', partitionKey: 'customerId', sortKey: 'total' },
  },
});

describe('create', () => {
  test('keys, attribute types, GSIs, an LSI, on-demand billing and TTL, as DynamoDB describes them', async () => {
    const created = await db.tables.create(Order);
    expect(created.TableStatus).toBe('ACTIVE');
    expect(created.TableName).toBe(`${db.config.tablePrefix}orders`);
    const table = await describeRaw(Order);
    expect(table?.KeySchema).toEqual([
      { AttributeName: 'customerId', KeyType: 'HASH' },
      { AttributeName: 'orderId', KeyType: 'RANGE' },
    ]);
    // Only key attributes are declared; stored names are used; dates follow their storage.
    expect(typesOf(table)).toEqual({
      customerId: 'S',
      orderId: 'S',
      status: 'S',
      placedAt: 'S',
      rgn: 'S',
      rank: 'N',
      shippedAt: 'N',
      fingerprint: 'B',
      total: 'N',
    });
    const gsis = byIndexName(table?.GlobalSecondaryIndexes);
    expect(Object.keys(gsis).sort()).toEqual(['gsi-fingerprint', 'gsi-rank', 'gsi-region', 'gsi-status']);
    expect(gsis['gsi-status']?.KeySchema).toEqual([
      { AttributeName: 'status', KeyType: 'HASH' },
      { AttributeName: 'placedAt', KeyType: 'RANGE' },
    ]);
    expect(gsis['gsi-status']?.Projection).toEqual({ ProjectionType: 'ALL' });
    expect(gsis['gsi-region']?.Projection).toEqual({ ProjectionType: 'KEYS_ONLY' });
    // Keys are always projected: customerId is not listed again, and nor is the duplicate.
    expect(gsis['gsi-rank']?.Projection).toEqual({ ProjectionType: 'INCLUDE', NonKeyAttributes: ['total', 'note'] });
    const lsis = byIndexName(table?.LocalSecondaryIndexes);
    expect(Object.keys(lsis)).toEqual(['lsi-total']);
    expect(lsis['lsi-total']?.KeySchema).toEqual([
      { AttributeName: 'customerId', KeyType: 'HASH' },
      { AttributeName: 'total', KeyType: 'RANGE' },
    ]);
    expect(table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table?.StreamSpecification?.StreamEnabled ?? false).toBe(false);
    expect(await ttlRaw(Order)).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' });
    expect(await db.tables.diff(Order)).toEqual([]);

    // The table works for the model, and its indexes are usable.
    const orders = db.model(Order);
    const item = await orders.create({ customerId: 'c1', orderId: 'o1', status: 'open', total: 990, placedAt: new Date(0), region: 'eu', rank: 12345678901234567890n });
    expect(await orders.get({ customerId: 'c1', orderId: 'o1' }, { consistent: true })).toEqual(item);
  });

  test('provisioned billing sets the throughput of the table and of every GSI', async () => {
    const Ledger = model('Ledger', {
      table: 'ledger',
      attributes: { id: attr.string().partitionKey(), account: attr.string() },
      indexes: { byAccount: { name: 'gsi-account', partitionKey: 'account' } },
    });
    await db.tables.create(Ledger, { billingMode: 'PROVISIONED', throughput: { read: 3, write: 2 } });
    const table = await describeRaw(Ledger);
    expect(table?.BillingModeSummary?.BillingMode ?? 'PROVISIONED').toBe('PROVISIONED');
    expect(table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 3, WriteCapacityUnits: 2 });
    expect(table?.GlobalSecondaryIndexes?.[0]?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 3, WriteCapacityUnits: 2 });
    expect((await ttlRaw(Ledger))?.TimeToLiveStatus).toBe('DISABLED');

    expect(await db.tables.diff(Ledger, { billingMode: 'PROVISIONED', throughput: { read: 3, write: 2 } })).toEqual([]);
    // Giving throughput alone means provisioned.
    expect(await db.tables.diff(Ledger, { throughput: { read: 3, write: 2 } })).toEqual([]);
    expect(await db.tables.diff(Ledger, { throughput: { read: 4, write: 2 } })).toEqual([
      { path: 'throughput', expected: '{"read":4,"write":2}', actual: '{"read":3,"write":2}' },
      { path: 'throughput:gsi-account', expected: '{"read":4,"write":2}', actual: '{"read":3,"write":2}' },
    ]);
    expect(await db.tables.diff(Ledger)).toEqual([{ path: 'billingMode', expected: '"PAY_PER_REQUEST"', actual: '"PROVISIONED"' }]);
  });

  test('default provisioned throughput is 5/5', () => {
    const Small = model('Small', { table: 'small', attributes: { id: attr.string().partitionKey() } });
    expect(tableDefinition('small', [Small], { billingMode: 'PROVISIONED' }).ProvisionedThroughput).toEqual({ ReadCapacityUnits: 5, WriteCapacityUnits: 5 });
  });

  test('bad throughput is rejected before anything is sent', async () => {
    const Bad = model('Bad', { table: 'bad-throughput', attributes: { id: attr.string().partitionKey() } });
    for (const options of [
      { billingMode: 'PAY_PER_REQUEST', throughput: { read: 1, write: 1 } },
      { billingMode: 'PROVISIONED', throughput: { read: 0, write: 1 } },
      { throughput: { read: 1, write: 1.5 } },
    ] as const) {
      const error = await db.tables.create(Bad, options).catch((e: unknown) => e);
      expect(error, JSON.stringify(options)).toBeInstanceOf(ValidationError);
    }
    expect(await db.tables.describe(db.tableName(Bad))).toBeUndefined();
  });

  test('a stream', async () => {
    const Events = model('Events', { table: 'events', attributes: { id: attr.string().partitionKey() } });
    await db.tables.create(Events, { stream: 'NEW_AND_OLD_IMAGES' });
    const table = await describeRaw(Events);
    expect(table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(table?.LatestStreamArn).toBeTruthy();
    expect(await db.tables.diff(Events, { stream: 'NEW_AND_OLD_IMAGES' })).toEqual([]);
    expect(await db.tables.diff(Events, { stream: 'KEYS_ONLY' })).toEqual([{ path: 'stream', expected: '"KEYS_ONLY"', actual: '"NEW_AND_OLD_IMAGES"' }]);
    expect(await db.tables.diff(Events)).toEqual([{ path: 'stream', expected: 'null', actual: '"NEW_AND_OLD_IMAGES"' }]);
  });

  test('ifNotExists leaves an existing table alone, without it an existing table is an error', async () => {
    const Once = model('Once', { table: 'once', attributes: { id: attr.string().partitionKey() } });
    await db.tables.create(Once);
    await db.model(Once).create({ id: 'kept' });
    const again = await db.tables.create(Once, { ifNotExists: true });
    expect(again.TableStatus).toBe('ACTIVE');
    expect(again.TableName).toBe(db.tableName(Once));
    expect(await db.tables.create(Once, { ifNotExists: true, wait: false })).toMatchObject({ TableName: db.tableName(Once) });
    expect(await db.model(Once).get({ id: 'kept' })).toEqual({ id: 'kept' });
    const error = await db.tables.create(Once).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDBError);
    expect(error).toMatchObject({ awsCode: 'ResourceInUseException' });
  });

  test('ifNotExists still enables TTL on an existing table that lacks it', async () => {
    const Session = model('Session', { table: 'sessions', attributes: { id: attr.string().partitionKey(), expiresAt: attr.ttl() } });
    await raw.send(new CreateTableCommand(tableDefinition(db.tableName(Session), [Session])));
    expect(await db.tables.diff(Session)).toEqual([{ path: 'ttl', expected: '"expiresAt"', actual: 'null' }]);
    await db.tables.create(Session, { ifNotExists: true });
    expect(await ttlRaw(Session)).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    expect(await db.tables.diff(Session)).toEqual([]);
  });

  test('wait: false returns the description without polling', async () => {
    const Quick = model('Quick', { table: 'quick', attributes: { id: attr.string().partitionKey() } });
    const created = await db.tables.create(Quick, { wait: false });
    expect(created.TableName).toBe(db.tableName(Quick));
    expect(['CREATING', 'ACTIVE']).toContain(created.TableStatus);
    expect((await db.tables.waitUntilActive(db.tableName(Quick), 10_000)).TableStatus).toBe('ACTIVE');
  });
});

describe('several models in one table', () => {
  const Customer = model('Customer', {
    table: 'shop',
    attributes: {
      customerId: attr.string(),
      email: attr.string(),
      pk: attr.template('CUSTOMER#{customerId}').partitionKey(),
      sk: attr.template('PROFILE#{customerId}').sortKey(),
      gsi1pk: attr.template('EMAIL#{email}'),
      gsi1sk: attr.template('CUSTOMER#{customerId}'),
    },
    indexes: { byEmail: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' } },
  });
  const Invoice = model('Invoice', {
    table: 'shop',
    attributes: {
      customerId: attr.string(),
      invoiceId: attr.string(),
      status: attr.enum(['due', 'paid']),
      amount: attr.cents(),
      pk: attr.template('CUSTOMER#{customerId}').partitionKey(),
      sk: attr.template('INVOICE#{invoiceId}').sortKey(),
      gsi1pk: attr.template('STATUS#{status}'),
      gsi1sk: attr.template('INVOICE#{invoiceId}'),
      expiresAt: attr.ttl().optional(),
    },
    indexes: {
      byStatus: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
      byAmount: { name: 'lsi-amount', type: 'local', partitionKey: 'pk', sortKey: 'amount' },
    },
  });

  test('one table with the union of their indexes and the TTL of the model that has one', async () => {
    await db.tables.create([Customer, Invoice]);
    const table = await describeRaw(Customer);
    expect(table?.TableName).toBe(db.tableName(Invoice));
    expect(typesOf(table)).toEqual({ pk: 'S', sk: 'S', gsi1pk: 'S', gsi1sk: 'S', amount: 'N' });
    expect(table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['gsi1']);
    expect(table?.LocalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['lsi-amount']);
    expect(await ttlRaw(Invoice)).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    expect(await db.tables.diff([Customer, Invoice])).toEqual([]);
    expect(await db.tables.diff([Invoice, Customer])).toEqual([]);
    // One model alone does not need the other's index or TTL.
    expect(paths(await db.tables.diff(Customer))).toEqual(['lsi:lsi-amount', 'ttl']);

    const customer = await db.model(Customer).create({ customerId: 'c1', email: 'a@example.com' });
    const invoice = await db.model(Invoice).create({ customerId: 'c1', invoiceId: 'i1', status: 'due', amount: 500 });
    expect(await db.model(Customer).get({ customerId: 'c1' }, { consistent: true })).toEqual(customer);
    expect(await db.model(Invoice).get({ customerId: 'c1', invoiceId: 'i1' }, { consistent: true })).toEqual(invoice);
  });

  test('models that disagree are refused before anything is sent', async () => {
    const base = { customerId: attr.string(), pk: attr.template('CUSTOMER#{customerId}').partitionKey(), sk: attr.template('X#{customerId}').sortKey() };
    const cases: [string, AnyModel[], RegExp][] = [
      ['different keys', [Customer, model('K', { table: 'shop', attributes: { id: attr.string().partitionKey() } })], /key attributes/],
      ['different tables', [Customer, model('T', { table: 'other', attributes: base })], /different tables/],
      [
        'one attribute, two types',
        [Customer, model('N', { table: 'shop', attributes: { ...base, gsi1pk: attr.integer() }, indexes: { g: { name: 'gsi-n', partitionKey: 'gsi1pk' } } })],
        /gsi1pk is N here but S/,
      ],
      [
        'one index, two key schemas',
        [Customer, model('I', { table: 'shop', attributes: { ...base, gsi1pk: attr.string() }, indexes: { g: { name: 'gsi1', partitionKey: 'gsi1pk' } } })],
        /gsi1 .*different keys/,
      ],
      [
        'one index, two projections',
        [
          Customer,
          model('P', {
            table: 'shop',
            attributes: { ...base, gsi1pk: attr.string(), gsi1sk: attr.string() },
            indexes: { g: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'keys' } },
          }),
        ],
        /gsi1 .*projection/,
      ],
      [
        'one index name, global and local',
        [Invoice, model('L', { table: 'shop', attributes: { ...base, amount: attr.cents() }, indexes: { g: { name: 'lsi-amount', partitionKey: 'amount' } } })],
        /lsi-amount .*global and local/,
      ],
      ['two TTL attributes', [Invoice, model('E', { table: 'shop', attributes: { ...base, ends: attr.ttl() } })], /one TTL attribute/],
      ['no model at all', [], /at least one model/],
    ];
    const Fresh = model('Fresh', { table: 'shop-conflicts', attributes: base });
    for (const [label, models, message] of cases) {
      // Moved to a table of their own: a definition wrongly accepted would create it.
      const list = models.map((m) => ({ ...m, table: m.table === 'shop' ? Fresh.table : m.table }));
      const error = await db.tables.create(list).catch((e: unknown) => e);
      expect(error, label).toBeInstanceOf(ModelDefinitionError);
      expect((error as Error).message, label).toMatch(message);
    }
    expect(await db.tables.describe(db.tableName(Fresh))).toBeUndefined();
  });
});

describe('diff', () => {
  const Wanted = model('Wanted', {
    table: 'wanted',
    attributes: {
      id: attr.string().partitionKey(),
      seq: attr.integer().sortKey(),
      status: attr.enum(['a', 'b']),
      day: attr.string(),
      amount: attr.cents(),
      expiresAt: attr.ttl().optional(),
    },
    indexes: {
      byStatus: { name: 'gsi-status', partitionKey: 'status', sortKey: 'day' },
      byDay: { name: 'gsi-day', partitionKey: 'day', projection: ['amount'] },
      byAmount: { name: 'lsi-amount', type: 'local', partitionKey: 'id', sortKey: 'amount' },
    },
  });
  const createRaw = (suffix: string, input: Omit<CreateTableCommandInput, 'TableName'>) => {
    const m = { ...Wanted, table: `${Wanted.table}-${suffix}` } as typeof Wanted;
    return raw.send(new CreateTableCommand({ TableName: db.tableName(m), ...input })).then(() => m);
  };

  test('a table created from the models matches', async () => {
    const m = { ...Wanted, table: 'wanted-same' } as typeof Wanted;
    await db.tables.create(m);
    expect(await db.tables.diff(m)).toEqual([]);
  });

  test('reports attribute types, indexes, billing mode, stream and TTL that differ', async () => {
    const m = await createRaw('loose', {
      KeySchema: [
        { AttributeName: 'id', KeyType: 'HASH' },
        { AttributeName: 'seq', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'seq', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
        { AttributeName: 'other', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        { IndexName: 'gsi-status', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' }, ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } },
        { IndexName: 'gsi-extra', KeySchema: [{ AttributeName: 'other', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' }, ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } },
      ],
      BillingMode: 'PROVISIONED',
      ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
    });
    const diffs = await db.tables.diff(m);
    expect(paths(diffs)).toEqual([
      'attribute:amount',
      'attribute:day',
      'attribute:seq',
      'billingMode',
      'gsi:gsi-day',
      'gsi:gsi-extra',
      'gsi:gsi-status',
      'lsi:lsi-amount',
      'stream',
      'ttl',
    ]);
    const at = (path: string) => diffs.find((d) => d.path === path);
    expect(at('attribute:seq')).toEqual({ path: 'attribute:seq', expected: '"N"', actual: '"S"' });
    expect(at('gsi:gsi-day')?.actual).toBe('null');
    expect(at('gsi:gsi-extra')?.expected).toBe('null');
    expect(JSON.parse(at('gsi:gsi-status')?.expected ?? '')).toEqual({ keys: ['status:HASH', 'day:RANGE'], projection: 'ALL', include: [] });
    expect(JSON.parse(at('gsi:gsi-status')?.actual ?? '')).toEqual({ keys: ['status:HASH'], projection: 'ALL', include: [] });
    expect(at('billingMode')).toMatchObject({ expected: '"PAY_PER_REQUEST"', actual: '"PROVISIONED"' });
    expect(at('stream')).toMatchObject({ expected: 'null', actual: '"KEYS_ONLY"' });
    expect(at('ttl')).toMatchObject({ expected: '"expiresAt"', actual: 'null' });
  });

  test('reports a different key schema, a different projection and TTL on another attribute', async () => {
    const m = await createRaw('keys', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
        { AttributeName: 'day', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi-status',
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'day', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        { IndexName: 'gsi-day', KeySchema: [{ AttributeName: 'day', KeyType: 'HASH' }], Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['amount', 'status'] } },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
    await raw.send(new UpdateTimeToLiveCommand({ TableName: db.tableName(m), TimeToLiveSpecification: { Enabled: true, AttributeName: 'deleteAt' } }));
    const diffs = await db.tables.diff(m);
    expect(paths(diffs)).toEqual(['attribute:amount', 'attribute:seq', 'gsi:gsi-day', 'keySchema', 'lsi:lsi-amount', 'ttl']);
    const at = (path: string) => diffs.find((d) => d.path === path);
    expect(at('keySchema')).toEqual({ path: 'keySchema', expected: '["id:HASH","seq:RANGE"]', actual: '["id:HASH"]' });
    expect(JSON.parse(at('gsi:gsi-day')?.actual ?? '')).toMatchObject({ include: ['amount', 'status'] });
    expect(at('ttl')).toMatchObject({ expected: '"expiresAt"', actual: '"deleteAt"' });
  });

  test('a missing table', async () => {
    const Ghost = model('Ghost', { table: 'ghost', attributes: { id: attr.string().partitionKey() } });
    expect(await db.tables.diff(Ghost)).toEqual([{ path: 'table', expected: db.tableName(Ghost), actual: 'missing' }]);
    expect(await db.tables.describe(db.tableName(Ghost))).toBeUndefined();
    await expect(db.tables.delete(Ghost)).resolves.toBeUndefined();
    const error = await db.tables.waitUntilActive(db.tableName(Ghost), 150).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(DynamORMError);
  });
});

test('delete removes the table', async () => {
  const Gone = model('Gone', { table: 'gone', attributes: { id: attr.string().partitionKey() } });
  await db.tables.create(Gone);
  await db.tables.delete(Gone);
  expect(await db.tables.describe(db.tableName(Gone))).toBeUndefined();
});
