/**
 * Retries do not stack: the SDK retries a failed call (throttling, 5xx, time-outs, dropped
 * connections) up to `maxAttempts`, within its retry quota, and DynamORM's batch loop resends only
 * what DynamoDB answered as unprocessed, which the SDK never resends. Every figure is counted at the
 * fault proxy (HTTP requests that reached it) and, for DynamORM's own calls, by a middleware before
 * the SDK. The table, read through a client not behind the proxy, says what was really written.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  attr,
  DynamoDBError,
  model,
  ThrottledError,
  UnprocessedItemsError,
  type DynamORMConfig,
  type DynamORMRequest,
  type Item,
  type UnprocessedKey,
  type UnprocessedWrite,
  WriteInDoubtError,
} from '../../src/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { endpoint, recordRequests, testDb } from '../support/db.js';

const Account = model('Account', {
  table: 'retry-accounts',
  attributes: { id: attr.string().partitionKey(), balance: attr.integer() },
});
type Account = Item<typeof Account>;

let proxy: FaultProxy;
const direct = testDb();

beforeAll(async () => {
  await direct.tables.create(Account);
  proxy = await startFaultProxy({ target: endpoint(), seed: 5 });
});
afterEach(() => {
  proxy.setFaults([]);
  proxy.resetStats();
});
afterAll(async () => {
  direct.destroy();
  await proxy.stop();
});

/** A database behind the proxy; `calls` holds the requests DynamORM handed to the SDK (before its retries). */
function behindProxy(config: DynamORMConfig) {
  const calls: DynamORMRequest[] = [];
  const db = testDb({
    endpoint: proxy.endpoint,
    tablePrefix: direct.config.tablePrefix,
    requestTimeoutMs: 10_000,
    connectTimeoutMs: 10_000,
    middleware: [recordRequests(calls)],
    ...config,
  });
  return { db, calls };
}

const accounts = (prefix: string, n: number): Account[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${String(i).padStart(3, '0')}`, balance: i }));
const requestsOf = (operation: string) => proxy.stats.byOperation[operation]?.requests ?? 0;
const callsOf = (calls: readonly DynamORMRequest[], operation: string) => calls.filter((c) => c.operation === operation).length;

async function failure<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error('expected the call to fail');
}

describe('a single call and a transaction: maxAttempts requests, the SDK alone', () => {
  test('a throttled get and a throttled put reach DynamoDB exactly maxAttempts times each', { timeout: 30_000 }, async () => {
    const { db, calls } = behindProxy({ maxAttempts: 3 });
    try {
      proxy.setFaults([{ kind: 'throttle', operations: ['GetItem'] }]);
      await failure(db.model(Account).get({ id: 'single' }), ThrottledError);
      expect(callsOf(calls, 'GetItem')).toBe(1);
      expect(requestsOf('GetItem')).toBe(3);
      proxy.setFaults([{ kind: 'throttle', operations: ['PutItem'] }]);
      // A write retried by the SDK may have been applied by an earlier attempt, as far as DynamORM
      // can tell from the last answer: it is reported in doubt (docs/guides/errors.md).
      await failure(db.model(Account).put({ id: 'single', balance: 1 }), WriteInDoubtError);
      expect(callsOf(calls, 'PutItem')).toBe(1);
      expect(requestsOf('PutItem')).toBe(3);
    } finally {
      db.destroy();
    }
  });

  test('a throttled transaction reaches DynamoDB exactly maxAttempts times', { timeout: 30_000 }, async () => {
    const { db, calls } = behindProxy({ maxAttempts: 2 });
    try {
      proxy.setFaults([{ kind: 'throttle', operations: ['TransactWriteItems'] }]);
      await failure(
        db.transaction((tx) => {
          tx.put(Account, { id: 'tx-a', balance: 1 });
          tx.put(Account, { id: 'tx-b', balance: 2 });
        }),
        WriteInDoubtError,
      );
      expect(callsOf(calls, 'TransactWriteItems')).toBe(1);
      expect(requestsOf('TransactWriteItems')).toBe(2);
      expect(await direct.model(Account).get({ id: 'tx-a' })).toBeUndefined();
    } finally {
      db.destroy();
    }
  });
});

describe('batches: a failed call is the SDK’s to retry, an unprocessed item the batch loop’s', () => {
  test('a batch write throttled to the end: maxAttempts requests per chunk, not maxAttempts × batchRetry.maxAttempts', { timeout: 30_000 }, async () => {
    const { db, calls } = behindProxy({ maxAttempts: 3, batchRetry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 5 } });
    try {
      proxy.setFaults([{ kind: 'throttle', operations: ['BatchWriteItem'] }]);
      const items = accounts('thr', 30); // two chunks: 25 and 5
      const error = await failure(db.model(Account).batchPut(items), UnprocessedItemsError<UnprocessedWrite, { written: number }>);
      expect(callsOf(calls, 'BatchWriteItem')).toBe(2); // one call per chunk: none sent again by DynamORM
      expect(requestsOf('BatchWriteItem')).toBe(2 * 3); // (before: 2 × 3 × 5 = 30)
      // Throttled: certainly not written, every write given back.
      expect(error.unprocessed).toHaveLength(30);
      expect(error.inDoubt).toEqual([]);
      expect((await direct.model(Account).batchGet(items)).items).toEqual([]);
    } finally {
      db.destroy();
    }
  });

  test('a batch get answered 5xx to the end: maxAttempts requests, every key given back', { timeout: 30_000 }, async () => {
    await direct.model(Account).batchPut(accounts('get', 10));
    const { db, calls } = behindProxy({ maxAttempts: 2, batchRetry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 5 } });
    try {
      proxy.setFaults([{ kind: 'serverError', operations: ['BatchGetItem'] }]);
      const error = await failure(db.model(Account).batchGet(accounts('get', 10)), UnprocessedItemsError<UnprocessedKey, unknown>);
      expect(callsOf(calls, 'BatchGetItem')).toBe(1);
      expect(requestsOf('BatchGetItem')).toBe(2); // (before: 2 × 6 = 12)
      expect(error.unprocessed).toHaveLength(10);
    } finally {
      db.destroy();
    }
  });

  test('a batch write answered 5xx after DynamoDB applied it: in doubt after maxAttempts requests, never resent by DynamORM', { timeout: 30_000 }, async () => {
    const { db, calls } = behindProxy({ maxAttempts: 2, batchRetry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 5 } });
    try {
      proxy.setFaults([{ kind: 'serverError', when: 'after', operations: ['BatchWriteItem'] }]);
      const items = accounts('doubt', 5);
      const error = await failure(db.model(Account).batchPut(items), UnprocessedItemsError<UnprocessedWrite, { written: number }>);
      expect(callsOf(calls, 'BatchWriteItem')).toBe(1);
      expect(requestsOf('BatchWriteItem')).toBe(2);
      expect(error.unprocessed).toEqual([]);
      expect(error.inDoubt).toHaveLength(5);
      // They were applied: "in doubt" was the honest answer.
      expect((await direct.model(Account).batchGet(items)).items).toHaveLength(5);
    } finally {
      db.destroy();
    }
  });

  test('a batch call that timed out is retried by the SDK, not by DynamORM', { timeout: 30_000 }, async () => {
    const { db, calls } = behindProxy({ maxAttempts: 3, requestTimeoutMs: 500, batchRetry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 5 } });
    try {
      proxy.setFaults([{ kind: 'delay', delayMs: 2_000, count: 1, operations: ['BatchWriteItem'] }]);
      const items = accounts('late', 5);
      expect(await db.model(Account).batchPut(items)).toEqual({ written: 5 });
      expect(proxy.stats.faults.delay).toBe(1);
      expect(callsOf(calls, 'BatchWriteItem')).toBe(1);
      expect(requestsOf('BatchWriteItem')).toBe(2);
      expect((await direct.model(Account).batchGet(items)).items).toHaveLength(5);
    } finally {
      db.destroy();
    }
  });

  test('unprocessed items: batchRetry.maxAttempts calls of one request each (the SDK never resends them)', { timeout: 30_000 }, async () => {
    const { db, calls } = behindProxy({ maxAttempts: 3, batchRetry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 } });
    try {
      proxy.setFaults([{ kind: 'unprocessed', operations: ['BatchWriteItem'], fraction: 0.3 }]);
      const items = accounts('unp', 20);
      const error = await failure(db.model(Account).batchPut(items), UnprocessedItemsError<UnprocessedWrite, { written: number }>);
      expect(callsOf(calls, 'BatchWriteItem')).toBe(4);
      expect(requestsOf('BatchWriteItem')).toBe(4);
      expect(proxy.stats.faults.unprocessed).toBe(4);
      expect(error.unprocessed.length).toBeGreaterThan(0);
      expect(error.partial.written + error.unprocessed.length).toBe(20);
    } finally {
      db.destroy();
    }
  });

  test('both layers, each on its own failures: throttled attempts are retried by the SDK, unprocessed items resent by DynamORM', { timeout: 30_000 }, async () => {
    const { db, calls } = behindProxy({ maxAttempts: 3, batchRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
    try {
      // The first two requests are throttled (the SDK's retries of the first call); every answer
      // that gets through holds some writes back.
      proxy.setFaults([
        { kind: 'throttle', operations: ['BatchWriteItem'], count: 2 },
        { kind: 'unprocessed', operations: ['BatchWriteItem'], fraction: 0.3 },
      ]);
      const items = accounts('both', 20);
      await failure(db.model(Account).batchPut(items), UnprocessedItemsError);
      expect(callsOf(calls, 'BatchWriteItem')).toBe(3); // batchRetry.maxAttempts calls
      expect(proxy.stats.faults.throttle).toBe(2);
      expect(proxy.stats.faults.unprocessed).toBe(3);
      expect(requestsOf('BatchWriteItem')).toBe(3 + 2); // one request per call, plus the SDK's two retries
    } finally {
      db.destroy();
    }
  });

  test('the SDK’s retry quota is shared: once spent, a failed batch call is sent once, and DynamORM does not resend it', { timeout: 60_000 }, async () => {
    await direct.model(Account).put({ id: 'quota', balance: 1 });
    const { db, calls } = behindProxy({ maxAttempts: 2, batchRetry: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 5 } });
    try {
      proxy.setFaults([{ kind: 'serverError' }]);
      // Each failed get spends part of the client's retry quota on its one retry, until none is left.
      for (let round = 0; round < 6; round++) {
        await Promise.all(Array.from({ length: 10 }, () => db.model(Account).get({ id: 'quota' }).catch((e: unknown) => expect(e).toBeInstanceOf(DynamoDBError))));
      }
      const gets = requestsOf('GetItem');
      expect(callsOf(calls, 'GetItem')).toBe(60);
      expect(gets).toBeGreaterThan(60); // some were retried...
      expect(gets).toBeLessThan(120); // ...until the quota ran out
      proxy.resetStats();
      calls.length = 0;
      const error = await failure(db.model(Account).batchGet([{ id: 'quota' }]), UnprocessedItemsError);
      expect(error.unprocessed).toHaveLength(1);
      expect(callsOf(calls, 'BatchGetItem')).toBe(1);
      expect(requestsOf('BatchGetItem')).toBe(1);
    } finally {
      db.destroy();
    }
  });
});
