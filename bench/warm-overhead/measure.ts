/** Timing loops shared by the warm worker and the DynamORM-alone measurements. */
import { envInt, median } from '../lib/stats.js';
import type { Operation } from './operations.js';

export interface CpuResult {
  /** Median over rounds of CPU µs (user + system) per operation. */
  readonly cpuUs: number;
  readonly rounds: number[];
  readonly iterations: number;
}
const big = (op: Operation) => op === 'readAll';
/** Iterations: thousands for single-item operations, fewer for the 1,000-item read (one is ~100x the work). */
export const plan = {
  warmup: (op: Operation) => (big(op) ? envInt('BENCH_WARMUP_BIG', 30) : envInt('BENCH_WARMUP', 4000)),
  perRound: (op: Operation) => (big(op) ? envInt('BENCH_ITER_BIG', 40) : envInt('BENCH_ITER', 600)),
  rounds: envInt('BENCH_ROUNDS', 5),
  /** Worker processes per variant, alternating forward and reverse order. */
  passes: envInt('BENCH_PASSES', 3),
  /** Against the real DynamoDB: calls per variant, operation and round, and rounds. */
  live: (op: Operation) => (big(op) ? envInt('BENCH_LIVE_BIG', 4) : envInt('BENCH_LIVE', 60)),
  liveRounds: envInt('BENCH_LIVE_ROUNDS', 5),
};

/** CPU µs per call of `fn` over `n` sequential calls. */
export async function cpuPerCall(fn: () => Promise<unknown>, n: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

export async function measure(fn: () => Promise<unknown>, op: Operation): Promise<CpuResult> {
  for (let i = 0; i < plan.warmup(op); i++) await fn();
  const rounds: number[] = [];
  for (let r = 0; r < plan.rounds; r++) rounds.push(await cpuPerCall(fn, plan.perRound(op)));
  return { cpuUs: median(rounds), rounds, iterations: plan.rounds * plan.perRound(op) };
}

