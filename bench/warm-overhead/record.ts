/**
 * Records, once per run, the real DynamoDB answers each variant gets for each operation, for the
 * replayed (network-free) CPU measurements. Stored in bench/results/recordings.json.
 */
import type { Ops } from '../handlers/shared.js';
import { Recorder, type Recorded } from '../lib/replay.js';
import { writeResult } from '../lib/stats.js';
import { entryUrl, VARIANTS } from '../lib/variants.js';
import { calls, check, OPERATIONS, type Operation } from './operations.js';

export type Recordings = Record<string, Record<Operation, Recorded[]>>;

export async function record(): Promise<Recordings> {
  const out: Recordings = {};
  const nonce = Date.now().toString(36);
  for (const v of VARIANTS) {
    const { createOps } = (await import(entryUrl(v))) as { createOps: (h: Recorder) => Ops };
    const recorder = new Recorder();
    const run = calls(v.id, createOps(recorder), () => `rec-${nonce}`);
    const byOp = {} as Record<Operation, Recorded[]>;
    for (const op of OPERATIONS) {
      recorder.log = [];
      check(op, v.id, await run[op]());
      if (recorder.log.some((r) => r.statusCode !== 200)) throw new Error(`${v.id}.${op}: DynamoDB answered ${recorder.log.map((r) => r.statusCode)}`);
      byOp[op] = recorder.log;
    }
    recorder.destroy();
    out[v.id] = byOp;
  }
  writeResult('recordings', out);
  return out;
}
