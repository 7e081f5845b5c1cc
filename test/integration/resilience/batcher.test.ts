/**
 * The batcher on DynamoDB Local behind the fault proxy. Under 20% throttling and 5% 5xx (half of them
 * after DynamoDB applied the request), a 5,000-write job ends with every write in the table exactly
 * once, as written (raw scan count and a check of every item, through a client not behind the proxy),
 * and the proxy's counters and the metrics plugin show the faults and the retries. Under a deadline,
 * what cannot be written in time is handed back (and is really absent), then written after. One bad
 * item fails alone; writes to one key keep their order; backpressure, flush() and close() lose nothing.
 */
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { BatcherClosedError, BatcherFullError, BatchItemInDoubtError, BatchItemNotWrittenError, batcher, type BatchedWrite } from '../../../src/batcher/index.js';
import { attr, deleteKeys, model, putItems, ValidationError, withDeadline, type DynamORMRequest, type Item } from '../../../src/index.js';
import { CircuitOpenError, circuitBreaker } from '../../../src/plugins/circuit-breaker/index.js';
import { metrics, metricsPlugin } from '../../../src/plugins/metrics/index.js';
import { endpoint, localCredentials, recordRequests, testDb } from '../../support/db.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';

const Entry = model('Entry', {
  table: 'batcher-entries',
  attributes: { id: attr.string().partitionKey(), amount: attr.integer(), note: attr.string().optional() },
});
type Entry = Item<typeof Entry>;

let proxy: FaultProxy;
const direct = testDb();
const raw = new DynamoDBClient({ endpoint: endpoint(), region: 'us-east-1', credentials: localCredentials });

beforeAll(async () => {
  await direct.tables.create(Entry);
  proxy = await startFaultProxy({ target: endpoint(), seed: 11 });
});
afterEach(() => {
  proxy.setFaults([]);
  proxy.resetStats();
});
afterAll(async () => {
  direct.destroy();
  raw.destroy();
  await proxy.stop();
});

const behindProxy = (config: Parameters<typeof testDb>[0] = {}) =>
  testDb({ endpoint: proxy.endpoint, tablePrefix: direct.config.tablePrefix, requestTimeoutMs: 10_000, connectTimeoutMs: 10_000, ...config });

/** Every stored Entry whose id starts with `prefix`, scanned straight from DynamoDB Local. */
async function stored(prefix: string): Promise<Map<string, Entry[]>> {
  const out = new Map<string, Entry[]>();
  for await (const page of paginateScan(
    { client: raw, pageSize: 1000 },
    {
      TableName: direct.tableName(Entry),
      ConsistentRead: true,
      FilterExpression: 'begins_with(#id, :p)',
      ExpressionAttributeNames: { '#id': 'id' },
      ExpressionAttributeValues: { ':p': { S: prefix } },
    },
  )) {
    for (const item of page.Items ?? []) {
      const { _type, _wt, ...fields } = unmarshall(item);
      void _type;
      void _wt;
      const entry = fields as Entry;
      out.set(entry.id, [...(out.get(entry.id) ?? []), entry]);
    }
  }
  return out;
}

/** The raw item count of the prefix (Select COUNT: DynamoDB's own count, not decoded items). */
async function rawCount(prefix: string): Promise<number> {
  let count = 0;
  for await (const page of paginateScan(
    { client: raw },
    {
      TableName: direct.tableName(Entry),
      Select: 'COUNT',
      ConsistentRead: true,
      FilterExpression: 'begins_with(#id, :p)',
      ExpressionAttributeNames: { '#id': 'id' },
      ExpressionAttributeValues: { ':p': { S: prefix } },
    },
  )) {
    count += page.Count ?? 0;
  }
  return count;
}

const entries = (prefix: string, n: number): Entry[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${String(i).padStart(5, '0')}`, amount: i }));

describe('under 20% throttling and 5% 5xx', () => {
  test('a 5,000-write job: nothing lost, nothing doubled, faults and retries visible', { timeout: 240_000 }, async () => {
    const observed = metricsPlugin();
    const sent: DynamORMRequest[] = [];
    // Failed calls are the SDK's to retry (10 attempts: a call fails all of them with odds of 1 in
    // a million), unprocessed writes DynamORM's batch loop's.
    const db = behindProxy({ plugins: [observed], middleware: [recordRequests(sent)], maxAttempts: 10, batchRetry: { maxAttempts: 10, baseDelayMs: 10, maxDelayMs: 200 } });
    // First rule that draws a hit applies: 0.20 throttle, then 0.8 × (0.03125 + 0.96875 × 0.0323) ≈ 0.05 5xx.
    proxy.setFaults([
      { kind: 'throttle', rate: 0.2, operations: ['BatchWriteItem'] },
      { kind: 'serverError', rate: 0.03125, when: 'after', operations: ['BatchWriteItem'] },
      { kind: 'serverError', rate: 0.0323, operations: ['BatchWriteItem'] },
    ]);
    const writes = batcher(db, { maxSize: 25, maxWait: 100, parallelism: 4, maxPending: 500 });
    const items = entries('job-', 5000);
    const started = Date.now();
    try {
      const promises: Promise<void>[] = [];
      let maxPendingSeen = 0;
      for (const item of items) {
        await writes.ready();
        promises.push(writes.add(Entry, item));
        maxPendingSeen = Math.max(maxPendingSeen, writes.stats().pending);
      }
      const report = await writes.close();
      const settled = await Promise.allSettled(promises);
      const seconds = (Date.now() - started) / 1000;

      // close() reports what was pending when it was called; stats() counts the whole job.
      expect(report).toMatchObject({ notWritten: [], inDoubt: [], refused: [] });
      expect(writes.stats()).toMatchObject({ added: 5000, written: 5000, notWritten: 0, inDoubt: 0, refused: 0, pending: 0 });
      expect(settled.every((s) => s.status === 'fulfilled')).toBe(true);
      expect(maxPendingSeen).toBeLessThanOrEqual(500);

      // The table is the judge: DynamoDB's count, then every item once and as written.
      expect(await rawCount('job-')).toBe(5000);
      const inTable = await stored('job-');
      expect(inTable.size).toBe(5000);
      for (const item of items) expect(inTable.get(item.id)).toEqual([item]);

      const stats = proxy.stats;
      const m = metrics(db);
      const batchCalls = sent.filter((r) => r.operation === 'BatchWriteItem').length;
      expect(stats.faults.throttle).toBeGreaterThan(0);
      expect(stats.faults.serverError).toBeGreaterThan(0);
      // Every fault cost a retry: more HTTP requests reached the proxy than the 200 batches of 25.
      expect(stats.byOperation.BatchWriteItem!.requests).toBe(200 + stats.faults.throttle + stats.faults.serverError);
      expect(m.retries).toBeGreaterThan(0);
      console.log(
        `batcher 5,000 writes in ${seconds.toFixed(1)} s: proxy requests ${stats.byOperation.BatchWriteItem!.requests}, ` +
          `throttled ${stats.faults.throttle} (${((100 * stats.faults.throttle) / stats.requests).toFixed(1)}%), ` +
          `5xx ${stats.faults.serverError} (${((100 * stats.faults.serverError) / stats.requests).toFixed(1)}%); ` +
          `DynamORM batch calls ${batchCalls} (after SDK retries), batches ${writes.stats().batches}; ` +
          `metrics: requests ${m.requests}, SDK retries ${m.retries}, throttles surfaced to DynamORM ${m.throttles}, errors ${m.errors}; ` +
          `stored ${inTable.size}, max pending ${maxPendingSeen}`,
      );
    } finally {
      db.destroy();
    }
  });
});

describe('under a deadline', () => {
  test('what cannot be written in time is handed back (and is not in the table), then written after', { timeout: 60_000 }, async () => {
    const db = behindProxy({ maxAttempts: 1 });
    // Every batch call is answered 1 s late: one round of four batches fits in the 2.4 s left; a second
    // would not (it may start only with 1.5 times the last batch's time left).
    await db.model(Entry).get({ id: 'deadline-warm-up' });
    proxy.setFaults([{ kind: 'delay', delayMs: 1000, operations: ['BatchWriteItem'] }]);
    const writes = batcher(db, { maxSize: 25, maxWait: 20, parallelism: 4 });
    const items = entries('deadline-', 500);
    try {
      const { promises, report } = await withDeadline(Date.now() + 2400, async () => {
        const promises = items.map((item) => writes.add(Entry, item));
        return { promises, report: await writes.flush() };
      });
      const outcomes = await Promise.allSettled(promises);
      const handedBack = outcomes.flatMap((o) => (o.status === 'rejected' && o.reason instanceof BatchItemNotWrittenError ? [o.reason] : []));
      const inDoubt = outcomes.flatMap((o) => (o.status === 'rejected' && o.reason instanceof BatchItemInDoubtError ? [o.reason] : []));
      expect(report.written).toBeGreaterThanOrEqual(25);
      expect(report.notWritten.length).toBeGreaterThan(0);
      expect(report.written + report.notWritten.length + report.inDoubt.length).toBe(500);
      expect(handedBack.map((e) => e.write)).toEqual(report.notWritten);
      expect(handedBack.every((e) => e.reason === 'deadline')).toBe(true);
      expect(inDoubt).toHaveLength(report.inDoubt.length);
      // Only the first round of `parallelism` batches was sent: once a batch has taken 1 s or more, none
      // starts with less than 1.5 times that left (the writes handed back took no time and do not count as a round).
      expect(proxy.stats.byOperation.BatchWriteItem!.requests).toBe(4);

      // Handed back means not written: none of them is in the table; every written one is.
      const before = await stored('deadline-');
      for (const w of report.notWritten) expect(before.has((w as Extract<BatchedWrite, { kind: 'put' }>).item['id' as never])).toBe(false);
      expect(before.size).toBeGreaterThanOrEqual(report.written);
      expect(before.size).toBeLessThanOrEqual(report.written + report.inDoubt.length);

      // The next invocation adds them again (the in-doubt ones too: idempotent), and nothing is lost.
      proxy.setFaults([]);
      const again = [...report.notWritten, ...report.inDoubt].map((w) => writes.add(w.model, (w as Extract<BatchedWrite, { kind: 'put' }>).item as Entry));
      await Promise.all(again);
      expect(await rawCount('deadline-')).toBe(500);
      console.log(`deadline: written ${report.written}, handed back ${report.notWritten.length}, in doubt ${report.inDoubt.length} of 500`);
    } finally {
      await writes.close();
      db.destroy();
    }
  });
});

describe('a slow batch in one invocation', () => {
  test('does not keep later invocations from sending for ever: each one that hands back halves the estimate once', { timeout: 60_000 }, async () => {
    const db = behindProxy({ maxAttempts: 1 });
    await db.model(Entry).get({ id: 'slow-warm-up' });
    const writes = batcher(db, { maxSize: 25, maxWait: 20, parallelism: 1 });
    const invoke = (ms: number, items: Entry[]) =>
      withDeadline(Date.now() + ms, async () => {
        const settled = Promise.allSettled(items.map((item) => writes.add(Entry, item)));
        await writes.flush();
        return (await settled).filter((o) => o.status === 'fulfilled').length;
      });
    try {
      // One batch answered 1 s late: the estimate is now about 1 s.
      proxy.setFaults([{ kind: 'delay', delayMs: 1000, operations: ['BatchWriteItem'] }]);
      expect(await invoke(5000, entries('slow-a-', 25))).toBe(25);
      proxy.setFaults([]);
      // 1.2 s left is less than 1.5 times the estimate: handed back, and the estimate halves once.
      expect(await invoke(1200, entries('slow-b-', 25))).toBe(0);
      // The next invocation tries, and is written.
      expect(await invoke(1200, entries('slow-c-', 25))).toBe(25);
      expect(await rawCount('slow-c-')).toBe(25);
    } finally {
      await writes.close();
      db.destroy();
    }
  });
});

describe('with the circuit breaker', () => {
  test('batches refused by an open circuit are handed back (never sent); the batch that met the 5xx is in doubt', async () => {
    let clock = 0;
    const breaker = circuitBreaker({ failureThreshold: 2, cooldownMs: 60_000, now: () => clock });
    const db = behindProxy({ maxAttempts: 1, plugins: [breaker], batchRetry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 5 } });
    const writes = batcher(db, { maxSize: 25, maxWait: 5, parallelism: 1 });
    try {
      proxy.setFaults([{ kind: 'serverError', operations: ['BatchWriteItem'] }]);
      const items = entries('breaker-', 100);
      const outcomes = await Promise.allSettled(items.map((item) => writes.add(Entry, item)));
      // The first two batches each met a 5xx (one request each: DynamORM does not resend a failed
      // call, and the SDK makes one attempt here), so they may have been applied; the circuit opened.
      expect(outcomes.slice(0, 50).every((o) => o.status === 'rejected' && o.reason instanceof BatchItemInDoubtError)).toBe(true);
      // The next two were refused before sending.
      const refused = outcomes.slice(50).map((o) => (o as PromiseRejectedResult).reason as BatchItemNotWrittenError);
      expect(refused.every((e) => e instanceof BatchItemNotWrittenError && e.reason === 'refused' && e.cause instanceof CircuitOpenError)).toBe(true);
      expect(proxy.stats.requests).toBe(2);
      expect(await rawCount('breaker-')).toBe(0);

      // Recovered: the writes handed back (and the ones in doubt) are added again; all 100 are there.
      proxy.setFaults([]);
      clock += 60_000;
      await Promise.all([...refused.map((e) => e.write), ...items.slice(0, 50).map((item) => ({ model: Entry, item }))].map((w) => writes.add(Entry, (w as { item: Entry }).item)));
      expect(breaker.state({ table: direct.tableName(Entry) })).toBe('closed');
      expect(await rawCount('breaker-')).toBe(100);
    } finally {
      await writes.close();
      db.destroy();
    }
  });
});

describe('per write', () => {
  test('one bad item fails with its own ValidationError; the others of its batch are written', async () => {
    const db = behindProxy();
    const writes = batcher(db, { maxWait: 10 });
    try {
      const good = entries('valid-', 9);
      const bad = { id: 'valid-bad', amount: 'not a number' } as unknown as Entry;
      const promises = [...good.slice(0, 4), bad, ...good.slice(4)].map((item) => writes.add(Entry, item));
      const outcomes = await Promise.allSettled(promises);
      expect(outcomes[4]).toMatchObject({ status: 'rejected', reason: expect.any(ValidationError) });
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(9);
      const inTable = await stored('valid-');
      expect([...inTable.keys()].sort()).toEqual(good.map((g) => g.id));
    } finally {
      await writes.close();
      db.destroy();
    }
  });

  test('writes to one key are never in one batch and apply in the order added', async () => {
    const sent: DynamORMRequest[] = [];
    const db = behindProxy({ middleware: [recordRequests(sent)] });
    const writes = batcher(db, { maxWait: 5, parallelism: 4 });
    try {
      const others = entries('order-x', 60);
      const steps = [
        writes.add(Entry, { id: 'order-k', amount: 1 }),
        ...writes.add(putItems(Entry, others.slice(0, 30))),
        writes.add(Entry, { id: 'order-k', amount: 2 }),
        writes.delete(Entry, { id: 'order-k' }),
        ...writes.add(putItems(Entry, others.slice(30))),
        writes.add(Entry, { id: 'order-k', amount: 3, note: 'last' }),
        ...writes.add(deleteKeys(Entry, [{ id: others[0]!.id }])),
      ];
      await Promise.all(steps);
      const inTable = await stored('order-');
      expect(inTable.get('order-k')).toEqual([{ id: 'order-k', amount: 3, note: 'last' }]);
      expect(inTable.size).toBe(60);
      for (const request of sent) {
        const ids = Object.values(request.input.RequestItems as Record<string, { PutRequest?: { Item: { id: { S: string } } }; DeleteRequest?: { Key: { id: { S: string } } } }[]>)
          .flat()
          .map((w) => (w.PutRequest?.Item ?? w.DeleteRequest?.Key)?.id.S);
        expect(new Set(ids).size).toBe(ids.length);
      }
    } finally {
      await writes.close();
      db.destroy();
    }
  });
});

describe('backpressure, flush and close', () => {
  test('whenFull reject: add() throws BatcherFullError past maxPending and queues nothing; wait: at most maxPending pending', async () => {
    const db = behindProxy();
    const refusing = batcher(db, { maxPending: 50, maxWait: 50, whenFull: 'reject' });
    const waiting = batcher(db, { maxPending: 30, maxSize: 10, maxWait: 5 });
    try {
      const accepted = entries('full-', 50).map((item) => refusing.add(Entry, item));
      expect(() => refusing.add(Entry, { id: 'full-over', amount: 1 })).toThrow(BatcherFullError);
      expect(refusing.stats()).toMatchObject({ added: 50, pending: 50 });
      await Promise.all(accepted);

      let most = 0;
      const all = entries('wait-', 200).map((item) => {
        const p = waiting.add(Entry, item);
        most = Math.max(most, waiting.stats().pending);
        return p;
      });
      expect(waiting.stats()).toMatchObject({ pending: 30, waiting: 170 });
      const report = await waiting.flush();
      await Promise.all(all);
      expect(report.written).toBe(200);
      expect(most).toBe(30);
      expect(await rawCount('wait-')).toBe(200);
      expect(await rawCount('full-')).toBe(50);
    } finally {
      await refusing.close();
      await waiting.close();
      db.destroy();
    }
  });

  test('close() writes everything added before, then refuses new writes', async () => {
    const db = behindProxy();
    const writes = batcher(db, { maxWait: 10_000 });
    try {
      for (const item of entries('close-', 30)) void writes.add(Entry, item);
      // maxWait is 10 s: only close() (a flush) sends the second, unfilled batch now.
      const report = await writes.close();
      expect(report.written).toBe(30);
      expect(await rawCount('close-')).toBe(30);
      expect(() => writes.add(Entry, { id: 'close-late', amount: 1 })).toThrow(BatcherClosedError);
    } finally {
      db.destroy();
    }
  });
});
