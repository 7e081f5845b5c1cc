/**
 * Write-sharded index keys on DynamoDB Local: 10,000 payments of one status spread over 16 shards
 * (the spread is counted with the raw SDK, shard by shard, and printed), and a paginated query over
 * them returns every item once, in order: both orders, with a filter, with a limit, and a cursor that
 * resumes every shard (proven from the requests sent), signed, encrypted and bound to its query.
 * Updates, puts and deletes keep an item in its shard; a changed status moves it. A tenant-scoped
 * sharded index is still checked by the tenant's partition hook.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDBClient, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { attr, collection, defineExtension, InvalidCursorError, model, ModelDefinitionError, type DynamORMRequest, type ReadPartition } from '../../../src/index.js';
import { sharded, shardOf } from '../../../src/sharding/index.js';
import { tenants, TenantScopeError, withTenant } from '../../../src/tenants/index.js';
import { endpoint, localCredentials, rawItem, recordRequests, testDb } from '../../support/db.js';

const SHARDS = 16;
const COUNT = 10_000;

const Payment = model('ShardedPayment', {
  table: 'sharded-payments',
  attributes: {
    id: attr.string().partitionKey().loggable(),
    status: attr.enum(['pending', 'settled', 'failed'] as const),
    amount: attr.integer(),
    createdAt: attr.createdAt(),
    statusKey: attr.template('S#{status}'),
  },
  indexes: {
    byStatus: sharded({ name: 'gsi-status-created', partitionKey: 'statusKey', sortKey: 'createdAt', shards: SHARDS }),
  },
});

const db = testDb({ cursorSecret: 'sharding-test-secret-0123456789abcdef', requestTimeoutMs: 30_000 });
const requests: DynamORMRequest[] = [];
db.use('record', recordRequests(requests));
const payments = db.model(Payment);
const raw = new DynamoDBClient({ endpoint: endpoint(), region: 'us-east-1', credentials: localCredentials });

const start = Date.UTC(2026, 0, 1);
const idOf = (i: number) => `pay-${String(i).padStart(5, '0')}`;
/** Item i: created i milliseconds after the start, in an order unrelated to its id's shard. */
const createdOf = (i: number) => new Date(start + ((i * 7919) % COUNT) * 1000);
const amountOf = (i: number) => (i * 31) % 1000;

/** Ids of the pending items in createdAt order. */
const byCreated = Array.from({ length: COUNT }, (_, i) => i)
  .sort((a, b) => createdOf(a).getTime() - createdOf(b).getTime())
  .map(idOf);

function queryRequests(from: number): DynamORMRequest[] {
  return requests.slice(from).filter((r) => r.operation === 'Query');
}

async function rawShardCount(partition: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const out = await raw.send(
      new QueryCommand({
        TableName: db.tableName(Payment),
        IndexName: 'gsi-status-created',
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: { '#k': 'statusKey' },
        ExpressionAttributeValues: { ':k': { S: partition } },
        Select: 'COUNT',
        ExclusiveStartKey: startKey,
      }),
    );
    count += out.Count ?? 0;
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return count;
}

beforeAll(async () => {
  await db.tables.create(Payment);
  const items = Array.from({ length: COUNT }, (_, i) => ({ id: idOf(i), status: 'pending' as const, amount: amountOf(i), createdAt: createdOf(i) }));
  // Ten batch writers of 1,000 items each, at once.
  await Promise.all(Array.from({ length: 10 }, (_, w) => payments.batchPut(items.slice(w * 1000, (w + 1) * 1000))));
}, 300_000);

afterAll(async () => {
  await db.tables.delete(Payment);
  raw.destroy();
  db.destroy();
});

describe('writes', () => {
  test('10,000 writes to one status spread over the 16 shards', async () => {
    const counts = await Promise.all(Array.from({ length: SHARDS }, (_, s) => rawShardCount(`S#pending#${s}`)));
    const unsharded = await rawShardCount('S#pending');
    console.log(`sharding spread of ${COUNT} pending payments over ${SHARDS} shards: ${counts.join(', ')} (min ${Math.min(...counts)}, max ${Math.max(...counts)}, even ${COUNT / SHARDS})`);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(COUNT);
    expect(unsharded).toBe(0);
    // A fair spread: 625 a shard, binomial standard deviation about 24; 20% either way is over five of them.
    for (const c of counts) expect(Math.abs(c - COUNT / SHARDS)).toBeLessThan((COUNT / SHARDS) * 0.2);
  });

  test('the stored status stays plain; the index key carries the shard of the primary key', async () => {
    const stored = await rawItem(db, Payment, { id: { S: idOf(42) } });
    expect(stored?.status).toEqual({ S: 'pending' });
    expect(stored?.statusKey).toEqual({ S: `S#pending#${shardOf({ id: { S: idOf(42) } }, SHARDS)}` });
    const read = await payments.get({ id: idOf(42) });
    expect(read?.status).toBe('pending');
    expect(read?.statusKey).toBe(stored?.statusKey?.S);
  });
});

describe('paginated queries', () => {
  async function walk(order: 'asc' | 'desc', limit: number, filter = false) {
    let query = payments.where('status', '=', 'pending').order(order).limit(limit);
    if (filter) query = query.filter('amount', '>=', 500);
    const ids: string[] = [];
    const created: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await query.page(cursor);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      for (const item of page.items) {
        ids.push(item.id);
        created.push(item.createdAt.getTime());
      }
      cursor = page.cursor;
      pages++;
    } while (cursor);
    return { ids, created, pages };
  }

  test('ascending: every item once, in createdAt order', async () => {
    const { ids, pages } = await walk('asc', 700);
    expect(ids).toEqual(byCreated);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(COUNT / 700));
  }, 120_000);

  test('descending: every item once, in reverse order', async () => {
    const { ids } = await walk('desc', 1000);
    expect(ids).toEqual([...byCreated].reverse());
  }, 120_000);

  test('with a filter: exactly the matching items, in order', async () => {
    const { ids } = await walk('asc', 300, true);
    const expected = byCreated.filter((id) => amountOf(Number(id.slice(4))) >= 500);
    expect(expected.length).toBeGreaterThan(1000);
    expect(ids).toEqual(expected);
  }, 120_000);

  test('all(), stream(), first() and count() read every shard', async () => {
    const query = payments.where('status', '=', 'pending');
    expect((await query.all()).map((p) => p.id)).toEqual(byCreated);
    const streamed: string[] = [];
    for await (const p of query.order('desc').limit(2500).stream()) streamed.push(p.id);
    expect(streamed).toEqual([...byCreated].reverse().slice(0, 2500));
    expect((await query.first())?.id).toBe(byCreated[0]);
    expect(await query.count()).toBe(COUNT);
    expect(await payments.where('status', '=', 'pending').filter('amount', '<', 10).count()).toBe(byCreated.filter((id) => amountOf(Number(id.slice(4))) < 10).length);
  }, 120_000);

  test('the cursor resumes every shard where it stopped', async () => {
    const query = payments.where('status', '=', 'pending').limit(64);
    const first = await query.page();
    const before = requests.length;
    const second = await query.page(first.cursor);
    expect([...first.items, ...second.items].map((p) => p.id)).toEqual(byCreated.slice(0, 128));
    // Every shard the first page returned items of resumes after its last one: its first request of
    // the second page starts there, in its own partition.
    const firstOfShard = new Map<string, Record<string, unknown>>();
    for (const r of queryRequests(before)) {
      const partition = Object.values(r.input.ExpressionAttributeValues as Record<string, AttributeValue>).find((v) => v.S?.startsWith('S#pending#'))?.S as string;
      if (!firstOfShard.has(partition)) firstOfShard.set(partition, r.input);
    }
    expect(firstOfShard.size).toBe(SHARDS);
    for (const item of first.items) {
      const partition = `S#pending#${shardOf({ id: { S: item.id } }, SHARDS)}`;
      const lastOfShard = first.items.filter((p) => shardOf({ id: { S: p.id } }, SHARDS) === shardOf({ id: { S: item.id } }, SHARDS)).at(-1);
      const startKey = firstOfShard.get(partition)?.ExclusiveStartKey as Record<string, AttributeValue> | undefined;
      expect(startKey?.id).toEqual({ S: lastOfShard?.id });
      expect(startKey?.statusKey).toEqual({ S: partition });
    }
  });

  test('the cursor is encrypted, signed and bound to its query', async () => {
    const query = payments.where('status', '=', 'pending').limit(10);
    const { cursor } = await query.page();
    expect(cursor).toBeDefined();
    const text = cursor as string;
    expect(Buffer.from(text.split('.')[0] as string, 'base64url').toString('latin1')).not.toMatch(/pay-|pending/);
    const sent = requests.length;
    await expect(payments.where('status', '=', 'settled').limit(10).page(text)).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(query.order('desc').page(text)).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(query.filter('amount', '>', 1).page(text)).rejects.toBeInstanceOf(InvalidCursorError);
    const tampered = `${text.slice(0, 20)}${text[20] === 'A' ? 'B' : 'A'}${text.slice(21)}`;
    await expect(query.page(tampered)).rejects.toBeInstanceOf(InvalidCursorError);
    expect(requests.length).toBe(sent); // refused before anything was sent
    // The same query (a new builder) takes it.
    const next = await payments.where('status', '=', 'pending').limit(10).page(text);
    expect(next.items.map((p) => p.id)).toEqual(byCreated.slice(10, 20));
  });

  test('select() narrows the items and still merges in order', async () => {
    const page = await payments.where('status', '=', 'pending').select('id', 'status').limit(5).page();
    expect(page.items).toEqual(byCreated.slice(0, 5).map((id) => ({ id, status: 'pending' })));
  });
});

describe('writes keep an item in its shard', () => {
  test('update, put and delete; a changed status moves the item', async () => {
    const id = 'pay-moving';
    const shard = shardOf({ id: { S: id } }, SHARDS);
    await payments.create({ id, status: 'pending', amount: 1, createdAt: new Date(start - 1000) });
    expect((await rawItem(db, Payment, { id: { S: id } }))?.statusKey).toEqual({ S: `S#pending#${shard}` });
    await payments.update({ id }, { amount: 2 });
    expect((await rawItem(db, Payment, { id: { S: id } }))?.statusKey).toEqual({ S: `S#pending#${shard}` });
    await payments.update({ id }, { status: 'settled' });
    const moved = await rawItem(db, Payment, { id: { S: id } });
    expect(moved?.statusKey).toEqual({ S: `S#settled#${shard}` });
    expect(moved?.status).toEqual({ S: 'settled' });
    expect((await payments.where('status', '=', 'settled').all()).map((p) => p.id)).toEqual([id]);
    expect((await payments.where('status', '=', 'pending').first())?.id).toBe(byCreated[0]);
    // A put of the item read back (its stored key carries the shard) keeps it there.
    const read = await payments.get({ id }, { required: true });
    await payments.put(Object.assign({}, read, { amount: 3 }));
    expect((await rawItem(db, Payment, { id: { S: id } }))?.statusKey).toEqual({ S: `S#settled#${shard}` });
    await payments.delete({ id });
    expect(await payments.where('status', '=', 'settled').all()).toEqual([]);
  });

  test('a collection refuses a sharded index (it reads one partition)', () => {
    expect(() => collection(db, [Payment], { index: 'byStatus' })).toThrow(ModelDefinitionError);
  });
});

describe('tenant scope', () => {
  const tenancy = tenants({ field: 'merchantId' });
  // Records the partitions the partition hook is shown, beside the tenant extension's own check.
  const seen: ReadPartition[] = [];
  const probe = defineExtension({ name: 'partition-probe', forModel: () => ({ checkPartition: (_context, partition) => void seen.push(partition) }) });
  const Order = model('ShardedOrder', {
    table: 'sharded-orders',
    attributes: {
      pk: attr.template('M#{merchantId}').partitionKey(),
      sk: attr.template('O#{orderId}').sortKey(),
      merchantId: attr.string(),
      orderId: attr.string().loggable(),
      status: attr.string(),
      statusKey: attr.template('M#{merchantId}#S#{status}'),
    },
    indexes: { byStatus: sharded({ name: 'gsi-merchant-status', partitionKey: 'statusKey', sortKey: 'orderId', shards: 4 }) },
    extensions: [tenancy, probe],
  });
  const orders = db.model(Order);
  const setup = tenancy.allTenants('tests: set-up');

  beforeAll(async () => {
    await db.tables.create(Order);
    for (const merchantId of ['m1', 'm2']) {
      await withTenant(merchantId, async () => {
        for (let i = 0; i < 12; i++) await orders.create({ merchantId, orderId: `o${String(i).padStart(2, '0')}`, status: 'open' });
      });
    }
  });
  afterAll(() => setup.run(() => db.tables.delete(Order)));

  test("a tenant reads its own shards, in order, and never another tenant's", async () => {
    const mine = await withTenant('m1', () => orders.where('status', '=', 'open').all());
    expect(mine.map((o) => [o.merchantId, o.orderId])).toEqual(Array.from({ length: 12 }, (_, i) => ['m1', `o${String(i).padStart(2, '0')}`]));
    // The hook saw the sharded index and the template's text of the partition (each shard adds only its suffix).
    expect(seen.at(-1)).toEqual({ index: 'byStatus', value: { S: 'M#m1#S#open' } });
    const sent = requests.length;
    await expect(withTenant('m1', () => orders.where('merchantId', '=', 'm2').where('status', '=', 'open').all())).rejects.toBeInstanceOf(TenantScopeError);
    await expect(withTenant('m1', () => orders.query().index('byStatus').where('status', '=', 'open').where('merchantId', '=', 'm2').all())).rejects.toBeInstanceOf(TenantScopeError);
    expect(requests.length).toBe(sent);
    // Every shard of m1's partition, and nothing else, was read.
    const partitions = new Set(
      queryRequests(0)
        .filter((r) => r.input.IndexName === 'gsi-merchant-status')
        .map((r) => Object.values(r.input.ExpressionAttributeValues as Record<string, AttributeValue>).find((v) => v.S?.startsWith('M#'))?.S),
    );
    expect([...partitions].sort()).toEqual(['M#m1#S#open#0', 'M#m1#S#open#1', 'M#m1#S#open#2', 'M#m1#S#open#3']);
  });
});
