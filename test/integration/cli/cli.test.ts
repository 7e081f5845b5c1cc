/**
 * The `dynamorm` CLI against DynamoDB Local: migrate shows its plan and applies nothing without
 * --apply, creates the table, then moves it to the next schema one index per step (never deleting an
 * index unless asked), seed loads fixtures, and generate writes templates. Run in process through
 * `main()` (the built bin is run by the package test).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXIT, main } from '../../../src/cli/main.js';
import type { Output } from '../../../src/cli/output.js';
import { startLocalDynamoDB, type LocalDynamoDB } from '../../../src/testing/local-dynamodb.js';
import { localCredentials, testDb } from '../../support/db.js';

// A DynamoDB Local of its own: table updates (index backfills) wait on the server, which the other
// files' load on the shared one must not hold up.
const local: LocalDynamoDB = await startLocalDynamoDB();
const endpoint = () => local.endpoint;
const db = testDb({ endpoint: local.endpoint });
const prefix = db.config.tablePrefix;
const table = `${prefix}cli-payments`;
const dir = mkdtempSync(join(tmpdir(), 'dynamorm-cli-'));

/** Runs the CLI, collecting what it prints. */
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
  const code = await main([...args, ...(['migrate', 'seed'].includes(args[0] as string) ? ['--endpoint', endpoint(), '--region', 'us-east-1', '--prefix', prefix] : [])], out);
  return { code, lines, errors };
}

beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = localCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = localCredentials.secretAccessKey;
});
afterAll(async () => {
  db.destroy();
  rmSync(dir, { recursive: true, force: true });
  await local.stop();
});

const indexes = async () => ((await db.client.send(new DescribeTableCommand({ TableName: table }))).Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort();

describe('dynamorm migrate', () => {
  test('shows the plan and applies nothing without --apply', async () => {
    const { code, lines } = await run('migrate', '--models', 'test/integration/cli/models-v1.ts');
    expect(code).toBe(EXIT.ok);
    expect(lines).toEqual(['Plan: 1 step', `  1. create table ${table} with indexes gsi-legacy`, 'Dry run: pass --apply to run these steps.']);
    await expect(db.client.send(new DescribeTableCommand({ TableName: table }))).rejects.toThrow(/not found|non-existent|ResourceNotFound/i);
  });

  test('creates the table, then reaches the next schema one index per step, keeping the index it may not delete', async () => {
    const first = await run('migrate', '--models', 'test/integration/cli/models-v1.ts', '--apply');
    expect(first.errors).toEqual([]);
    expect(first.code).toBe(EXIT.ok);
    expect(await indexes()).toEqual(['gsi-legacy']);
    const second = await run('migrate', '--models', 'test/integration/cli/models-v2.ts', '--apply');
    expect(second.code).toBe(EXIT.ok);
    expect(second.lines.filter((l) => /^ {2}\d\.| kept:/.test(l))).toEqual([
      `  1. create index gsi-merchant on ${table} (and wait for it to backfill)`,
      `  2. create index gsi-status on ${table} (and wait for it to backfill)`,
      `  3. enable time to live on ${table}.expiresAt`,
      `  kept: ${table}: index gsi-legacy (not in the models) is kept: pass --allow-delete to delete it`,
    ]);
    expect(await indexes()).toEqual(['gsi-legacy', 'gsi-merchant', 'gsi-status']);
    const ttl = await db.client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');
    // Nothing left but the index it may not delete; with --allow-delete it goes.
    expect((await run('migrate', '--models', 'test/integration/cli/models-v2.ts')).lines[0]).toBe('Plan: nothing to do');
    expect((await run('migrate', '--models', 'test/integration/cli/models-v2.ts', '--apply', '--allow-delete')).code).toBe(EXIT.ok);
    expect(await indexes()).toEqual(['gsi-merchant', 'gsi-status']);
  }, 180_000); // five table updates, each waited for until active
});

describe('dynamorm seed and generate', () => {
  test('seed loads fixtures through the models', async () => {
    const { code, lines } = await run('seed', '--models', 'test/integration/cli/models-v2.ts', 'test/fixtures/cli-seed.yaml');
    expect(code).toBe(EXIT.ok);
    expect(lines).toEqual(['test/fixtures/cli-seed.yaml: 3 Payment']);
    const { Payment } = await import('./models-v2.js');
    expect(await db.model(Payment).where('merchantId', '=', 'm1').count()).toBe(2);
  });

  test('generate writes a template file; bad usage exits 2 with the help', async () => {
    const file = join(dir, 'tables.tf');
    expect((await run('generate', '--models', 'test/integration/cli/models-v2.ts', '--format', 'terraform', '--out', file)).code).toBe(EXIT.ok);
    expect(readFileSync(file, 'utf8')).toContain('resource "aws_dynamodb_table" "cli_payments"');
    const bad = await run('generate', '--models', 'test/integration/cli/models-v2.ts', '--format', 'pulumi');
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.errors[0]).toMatch(/--format is one of cloudformation, sam, cdk, terraform/);
    expect((await run('generate', '--format', 'sam')).errors[0]).toMatch(/--models FILE is required/);
    expect((await run('nonsense')).code).toBe(EXIT.usage);
  });
});
