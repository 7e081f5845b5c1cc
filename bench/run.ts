/**
 * `npm run bench`: every benchmark in one run, then docs/performance.md.
 *   npm run bench                      all stages
 *   npm run bench -- cold-start report  some stages (the report reuses earlier stages' results)
 * Knobs (environment): DYNAMODB_ENDPOINT (else DynamoDB Local is started), BENCH_COLD_RUNS,
 * BENCH_PASSES, BENCH_ITER, BENCH_ITER_BIG, BENCH_ROUNDS, BENCH_LIVE, BENCH_LIVE_BIG (docs/performance.md lists them).
 * BENCH_BASE_REF=<git ref> (opt-in, e.g. HEAD~1 or a commit hash): also measures DynamORM at that commit, as the
 * variant `base` beside the working tree in every stage, checked out in a git worktree in .bench-base/<short hash>/
 * (git-ignored, kept for the next run) with this repository's node_modules linked in; the report then adds a
 * section "Against <short hash>" (bench/lib/base.ts).
 */
import { cpus, totalmem } from 'node:os';
import type { Ops } from './handlers/shared.js';
import { bundleSize } from './bundle-size/index.js';
import { coldStart } from './cold-start/index.js';
import { prepareBase } from './lib/base.js';
import { benchEnv, createTable, openDatabase, seed } from './lib/dynamodb.js';
import { readResult, writeResult } from './lib/stats.js';
import { entryUrl, VARIANTS, versions } from './lib/variants.js';
import { writeReport } from './report.js';
import { warmOverhead } from './warm-overhead/index.js';

// The SDK's Node 20 end-of-support notice is noise here, and child processes inherit the setting.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const STAGES = ['bundle-size', 'cold-start', 'warm-overhead', 'report'] as const;
type Stage = (typeof STAGES)[number];

const asked = process.argv.slice(2).filter((a) => a !== '--');
for (const a of asked) if (!STAGES.includes(a as Stage)) throw new Error(`unknown stage ${a}; stages: ${STAGES.join(', ')}`);
const stages = new Set<Stage>(asked.length > 0 ? (asked as Stage[]) : STAGES);

const started = Date.now();
const log = (line: string) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`);

const base = stages.has('bundle-size') || stages.has('cold-start') || stages.has('warm-overhead') ? prepareBase(log) : undefined;

if (stages.has('bundle-size')) {
  log('bundle size');
  await bundleSize();
}

let database: string | undefined;
if (stages.has('cold-start') || stages.has('warm-overhead')) {
  const db = await openDatabase();
  database = db.description;
  try {
    Object.assign(process.env, benchEnv(db.endpoint));
    log(`database: ${db.description}; creating the table and seeding each variant's items`);
    await createTable(db.endpoint);
    for (const v of VARIANTS) {
      const { createOps } = (await import(entryUrl(v))) as { createOps: () => Ops };
      await seed(v.id, createOps());
    }
    if (stages.has('cold-start')) await coldStart(log);
    if (stages.has('warm-overhead')) await warmOverhead(log);
  } finally {
    await db.stop();
  }
}

if (stages.size > 1 || !stages.has('report')) {
  writeResult('meta', {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    database: database ?? readResult<{ database?: string }>('meta')?.database ?? 'none (bundle size only)',
    versions: versions(),
    seconds: Math.round((Date.now() - started) / 1000),
    stages: [...stages],
    ...(base ? { base: { ref: base.ref, commit: base.commit, short: base.short } } : {}),
  });
}

if (stages.has('report')) {
  writeReport();
  log('wrote docs/performance.md');
}
log('done');
process.exit(0);
