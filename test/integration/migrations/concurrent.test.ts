/**
 * Concurrency: writers changing items while a migration runs lose nothing (10,000 items, an
 * unversioned model: every attribute is the condition), a conflict is re-read and transformed again
 * (versioned and unversioned), an item that keeps conflicting is reported and a new pass finishes it,
 * and the lease: two runners at once run it once, and a runner whose lease is taken over stops.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scan } from '../../../src/index.js';
import { defineMigration, migrationRecords, MigrationLeaseLostError, MigrationLockedError, runMigration } from '../../../src/migrations/index.js';
import { testDb } from '../../support/db.js';
import { addCurrency, Payment, paymentItems, VersionedPayment } from './models.js';

let offsetMs = 0;
// Heavy load: DynamoDB Local shared with other runs can pass the default 2 s per request.
const db = testDb({ requestTimeoutMs: 30_000, connectTimeoutMs: 10_000 });
// The same tables (same prefix), a clock of its own: a second runner that sees the first's lease expired.
const later = testDb({ requestTimeoutMs: 30_000, connectTimeoutMs: 10_000, tablePrefix: db.config.tablePrefix, clock: () => new Date(Date.now() + offsetMs) });
const payments = db.model(Payment);

beforeAll(async () => {
  await db.tables.create(Payment);
  await db.tables.create(VersionedPayment);
});
afterAll(() => {
  db.destroy();
  later.destroy();
});

/** Deletes every item (tests share the table). */
async function empty() {
  const all = await scan(db, Payment).all();
  if (all.length > 0) await payments.batchDelete(all.map((p) => ({ id: p.id })));
}

const N = Number(process.env.MIGRATION_TEST_ITEMS ?? 10_000);

describe('concurrent writers', () => {
  test(`${N} items, writers changing them during the migration: none of their changes is lost, every item is transformed once`, { timeout: 1_800_000 }, async () => {
    await empty();
    const items = paymentItems(N, 'w');
    for (let i = 0; i < items.length; i += 1000) await payments.batchPut(items.slice(i, i + 1000));
    const last = new Map<string, number | undefined>();
    // An update that failed may or may not have been applied (a time-out under load): either value is right.
    const uncertain = new Map<string, (number | undefined)[]>();
    let running = true;
    let writes = 0;
    const WRITERS = 6;
    const writer = async (w: number) => {
      let seq = 0;
      while (running) {
        const i = w + WRITERS * Math.floor(Math.random() * Math.floor(N / WRITERS));
        const id = items[i]?.id as string;
        const value = ++seq * 100 + w;
        try {
          await payments.update({ id }, { touched: value });
          last.set(id, value);
          uncertain.delete(id);
          writes++;
        } catch {
          uncertain.set(id, [...(uncertain.get(id) ?? [last.get(id)]), value]);
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    const started = Date.now();
    let result;
    try {
      result = await runMigration(db, addCurrency('2026-12-10-concurrent'), { segments: 8, pageSize: 100, concurrency: 16, leaseMs: 120_000 });
    } finally {
      running = false;
      await Promise.all(writers);
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`migrated ${N} items in ${seconds.toFixed(1)} s with ${writes} concurrent updates (${uncertain.size} left in doubt): ${JSON.stringify(result.run)}`);
    expect(result.status).toBe('completed');
    expect(writes).toBeGreaterThan(0);
    const all = await scan(db, Payment).parallel(4).all();
    expect(all).toHaveLength(N);
    const changeKept = (p: (typeof all)[number]) => (uncertain.has(p.id) ? (uncertain.get(p.id) ?? []).includes(p.touched) : p.touched === last.get(p.id));
    const wrong = all.filter((p) => p.currency !== 'EUR' || p.history.join() !== 'v1,v2' || !changeKept(p));
    expect(wrong.map((p) => p.id)).toEqual([]);
    expect(result.run.migrated + result.run.alreadyDone).toBe(N);
  });
});

describe('conflicts', { timeout: 240_000 }, () => {
  test('an item changed between read and write is read again, transformed again, and the change is kept (unversioned)', async () => {
    await empty();
    await payments.batchPut(paymentItems(5, 'c'));
    let interfered = false;
    const seen: (number | undefined)[] = [];
    const migration = defineMigration({
      id: '2026-12-11-conflict',
      model: Payment,
      async transform(item) {
        if (item.id === 'c00002') {
          seen.push(item.touched);
          // Another writer changes the item after the migration read it.
          if (!interfered) await payments.update({ id: 'c00002' }, { touched: 42 });
          interfered = true;
        }
        return { ...item, currency: 'EUR', history: [...(item.history ?? []), 'v2'] };
      },
    });
    const result = await runMigration(db, migration, { segments: 1 });
    expect(result).toMatchObject({ status: 'completed', run: { retried: 1, migrated: 5, conflicted: 0 } });
    expect(seen).toEqual([undefined, 42]);
    expect(await payments.get({ id: 'c00002' })).toMatchObject({ touched: 42, currency: 'EUR', history: ['v1', 'v2'] });
  });

  test('versioned: the version is the condition, the change is kept and the version moves on', async () => {
    const versioned = db.model(VersionedPayment);
    await versioned.create({ id: 'v1', amount: 10, history: ['v1'] });
    let interfered = false;
    const migration = defineMigration({
      id: '2026-12-12-versioned',
      model: VersionedPayment,
      async transform(item) {
        if (!interfered) await versioned.update({ id: 'v1' }, { touched: 7 }, { expectedVersion: item.version as number });
        interfered = true;
        return { ...item, currency: 'EUR', history: [...(item.history ?? []), 'v2'] };
      },
    });
    const result = await runMigration(db, migration);
    expect(result.run).toMatchObject({ retried: 1, migrated: 1 });
    expect(await versioned.get({ id: 'v1' })).toMatchObject({ touched: 7, currency: 'EUR', history: ['v1', 'v2'], version: 3 });
  });

  test('an item that keeps conflicting is reported (keys not enumerable), the migration is incomplete, and a new pass finishes it', async () => {
    await empty();
    await payments.batchPut(paymentItems(4, 'k'));
    let hostile = true;
    const migration = defineMigration({
      id: '2026-12-13-hostile',
      model: Payment,
      async transform(item) {
        if (hostile && item.id === 'k00001') await payments.update({ id: 'k00001' }, { touched: Math.floor(Math.random() * 1e9) });
        return { ...item, currency: 'EUR', history: [...(item.history ?? []), 'v2'] };
      },
    });
    const first = await runMigration(db, migration, { maxAttempts: 3 });
    expect(first).toMatchObject({ status: 'incomplete', run: { conflicted: 1, retried: 2, migrated: 3 } });
    expect(first.conflicts).toEqual([{ id: 'k00001' }]);
    expect(JSON.stringify(first)).not.toContain('k00001');
    expect(await migrationRecords(db).read(migration.id)).toMatchObject({ status: 'incomplete', conflicted: 1 });
    hostile = false;
    const second = await runMigration(db, migration);
    // A new pass: the three items written before carry the mark and are not transformed again.
    expect(second).toMatchObject({ status: 'completed', resumed: false, run: { migrated: 1, alreadyDone: 3, conflicted: 0 } });
    expect((await scan(db, Payment).all()).map((p) => p.history.join())).toEqual(['v1,v2', 'v1,v2', 'v1,v2', 'v1,v2']);
  });
});

describe('the lease', { timeout: 240_000 }, () => {
  test('two runners at once: one runs, the other is refused, and every item is transformed once', async () => {
    await empty();
    await payments.batchPut(paymentItems(40, 'l'));
    const migration = addCurrency('2026-12-14-lease', 100);
    const outcomes = await Promise.allSettled([runMigration(db, migration, { segments: 2 }), runMigration(later, migration, { segments: 2 })]);
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(MigrationLockedError);
    expect(((refused[0] as PromiseRejectedResult).reason as MigrationLockedError).retryAfterMs).toBeGreaterThan(0);
    expect((await scan(db, Payment).all()).every((p) => p.history.join() === 'v1,v2')).toBe(true);
  });

  test('a runner whose lease expired is taken over: it stops with MigrationLeaseLostError, the other finishes, each item once', async () => {
    await empty();
    await payments.batchPut(paymentItems(60, 'x'));
    const migration = addCurrency('2026-12-15-takeover', 150);
    const first = runMigration(db, migration, { segments: 2, pageSize: 5, concurrency: 1, leaseMs: 1000 }).catch((e: unknown) => e);
    // Once the first has saved a page, the second runner's clock is past its lease: it takes over.
    for (let i = 0; i < 600 && !((await migrationRecords(db).read(migration.id).catch(() => undefined))?.scanned ?? 0); i++) await new Promise((r) => setTimeout(r, 100));
    offsetMs = 10 * 60_000;
    try {
      const second = await runMigration(later, migration, { segments: 2, pageSize: 5, leaseMs: 1000 });
      expect(second).toMatchObject({ status: 'completed', resumed: true });
    } finally {
      offsetMs = 0;
    }
    expect(await first).toBeInstanceOf(MigrationLeaseLostError);
    expect((await scan(db, Payment).all()).every((p) => p.history.join() === 'v1,v2' && p.currency === 'EUR')).toBe(true);
  });
});
