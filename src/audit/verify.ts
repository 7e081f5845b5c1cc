/**
 * Verifying one item's chain: reads the chain's partition (head and records, strongly consistent)
 * and checks that the records are numbered 1..n without gaps, that each one's hash is the hash of
 * what it stores, that each one's `prev` is the hash of the one before, and that the head points at
 * the last record (records removed from the end, or added after it, show). It also checks that each
 * record's image before agrees with the image after of the one before: a change made around the
 * audit trail (another client, the console) shows as `unaudited-change`.
 *
 * A hash chain alone cannot stop someone who rewrites a whole chain and its head consistently, or
 * deletes it: signed checkpoints (checkpoint.ts) catch those.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Executor } from '../client/executor.js';
import { encodeKey } from '../model/item-codec.js';
import type { AnyModel } from '../model/model.js';
import type { KeyInput } from '../model/types.js';
import { canonicalItem } from './canonical.js';
import type { AuditLog } from './extension.js';
import { logOf, queryItems } from './read.js';
import { chainId, GENESIS, recordHash } from './record.js';

type AttributeMap = Record<string, AttributeValue>;

/** What can be wrong with a chain. */
export type AuditProblemKind =
  /** Records are missing between two others (`seq` is the first missing one, `to` the last). */
  | 'missing'
  /** A record's content does not match its hash (an edited, added or removed attribute). */
  | 'edited'
  /** A record's `prev` is not the hash of the record before (a record inserted, replaced or moved). */
  | 'broken-link'
  /** A record's sequence number is not a positive integer. */
  | 'bad-sequence'
  /** A record names another chain (copied from another item's trail). */
  | 'foreign'
  /** The head points past the last record: records were removed from the end. */
  | 'truncated'
  /** Records exist past the head (added after the last audited write). */
  | 'beyond-head'
  /** The head's hash is not the last record's. */
  | 'head-mismatch'
  /** Records exist but the head does not. */
  | 'missing-head'
  /** A record's image before differs from the image after of the record before it. */
  | 'unaudited-change';

/** One problem found, at a record (`seq`) of the chain. */
export interface AuditProblem {
  readonly kind: AuditProblemKind;
  readonly seq: number;
  /** For `missing`: the last missing sequence number. */
  readonly to?: number;
  /** Fields concerned (`unaudited-change`). */
  readonly fields?: readonly string[];
}

/** The result of verifying one chain. */
export interface AuditChainReport {
  /** No problem found. */
  readonly ok: boolean;
  readonly chain: string;
  /** Records read. */
  readonly records: number;
  /** The last record's sequence number and hash (0 and GENESIS when none). */
  readonly last: { readonly seq: number; readonly hash: string };
  /** What the head says, if there is one. */
  readonly head: { readonly seq: number; readonly hash: string } | undefined;
  readonly problems: readonly AuditProblem[];
}

/** @internal A chain as read, for checkpoints: the report and the stored hash of each record. */
export interface ReadChain {
  readonly report: AuditChainReport;
  readonly hashes: ReadonlyMap<number, string>;
}

/** Fields whose values differ between two images (only fields both carry). */
function differing(before: AttributeMap | undefined, previousAfter: AttributeMap | undefined): string[] {
  if (!before || !previousAfter) return [];
  return Object.keys(before).filter((k) => previousAfter[k] !== undefined && canonicalItem({ v: before[k] as AttributeValue }) !== canonicalItem({ v: previousAfter[k] as AttributeValue }));
}

/** @internal Reads and checks the chain `chain` of `log`. */
export async function readChain(db: Executor, log: AuditLog, chain: string): Promise<ReadChain> {
  const problems: AuditProblem[] = [];
  const hashes = new Map<number, string>();
  let head: { seq: number; hash: string } | undefined;
  let expected = 1;
  let prevHash = GENESIS;
  let prevAfter: AttributeMap | undefined;
  let count = 0;
  const input = { KeyConditionExpression: '#c = :c', ExpressionAttributeNames: { '#c': 'chain' }, ExpressionAttributeValues: { ':c': { S: chain } }, ConsistentRead: true };
  for await (const item of queryItems(db, log, input)) {
    const seq = Number(item.seq?.N);
    if (seq === 0) {
      head = { seq: Number(item.head?.N), hash: item.hash?.S ?? '' };
      continue;
    }
    count++;
    if (!Number.isSafeInteger(seq) || seq < 1) {
      problems.push({ kind: 'bad-sequence', seq });
      continue;
    }
    const gap = seq > expected;
    if (gap) problems.push({ kind: 'missing', seq: expected, to: seq - 1 });
    const hash = item.hash?.S ?? '';
    if (recordHash(item) !== hash) problems.push({ kind: 'edited', seq });
    if (item.chain?.S !== chain) problems.push({ kind: 'foreign', seq });
    // After a gap the link is broken by the gap itself: reported once, as `missing`.
    if (!gap && item.prev?.S !== prevHash) problems.push({ kind: 'broken-link', seq });
    const fields = gap ? [] : differing(item.before?.M, prevAfter);
    if (fields.length > 0) problems.push({ kind: 'unaudited-change', seq, fields });
    hashes.set(seq, hash);
    prevHash = hash;
    prevAfter = item.after?.M;
    expected = seq + 1;
  }
  const last = { seq: expected - 1, hash: prevHash };
  if (!head) {
    if (count > 0) problems.push({ kind: 'missing-head', seq: last.seq });
  } else if (head.seq > last.seq) problems.push({ kind: 'truncated', seq: last.seq + 1, to: head.seq });
  else if (head.seq < last.seq) problems.push({ kind: 'beyond-head', seq: head.seq + 1, to: last.seq });
  else if (head.hash !== last.hash) problems.push({ kind: 'head-mismatch', seq: last.seq });
  return { report: { ok: problems.length === 0, chain, records: count, last, head, problems }, hashes };
}

/**
 * Verifies the audit chain of one item: every record present, unedited, linked to the one before,
 * and the head pointing at the last. Reads strongly consistent; sends no write.
 *
 * ```ts
 * const report = await verifyAuditChain(db, Payment, { id: 'p1' });
 * if (!report.ok) console.error(report.problems);
 * ```
 */
export async function verifyAuditChain<M extends AnyModel>(db: Executor, model: M, key: KeyInput<M>): Promise<AuditChainReport> {
  const log = logOf(db, model);
  const { key: stored } = encodeKey(model.compiled, key as Record<string, unknown>, `verifyAuditChain ${model.name}`);
  return (await readChain(db, log, chainId(model.name, stored))).report;
}
