/**
 * Kill and resume: a child process running a migration is killed with SIGKILL part-way. Its record is
 * left `running` with each segment's place; once its lease has expired, another run takes it over,
 * resumes from those places (the pages saved are not read again), skips the items the killed run
 * wrote after its last saved page (they carry the mark), and every item ends transformed exactly once
 * although the transform is not idempotent (it appends to a list).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { scan } from '../../../src/index.js';
import { MARK_ATTRIBUTE, migrationRecords, MigrationLockedError, runMigration } from '../../../src/migrations/index.js';
import { endpoint, testDb } from '../../support/db.js';
import { addCurrency, Payment, paymentItems } from './models.js';

let offsetMs = 0;
const db = testDb({ requestTimeoutMs: 30_000, connectTimeoutMs: 10_000, clock: () => new Date(Date.now() + offsetMs) });
const child = fileURLToPath(new URL('./resume-child.ts', import.meta.url));
const N = 1000;
const ID = '2026-12-20-resume';

beforeAll(async () => {
  await db.tables.create(Payment);
  const items = paymentItems(N, 'r');
  for (let i = 0; i < N; i += 250) await db.model(Payment).batchPut(items.slice(i, i + 250));
});
afterAll(() => db.destroy());

/** Runs the migration in a child process until it has saved `pages` pages' worth of `scanned`, then SIGKILLs it. */
async function killPartWay(scannedAtLeast: number): Promise<void> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child], {
    env: { ...process.env, MIG_ENDPOINT: endpoint(), MIG_PREFIX: db.config.tablePrefix, MIG_ID: ID },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  proc.stderr.on('data', (d: Buffer) => (errors += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      const counts = [...d.toString().matchAll(/scanned (\d+)/g)].map((m) => Number(m[1]));
      if (counts.some((c) => c >= scannedAtLeast)) resolve();
    });
    proc.on('exit', () => reject(new Error(`the child exited before it was killed: ${errors}`)));
  });
  proc.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

test('a run killed with SIGKILL resumes from its recorded places and transforms every item exactly once', { timeout: 900_000 }, async () => {
  await killPartWay(N / 4);
  // Requests the child had sent are answered by DynamoDB Local anyway: let them land before counting.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const record = await migrationRecords(db).read(ID);
  expect(record).toMatchObject({ status: 'running', segments: 4 });
  expect(record?.owner).toBeDefined();
  expect(record?.scanned).toBeGreaterThanOrEqual(N / 4);
  expect(record?.scanned).toBeLessThan(N);
  const raws = await db.client.send(new (await import('@aws-sdk/client-dynamodb')).ScanCommand({ TableName: db.tableName(Payment), ConsistentRead: true }));
  const markedBefore = (raws.Items ?? []).filter((i) => i[MARK_ATTRIBUTE]?.S === ID).length;
  expect(markedBefore).toBeGreaterThanOrEqual(record?.migrated ?? 0);

  // While the killed runner's lease lasts, nobody else may run it.
  await expect(runMigration(db, addCurrency(ID))).rejects.toBeInstanceOf(MigrationLockedError);
  offsetMs = 120_000; // the database clock passes the lease (60 s)
  const result = await runMigration(db, addCurrency(ID), { segments: 2 });
  offsetMs = 0;
  expect(result).toMatchObject({ status: 'completed', resumed: true });
  // The pages the killed run saved were not read again; the pages it was in were.
  expect((record?.scanned ?? 0) + result.run.scanned).toBe(N);
  // Items it wrote after its last saved page carry the mark: seen again, not transformed again.
  expect(result.run.alreadyDone).toBe(markedBefore - (record?.migrated ?? 0));
  expect(result.run.migrated).toBe(N - markedBefore);
  const all = await scan(db, Payment).all();
  expect(all).toHaveLength(N);
  expect(all.filter((p) => p.history.join() !== 'v1,v2' || p.currency !== 'EUR').map((p) => p.id)).toEqual([]);
  expect(await migrationRecords(db).read(ID)).toMatchObject({ status: 'completed', segments: 4 });
});
