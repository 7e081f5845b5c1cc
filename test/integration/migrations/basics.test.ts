/**
 * Data migrations against DynamoDB Local: the transform's items are written back with the mark, the
 * record counts what happened, a completed migration is never run again, skips and deletes, a
 * transform that throws stops the run (resumable), a changed key is refused, and the condition that
 * an item is unchanged holds for every attribute type (sets, lists, maps).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scan } from '../../../src/index.js';
import { defineMigration, MARK_ATTRIBUTE, migrationRecords, MigrationStoppedError, pendingOn, runMigration } from '../../../src/migrations/index.js';
import { rawItem, testDb } from '../../support/db.js';
import { addCurrency, Payment, paymentItems } from './models.js';

const db = testDb({ requestTimeoutMs: 30_000, connectTimeoutMs: 10_000 });
const payments = db.model(Payment);

beforeAll(async () => {
  await db.tables.create(Payment);
});
afterAll(() => db.destroy());

async function reset(n: number, prefix: string) {
  const items = paymentItems(n, prefix);
  await payments.batchPut(items);
  return items;
}

// DynamoDB Local on a machine shared with other test runs can take a second per write.
describe('runMigration', { timeout: 240_000 }, () => {
  test('transforms every item once, marks it, records the counts, and never runs a completed migration again', async () => {
    await reset(150, 'a');
    const migration = addCurrency('2026-12-01-a');
    const progress: number[] = [];
    const result = await runMigration(db, migration, { segments: 3, pageSize: 20, onProgress: (p) => progress.push(p.counts.scanned) });
    expect(result).toMatchObject({ status: 'completed', alreadyCompleted: false, resumed: false });
    const all = (await scan(db, Payment).all()).filter((p) => p.id.startsWith('a'));
    expect(all).toHaveLength(150);
    for (const p of all) {
      expect(p.currency).toBe('EUR');
      expect(p.history).toEqual(['v1', 'v2']);
    }
    expect(result.run.migrated).toBeGreaterThanOrEqual(150);
    // Pages were reported as they were saved; the last report saw every item of the table.
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)).toBe(result.run.scanned);
    const stored = await rawItem(db, Payment, { id: { S: 'a00000' } });
    expect(stored?.[MARK_ATTRIBUTE]).toEqual({ S: '2026-12-01-a' });
    // The other fields came through the rewrite unchanged (set, map with an empty map, list).
    const first = await payments.get({ id: 'a00000' });
    expect(first?.tags).toEqual(new Set(['a', 't0']));
    expect(first?.meta).toEqual({ nested: { n: 0, list: [1, 'two', { three: 3 }] }, empty: {} });
    const record = await migrationRecords(db).read('2026-12-01-a');
    expect(record).toMatchObject({ status: 'completed', model: 'MigPayment', segments: 3, conflicted: 0 });
    expect(record?.owner).toBeUndefined();
    expect(Object.values(record?.cursors ?? {})).toEqual(['done', 'done', 'done']);
    expect(await pendingOn(db, [migration])).toEqual([]);
    const again = await runMigration(db, migration);
    expect(again).toMatchObject({ status: 'completed', alreadyCompleted: true, run: { scanned: 0, migrated: 0 } });
    expect((await payments.get({ id: 'a00000' }))?.history).toEqual(['v1', 'v2']);
  });

  test('undefined leaves an item alone, "delete" deletes it', async () => {
    await reset(40, 'b');
    const migration = defineMigration({
      id: '2026-12-02-b',
      model: Payment,
      transform: (item) => (!item.id?.startsWith('b') ? undefined : item.amount! % 2 === 0 ? 'delete' : undefined),
    });
    const result = await runMigration(db, migration, { segments: 2 });
    expect(result.status).toBe('completed');
    expect(result.run.deleted).toBe(20);
    const left = (await scan(db, Payment).all()).filter((p) => p.id.startsWith('b'));
    expect(left).toHaveLength(20);
    expect(left.every((p) => p.amount % 2 === 1 && p.currency === undefined)).toBe(true);
  });

  test('a transform that throws stops the run, the record keeps its places, and the next run resumes', async () => {
    await reset(60, 'c');
    let fail = true;
    let calls = 0;
    const migration = defineMigration({
      id: '2026-12-03-c',
      model: Payment,
      transform(item) {
        if (!item.id?.startsWith('c')) return undefined;
        calls++;
        if (fail && item.id === 'c00037') throw new Error('a bug in the transform');
        return { ...item, currency: 'USD', history: [...(item.history ?? []), 'v2'] };
      },
    });
    const error = await runMigration(db, migration, { segments: 1, pageSize: 10, concurrency: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationStoppedError);
    expect((error as MigrationStoppedError).reason).toBe('transform');
    const record = await migrationRecords(db).read('2026-12-03-c');
    expect(record).toMatchObject({ status: 'stopped', error: 'transform: Error' });
    expect(record?.owner).toBeUndefined();
    expect(await pendingOn(db, [migration])).toEqual([expect.objectContaining({ action: 'resume' })]);
    fail = false;
    const before = calls;
    const result = await runMigration(db, migration, { segments: 1, pageSize: 10 });
    expect(result).toMatchObject({ status: 'completed', resumed: true });
    // Resumed from the recorded place: the pages saved before were not read again, the page it stopped in was.
    expect((record?.scanned ?? 0) + result.run.scanned).toBe(await scan(db, Payment).count());
    expect(result.run.scanned).toBeLessThan(await scan(db, Payment).count());
    expect(calls - before).toBeLessThan(60);
    const all = (await scan(db, Payment).all()).filter((p) => p.id.startsWith('c'));
    expect(all.every((p) => p.currency === 'USD' && p.history.join() === 'v1,v2')).toBe(true);
  });

  test('an output that changes the key, or misses a required field, is refused before it is written', async () => {
    await reset(3, 'd');
    const rekey = defineMigration({ id: '2026-12-04-d', model: Payment, transform: (item) => (item.id === 'd00001' ? { ...item, id: 'other' } : undefined) });
    const error = await runMigration(db, rekey).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'MigrationStoppedError', reason: 'output' });
    expect(await payments.get({ id: 'other' })).toBeUndefined();
    const partial = defineMigration({ id: '2026-12-04-e', model: Payment, transform: (item) => (item.id === 'd00002' ? { id: 'd00002', currency: 'EUR' } : undefined) });
    await expect(runMigration(db, partial)).rejects.toMatchObject({ name: 'MigrationStoppedError', reason: 'output' });
    expect((await payments.get({ id: 'd00002' }))?.currency).toBeUndefined();
    const unknown = defineMigration({ id: '2026-12-04-f', model: Payment, transform: (item) => (item.id === 'd00000' ? { ...item, ...{ colour: 'red' } } : undefined) });
    await expect(runMigration(db, unknown)).rejects.toMatchObject({ name: 'MigrationStoppedError', reason: 'output', cause: { name: 'ValidationError' } });
  });
});
