/**
 * The circuit breaker on DynamoDB Local behind the fault proxy. With the table unreachable (every
 * request answered 5xx, or a closed port), the circuit opens after exactly its threshold of failed
 * calls, then fails fast: no request reaches the proxy (its own request count does not move). After
 * the cool-down, 100 concurrent callers get exactly `probes` requests through (counted at the proxy),
 * the rest a CircuitOpenError, and the circuit closes after `closeAfter` successful probes; a failed
 * probe opens it again. Conditional failures and throttling (by default) never open it. The clock is
 * injected: nothing waits out a real cool-down.
 */
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { attr, DynamoDBError, ItemAlreadyExistsError, model, ThrottledError, type DynamORMRequest } from '../../../src/index.js';
import { CircuitOpenError, circuitBreaker, type CircuitBreakerOptions, type StateChange } from '../../../src/plugins/circuit-breaker/index.js';
import { recordRequests, testDb } from '../../support/db.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { endpoint } from '../../support/db.js';

const Account = model('Account', {
  table: 'breaker-accounts',
  attributes: { id: attr.string().partitionKey(), balance: attr.integer() },
});

let proxy: FaultProxy;
const direct = testDb();
const table = direct.tableName(Account);

beforeAll(async () => {
  await direct.tables.create(Account);
  await direct.model(Account).put({ id: 'a-1', balance: 10 });
  proxy = await startFaultProxy({ target: endpoint(), seed: 3 });
});
afterEach(() => {
  proxy.setFaults([]);
  proxy.resetStats();
});
afterAll(async () => {
  direct.destroy();
  await proxy.stop();
});

/** A database behind the proxy with a breaker on an injected clock; `sent` records what passed the breaker. */
function guarded(options: CircuitBreakerOptions, config: { endpoint?: string; maxAttempts?: number } = {}) {
  const clock = { now: 1_000_000 };
  const changes: StateChange[] = [];
  const breaker = circuitBreaker({ now: () => clock.now, onStateChange: (c) => changes.push(c), ...options });
  const sent: DynamORMRequest[] = [];
  const db = testDb({ endpoint: config.endpoint ?? proxy.endpoint, maxAttempts: config.maxAttempts ?? 1, tablePrefix: direct.config.tablePrefix, requestTimeoutMs: 10_000, connectTimeoutMs: 10_000 });
  db.use(breaker).use('sent', recordRequests(sent));
  return { db, breaker, clock, changes, sent };
}

const get = (db: ReturnType<typeof testDb>) => db.model(Account).get({ id: 'a-1' });

describe('with the table unreachable', () => {
  test('opens after its threshold, fails fast while open (nothing reaches the proxy), half-open lets exactly `probes` of 100 through, closes after recovery', async () => {
    const { db, breaker, clock, changes } = guarded({ failureThreshold: 5, cooldownMs: 30_000, probes: 3, closeAfter: 2 });
    try {
      proxy.setFaults([{ kind: 'serverError' }]);
      for (let i = 1; i <= 5; i++) {
        expect(breaker.state({ table })).toBe('closed');
        await expect(get(db)).rejects.toBeInstanceOf(DynamoDBError);
      }
      expect(breaker.state({ table })).toBe('open');
      expect(proxy.stats.requests).toBe(5);

      // Open: 200 calls, none sent.
      const refused = await Promise.allSettled(Array.from({ length: 200 }, () => get(db)));
      expect(refused.every((r) => r.status === 'rejected' && r.reason instanceof CircuitOpenError && r.reason.state === 'open')).toBe(true);
      expect(proxy.stats.requests).toBe(5);

      // Still open just before the cool-down ends.
      clock.now += 29_999;
      await expect(get(db)).rejects.toBeInstanceOf(CircuitOpenError);
      expect(proxy.stats.requests).toBe(5);

      // Recovered, but slow: the probes are still in flight while all 100 callers arrive.
      clock.now += 1;
      proxy.setFaults([{ kind: 'delay', delayMs: 300 }]);
      const results = await Promise.allSettled(Array.from({ length: 100 }, () => get(db)));
      const through = results.filter((r) => r.status === 'fulfilled');
      const halfOpen = results.filter((r) => r.status === 'rejected' && r.reason instanceof CircuitOpenError && r.reason.state === 'half-open');
      expect(proxy.stats.requests).toBe(5 + 3);
      expect(through).toHaveLength(3);
      expect(halfOpen).toHaveLength(97);
      expect(breaker.state({ table })).toBe('closed');

      // Closed again: everything goes.
      proxy.setFaults([]);
      const after = await Promise.allSettled(Array.from({ length: 100 }, () => get(db)));
      expect(after.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      expect(proxy.stats.requests).toBe(5 + 3 + 100);
      expect(changes.map((c) => `${c.from}>${c.to}:${c.reason}`)).toEqual(['closed>open:failures', 'open>half-open:cooldown', 'half-open>closed:probes-succeeded']);
      expect(breaker.circuits()).toEqual([expect.objectContaining({ table, state: 'closed', failures: 5, rejected: 201 + 97 })]);
    } finally {
      db.destroy();
    }
  });

  test('a failed probe opens the circuit again at once; the other probes of that spell do not close it', async () => {
    const { db, breaker, clock, changes } = guarded({ failureThreshold: 2, cooldownMs: 1000, probes: 2, closeAfter: 1 });
    try {
      proxy.setFaults([{ kind: 'serverError' }]);
      await expect(get(db)).rejects.toBeInstanceOf(DynamoDBError);
      await expect(get(db)).rejects.toBeInstanceOf(DynamoDBError);
      clock.now += 1000;
      // One probe fails fast (5xx), the other is slow and succeeds after the circuit re-opened.
      proxy.setFaults([{ kind: 'serverError', count: 1 }, { kind: 'delay', delayMs: 200 }]);
      const probes = await Promise.allSettled(Array.from({ length: 100 }, () => get(db)));
      expect(probes.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(proxy.stats.requests).toBe(2 + 2);
      expect(breaker.state({ table })).toBe('open');
      expect(changes.map((c) => c.reason)).toEqual(['failures', 'cooldown', 'probe-failed']);
      await expect(get(db)).rejects.toBeInstanceOf(CircuitOpenError);
      expect(proxy.stats.requests).toBe(4);
    } finally {
      db.destroy();
    }
  });

  test('a closed port: connection refused counts; each counted failure is one call after the SDK retries', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const { db, breaker, sent } = guarded({ failureThreshold: 3, cooldownMs: 1000 }, { endpoint: `http://127.0.0.1:${port}`, maxAttempts: 3 });
    try {
      for (let i = 0; i < 3; i++) {
        const error = await get(db).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DynamoDBError);
        expect((error as DynamoDBError).awsCode).toBe('ECONNREFUSED');
      }
      expect(breaker.state({ table })).toBe('open');
      await expect(get(db)).rejects.toBeInstanceOf(CircuitOpenError);
      // Three calls passed the breaker (each tried three times by the SDK); the fourth never did.
      expect(sent).toHaveLength(3);
    } finally {
      db.destroy();
    }
  });
});

describe('what never opens the circuit', () => {
  test('conditional failures (create of an existing item) are answers from DynamoDB, not failures', async () => {
    const { db, breaker } = guarded({ failureThreshold: 1 });
    try {
      for (let i = 0; i < 5; i++) await expect(db.model(Account).create({ id: 'a-1', balance: 1 })).rejects.toBeInstanceOf(ItemAlreadyExistsError);
      expect(breaker.state({ table })).toBe('closed');
      expect(breaker.circuits()[0]).toMatchObject({ failures: 0, successes: 5 });
    } finally {
      db.destroy();
    }
  });

  test('throttling is counted apart by default, and opens the circuit with throttling: trip', async () => {
    const counting = guarded({ failureThreshold: 2 });
    const tripping = guarded({ failureThreshold: 2, throttling: 'trip' });
    try {
      proxy.setFaults([{ kind: 'throttle' }]);
      for (let i = 0; i < 4; i++) await expect(get(counting.db)).rejects.toBeInstanceOf(ThrottledError);
      expect(counting.breaker.circuits()[0]).toMatchObject({ state: 'closed', throttles: 4, failures: 0 });
      for (let i = 0; i < 2; i++) await expect(get(tripping.db)).rejects.toBeInstanceOf(ThrottledError);
      expect(tripping.breaker.state({ table })).toBe('open');
    } finally {
      counting.db.destroy();
      tripping.db.destroy();
    }
  });
});
