/**
 * Exactly once under concurrency and lost answers: 200 concurrent calls with 20 distinct keys, through
 * a fault proxy that drops 10% of all responses (half before DynamoDB sees the request, half after it
 * applied it). Each key's function runs once, creates one payment (with a random id, so a second run
 * would show as a second payment), and every caller ends with its key's result. Callers that get the
 * documented retryable errors retry, as clients do.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { attr, model, scan, type DynamORM } from '../../../src/index.js';
import { IdempotencyInDoubtError, IdempotencyInProgressError, idempotencyStore, makeIdempotent } from '../../../src/idempotency/index.js';
import { endpoint, testDb } from '../../support/db.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';

const Payment = model('Payment', {
  table: 'fault-payments',
  attributes: { id: attr.string().partitionKey(), key: attr.string(), amount: attr.cents() },
});

const KEYS = 20;
const CALLERS_PER_KEY = 10;
let proxy: FaultProxy;
let setup: DynamORM;
let db: DynamORM;

beforeAll(async () => {
  setup = testDb();
  proxy = await startFaultProxy({ target: endpoint(), seed: 9 });
  // More SDK attempts than the default 3: with 10% of answers lost, three in a row happen in a run this size.
  db = testDb({ endpoint: proxy.endpoint, tablePrefix: setup.config.tablePrefix, maxAttempts: 10, requestTimeoutMs: 15_000, connectTimeoutMs: 15_000 });
});
afterAll(async () => {
  db.destroy();
  setup.destroy();
  await proxy.stop();
});

test('200 concurrent calls, 20 keys, 10% of answers dropped: 20 payments, one run per key, every caller gets its key result', { timeout: 240_000 }, async () => {
  const store = idempotencyStore(db, { table: 'fault-idem' });
  await setup.tables.create(Payment);
  await setup.tables.create(store.model);
  const runs = new Map<string, number>();
  const createPayment = makeIdempotent(
    async (input: { key: string; amount: number }, { tx }) => {
      runs.set(input.key, (runs.get(input.key) ?? 0) + 1);
      const id = randomUUID();
      tx.create(Payment, { id, key: input.key, amount: input.amount });
      return { paymentId: id, amount: input.amount };
    },
    { store, name: 'createPayment', key: 'key' },
  );

  proxy.resetStats();
  proxy.setFaults([
    { kind: 'drop', when: 'before', rate: 0.05 },
    { kind: 'drop', when: 'after', rate: 0.05 / 0.95 }, // of the 95% left: 5% of all
  ]);
  const retries = { inProgress: 0, inDoubt: 0, other: new Map<string, number>() };
  const call = async (key: string) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await createPayment({ key, amount: 100 + Number(key.slice(1)) });
      } catch (error) {
        if (error instanceof IdempotencyInProgressError) retries.inProgress++;
        else if (error instanceof IdempotencyInDoubtError) retries.inDoubt++;
        else {
          const name = (error as Error).name;
          retries.other.set(name, (retries.other.get(name) ?? 0) + 1);
        }
        if (attempt > 200) throw error;
        // Back off as a client would (DynamoDB Local on a shared machine is slow under this load).
        await new Promise((r) => setTimeout(r, Math.min(2_000, 50 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random())));
      }
    }
  };
  const started = Date.now();
  const keys = Array.from({ length: KEYS }, (_, i) => `k${i}`);
  const callers = keys.flatMap((key) => Array.from({ length: CALLERS_PER_KEY }, () => key));
  const results = await Promise.all(callers.map(async (key) => ({ key, result: await call(key) })));
  const elapsed = Date.now() - started;
  proxy.setFaults([]);

  const stored = await scan(setup, Payment).all();
  const faults = proxy.stats.faults.drop;
  console.log(
    `idempotency under faults: ${callers.length} calls, ${KEYS} keys; ${proxy.stats.requests} requests, ${faults} answers dropped; ` +
      `${stored.length} payments; runs per key ${[...new Set(runs.values())].join(',')}; retried after in-progress ${retries.inProgress}, ` +
      `in-doubt ${retries.inDoubt}, other ${JSON.stringify(Object.fromEntries(retries.other))}; ${elapsed} ms`,
  );
  expect(faults).toBeGreaterThan(20);
  expect(stored).toHaveLength(KEYS);
  expect(new Set(stored.map((p) => p.key))).toEqual(new Set(keys));
  expect([...runs.entries()].sort()).toEqual(keys.map((k) => [k, 1]).sort());
  const paymentOf = new Map(stored.map((p) => [p.key, p]));
  for (const { key, result } of results) {
    expect(result).toEqual({ paymentId: paymentOf.get(key)?.id, amount: paymentOf.get(key)?.amount });
  }
  expect(retries.other.size).toBe(0);
});
