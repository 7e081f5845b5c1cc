/**
 * The README's tour runs, top to bottom, on the test run's DynamoDB Local (an integration test: see
 * vitest.config.ts). Its module blocks are built into one program by code-blocks.ts (`runnableModule`:
 * the README's `throws` blocks must reject), with `dynamorm`, `dynamorm/attr`, `dynamorm/lambda` and
 * `dynamorm/testing` pointing at src/, written to a temporary .ts file and imported through vitest's
 * transform. `Database.create()` in the README reads the environment: the endpoint, local credentials
 * and a table prefix of its own, whose tables are deleted at the end.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { DeleteTableCommand, DynamoDBClient, paginateListTables } from '@aws-sdk/client-dynamodb';
import { endpoint, localCredentials } from '../support/db.js';
import { runnableModule } from './code-blocks.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const url = (path: string): string => pathToFileURL(join(root, path)).href;
const prefix = `readme-${randomUUID().slice(0, 8)}-`;

const env = {
  DYNAMODB_ENDPOINT: endpoint(),
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
  DYNAMORM_TABLE_PREFIX: prefix,
  DYNAMORM_CURSOR_SECRET: 'a local secret for the tour, 32+ characters',
};
const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
const dir = mkdtempSync(join(tmpdir(), 'dynamorm-readme-'));

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(dir, { recursive: true, force: true });
  const client = new DynamoDBClient({ endpoint: env.DYNAMODB_ENDPOINT, region: env.AWS_REGION, credentials: localCredentials });
  try {
    for await (const page of paginateListTables({ client }, {})) {
      for (const name of page.TableNames ?? []) if (name.startsWith(prefix)) await client.send(new DeleteTableCommand({ TableName: name }));
    }
  } finally {
    client.destroy();
  }
});

test('the README tour runs top to bottom on DynamoDB Local', { timeout: 60_000 }, async () => {
  const tour = runnableModule(root, 'README.md', {
    specifiers: {
      dynamorm: url('src/index.ts'),
      'dynamorm/attr': url('src/attr.ts'),
      'dynamorm/lambda': url('src/lambda/index.ts'),
      'dynamorm/testing': url('src/testing/index.ts'),
    },
    fixtures: url('test/docs/fixtures.ts'),
  });
  const file = join(dir, 'readme-tour.ts');
  writeFileSync(file, tour.text);
  Object.assign(process.env, env);
  try {
    await import(/* @vite-ignore */ pathToFileURL(file).href);
  } catch (error) {
    // Point at the README line the failure came from (the first frame in the tour's file).
    const stack = error instanceof Error ? (error.stack ?? '') : '';
    const frame = /readme-tour\.ts:(\d+):\d+/.exec(stack);
    const where = frame ? tour.where(Number(frame[1])) : undefined;
    throw new Error(`${where ?? 'README.md'}: the tour failed: ${String(error)}`, { cause: error });
  }
  // The tour's tables carry the prefix, so afterAll finds and deletes them.
  const client = new DynamoDBClient({ endpoint: env.DYNAMODB_ENDPOINT, region: env.AWS_REGION, credentials: localCredentials });
  try {
    const names: string[] = [];
    for await (const page of paginateListTables({ client }, {})) names.push(...(page.TableNames ?? []).filter((n) => n.startsWith(prefix)));
    expect(names).toContain(`${prefix}payments`);
  } finally {
    client.destroy();
  }
});
