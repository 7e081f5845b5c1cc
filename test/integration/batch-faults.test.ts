/**
 * Batch retries through the fault proxy: DynamoDB Local never reports unprocessed items or throttles,
 * so the proxy does. Whatever the faults, every write lands exactly once and every read comes back;
 * when the faults outlast the attempts, the error lists exactly what was not done. Results are always
 * checked against the table through a client that is not behind the proxy.
 */
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  attr,
  getKeys,
  model,
  putItems,
  UnprocessedItemsError,
  type BatchGetResult,
  type BatchGetRequest,
  type DynamORMRequest,
  type Item,
  type UnprocessedKey,
  type UnprocessedWrite,
} from '../../src/index.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../support/fault-proxy.js';
import { endpoint, localCredentials, recordRequests, testDb } from '../support/db.js';

const Reading = model('Reading', {
  table: 'fault-readings',
  attributes: {
    id: attr.string().partitionKey(),
    sensor: attr.string(),
    value: attr.integer(),
  },
});
type Reading = Item<typeof Reading>;

const Tag = model('Tag', {
  table: 'fault-tags',
  attributes: {
    group: attr.string().partitionKey(),
    name: attr.string().sortKey(),
    weight: attr.integer(),
  },
});
type Tag = Item<typeof Tag>;

const BATCH_OPS = ['BatchWriteItem', 'BatchGetItem'];

let proxy: FaultProxy;
// DynamoDB requests as DynamORM sent them (its calls, before the SDK's retries and the proxy).
const sent: DynamORMRequest[] = [];
// Straight to DynamoDB Local: the judge of what was really written.
const direct = testDb();
const raw = new DynamoDBClient({ endpoint: endpoint(), region: 'us-east-1', credentials: localCredentials });
let db: ReturnType<typeof testDb>;

/**
 * A DynamORM behind the proxy. `maxAttempts` serves both layers, each on its own failures: the SDK
 * retries a failed call (throttled, 5xx, dropped) that many times, and DynamORM resends what comes
 * back unprocessed in that many calls.
 */
const behindProxy = (maxAttempts: number, concurrency = 4) =>
  testDb({
    endpoint: proxy.endpoint,
    maxAttempts,
    tablePrefix: direct.config.tablePrefix,
    requestTimeoutMs: 10_000,
    batchRetry: { maxAttempts, baseDelayMs: 1, maxDelayMs: 20 },
    batchConcurrency: concurrency,
    middleware: [recordRequests(sent)],
  });

beforeAll(async () => {
  await Promise.all([direct.tables.create(Reading), direct.tables.create(Tag)]);
  proxy = await startFaultProxy({ target: endpoint(), seed: 7 });
  db = behindProxy(10);
});
afterEach(() => {
  proxy.setFaults([]);
  proxy.resetStats();
  sent.length = 0;
});
afterAll(async () => {
  db.destroy();
  direct.destroy();
  raw.destroy();
  await proxy.stop();
});

const pad = (n: number) => String(n).padStart(5, '0');
const readings = (prefix: string, n: number): Reading[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${pad(i)}`, sensor: `s${i % 7}`, value: i }));

/** Every stored Reading whose id starts with `prefix`, scanned straight from DynamoDB Local. */
async function storedReadings(prefix: string): Promise<Reading[]> {
  const out: Reading[] = [];
  for await (const page of paginateScan(
    { client: raw, pageSize: 1000 },
    {
      TableName: direct.tableName(Reading),
      ConsistentRead: true,
      FilterExpression: 'begins_with(#id, :p)',
      ExpressionAttributeNames: { '#id': 'id' },
      ExpressionAttributeValues: { ':p': { S: `${prefix}-` } },
    },
  )) {
    for (const item of page.Items ?? []) {
      // The entity-type attribute DynamORM writes on every item is not a field of the model.
      const { _type, ...fields } = unmarshall(item);
      expect(_type).toBe('Reading');
      out.push(fields as Reading);
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** Number of write requests (BatchWriteItem) or keys (BatchGetItem) DynamORM sent in all. */
function entriesSent(operation: 'BatchWriteItem' | 'BatchGetItem'): number {
  return sent
    .filter((r) => r.operation === operation)
    .flatMap((r) => Object.values(r.input.RequestItems as Record<string, unknown>))
    .reduce<number>((n, g) => n + (operation === 'BatchGetItem' ? (g as { Keys: unknown[] }).Keys.length : (g as unknown[]).length), 0);
}

async function failure<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error('expected the call to fail');
}

// Rules are tried in order and the first that draws a hit applies: 0.15 + 0.85 * 0.1765 ≈ 0.30.
const THIRTY_PERCENT: FaultRule[] = [
  { kind: 'unprocessed', rate: 0.15, operations: BATCH_OPS, fraction: 0.5 },
  { kind: 'throttle', rate: 0.1765, operations: BATCH_OPS },
];

describe('with 30% of batch responses unprocessed or throttled', () => {
  test('10,000 items are written and read back: none lost, none duplicated', { timeout: 120_000 }, async () => {
    const fast = behindProxy(12, 16);
    try {
      const items = readings('bulk', 10_000);
      proxy.setFaults(THIRTY_PERCENT);

      expect(await fast.model(Reading).batchPut(items)).toEqual({ written: 10_000 });
      const writes = proxy.stats;
      const writeCalls = writes.byOperation.BatchWriteItem?.requests ?? 0;
      expect(writes.faults.unprocessed).toBeGreaterThan(0);
      expect(writes.faults.throttle).toBeGreaterThan(0);
      expect((writes.faults.unprocessed + writes.faults.throttle) / writeCalls).toBeGreaterThan(0.2);
      expect((writes.faults.unprocessed + writes.faults.throttle) / writeCalls).toBeLessThan(0.4);
      // Retries resend only what was not done: every write once, plus each one held back or throttled.
      expect(entriesSent('BatchWriteItem')).toBeGreaterThan(10_000);

      // Everything is in the table, once, exactly as written.
      const stored = await storedReadings('bulk');
      expect(stored).toHaveLength(10_000);
      expect(stored).toEqual(items);

      proxy.resetStats();
      sent.length = 0;
      const result = await fast.model(Reading).batchGet(items);
      const reads = proxy.stats;
      const readCalls = reads.byOperation.BatchGetItem?.requests ?? 0;
      expect(reads.faults.unprocessed).toBeGreaterThan(0); // UnprocessedKeys really were reported
      expect(reads.faults.throttle).toBeGreaterThan(0);
      expect((reads.faults.unprocessed + reads.faults.throttle) / readCalls).toBeGreaterThan(0.15);
      expect(result.missing).toEqual([]);
      expect(result.items).toHaveLength(10_000);
      const ids = result.items.map((r) => r.id);
      expect(new Set(ids).size).toBe(10_000);
      expect([...result.items].sort((a, b) => a.id.localeCompare(b.id))).toEqual(items);
    } finally {
      fast.destroy();
    }
  });
});

describe('retried faults', () => {
  test('UnprocessedKeys of a batch get are retried, and only those keys are asked again', async () => {
    const items = readings('ukeys', 250);
    await direct.model(Reading).batchPut(items);
    proxy.setFaults([{ kind: 'unprocessed', operations: ['BatchGetItem'], count: 3, fraction: 0.4 }]);
    const result = await db.model(Reading).batchGet([...items.map(({ id }) => ({ id })), { id: 'ukeys-none' }]);
    expect(proxy.stats.faults.unprocessed).toBe(3);
    expect(proxy.stats.unprocessedEntries).toBeGreaterThan(0);
    expect(entriesSent('BatchGetItem')).toBe(251 + proxy.stats.unprocessedEntries);
    expect([...result.items].sort((a, b) => a.id.localeCompare(b.id))).toEqual(items);
    expect(result.missing).toEqual([{ id: 'ukeys-none' }]);
  });

  test('UnprocessedItems of a batch write are retried, and only those writes are sent again', async () => {
    const items = readings('uitems', 120);
    proxy.setFaults([{ kind: 'unprocessed', operations: ['BatchWriteItem'], count: 4, fraction: 0.5 }]);
    expect(await db.model(Reading).batchPut(items)).toEqual({ written: 120 });
    expect(proxy.stats.faults.unprocessed).toBe(4);
    expect(entriesSent('BatchWriteItem')).toBe(120 + proxy.stats.unprocessedEntries);
    expect(await storedReadings('uitems')).toEqual(items);
  });

  test('5xx answers and connections dropped before and after forwarding are retried', async () => {
    const items = readings('net', 200);
    const tags: Tag[] = Array.from({ length: 60 }, (_, i) => ({ group: `g${i % 3}`, name: `n${i}`, weight: i }));
    // Each rule fires on the next two batch calls, then the next rule takes over: six faults in a row.
    const rules: FaultRule[] = [
      { kind: 'drop', when: 'before', count: 2, operations: BATCH_OPS },
      { kind: 'drop', when: 'after', count: 2, operations: BATCH_OPS },
      { kind: 'serverError', count: 2, operations: BATCH_OPS },
    ];
    proxy.setFaults(rules);
    expect(await db.batchWrite([putItems(Reading, items), putItems(Tag, tags)])).toEqual({ written: 260 });
    expect(proxy.stats.faults.drop).toBe(4);
    expect(proxy.stats.faults.serverError).toBe(2);
    expect(await storedReadings('net')).toEqual(items);

    proxy.setFaults(rules);
    proxy.resetStats();
    const result = await db.batchGet([getKeys(Tag, tags), getKeys(Reading, items)]);
    expect(proxy.stats.faults.drop).toBe(4);
    expect(proxy.stats.faults.serverError).toBe(2);
    expect(result.missing).toEqual([[], []]);
    expect([...result.items[0]].sort((a, b) => a.weight - b.weight)).toEqual(tags);
    expect([...result.items[1]].sort((a, b) => a.id.localeCompare(b.id))).toEqual(items);
  });
});

describe('faults that outlast the attempts: nothing dropped silently', () => {
  test('writes: the error lists exactly the writes not applied, and partial counts the rest', async () => {
    const items = readings('left', 90);
    const few = behindProxy(3);
    try {
      proxy.setFaults([{ kind: 'unprocessed', operations: ['BatchWriteItem'], fraction: 0.3 }]);
      const error = await failure(few.model(Reading).batchPut(items), UnprocessedItemsError<UnprocessedWrite, { written: number }>);
      expect(proxy.stats.faults.unprocessed).toBe(4 * 3); // four chunks, three attempts each
      const stored = await storedReadings('left');
      const leftIds = error.unprocessed.map((w) => (w.kind === 'put' ? (w.item as Reading).id : ''));
      // Every chunk keeps at least one write back on each attempt, so some are always left.
      expect(leftIds.length).toBeGreaterThanOrEqual(4);
      expect(error.partial.written).toBe(stored.length);
      expect(stored.length + leftIds.length).toBe(90);
      // Exactly the complement of what is stored, given back as the caller wrote it.
      const storedIds = new Set(stored.map((r) => r.id));
      expect(leftIds.filter((id) => storedIds.has(id))).toEqual([]);
      expect(new Set(leftIds).size).toBe(leftIds.length);
      for (const w of error.unprocessed) {
        expect(w.kind).toBe('put');
        expect(w.model).toBe('Reading');
        expect(items).toContainEqual(w.kind === 'put' ? w.item : undefined);
      }
      expect(stored).toEqual(items.filter((r) => !leftIds.includes(r.id)));
    } finally {
      few.destroy();
    }
  });

  test('deletes: throttled to the end, every delete is listed and nothing was deleted', async () => {
    const items = readings('thr', 40);
    await direct.model(Reading).batchPut(items);
    const few = behindProxy(3);
    try {
      proxy.setFaults([{ kind: 'throttle', operations: ['BatchWriteItem'], code: 'ThrottlingException' }]);
      const error = await failure(few.model(Reading).batchDelete(items.slice(0, 30)), UnprocessedItemsError<UnprocessedWrite, { written: number }>);
      expect(proxy.stats.faults.throttle).toBe(2 * 3);
      expect(error.partial).toEqual({ written: 0 });
      expect(error.unprocessed).toHaveLength(30);
      expect(error.unprocessed.map((w) => (w.kind === 'delete' ? (w.key as Reading).id : '')).sort()).toEqual(items.slice(0, 30).map((r) => r.id));
      expect(await storedReadings('thr')).toEqual(items);
    } finally {
      few.destroy();
    }
  });

  test('writes whose last attempt was dropped after DynamoDB applied them are in doubt, never called unwritten', async () => {
    const items = readings('doubt', 30);
    const few = behindProxy(2);
    try {
      proxy.setFaults([{ kind: 'drop', when: 'after', operations: ['BatchWriteItem'] }]);
      const error = await failure(few.model(Reading).batchPut(items), UnprocessedItemsError<UnprocessedWrite, { written: number }>);
      expect(error.unprocessed).toEqual([]);
      expect(error.inDoubt).toHaveLength(30);
      expect(error.partial).toEqual({ written: 0 });
      // They were in fact applied: "in doubt" is the honest answer, "unprocessed" would have been wrong.
      expect(await storedReadings('doubt')).toEqual(items);
    } finally {
      few.destroy();
    }
  });

  test('reads: the error lists exactly the keys not read; partial holds what was found and what is missing', async () => {
    const items = readings('lkeys', 180);
    const stored = items.filter((_, i) => i % 4 !== 0);
    await direct.model(Reading).batchPut(stored);
    const tags: Tag[] = [{ group: 'lk', name: 'a', weight: 1 }];
    await direct.model(Tag).batchPut(tags);
    const few = behindProxy(2);
    try {
      proxy.setFaults([{ kind: 'unprocessed', operations: ['BatchGetItem'], fraction: 0.3 }]);
      const error = await failure(
        few.batchGet([getKeys(Reading, items), getKeys(Tag, [...tags, { group: 'lk', name: 'zz' }])]),
        UnprocessedItemsError<UnprocessedKey, BatchGetResult<readonly [BatchGetRequest<typeof Reading>, BatchGetRequest<typeof Tag>]>>,
      );
      expect(proxy.stats.faults.unprocessed).toBe(2 * 2); // two chunks (182 keys), two attempts each
      const left = error.unprocessed;
      expect(left.length).toBeGreaterThanOrEqual(2);
      const found = error.partial.items[0].map((r) => r.id);
      const missing = error.partial.missing[0].map((k) => k.id);
      const leftReadings = left.filter((k) => k.model === 'Reading').map((k) => k.key.id as string);
      const leftTags = left.filter((k) => k.model === 'Tag').map((k) => k.key);
      // Found, missing and unprocessed split the keys asked for: nothing counted twice or lost.
      expect([...found, ...missing, ...leftReadings].sort()).toEqual(items.map((r) => r.id));
      expect(error.partial.items[1].length + error.partial.missing[1].length + leftTags.length).toBe(2);
      // Checked against the table: what was found is stored as returned; what is missing is not stored.
      const storedById = new Map(stored.map((r) => [r.id, r]));
      for (const r of error.partial.items[0]) expect(r).toEqual(storedById.get(r.id));
      for (const id of missing) expect(storedById.has(id)).toBe(false);
      // Unprocessed keys are given back as key fields, whether or not the item exists.
      for (const k of left) expect(Object.keys(k.key).sort()).toEqual(k.model === 'Reading' ? ['id'] : ['group', 'name']);
    } finally {
      few.destroy();
    }
  });
});
