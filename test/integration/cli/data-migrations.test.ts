/**
 * `dynamorm migrate` with data migrations, on DynamoDB Local: the pending migrations of the models
 * module are in the plan and nothing runs without --apply; --apply creates the table, runs them (in the
 * migrations table named with --migrations-table) with a progress line; a completed one is no longer
 * pending; a migration another runner holds makes the command fail (exit 1) without touching items.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXIT, main } from '../../../src/cli/main.js';
import type { Output } from '../../../src/cli/output.js';
import { scan } from '../../../src/index.js';
import { migrationRecords } from '../../../src/migrations/index.js';
import { endpoint, localCredentials, testDb } from '../../support/db.js';
import { CliDataPayment } from './data-models.js';

const db = testDb({ requestTimeoutMs: 30_000 });
const prefix = db.config.tablePrefix;
const MODELS = 'test/integration/cli/data-models.ts';

async function run(...args: string[]): Promise<{ code: number; lines: string[]; errors: string[] }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const out: Output = {
    line: (t) => void lines.push(t),
    error: (t) => void errors.push(t),
    progress: (label) => void lines.push(`progress: ${label.trim()}`),
    endProgress: () => undefined,
    colour: { bold: (s) => s, red: (s) => s, green: (s) => s, yellow: (s) => s, dim: (s) => s },
  };
  const code = await main([...args, '--endpoint', endpoint(), '--region', 'us-east-1', '--prefix', prefix], out);
  return { code, lines, errors };
}

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = localCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = localCredentials.secretAccessKey;
  await db.tables.create(CliDataPayment);
  await db.model(CliDataPayment).batchPut(Array.from({ length: 30 }, (_, i) => ({ id: `p${i}`, amount: i })));
});
afterAll(() => db.destroy());

describe('dynamorm migrate with data migrations', { timeout: 240_000 }, () => {
  test('a migration another runner holds fails the command (exit 1) and changes no item', async () => {
    const records = migrationRecords(db, { table: 'cli-migrations-locked' });
    await db.tables.create(records.model);
    const now = Date.now();
    await records.acquire('2026-12-01-add-currency', 'CliDataPayment', randomUUID(), now, now + 600_000, 1);
    const { code, errors } = await run('migrate', '--models', MODELS, '--apply', '--migrations-table', 'cli-migrations-locked');
    expect(code).toBe(EXIT.failed);
    expect(errors.join('\n')).toMatch(/MigrationLockedError: migration 2026-12-01-add-currency: another runner holds its lease/);
    expect((await scan(db, CliDataPayment).all()).some((p) => p.currency)).toBe(false);
  });

  test('plan, apply, and nothing left to do', async () => {
    const dry = await run('migrate', '--models', MODELS, '--migrations-table', 'cli-migrations');
    expect(dry.code).toBe(EXIT.ok);
    expect(dry.lines).toEqual([
      'Plan: 1 step',
      '  1. data migration 2026-12-01-add-currency of CliDataPayment: every payment gets a currency',
      'Dry run: pass --apply to run these steps.',
    ]);
    expect((await scan(db, CliDataPayment).all()).some((p) => p.currency)).toBe(false);

    const applied = await run('migrate', '--models', MODELS, '--apply', '--migrations-table', 'cli-migrations');
    expect(applied.errors).toEqual([]);
    expect(applied.code).toBe(EXIT.ok);
    expect(applied.lines[2]).toBe('1/1 data migration 2026-12-01-add-currency of CliDataPayment: every payment gets a currency');
    expect(applied.lines.some((l) => /^progress: \d+ read, \d+ written/.test(l))).toBe(true);
    expect(applied.lines.slice(-2)).toEqual(['    30 read, 30 written, 0 deleted, 0 unchanged, 0 re-read after a conflict', '    done']);
    const all = await scan(db, CliDataPayment).all();
    expect(all).toHaveLength(30);
    expect(all.every((p) => p.currency === 'EUR')).toBe(true);
    expect(await migrationRecords(db, { table: 'cli-migrations' }).read('2026-12-01-add-currency')).toMatchObject({ status: 'completed', migrated: 30 });

    const again = await run('migrate', '--models', MODELS, '--migrations-table', 'cli-migrations');
    expect(again).toMatchObject({ code: EXIT.ok, lines: ['Plan: nothing to do'] });
  });
});
