/**
 * The chain under concurrency and lost answers: concurrent writes of one item never fork it (the
 * head's condition lets one write extend it at a time; the others get a typed error that says
 * nothing was written), and a write whose answer was dropped after it applied is not recorded twice.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { VersionConflictError, type DynamORM } from '../../../src/index.js';
import { AuditConflictError, verifyAuditChain, withActor } from '../../../src/audit/index.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { endpoint, testDb } from '../../support/db.js';
import { Note, Payment, paymentLog, rawChain, type Raw } from './fixtures.js';

vi.setConfig({ testTimeout: 180_000 });

const log = paymentLog();
// The machine's DynamoDB Local is shared and slow under contended transactions: no request time-out.
const db = testDb({ extensions: [log], requestTimeoutMs: false });

beforeAll(async () => {
  await db.tables.create([Payment, Note]);
  await db.tables.create([log.table]);
});
afterAll(() => db.destroy());

/** Runs `write` until it is not refused by a race (a conflict means nothing was written: retry). */
async function retried<T>(write: () => Promise<T>, conflicts: { count: number }): Promise<T> {
  for (;;) {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof AuditConflictError || error instanceof VersionConflictError)) throw error;
      conflicts.count++;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 50)); // a little jitter, as a caller would
    }
  }
}

/** Checks a chain is linear: seq 1..n, each prev the hash before, each before the after before. */
function expectLinear(records: Raw[]): void {
  records.forEach((r, i) => {
    expect(r.seq?.N).toBe(String(i + 1));
    if (i > 0) {
      expect(r.prev?.S).toBe(records[i - 1]?.hash?.S);
      expect(r.before).toEqual(records[i - 1]?.after);
    }
  });
}

describe('20 concurrent updates of one item', () => {
  test('unversioned: every update lands once, the chain stays linear and verifies', async () => {
    const notes = db.model(Note);
    const conflicts = { count: 0 };
    await withActor('seed', () => notes.create({ id: 'race', text: 'start', count: 0 }));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => withActor(`w${i}`, () => retried(() => notes.update({ id: 'race' }, { text: `write ${i}` }), conflicts))),
    );
    const [head, ...records] = await rawChain(db, log, 'Note', 'race');
    expect(records).toHaveLength(21);
    expectLinear(records);
    expect(head?.head?.N).toBe('21');
    // Each writer appears exactly once, and the item is what the last record says.
    expect(new Set(records.slice(1).map((r) => r.actor?.S)).size).toBe(20);
    expect((await notes.get({ id: 'race' }))?.text).toBe(records[20]?.after?.M?.text?.S);
    expect(await verifyAuditChain(db, Note, { id: 'race' })).toMatchObject({ ok: true, records: 21 });
    expect(conflicts.count).toBeGreaterThan(0); // the race did happen
  });

  test('versioned, all from the same read: one wins, 19 get VersionConflictError, nothing forks', async () => {
    const payments = db.model(Payment);
    const p = await withActor('seed', () => payments.create({ id: 'vrace', amount: 100, status: 'pending' }));
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => withActor(`v${i}`, () => payments.update(p, { amount: 100 + i }))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(VersionConflictError);
    const records = (await rawChain(db, log, 'Payment', 'vrace')).slice(1);
    expect(records.map((r) => r.version?.N)).toEqual(['1', '2']);
    expectLinear(records);
    expect((await verifyAuditChain(db, Payment, { id: 'vrace' })).ok).toBe(true);
  });

  test('versioned, each retrying with a fresh read: 20 updates, versions 1..21 in chain order', async () => {
    const payments = db.model(Payment);
    await withActor('seed', () => payments.create({ id: 'vrace2', amount: 0, status: 'pending' }));
    const conflicts = { count: 0 };
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        withActor(`r${i}`, () =>
          retried(async () => {
            const current = await payments.get({ id: 'vrace2' }, { required: true, consistent: true });
            return payments.update(current, { amount: current.amount + 1 });
          }, conflicts),
        ),
      ),
    );
    const records = (await rawChain(db, log, 'Payment', 'vrace2')).slice(1);
    expect(records.map((r) => r.version?.N)).toEqual(Array.from({ length: 21 }, (_, i) => String(i + 1)));
    expect(records.map((r) => r.after?.M?.amount?.N)).toEqual(Array.from({ length: 21 }, (_, i) => String(i)));
    expectLinear(records);
    expect((await verifyAuditChain(db, Payment, { id: 'vrace2' })).ok).toBe(true);
  });

  test("versioned with expectedVersion 'any': every update lands once", async () => {
    const payments = db.model(Payment);
    await withActor('seed', () => payments.create({ id: 'anyrace', amount: 0, status: 'pending' }));
    const conflicts = { count: 0 };
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => withActor(`a${i}`, () => retried(() => payments.update({ id: 'anyrace' }, { amount: i + 1 }, { expectedVersion: 'any' }), conflicts))),
    );
    const records = (await rawChain(db, log, 'Payment', 'anyrace')).slice(1);
    expect(records).toHaveLength(21);
    expect(records.map((r) => r.version?.N)).toEqual(Array.from({ length: 21 }, (_, i) => String(i + 1)));
    expectLinear(records);
    const item = await payments.get({ id: 'anyrace' }, { consistent: true });
    expect(item).toMatchObject({ version: 21, amount: Number(records[20]?.after?.M?.amount?.N) });
  });
});

describe('answers lost after the write applied', () => {
  let proxy: FaultProxy;
  let faulty: DynamORM;
  beforeAll(async () => {
    proxy = await startFaultProxy({ target: endpoint(), seed: 7 });
    faulty = testDb({ endpoint: proxy.endpoint, tablePrefix: db.config.tablePrefix, extensions: [log], requestTimeoutMs: false });
  });
  afterAll(async () => {
    faulty.destroy();
    await proxy.stop();
  });

  test('no write is recorded twice, and the chain does not fork', async () => {
    const notes = faulty.model(Note);
    await withActor('seed', () => notes.create({ id: 'dropped', text: 'v0' }));
    proxy.setFaults([{ kind: 'drop', when: 'after', rate: 0.5, operations: ['TransactWriteItems'] }]);
    proxy.resetStats();
    for (let i = 1; i <= 12; i++) await withActor(`d${i}`, () => notes.update({ id: 'dropped' }, { text: `v${i}` }));
    await withActor('d-del', () => notes.delete({ id: 'dropped' }));
    const dropped = proxy.stats.faults.drop;
    proxy.setFaults([]);
    expect(dropped).toBeGreaterThan(3);
    const records = (await rawChain(db, log, 'Note', 'dropped')).slice(1);
    expect(records.map((r) => r.actor?.S)).toEqual(['seed', ...Array.from({ length: 12 }, (_, i) => `d${i + 1}`), 'd-del']);
    expectLinear(records);
    expect((await verifyAuditChain(db, Note, { id: 'dropped' })).ok).toBe(true);
  });
});
