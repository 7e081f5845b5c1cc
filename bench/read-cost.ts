/**
 * What a query's two extras cost, in read units (DynamoDB's ConsumedCapacity) and latency: asking
 * for one item more than the page needs (`Limit: n + 1`, so a cursor is handed out only when
 * something follows) and the entity guard (`attribute_not_exists(_type) OR _type = :model`, a
 * FilterExpression that keeps other models' items of a shared table out of the answer).
 *
 * The requests are the ones DynamORM builds (`toInput()` of the query), sent with the raw SDK client
 * in four shapes: with and without the extra item, with and without the guard. Read units are
 * DynamoDB's own figure; latency is the median of interleaved rounds (each round a different variant
 * first), reported with the spread of the round medians. Then the two things the extras buy:
 * a cursor walk over a partition whose size is a multiple of the page (without the extra item it
 * ends with an empty page) and a partition shared with another model (the guard drops its items
 * before they are sent: response bytes).
 *
 *   npx tsx bench/read-cost.ts            (BENCH_ROUNDS, BENCH_ITER tune it; DYNAMODB_ENDPOINT to reuse a server)
 */
import { DynamoDBClient, QueryCommand, type AttributeValue, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { attr, DynamORM, model } from '../src/index.js';
import { benchEnv, openDatabase } from './lib/dynamodb.js';
import { envInt, median, writeResult } from './lib/stats.js';

const ROUNDS = envInt('BENCH_ROUNDS', 5);
const PER_ROUND = envInt('BENCH_ITER', 40);
/** Items per partition: more than the largest page plus one. */
const PARTITION = 120;
/** Approximate stored size of one item, in bytes (keys, entity attribute and payload). */
const ITEM_SIZES = [200, 1000, 4000] as const;
const PAGE_SIZES = [1, 4, 10, 25, 100] as const;

const Doc = model('Doc', {
  table: 'read-cost',
  attributes: { pk: attr.string().partitionKey(), sk: attr.string().sortKey(), body: attr.string() },
  writeToken: false,
});
/** Another model in the same table (the shared-table case). */
const Note = model('Note', {
  table: 'read-cost',
  attributes: { pk: attr.string().partitionKey(), sk: attr.string().sortKey(), body: attr.string() },
  writeToken: false,
});

type Input = QueryCommandInput;
type AttributeMap = Record<string, AttributeValue>;

/** The request without the entity guard: DynamORM's input less the filter and its placeholders. */
function withoutGuard(input: Input): Input {
  const { FilterExpression: _f, ...rest } = input;
  const names = Object.fromEntries(Object.entries(rest.ExpressionAttributeNames ?? {}).filter(([k]) => k !== '#_et'));
  const values = Object.fromEntries(Object.entries(rest.ExpressionAttributeValues ?? {}).filter(([k]) => k !== ':_et'));
  const out: Input = { ...rest, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
  if (Object.keys(names).length === 0) delete out.ExpressionAttributeNames;
  if (Object.keys(values).length === 0) delete out.ExpressionAttributeValues;
  return out;
}

/** DynamoDB's response body size (content-length) and the request body size, recorded per request. */
let lastBytes = 0;
let lastRequestBytes = 0;
function measuredClient(endpoint: string): DynamoDBClient {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  client.middlewareStack.add(
    (next) => async (args) => {
      const body = (args.request as { body?: unknown }).body;
      lastRequestBytes = typeof body === 'string' ? Buffer.byteLength(body) : body instanceof Uint8Array ? body.byteLength : NaN;
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string> }).headers ?? {};
      lastBytes = Number(headers['content-length'] ?? NaN);
      return result;
    },
    { step: 'deserialize', name: 'responseBytes' },
  );
  return client;
}

interface Sample {
  units: number;
  items: number;
  bytes: number;
  requestBytes: number;
  more: boolean;
}

async function send(client: DynamoDBClient, input: Input): Promise<Sample & { ms: number; next?: AttributeMap }> {
  const started = process.hrtime.bigint();
  const out = await client.send(new QueryCommand({ ...input, ReturnConsumedCapacity: 'TOTAL' }));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    ms,
    units: out.ConsumedCapacity?.CapacityUnits ?? NaN,
    items: out.Items?.length ?? 0,
    bytes: lastBytes,
    requestBytes: lastRequestBytes,
    more: out.LastEvaluatedKey !== undefined,
    ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}),
  };
}

interface Variant {
  readonly id: string;
  readonly plusOne: boolean;
  readonly guard: boolean;
}
const VARIANTS: readonly Variant[] = [
  { id: 'n+1, guard', plusOne: true, guard: true },
  { id: 'n+1', plusOne: true, guard: false },
  { id: 'n, guard', plusOne: false, guard: true },
  { id: 'n', plusOne: false, guard: false },
];

const pad = (i: number) => String(i).padStart(4, '0');
const bodyOf = (size: number) => 'x'.repeat(Math.max(1, size - 40));

async function main(): Promise<void> {
  const database = await openDatabase();
  Object.assign(process.env, benchEnv(database.endpoint));
  const db = DynamORM.create({ endpoint: database.endpoint, tablePrefix: `rc${Date.now().toString(36)}-`, requestTimeoutMs: false, connectTimeoutMs: false });
  const client = measuredClient(database.endpoint);
  try {
    await db.tables.create(Doc);
    for (const size of ITEM_SIZES) {
      await db.model(Doc).batchPut(Array.from({ length: PARTITION }, (_, i) => ({ pk: `p${size}`, sk: pad(i), body: bodyOf(size) })));
      // A walk whose length is a multiple of every page size below (100 items: 1, 4, 10, 25, 100).
      await db.model(Doc).batchPut(Array.from({ length: 100 }, (_, i) => ({ pk: `w${size}`, sk: pad(i), body: bodyOf(size) })));
      // Shared: the partition alternates Doc and Note items.
      await db.batchWrite([
        { kind: 'put', model: Doc, items: Array.from({ length: 50 }, (_, i) => ({ pk: `s${size}`, sk: pad(2 * i), body: bodyOf(size) })) },
        { kind: 'put', model: Note, items: Array.from({ length: 50 }, (_, i) => ({ pk: `s${size}`, sk: pad(2 * i + 1), body: bodyOf(size) })) },
      ]);
    }
    const base = (pk: string) => db.model(Doc).where('pk', '=', pk).toInput() as unknown as Input;
    const shape = (pk: string, n: number, v: Variant): Input => {
      const guarded = base(pk);
      return { ...(v.guard ? guarded : withoutGuard(guarded)), Limit: v.plusOne ? n + 1 : n };
    };
    const measured = await send(client, base(`p${ITEM_SIZES[0]}`));
    if (!Number.isFinite(measured.units)) throw new Error('this DynamoDB reports no ConsumedCapacity');

    // 1. One page of n items: read units (exact) and latency (median of interleaved rounds).
    const single: Record<string, unknown>[] = [];
    for (const size of ITEM_SIZES) {
      for (const n of PAGE_SIZES) {
        const row: Record<string, unknown> = { itemBytes: size, page: n };
        const rounds = new Map<string, number[]>(VARIANTS.map((v) => [v.id, []]));
        for (let r = 0; r < ROUNDS; r++) {
          for (let k = 0; k < VARIANTS.length; k++) {
            const v = VARIANTS[(r + k) % VARIANTS.length] as Variant;
            const times: number[] = [];
            let last: Sample | undefined;
            for (let i = 0; i < PER_ROUND; i++) {
              const s = await send(client, shape(`p${size}`, n, v));
              times.push(s.ms);
              last = s;
            }
            rounds.get(v.id)?.push(median(times));
            row[`${v.id} RU`] = last?.units;
            row[`${v.id} bytes`] = last?.bytes;
            row[`${v.id} request bytes`] = last?.requestBytes;
          }
        }
        for (const v of VARIANTS) {
          const medians = rounds.get(v.id) as number[];
          row[`${v.id} ms`] = median(medians);
          row[`${v.id} ms spread`] = [Math.min(...medians), Math.max(...medians)];
        }
        single.push(row);
      }
    }

    // 2. A cursor walk over 100 items, page by page, as page(cursor) does it.
    const walks: Record<string, unknown>[] = [];
    for (const size of ITEM_SIZES) {
      for (const n of PAGE_SIZES) {
        const row: Record<string, unknown> = { itemBytes: size, page: n };
        for (const plusOne of [true, false]) {
          let requests = 0;
          let units = 0;
          let empty = 0;
          const times: number[] = [];
          for (let r = 0; r < ROUNDS; r++) {
          requests = 0;
          units = 0;
          empty = 0;
          let start: AttributeMap | undefined;
          const started = process.hrtime.bigint();
          for (;;) {
            const input = shape(`w${size}`, n, { id: '', plusOne, guard: true });
            const s = await send(client, start ? { ...input, ExclusiveStartKey: start } : input);
            requests++;
            units += s.units;
            if (s.items === 0) empty++;
            // With n + 1, the page is the first n items and the cursor follows only when an item n + 1 came.
            if (plusOne) {
              if (s.items <= n) break;
              start = { pk: { S: `w${size}` }, sk: { S: pad(requests * n - 1) } };
            } else {
              if (!s.next) break;
              start = s.next;
            }
          }
          times.push(Number(process.hrtime.bigint() - started) / 1e6);
          }
          const label = plusOne ? 'n+1' : 'n';
          row[`${label} requests`] = requests;
          row[`${label} RU`] = units;
          row[`${label} empty pages`] = empty;
          row[`${label} ms`] = median(times);
        }
        walks.push(row);
      }
    }

    // 3. A partition shared with another model: what the guard saves (bytes), and what it does not (read units).
    const shared: Record<string, unknown>[] = [];
    for (const size of ITEM_SIZES) {
      const row: Record<string, unknown> = { itemBytes: size };
      for (const guard of [true, false]) {
        const input = shape(`s${size}`, 100, { id: '', plusOne: false, guard });
        const s = await send(client, input);
        const label = guard ? 'guard' : 'no guard';
        row[`${label} RU`] = s.units;
        row[`${label} items sent`] = s.items;
        row[`${label} bytes`] = s.bytes;
        row[`${label} request bytes`] = s.requestBytes;
      }
      shared.push(row);
    }

    printTable('One page of n items (read units per request; latency: median of rounds, ms)', single, (r) => [
      String(r.itemBytes),
      String(r.page),
      ...VARIANTS.map((v) => `${r[`${v.id} RU`]} RU, ${fmt(r[`${v.id} ms`] as number)} (${(r[`${v.id} ms spread`] as number[]).map(fmt).join('-')})`),
    ], ['item bytes', 'n', ...VARIANTS.map((v) => v.id)]);
    printTable('Cursor walk over 100 items with the guard (requests, read units, empty pages; ms: median of rounds)', walks, (r) => [
      String(r.itemBytes),
      String(r.page),
      `${r['n+1 requests']} req, ${r['n+1 RU']} RU, ${r['n+1 empty pages']} empty, ${fmt(r['n+1 ms'] as number)}`,
      `${r['n requests']} req, ${r['n RU']} RU, ${r['n empty pages']} empty, ${fmt(r['n ms'] as number)}`,
    ], ['item bytes', 'n', 'Limit n+1', 'Limit n']);
    printTable('100 items, half of another model (one request, Limit 100)', shared, (r) => [
      String(r.itemBytes),
      `${r['guard RU']} RU, ${r['guard items sent']} items, ${r['guard bytes']} B (request ${r['guard request bytes']} B)`,
      `${r['no guard RU']} RU, ${r['no guard items sent']} items, ${r['no guard bytes']} B (request ${r['no guard request bytes']} B)`,
    ], ['item bytes', 'guard', 'no guard']);
    writeResult('read-cost', { rounds: ROUNDS, perRound: PER_ROUND, single, walks, shared });
  } finally {
    client.destroy();
    db.destroy();
    await database.stop();
  }
}

const fmt = (ms: number) => ms.toFixed(2);

function printTable(title: string, rows: Record<string, unknown>[], cells: (r: Record<string, unknown>) => string[], header: string[]): void {
  console.log(`\n${title}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const r of rows) console.log(`| ${cells(r).join(' | ')} |`);
}

await main();
