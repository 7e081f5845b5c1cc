/**
 * Benchmark: memory while streaming 100,000 items of one partition, DynamORM's `stream()` side by
 * side with the raw AWS SDK (`paginateQuery` + `unmarshall`), in one run.
 *
 *   npm run bench:stream-memory            (starts DynamoDB Local, or uses DYNAMODB_ENDPOINT)
 *   BENCH_ITEMS=20000 npm run bench:stream-memory
 *
 * The parent seeds a fresh table, then runs each side in its own child process (so neither pollutes
 * the other's heap or RSS), and prints a markdown table, also written to bench/results/stream-memory.md.
 * Each child samples RSS and heapUsed every 1,000 items (peaks, no forced GC) and the heap retained
 * after a forced GC at 10%, 50% and 100% of the stream: flat retained heap means memory does not grow
 * with the number of items read.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, paginateQuery } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { attr, DynamORM, model, putItems } from '../src/index.js';
import { startLocalDynamoDB, type LocalDynamoDB } from '../src/testing/local-dynamodb.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const Row = model('Row', {
  table: 'bench-stream',
  attributes: {
    pk: attr.string().partitionKey(),
    sk: attr.string().sortKey(),
    n: attr.integer(),
    label: attr.string(),
  },
});

const PARTITION = 'bench';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';
const MB = 1024 * 1024;

type Side = 'dynamorm' | 'raw';

interface SideResult {
  side: Side;
  items: number;
  ms: number;
  baselineRss: number;
  peakRss: number;
  peakHeap: number;
  /** Heap retained (after a forced GC) at 10%, 50% and 100% of the stream. */
  heapAt: [number, number, number];
}

const dbFor = (endpoint: string, tablePrefix: string) => DynamORM.create({ endpoint, region, credentials, tablePrefix, batchConcurrency: 8 });

/** Child: streams every item of the partition with one side and reports memory as JSON on stdout. */
async function child(side: Side, endpoint: string, tablePrefix: string, expected: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the child needs --expose-gc');
  const checkpoints = [Math.ceil(expected * 0.1), Math.ceil(expected * 0.5), expected];
  const heapAt: number[] = [];
  gc();
  const baselineRss = process.memoryUsage().rss;
  let peakRss = baselineRss;
  let peakHeap = process.memoryUsage().heapUsed;
  let items = 0;
  let checksum = 0;
  const onItem = (item: { n: number }) => {
    items++;
    checksum += item.n;
    if (items % 1000 === 0) {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }
    if (items === checkpoints[heapAt.length]) {
      gc();
      heapAt.push(process.memoryUsage().heapUsed);
    }
  };
  const started = performance.now();
  if (side === 'dynamorm') {
    const db = dbFor(endpoint, tablePrefix);
    for await (const item of db.model(Row).where('pk', '=', PARTITION).stream()) onItem(item);
    db.destroy();
  } else {
    const client = new DynamoDBClient({ endpoint, region, credentials });
    const pages = paginateQuery(
      { client },
      {
        TableName: tablePrefix + Row.table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': { S: PARTITION } },
      },
    );
    for await (const page of pages) for (const raw of page.Items ?? []) onItem(unmarshall(raw) as { n: number });
    client.destroy();
  }
  const ms = performance.now() - started;
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  if (checksum !== (expected * (expected - 1)) / 2) throw new Error(`${side}: checksum ${checksum} does not match ${expected} items`);
  const result: SideResult = { side, items, ms, baselineRss, peakRss, peakHeap, heapAt: heapAt as [number, number, number] };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(side: Side, endpoint: string, tablePrefix: string, expected: number): Promise<SideResult> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    // Same Node and loader flags as this process (tsx), plus --expose-gc for the retained-heap checkpoints.
    const proc = spawn(process.execPath, [...process.execArgv, '--expose-gc', script, 'child', side, endpoint, tablePrefix, String(expected)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`${side} child exited with ${code}: ${out}`));
      else resolve(JSON.parse(line) as SideResult);
    });
  });
}

async function seed(db: DynamORM, count: number): Promise<void> {
  const started = performance.now();
  const chunk = 5000;
  for (let from = 0; from < count; from += chunk) {
    const rows = Array.from({ length: Math.min(chunk, count - from) }, (_, i) => {
      const n = from + i;
      return { pk: PARTITION, sk: String(n).padStart(7, '0'), n, label: `item-${n}` };
    });
    await db.batchWrite([putItems(Row, rows)]);
  }
  console.error(`seeded ${count} items in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function warmUp(endpoint: string, tablePrefix: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region, credentials });
  const input = {
    TableName: tablePrefix + Row.table,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': 'pk' },
    ExpressionAttributeValues: { ':pk': { S: PARTITION } },
  };
  for await (const _page of paginateQuery({ client }, input));
  client.destroy();
}

const mb = (bytes: number) => (bytes / MB).toFixed(1);
const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a');

function table(results: [SideResult, SideResult], count: number): string {
  const [orm, raw] = results;
  const row = (label: string, f: (r: SideResult) => number, format: (n: number) => string = mb, compare = true) =>
    `| ${label} | ${format(f(orm))} | ${format(f(raw))} | ${compare ? ratio(f(orm), f(raw)) : '-'} |`;
  return [
    `Streaming ${count.toLocaleString('en-US')} items of one partition (DynamoDB Local, Node ${process.version}); memory in MB.`,
    '',
    '| | DynamORM `stream()` | raw SDK `paginateQuery` + `unmarshall` | DynamORM / raw |',
    '|---|---:|---:|---:|',
    row('items read', (r) => r.items, String, false),
    row('time (s)', (r) => r.ms, (n) => (n / 1000).toFixed(1)),
    row('RSS before streaming', (r) => r.baselineRss),
    row('peak RSS', (r) => r.peakRss),
    row('peak heapUsed (no forced GC)', (r) => r.peakHeap),
    row('heap retained at 10%', (r) => r.heapAt[0]),
    row('heap retained at 50%', (r) => r.heapAt[1]),
    row('heap retained at 100%', (r) => r.heapAt[2]),
    row('retained growth 10% -> 100%', (r) => r.heapAt[2] - r.heapAt[0], mb, false),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const count = Number(process.env.BENCH_ITEMS ?? 100_000);
  let local: LocalDynamoDB | undefined;
  const endpoint = process.env.DYNAMODB_ENDPOINT || (local = await startLocalDynamoDB()).endpoint;
  const tablePrefix = `bench${randomUUID().slice(0, 8)}-`;
  const db = dbFor(endpoint, tablePrefix);
  try {
    await db.tables.create(Row);
    await seed(db, count);
    // Warm DynamoDB Local up (its JIT) with one unmeasured pass, so the side that goes first is not
    // charged for it.
    await warmUp(endpoint, tablePrefix);
    // One after the other: two cores, and each side's timing should not compete with the other.
    const orm = await runChild('dynamorm', endpoint, tablePrefix, count);
    const raw = await runChild('raw', endpoint, tablePrefix, count);
    const report = table([orm, raw], count);
    console.log(report);
    const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'stream-memory.md');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `# Stream memory\n\n${report}`);
    console.error(`written to ${file}`);
  } finally {
    await db.tables.delete(Row).catch(() => undefined);
    db.destroy();
    await local?.stop();
  }
}

const [mode, side, endpoint, prefix, expected] = process.argv.slice(2);
const run = mode === 'child' ? child(side as Side, endpoint as string, prefix as string, Number(expected)) : main();
run.catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
