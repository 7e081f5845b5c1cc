/**
 * Operations per second against the real DynamoDB, one request at a time. Unlike the CPU
 * measurements this runs every variant in one process, interleaved in short rounds (rotating who
 * goes first), because the time is mostly DynamoDB Local's, whose speed drifts as its JIT warms up
 * and as other work on the machine comes and goes: interleaving spreads that drift over all variants.
 */
import type { Ops } from '../handlers/shared.js';
import { median } from '../lib/stats.js';
import { entryUrl, VARIANTS } from '../lib/variants.js';
import { plan } from './measure.js';
import { calls, check, OPERATIONS, type Operation } from './operations.js';

export type LiveResults = Record<string, Record<Operation, number>>;

export async function liveOpsPerSec(log: (line: string) => void): Promise<LiveResults> {
  log(`ops/s against the database: ${plan.liveRounds} interleaved rounds`);
  const nonce = Date.now().toString(36);
  const runs: Record<string, ReturnType<typeof calls>> = {};
  for (const v of VARIANTS) {
    const { createOps } = (await import(entryUrl(v))) as { createOps: () => Ops };
    let n = 0;
    runs[v.id] = calls(v.id, createOps(), () => `live-${nonce}-${n++}`);
  }
  const samples: Record<string, Record<string, number[]>> = {};
  for (let round = -1; round < plan.liveRounds; round++) {
    for (const op of OPERATIONS) {
      for (let i = 0; i < VARIANTS.length; i++) {
        const v = VARIANTS[(i + Math.max(round, 0)) % VARIANTS.length]!;
        const run = runs[v.id]![op];
        const n = plan.live(op);
        if (round < 0) {
          check(op, v.id, await run()); // round -1: warm-up (connections, JIT on both sides), not counted
          for (let k = 1; k < n; k++) await run();
          continue;
        }
        const start = performance.now();
        for (let k = 0; k < n; k++) await run();
        ((samples[v.id] ??= {})[op] ??= []).push(n / ((performance.now() - start) / 1000));
      }
    }
  }
  return Object.fromEntries(
    Object.entries(samples).map(([id, byOp]) => [id, Object.fromEntries(OPERATIONS.map((op) => [op, median(byOp[op] ?? [])]))]),
  ) as LiveResults;
}
