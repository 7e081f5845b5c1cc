/**
 * One variant's CPU measurements with replayed answers, in a process of its own (so no library
 * shares JIT state with another). For DynamORM also the time spent in DynamORM alone (request
 * building, and whole operations with the SDK cut out). Prints one JSON line. Run by
 * bench/warm-overhead/index.ts, compiled by esbuild first (see there): each handler is a chunk of
 * its own, loaded only by its variant's worker. A handler from outside this repository's bench/ (the
 * BENCH_BASE_REF worktree's) is compiled beside the worker and its file passed as a second argument.
 */
import { pathToFileURL } from 'node:url';
import type { Ops } from '../handlers/shared.js';
import { Replayer } from '../lib/replay.js';
import { readResult } from '../lib/stats.js';
import { variant } from '../lib/variants.js';

/** The handler modules, one dynamic import each, so a worker loads only its variant's library. */
const HANDLERS: Record<string, () => Promise<{ createOps: (h?: Replayer) => Ops }>> = {
  raw: () => import('../handlers/raw-sdk.js'),
  dynamorm: () => import('../handlers/dynamorm.js'),
  onetable: () => import('../handlers/onetable.js'),
  electrodb: () => import('../handlers/electrodb.js'),
  toolbox: () => import('../handlers/toolbox.js'),
};
import { calls, check, OPERATIONS, type Operation } from './operations.js';
import { measure, type CpuResult } from './measure.js';
import type { Recordings } from './record.js';

export type { CpuResult };

export interface WorkerResult {
  readonly variant: string;
  readonly replay: Record<Operation, CpuResult>;
  readonly dynamorm?: { build: Record<string, number>; ownCpuUs: Record<Operation, number> };
}

async function main(): Promise<void> {
  const v = variant(process.argv[2] ?? '');
  const recordings = readResult<Recordings>('recordings')?.[v.id];
  if (!recordings) throw new Error('no recordings: run the warm-overhead stage, which records first');
  const file = process.argv[3];
  const load = file ? () => import(pathToFileURL(file).href) as Promise<{ createOps: (h?: Replayer) => Ops }> : HANDLERS[v.id];
  if (!load) throw new Error(`no handler module for ${v.id}`);
  const mod = await load();

  // 1. CPU per operation, answers replayed from memory.
  const replayer = new Replayer();
  const replayed = calls(v.id, mod.createOps(replayer));
  const replay = {} as Record<Operation, CpuResult>;
  for (const op of OPERATIONS) {
    replayer.play(recordings[op]);
    check(op, v.id, await replayed[op]());
    replay[op] = await measure(replayed[op], op);
  }

  // 2. DynamORM alone (request building; operations with the SDK replaced by a stub).
  const dynamorm = v.id === 'dynamorm' ? await (await import('./dynamorm-alone.js')).measureDynamORMAlone(replayer, recordings) : undefined;

  const result: WorkerResult = { variant: v.id, replay, ...(dynamorm ? { dynamorm } : {}) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0); // nothing to wait for
}

await main();
