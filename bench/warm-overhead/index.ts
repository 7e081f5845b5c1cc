/**
 * Warm overhead stage: records real answers, measures ops/s against the real DynamoDB (live.ts), then
 * runs one CPU worker process per variant, in several passes (alternately in reverse order, so drift
 * on a shared machine does not favour whoever runs first). Per operation: CPU µs with replayed answers
 * (median of every round of every pass), ops/s, and DynamORM's own time.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { build } from 'esbuild';
import { median, RESULTS_DIR, writeResult } from '../lib/stats.js';
import { VARIANTS } from '../lib/variants.js';
import { OPERATIONS, type Operation } from './operations.js';
import { plan } from './measure.js';
import { liveOpsPerSec } from './live.js';
import { record } from './record.js';
import type { WorkerResult } from './worker.js';

export interface WarmResults {
  readonly iterations: { warmup: number; perRound: number; rounds: number; warmupBig: number; perRoundBig: number; passes: number; live: number; liveBig: number; liveRounds: number };
  /** variant -> operation -> median CPU µs per operation (replayed answers). */
  readonly cpuUs: Record<string, Record<Operation, number>>;
  /** variant -> operation -> ops/s against the real DynamoDB (one request at a time). */
  readonly opsPerSec: Record<string, Record<Operation, number>>;
  readonly dynamorm: NonNullable<WorkerResult['dynamorm']>;
  /** Answers per operation in the recording (pages, for the 1,000-item read). */
  readonly requestsPerOp: Record<string, Record<Operation, number>>;
  readonly responseBytes: Record<string, Record<Operation, number>>;
}

const WORKER_DIR = `${RESULTS_DIR}/warm-worker`;

/**
 * Handlers the worker cannot import by name, because their entry lies outside this repository's
 * bench/ (DynamORM at BENCH_BASE_REF, from its worktree): compiled as entries of their own in the
 * worker's build, and handed to the worker as this file.
 */
const apart = (id: string): string | undefined => (VARIANTS.some((v) => v.id === id && isAbsolute(v.entry)) ? `${WORKER_DIR}/handler-${id}.mjs` : undefined);

/**
 * Compiles the worker with esbuild (ESM, code splitting, node_modules left as they are). Running it
 * under tsx instead would time DynamORM's source with tsx's `keepNames` wrappers around every
 * function, which the peers, loaded from their published JavaScript, do not carry; users run
 * DynamORM compiled (tsc or their bundler), as measured here.
 */
async function buildWorker(): Promise<string> {
  rmSync(WORKER_DIR, { recursive: true, force: true });
  const handlers = VARIANTS.filter((v) => apart(v.id)).map((v) => [`handler-${v.id}`, v.entry]);
  await build({
    entryPoints: { worker: 'bench/warm-overhead/worker.ts', ...Object.fromEntries(handlers) },
    outdir: WORKER_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return `${WORKER_DIR}/worker.mjs`;
}

function runWorker(worker: string, id: string): WorkerResult {
  const handler = apart(id);
  const out = execFileSync(process.execPath, [worker, id, ...(handler ? [handler] : [])], {
    env: process.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').at(-1) as string) as WorkerResult;
}

export async function warmOverhead(log: (line: string) => void): Promise<WarmResults> {
  log('warm overhead: recording DynamoDB answers');
  const recordings = await record();
  const opsPerSec = await liveOpsPerSec(log);
  const ids = VARIANTS.map((v) => v.id);
  const passes = Array.from({ length: plan.passes }, (_, i) => (i % 2 ? [...ids].reverse() : ids));
  const runsByVariant: Record<string, WorkerResult[]> = {};
  const worker = await buildWorker();
  for (const [i, order] of passes.entries()) {
    for (const id of order) {
      log(`warm overhead: pass ${i + 1}/${passes.length}, ${id}`);
      (runsByVariant[id] ??= []).push(runWorker(worker, id));
    }
  }
  const cpuUs: WarmResults['cpuUs'] = {};
  for (const [id, runs] of Object.entries(runsByVariant)) {
    cpuUs[id] = Object.fromEntries(OPERATIONS.map((op) => [op, median(runs.flatMap((r) => r.replay[op].rounds))])) as Record<Operation, number>;
  }
  const dynamormRuns = (runsByVariant.dynamorm ?? []).map((r) => r.dynamorm).filter((d) => d !== undefined);
  const first = dynamormRuns[0];
  if (!first) throw new Error('no DynamORM-alone measurements');
  const dynamorm = {
    build: Object.fromEntries(Object.keys(first.build).map((k) => [k, median(dynamormRuns.map((d) => d.build[k] as number))])),
    ownCpuUs: Object.fromEntries(OPERATIONS.map((op) => [op, median(dynamormRuns.map((d) => d.ownCpuUs[op]))])) as Record<Operation, number>,
  };
  const requestsPerOp: WarmResults['requestsPerOp'] = {};
  const responseBytes: WarmResults['responseBytes'] = {};
  for (const [id, byOp] of Object.entries(recordings)) {
    requestsPerOp[id] = Object.fromEntries(OPERATIONS.map((op) => [op, byOp[op].length])) as Record<Operation, number>;
    responseBytes[id] = Object.fromEntries(OPERATIONS.map((op) => [op, byOp[op].reduce((n, r) => n + Buffer.byteLength(r.body), 0)])) as Record<Operation, number>;
  }
  const summary: WarmResults = {
    iterations: {
      warmup: plan.warmup('get'),
      perRound: plan.perRound('get'),
      rounds: plan.rounds,
      warmupBig: plan.warmup('readAll'),
      perRoundBig: plan.perRound('readAll'),
      passes: passes.length,
      live: plan.live('get'),
      liveBig: plan.live('readAll'),
      liveRounds: plan.liveRounds,
    },
    cpuUs,
    opsPerSec,
    dynamorm,
    requestsPerOp,
    responseBytes,
  };
  writeResult('warm-overhead', summary);
  writeResult('warm-overhead-runs', runsByVariant); // every worker's rounds, to judge the noise
  return summary;
}
