/**
 * A crashed attempt: a child process (a simulated Lambda invocation with 6 s left) claims a key and
 * is killed with SIGKILL before completing. Its claim lasts until its deadline; a retry before that
 * gets IdempotencyInProgressError, a retry after it runs the function and completes once. With
 * lockUntilReconciled the retry is refused with IdempotencyNeedsReconciliationError and the function
 * is not run again, until an operator resolves the claim.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scan } from '../../../src/index.js';
import {
  IdempotencyInProgressError,
  IdempotencyNeedsReconciliationError,
  idempotencyStore,
  makeIdempotent,
} from '../../../src/idempotency/index.js';
import { endpoint, testDb } from '../../support/db.js';
import { CrashPayment, crashOptions } from './crash-models.js';

let offsetMs = 0;
const db = testDb({ clock: () => new Date(Date.now() + offsetMs) });
const store = idempotencyStore(db, { table: 'crash-idem' });
const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

beforeAll(async () => {
  await db.tables.create(CrashPayment);
  await db.tables.create(store.model);
});
afterAll(() => db.destroy());

/** Runs the child until it has claimed `key`, then kills it with SIGKILL. */
async function crashAfterClaim(key: string, reconcile: boolean): Promise<void> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child], {
    env: { ...process.env, CRASH_ENDPOINT: endpoint(), CRASH_PREFIX: db.config.tablePrefix, CRASH_KEY: key, CRASH_RECONCILE: reconcile ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  proc.stderr.on('data', (d: Buffer) => (errors += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('claimed')) resolve();
    });
    proc.on('exit', () => reject(new Error(`the child exited before claiming: ${errors}`)));
  });
  proc.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

function parentAttempt(reconcile: boolean) {
  let runs = 0;
  const pay = makeIdempotent(
    async (input: { key: string; amount: number }, { tx }) => {
      runs++;
      tx.create(CrashPayment, { id: `pay-${input.key}`, amount: input.amount, by: 'retry' });
      return { id: `pay-${input.key}` };
    },
    { store, ...crashOptions(reconcile) },
  );
  return { pay, runs: () => runs };
}

describe('a process killed after its claim', () => {
  test('is retried once its claim expires (at its Lambda deadline) and completes once', { timeout: 120_000 }, async () => {
    const claimedAt = Date.now();
    await crashAfterClaim('c1', false);
    const { pay, runs } = parentAttempt(false);
    const record = await pay.record('c1');
    expect(record?.status).toBe('IN_PROGRESS');
    // The claim lasts until the invocation's deadline: 6 s after it started, not the 60 s default timeout.
    expect(record?.lockedUntil).toBeGreaterThan(claimedAt + 5_000);
    expect(record?.lockedUntil).toBeLessThan(Date.now() + 6_000);
    await expect(pay({ key: 'c1', amount: 500 })).rejects.toBeInstanceOf(IdempotencyInProgressError);
    offsetMs = (record?.lockedUntil ?? 0) - Date.now() + 1; // the database clock passes the deadline
    try {
      expect(await pay({ key: 'c1', amount: 500 })).toEqual({ id: 'pay-c1' });
      expect(await pay({ key: 'c1', amount: 500 })).toEqual({ id: 'pay-c1' });
    } finally {
      offsetMs = 0;
    }
    expect(runs()).toBe(1);
    const payments = (await scan(db, CrashPayment).all()).filter((p) => p.id === 'pay-c1');
    expect(payments).toEqual([expect.objectContaining({ id: 'pay-c1', by: 'retry' })]);
  });

  test('with lockUntilReconciled it is not re-run: retries are refused until an operator resolves the claim', { timeout: 120_000 }, async () => {
    await crashAfterClaim('c2', true);
    const { pay, runs } = parentAttempt(true);
    const record = await pay.record('c2');
    offsetMs = (record?.lockedUntil ?? 0) - Date.now() + 60_000; // long after the deadline
    try {
      await expect(pay({ key: 'c2', amount: 500 })).rejects.toBeInstanceOf(IdempotencyNeedsReconciliationError);
      await expect(pay({ key: 'c2', amount: 500 })).rejects.toBeInstanceOf(IdempotencyNeedsReconciliationError);
      expect(runs()).toBe(0);
      expect((await scan(db, CrashPayment).all()).filter((p) => p.id === 'pay-c2')).toEqual([]);
      // The operator checked the provider: the charge did not happen.
      await pay.releaseClaim('c2');
      expect(await pay({ key: 'c2', amount: 500 })).toEqual({ id: 'pay-c2' });
      expect(runs()).toBe(1);
    } finally {
      offsetMs = 0;
    }
  });
});
