/**
 * `npm run bench:payment`: the create-payment handler of examples/payment against the same handler
 * built the way a team builds it today (bench/payment/today-handler.ts: DocumentClient + Powertools
 * idempotency + the AWS Encryption SDK with its caching materials manager), in one run, against the
 * same DynamoDB Local and the same local KMS endpoint (test/support/kms-endpoint.ts). Both are bundled
 * as a Lambda function is (esbuild, minified, `@aws-sdk/*` external, which the runtime provides) and
 * each "container" is a fresh Node process answering BENCH_PAYMENTS requests.
 *
 * Reports per variant: bundle bytes (gzip), cold start (loading the bundle plus the first request),
 * CPU per request (warm), KMS calls per 1,000 requests and write units per payment (DynamoDB's own
 * consumed-capacity figures, through a counting proxy), and today/DynamORM ratios. Writes
 * bench/results/payment.json.
 * Knobs: BENCH_PAYMENTS (requests per container, default 300), BENCH_ROUNDS (containers per variant, default 3).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KmsEndpoint } from '../../test/support/kms-endpoint.js';
import { bundleHandler } from '../lib/bundle.mjs';
import { openDatabase } from '../lib/dynamodb.js';
import { startCapacityProxy } from './capacity-proxy.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const N = Number(process.env.BENCH_PAYMENTS ?? 300);
const WARM = Math.min(30, Math.floor(N / 5));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const db = await openDatabase();
const kms = await KmsEndpoint.start();
const proxy = await startCapacityProxy(db.endpoint);
// Inside the repository, so the bundles resolve the SDK (external) from its node_modules.
mkdirSync('node_modules/.cache', { recursive: true });
const work = resolve(mkdtempSync(join('node_modules/.cache', 'payment-bench-')));
try {
  const keyArn = kms.createKey('alias/payments');
  const client = new DynamoDBClient({ endpoint: db.endpoint, region: 'us-east-1', credentials });
  const table = (TableName: string, keys: [string, 'HASH' | 'RANGE'][]) =>
    client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: keys.map(([AttributeName, KeyType]) => ({ AttributeName, KeyType })),
        AttributeDefinitions: keys.map(([AttributeName]) => ({ AttributeName, AttributeType: 'S' })),
      }),
    );
  // The same listing index as the example's (merchant, status): both handlers pay for it on every write.
  await client.send(
    new CreateTableCommand({
      TableName: 'today-payments',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: ['id', 'merchantId', 'status'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const })),
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi-merchant-status',
          KeySchema: [
            { AttributeName: 'merchantId', KeyType: 'HASH' },
            { AttributeName: 'status', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await table('today-idempotency', [['id', 'HASH']]);
  await table('today-audit', [['pk', 'HASH'], ['sk', 'RANGE']]);
  const env = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    DYNAMODB_ENDPOINT: proxy.endpoint,
    KMS_ENDPOINT: kms.url,
    KMS_KEY_ARN: keyArn,
    PAYMENTS_TABLE: 'today-payments',
    IDEMPOTENCY_TABLE: 'today-idempotency',
    AUDIT_TABLE: 'today-audit',
    PAYMENT_TABLE_PREFIX: 'dm-',
  };
  // The DynamORM variant's tables, as its service creates them.
  Object.assign(process.env, { DYNAMODB_ENDPOINT: db.endpoint, KMS_ENDPOINT: kms.url, KMS_KEY_ARN: keyArn, PAYMENT_TABLE_PREFIX: 'dm-', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
  const { createTables } = await import('./dynamorm-handler.js');
  await createTables();

  const variants = [
    { id: 'dynamorm', name: 'DynamORM (examples/payment)', entry: 'bench/payment/dynamorm-handler.ts' },
    { id: 'today', name: 'DocumentClient + Powertools + Encryption SDK', entry: 'bench/payment/today-handler.ts' },
  ] as const;
  const results: Record<string, Record<string, number | Record<string, number>>> = {};
  for (const v of variants) {
    const outfile = join(work, `${v.id}.cjs`);
    const { gzip } = await bundleHandler(v.entry, { sdk: 'external', format: 'cjs' });
    await bundleHandler(v.entry, { sdk: 'external', format: 'cjs', outfile, write: true });
    const rounds: { coldMs: number; cpuUsPerRequest: number; kms: number; write: number; read: number; statuses: Record<string, number> }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      kms.resetCalls();
      proxy.reset();
      // Not execFileSync: the KMS endpoint and the capacity proxy answer from this process's event loop.
      const { stdout: out } = await promisify(execFile)(process.execPath, ['bench/payment/child.mjs', outfile, String(N), String(WARM), `${v.id}-${Date.now().toString(36)}-${r}`], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
      const line = JSON.parse(out.trim().split('\n').at(-1) as string) as { coldMs: number; cpuUsPerRequest: number; statuses: Record<string, number> };
      const calls = kms.calls.GenerateDataKey + kms.calls.Decrypt + kms.calls.Encrypt;
      rounds.push({ ...line, kms: (calls / N) * 1000, write: proxy.units.write / N, read: proxy.units.read / N });
      if (r === 0) console.log(`${v.id}: requests and capacity units per payment by operation: ${JSON.stringify(Object.fromEntries(Object.entries(proxy.units.byOperation).map(([op, u]) => [op, { requests: u.requests / N, write: u.write / N, read: u.read / N }])))}`);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    results[v.id] = {
      bundleGzipBytes: gzip as number,
      coldStartMs: median(rounds.map((x) => x.coldMs)),
      cpuUsPerRequest: median(rounds.map((x) => x.cpuUsPerRequest)),
      kmsCallsPer1000: median(rounds.map((x) => x.kms)),
      writeUnitsPerPayment: median(rounds.map((x) => x.write)),
      readUnitsPerPayment: median(rounds.map((x) => x.read)),
      statuses: rounds[0]?.statuses ?? {},
    };
    console.log(`${v.name}: ${JSON.stringify(results[v.id])}`);
  }
  const dm = results.dynamorm as Record<string, number>;
  const today = results.today as Record<string, number>;
  const rows = ['bundleGzipBytes', 'coldStartMs', 'cpuUsPerRequest', 'kmsCallsPer1000', 'writeUnitsPerPayment', 'readUnitsPerPayment'];
  console.log('\n| measure | DynamORM | today | today / DynamORM |\n| --- | --- | --- | --- |');
  for (const k of rows) {
    const a = dm[k] as number;
    const b = today[k] as number;
    console.log(`| ${k} | ${a.toFixed(k.endsWith('Bytes') ? 0 : 2)} | ${b.toFixed(k.endsWith('Bytes') ? 0 : 2)} | ${a === 0 ? (b === 0 ? '1.00' : '∞') : (b / a).toFixed(2)} |`);
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/payment.json', `${JSON.stringify({ date: new Date().toISOString(), node: process.version, requestsPerContainer: N, rounds: ROUNDS, database: db.description, results }, null, 2)}\n`);
  client.destroy();
} finally {
  rmSync(work, { recursive: true, force: true });
  await proxy.stop();
  await kms.stop();
  await db.stop();
}
