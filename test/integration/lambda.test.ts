/**
 * dynamorm/lambda against DynamoDB Local: deadlines from a simulated Lambda context stop long reads
 * and batch writes cleanly before the function would be killed, with a cursor or the exact
 * remainder to carry on from; the database is created lazily and reused across invocations.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attr, DynamORM, model, putItems, type DynamORMConfig } from '../../src/index.js';
import {
  DeadlineExceededError,
  defaultsForMemory,
  detectLambda,
  invokeLocally,
  lambdaDatabase,
  MEMORY_TABLE,
  withDynamORM,
} from '../../src/lambda/index.js';
import { endpoint, localCredentials, testDb } from '../support/db.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';

const Entry = model('Entry', {
  table: 'entries',
  attributes: {
    pk: attr.template('BOOK#{bookId}').partitionKey(),
    sk: attr.template('ENTRY#{entryId}').sortKey(),
    bookId: attr.string(),
    entryId: attr.string(),
    amount: attr.cents(),
  },
});

const secret = 'lambda-test-cursor-secret-0123456789';
const seeded = testDb({ cursorSecret: secret });
const prefix = seeded.config.tablePrefix;
let proxy: FaultProxy;
const opened: DynamORM[] = [];
/** Another database on the same tables (as another invocation's or container's would be). */
const sameTables = (config: DynamORMConfig = {}) => {
  const db = testDb({ tablePrefix: prefix, cursorSecret: secret, ...config });
  opened.push(db);
  return db;
};
const ids = (n: number) => Array.from({ length: n }, (_, i) => `e${String(i).padStart(5, '0')}`);

beforeAll(async () => {
  await seeded.tables.create(Entry);
  await seeded.batchWrite([putItems(Entry, ids(3000).map((entryId, i) => ({ bookId: 'big', entryId, amount: i })))]);
  proxy = await startFaultProxy({ target: endpoint(), seed: 11 });
});
afterAll(async () => {
  for (const db of opened) db.destroy();
  seeded.destroy();
  await proxy.stop();
});

describe('deadlines', () => {
  test('a stream with 300 ms left stops before the deadline with a cursor; the next invocation finishes the work', async () => {
    // Every Query answer takes 40 ms, so 3,000 items in pages of 100 need well over 300 ms.
    proxy.setFaults([{ kind: 'delay', delayMs: 40, operations: ['Query'] }]);
    const db = sameTables({ endpoint: proxy.endpoint, pageSize: 100 });
    await db.model(Entry).get({ bookId: 'big', entryId: 'e00000' }); // a warm container: client and connection exist
    const handler = withDynamORM(async (event: { cursor?: string }) => {
      const seen: string[] = [];
      let query = db.model(Entry).where('bookId', '=', 'big');
      if (event.cursor) query = query.resume(event.cursor);
      try {
        for await (const entry of query.stream()) seen.push(entry.entryId);
        return { seen, cursor: undefined as string | undefined };
      } catch (error) {
        if (!(error instanceof DeadlineExceededError)) throw error;
        return { seen, cursor: error.cursor };
      }
    });

    const started = Date.now();
    const first = await invokeLocally(handler, {}, { remainingMs: 300 });
    expect(Date.now() - started).toBeLessThan(300); // it answered; Lambda would not have killed it
    expect(first.cursor).toEqual(expect.any(String));
    expect(first.seen.length).toBeLessThan(3000);

    const all = [...first.seen];
    let cursor = first.cursor;
    for (let invocation = 0; cursor && invocation < 200; invocation++) {
      const next = await invokeLocally(handler, { cursor }, { remainingMs: 30_000 });
      all.push(...next.seen);
      cursor = next.cursor;
    }
    proxy.setFaults([]);
    expect(cursor).toBeUndefined();
    expect(all).toEqual(ids(3000)); // in order: nothing read twice, nothing skipped
  });

  test('all() under a deadline hands back what it read and where to resume', async () => {
    proxy.setFaults([{ kind: 'delay', delayMs: 40, operations: ['Query'] }]);
    const db = sameTables({ endpoint: proxy.endpoint, pageSize: 250 });
    await db.model(Entry).get({ bookId: 'big', entryId: 'e00000' });
    const handler = withDynamORM(async () => db.model(Entry).where('bookId', '=', 'big').all(), { safetyMarginMs: 50 });
    const error = await invokeLocally(handler, {}, { remainingMs: 250 }).catch((e: unknown) => e);
    proxy.setFaults([]);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    const { items, cursor } = error as DeadlineExceededError<{ entryId: string }>;
    expect(items.length).toBeLessThan(3000);
    const rest = await db.model(Entry).where('bookId', '=', 'big').resume(cursor as string).all();
    expect([...items.map((i) => i.entryId), ...rest.map((i) => i.entryId)]).toEqual(ids(3000));
  });

  test('a batch write cut by the deadline returns exactly the writes it did not make', async () => {
    proxy.setFaults([{ kind: 'delay', delayMs: 40, operations: ['BatchWriteItem'] }]);
    const db = sameTables({ endpoint: proxy.endpoint, batchConcurrency: 2 });
    await db.model(Entry).get({ bookId: 'big', entryId: 'e00000' });
    const items = ids(2000).map((entryId, i) => ({ bookId: 'cut', entryId, amount: i }));
    const handler = withDynamORM(async () => db.batchWrite([putItems(Entry, items)]));
    const error = await invokeLocally(handler, {}, { remainingMs: 600 }).catch((e: unknown) => e);
    proxy.setFaults([]);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    const { unprocessed, inDoubt, partial } = error as DeadlineExceededError;
    const idsOf = (list: readonly unknown[]) => (list as { item: { entryId: string } }[]).map((u) => u.item.entryId);
    const left = idsOf(unprocessed);
    const doubtful = idsOf(inDoubt);
    const stored = (await seeded.model(Entry).where('bookId', '=', 'cut').consistent().all()).map((e) => e.entryId);
    expect(left.length).toBeGreaterThan(0);
    expect(left.filter((id) => stored.includes(id))).toEqual([]); // what it calls unwritten was not written
    expect(new Set([...stored, ...left, ...doubtful]).size).toBe(2000); // and nothing is unaccounted for
    expect(doubtful.length).toBeLessThanOrEqual(2 * 25); // at most the calls in flight at the very end
    expect((partial as { written: number }).written).toBe(2000 - left.length - doubtful.length);
    // Re-queued, the remainder completes the job.
    await db.batchWrite([putItems(Entry, items.filter((i) => left.includes(i.entryId) || doubtful.includes(i.entryId)))]);
    expect(await seeded.model(Entry).where('bookId', '=', 'cut').consistent().count()).toBe(2000);
  });

  test('a request that would start after the deadline is not sent', async () => {
    const sent: string[] = [];
    const db = sameTables({ middleware: [(req, next) => (sent.push(req.operation), next(req))] });
    const handler = withDynamORM(async () => {
      await new Promise((r) => setTimeout(r, 80));
      return db.model(Entry).get({ bookId: 'big', entryId: 'e00001' });
    }, { safetyMarginMs: 0 });
    await expect(invokeLocally(handler, {}, { remainingMs: 50 })).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(sent).toEqual(['GetItem']); // it reached the chain, but not the network
    expect(proxy.stats.requests).toBeGreaterThanOrEqual(0);
  });

  test('without a deadline nothing changes', async () => {
    const db = sameTables();
    expect(await db.model(Entry).where('bookId', '=', 'big').count()).toBe(3000);
  });
});

describe('lazy database and environment', () => {
  test('the database is built on first use and reused across invocations', async () => {
    let built = 0;
    const db = lambdaDatabase(() => {
      built++;
      return { endpoint: endpoint(), region: 'us-east-1', credentials: localCredentials, tablePrefix: prefix };
    });
    expect(built).toBe(0);
    const handler = withDynamORM(async (event: { id: string }) => db().model(Entry).get({ bookId: 'big', entryId: event.id }));
    expect((await invokeLocally(handler, { id: 'e00007' }))?.amount).toBe(7);
    expect((await invokeLocally(handler, { id: 'e00008' }))?.amount).toBe(8);
    expect(built).toBe(1);
    expect(db()).toBe(db());
    expect(db()).not.toBeInstanceOf(DynamORM);
    db().destroy();
    const full = lambdaDatabase({ endpoint: endpoint(), region: 'us-east-1', credentials: localCredentials, tablePrefix: prefix }, DynamORM);
    expect(full()).toBeInstanceOf(DynamORM);
    expect(full().tables).toBeDefined();
    full().destroy();
  });

  test('Lambda is detected from its environment, and memory sets batch concurrency and page size', () => {
    expect(detectLambda({})).toBeUndefined();
    const env = detectLambda({
      AWS_LAMBDA_FUNCTION_NAME: 'payments',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_REGION: 'eu-west-1',
      _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
    });
    expect(env).toMatchObject({ functionName: 'payments', memoryMb: 512, region: 'eu-west-1' });
    expect(env?.traceHeader).toContain('Root=');
    expect(defaultsForMemory(128)).toEqual({ batchConcurrency: 2, pageSize: 100 });
    expect(defaultsForMemory(512)).toEqual({ batchConcurrency: 6, pageSize: 500 });
    expect(defaultsForMemory(10_240)).toEqual({ batchConcurrency: 32, pageSize: undefined });
    expect(MEMORY_TABLE.map((r) => r.fromMb)).toEqual([...MEMORY_TABLE.map((r) => r.fromMb)].sort((a, b) => a - b));
  });

  test('lambdaDatabase applies the memory defaults inside Lambda, and explicit settings win', () => {
    const saved = { ...process.env };
    try {
      process.env.AWS_LAMBDA_FUNCTION_NAME = 'payments';
      process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE = '256';
      expect(lambdaDatabase({ region: 'us-east-1' })().config).toMatchObject({ batchConcurrency: 4, pageSize: 250 });
      expect(lambdaDatabase({ region: 'us-east-1', pageSize: 10 })().config.pageSize).toBe(10);
    } finally {
      process.env = saved;
    }
  });
});
