/**
 * Cold start stage: for each variant and each of four bundle kinds (CommonJS or ESM, SDK external or
 * bundled in), at least 10 fresh Node processes each load the bundle and perform the first GetItem
 * against the database (bench/cold-start/child.mjs). Wall time is taken by this process from spawn to
 * the child's answer on stdout; peak RSS is the child's own maxRSS at that moment. Runs go round-robin
 * over the variants, starting at a different variant each round, after one discarded warm-up round
 * (file cache), so machine noise spreads over all of them alike.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { bundleHandler } from '../lib/bundle.mjs';
import { orderIdOf, partitionOf } from '../lib/dynamodb.js';
import { envInt, median, RESULTS_DIR, writeResult } from '../lib/stats.js';
import { VARIANTS } from '../lib/variants.js';

export const MODES = [
  { id: 'cjs-external', format: 'cjs', sdk: 'external', label: 'CommonJS, SDK external' },
  { id: 'cjs-bundled', format: 'cjs', sdk: 'bundled', label: 'CommonJS, SDK bundled' },
  { id: 'esm-external', format: 'esm', sdk: 'external', label: 'ESM, SDK external' },
  { id: 'esm-bundled', format: 'esm', sdk: 'bundled', label: 'ESM, SDK bundled' },
] as const;

export interface ColdSample {
  readonly ms: number;
  readonly maxRssKiB: number;
  /** The child's CPU time (user + system, all threads) up to its answer: less noisy than wall time. */
  readonly cpuMs: number;
  /** Time to require/import the bundle inside the child (module evaluation, the SDK too when external). */
  readonly loadMs: number;
}
export interface ColdRow {
  readonly medianMs: number;
  readonly medianRssMiB: number;
  readonly medianCpuMs: number;
  readonly medianLoadMs: number;
  readonly samples: ColdSample[];
}
export interface ColdResults {
  readonly runs: number;
  /** A bare `node` process answering at once: the floor every variant stands on. */
  readonly node: ColdRow;
  /** mode -> variant -> result. */
  readonly modes: Record<string, Record<string, ColdRow>>;
}

const CHILD = resolve('bench/cold-start/child.mjs');

/** One fresh process: milliseconds from spawn to its answer, and its peak RSS. */
function once(args: string[]): Promise<ColdSample> {
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [CHILD, ...args], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let sample: ColdSample | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!sample && out.includes('\n')) {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        const answer = JSON.parse(out.trim()) as { found: boolean; maxRssKiB: number; cpuMs: number; loadMs: number };
        if (!answer.found) reject(new Error(`cold start of ${args[0]} did not find the seeded item`));
        sample = { ms, maxRssKiB: answer.maxRssKiB, cpuMs: answer.cpuMs, loadMs: answer.loadMs };
      }
    });
    child.stderr.on('data', (chunk: Buffer) => void (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (sample && code === 0 ? resolvePromise(sample) : reject(new Error(`cold start of ${args[0] ?? 'node'} exited ${code}: ${err}`))));
  });
}

const row = (samples: ColdSample[]): ColdRow => ({
  medianMs: median(samples.map((s) => s.ms)),
  medianRssMiB: median(samples.map((s) => s.maxRssKiB)) / 1024,
  medianCpuMs: median(samples.map((s) => s.cpuMs)),
  medianLoadMs: median(samples.map((s) => s.loadMs)),
  samples,
});

export async function coldStart(log: (line: string) => void): Promise<ColdResults> {
  const runs = Math.max(10, envInt('BENCH_COLD_RUNS', 20));
  const dir = `${RESULTS_DIR}/bundles`;
  mkdirSync(dir, { recursive: true });
  const modes: ColdResults['modes'] = {};
  const nodeSamples: ColdSample[] = [];
  for (const mode of MODES) {
    log(`cold start: ${mode.label}, ${runs} runs x ${VARIANTS.length} variants`);
    const files: Record<string, string> = {};
    for (const v of VARIANTS) {
      const outfile = resolve(dir, `${v.id}-${mode.sdk}.${mode.format === 'esm' ? 'mjs' : 'cjs'}`);
      await bundleHandler(v.entry, { sdk: mode.sdk, format: mode.format, outfile, write: true });
      files[v.id] = outfile;
    }
    const samples: Record<string, ColdSample[]> = {};
    for (let round = 0; round <= runs; round++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
      for (const v of order) {
        const key = { customerId: partitionOf(v.id, 'q'), orderId: orderIdOf(0) };
        const sample = await once([files[v.id]!, JSON.stringify(key)]);
        if (round > 0) (samples[v.id] ??= []).push(sample); // round 0 warms the file cache
      }
      if (mode.id === 'cjs-external') nodeSamples.push(await once([]));
    }
    modes[mode.id] = Object.fromEntries(Object.entries(samples).map(([id, s]) => [id, row(s)]));
  }
  const result: ColdResults = { runs, node: row(nodeSamples.slice(1)), modes };
  writeResult('cold-start', result);
  return result;
}
