/**
 * CPU per operation with no plugins, with the metrics plugin, and with metrics and tracing, as ratios
 * to no plugins (the issue's goal: 1.05 at most with both), side by side in one run.
 *
 * Each variant's real DynamoDB answers are recorded once (DynamoDB Local; with metrics they carry
 * the consumed capacity it asks for), then played back from memory through the SDK's request
 * handler slot (bench/lib/replay.ts): the SDK and DynamORM run in full (signing, serialising,
 * parsing, the plugins), the network and DynamoDB do not. Variants are measured in turns, round
 * after round, and the median of the rounds is reported, so drift hits every variant alike.
 * A second table gives the plugins' own cost, apart from the SDK: the same operations answered by a
 * middleware from a fixed output (nothing is serialised, signed or parsed), as absolute µs.
 *
 *   npx tsx bench/plugins-overhead.ts      (BENCH_ROUNDS, BENCH_ITER, BENCH_WARMUP tune it)
 */
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Database, type Middleware, type Plugin } from '../src/index.js';
import { metricsPlugin } from '../src/plugins/metrics/index.js';
import { tracingPlugin } from '../src/plugins/tracing/index.js';
import { opsFor } from './handlers/dynamorm.js';
import { clientConfig } from './handlers/shared.js';
import { benchEnv, createTable, openDatabase, seed } from './lib/dynamodb.js';
import { Recorder, Replayer, type Recorded } from './lib/replay.js';
import { envInt, median, writeResult } from './lib/stats.js';
import { calls, check, LABELS, type Operation } from './warm-overhead/operations.js';
import { cpuPerCall } from './warm-overhead/measure.js';

/** The single-item operations (reading 1,000 items is dominated by decoding, not by the plugins). */
const OPERATIONS: readonly Operation[] = ['put', 'get', 'query', 'update'];
const ROUNDS = envInt('BENCH_ROUNDS', 7);
const PER_ROUND = envInt('BENCH_ITER', 2000);
const WARMUP = envInt('BENCH_WARMUP', 3000);

interface Variant {
  readonly id: string;
  readonly label: string;
  readonly plugins: () => Plugin[];
}

/** Spans kept in memory and dropped every round, so memory stays flat. */
const spans = new InMemorySpanExporter();
const VARIANTS: readonly Variant[] = [
  { id: 'none', label: 'no plugins', plugins: () => [] },
  { id: 'metrics', label: 'metrics', plugins: () => [metricsPlugin()] },
  // No SDK registered: @opentelemetry/api's no-op tracer, what a function without a collector runs.
  { id: 'metrics+tracing-noop', label: 'metrics + tracing (no-op tracer)', plugins: () => [tracingPlugin(), metricsPlugin()] },
  {
    // The OpenTelemetry SDK recording every span, with the batch processor production uses.
    id: 'metrics+tracing-sdk',
    label: 'metrics + tracing (SDK, in-memory exporter)',
    plugins: () => [tracingPlugin({ tracerProvider: new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(spans)] }) }), metricsPlugin()],
  },
];

async function main(): Promise<void> {
  const database = await openDatabase();
  try {
    Object.assign(process.env, benchEnv(database.endpoint));
    await createTable(database.endpoint);
    // No request time-out while seeding: a busy machine must not turn a slow write into a failed run.
    await seed('dynamorm', opsFor(Database.create({ requestTimeoutMs: false, connectTimeoutMs: false })));

    // 1. Record each variant's answers once, against the real DynamoDB.
    const nonce = Date.now().toString(36);
    const recordings = new Map<string, Record<Operation, Recorded[]>>();
    for (const variant of VARIANTS) {
      const recorder = new Recorder();
      const run = calls('dynamorm', opsFor(Database.create({ clientConfig: clientConfig(recorder), plugins: variant.plugins() })), () => `plugins-${variant.id}-${nonce}`);
      const byOp = {} as Record<Operation, Recorded[]>;
      for (const op of OPERATIONS) {
        recorder.log = [];
        check(op, 'dynamorm', await run[op]());
        byOp[op] = recorder.log;
      }
      recorder.destroy();
      recordings.set(variant.id, byOp);
    }
    const capacityAsked = recordings.get('metrics')!.get[0]!.body.includes('ConsumedCapacity');

    // 2. Replay: one database and one replayer per variant, measured in turns.
    const runners = VARIANTS.map((variant) => {
      const replayer = new Replayer();
      const run = calls('dynamorm', opsFor(Database.create({ clientConfig: clientConfig(replayer), plugins: variant.plugins() })));
      return { variant, replayer, run };
    });
    const results: Record<string, Record<Operation, number>> = {};
    for (const op of OPERATIONS) {
      const rounds = new Map<string, number[]>(VARIANTS.map((v) => [v.id, []]));
      for (const { variant, replayer, run } of runners) {
        replayer.play(recordings.get(variant.id)![op]);
        check(op, 'dynamorm', await run[op]());
        for (let i = 0; i < WARMUP; i++) await run[op]();
      }
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate the order each round, so no variant always runs first.
        const order = round % 2 === 0 ? runners : [...runners].reverse();
        for (const { variant, replayer, run } of order) {
          replayer.play(recordings.get(variant.id)![op]);
          rounds.get(variant.id)!.push(await cpuPerCall(run[op], PER_ROUND));
          spans.reset();
        }
      }
      for (const v of VARIANTS) (results[v.id] ??= {} as Record<Operation, number>)[op] = median(rounds.get(v.id)!);
    }

    // 3. The plugins alone: a GetItem answered by the innermost middleware, no SDK at all.
    const answer: Middleware = () => Promise.resolve({ ConsumedCapacity: { TableName: 'bench-orders', CapacityUnits: 0.5, Table: { CapacityUnits: 0.5 } }, $metadata: { attempts: 1 } });
    const alone = VARIANTS.map((variant) => {
      const db = Database.create({ endpoint: 'http://127.0.0.1:1', plugins: variant.plugins() }).use('answer', answer);
      const orders = opsFor(db);
      return { variant, run: () => orders.get({ customerId: 'c', orderId: 'o' }) };
    });
    const aloneRounds = new Map<string, number[]>(VARIANTS.map((v) => [v.id, []]));
    for (const { run } of alone) for (let i = 0; i < WARMUP * 4; i++) await run();
    for (let round = 0; round < ROUNDS; round++) {
      for (const { variant, run } of round % 2 === 0 ? alone : [...alone].reverse()) {
        aloneRounds.get(variant.id)!.push(await cpuPerCall(run, PER_ROUND * 10));
        spans.reset();
      }
    }
    const aloneUs = Object.fromEntries(VARIANTS.map((v) => [v.id, median(aloneRounds.get(v.id)!)]));

    // 4. Report.
    const none = results.none!;
    console.log(`Plugins overhead: CPU µs per operation (median of ${ROUNDS} rounds of ${PER_ROUND}), SDK included, network replayed`);
    console.log(`Node ${process.version}; metrics asked for consumed capacity: ${capacityAsked}\n`);
    const header = ['operation', ...VARIANTS.map((v) => v.label)];
    const rows = OPERATIONS.map((op) => [LABELS[op], ...VARIANTS.map((v) => (v.id === 'none' ? `${none[op].toFixed(1)}` : `${results[v.id]![op].toFixed(1)} (${(results[v.id]![op] / none[op]).toFixed(3)}x)`))]);
    const total = (id: string) => OPERATIONS.reduce((sum, op) => sum + results[id]![op], 0);
    rows.push(['all four, summed', ...VARIANTS.map((v) => (v.id === 'none' ? total('none').toFixed(1) : `${total(v.id).toFixed(1)} (${(total(v.id) / total('none')).toFixed(3)}x)`))]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const row of [header, widths.map((w) => '-'.repeat(w)), ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
    console.log(`\nThe plugins alone: CPU µs per get answered by a middleware (no SDK), median of ${ROUNDS} rounds of ${PER_ROUND * 10}`);
    for (const v of VARIANTS) {
      const extra = aloneUs[v.id]! - aloneUs.none!;
      console.log(`  ${v.label.padEnd(45)} ${aloneUs[v.id]!.toFixed(2)} µs${v.id === 'none' ? '' : ` (+${extra.toFixed(2)} µs: ${((100 * extra) / none.get).toFixed(2)}% of a replayed get)`}`);
    }
    writeResult('plugins-overhead', { node: process.version, rounds: ROUNDS, perRound: PER_ROUND, capacityAsked, cpuUs: results, aloneUs });
  } finally {
    await database.stop();
  }
}

await main();
