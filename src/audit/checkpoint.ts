/**
 * Signed checkpoints over every chain of an audit log. A checkpoint lists each chain's head (chain,
 * last sequence number, last hash), sorted by chain, as the leaves of a Merkle tree built as in
 * RFC 9162, and signs its root. Keep checkpoints away from the audit table (an object store with
 * retention, another account): verifying one later re-reads each listed chain, so a chain deleted,
 * cut short, or rewritten (even consistently, head included) since then is found, which a hash chain
 * alone cannot show. An inclusion proof shows one chain's head was in a checkpoint without the others.
 */
import type { Executor } from '../client/executor.js';
import type { AuditLog } from './extension.js';
import { inclusionProof, merkleRoot, verifyInclusion } from './merkle.js';
import { queryItems } from './read.js';
import type { AuditSigner } from './signer.js';
import { HEAD_SHARDS, HEADS } from './table.js';
import { readChain, type AuditChainReport } from './verify.js';

/** One chain's head as checkpointed. */
export interface CheckpointLeaf {
  readonly chain: string;
  readonly seq: number;
  readonly hash: string;
}

/** A signed checkpoint (plain data: store it as JSON). */
export interface AuditCheckpoint {
  readonly format: 'dynamorm-audit-checkpoint/1';
  /** The audit table's name, without the table prefix. */
  readonly table: string;
  /** When it was taken (ISO 8601). */
  readonly at: string;
  /** Number of chains (leaves). */
  readonly size: number;
  /** The Merkle root, hex. */
  readonly root: string;
  readonly keyId: string;
  readonly algorithm: string;
  /** The signature of `signedBytes(checkpoint)`, base64. */
  readonly signature: string;
  /** The leaves, sorted by chain. */
  readonly leaves: readonly CheckpointLeaf[];
}

const FORMAT = 'dynamorm-audit-checkpoint/1';
const encoder = new TextEncoder();

/** The bytes of a leaf. */
export function leafBytes(leaf: CheckpointLeaf): Uint8Array {
  return encoder.encode(JSON.stringify([leaf.chain, leaf.seq, leaf.hash]));
}

/** The bytes a checkpoint's signature covers: format, table, time, size and root. */
export function signedBytes(checkpoint: Pick<AuditCheckpoint, 'table' | 'at' | 'size' | 'root'>): Uint8Array {
  return encoder.encode(JSON.stringify([FORMAT, checkpoint.table, checkpoint.at, checkpoint.size, checkpoint.root]));
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * Takes a checkpoint: reads every chain head (from the heads index, eventually consistent, so a head
 * may lag by a moment: it is still a true earlier state of its chain) and signs the Merkle root.
 */
export async function createAuditCheckpoint(db: Executor, log: AuditLog, signer: AuditSigner, options: { readonly now?: Date } = {}): Promise<AuditCheckpoint> {
  const leaves: CheckpointLeaf[] = [];
  for (let shard = 0; shard < HEAD_SHARDS; shard++) {
    const input = {
      IndexName: HEADS,
      KeyConditionExpression: '#s = :s',
      ExpressionAttributeNames: { '#s': 'hshard' },
      ExpressionAttributeValues: { ':s': { S: `h${shard}` } },
    };
    for await (const item of queryItems(db, log, input)) {
      leaves.push({ chain: item.chain?.S ?? '', seq: Number(item.head?.N), hash: item.hash?.S ?? '' });
    }
  }
  leaves.sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
  const body = { table: log.table.compiled.table, at: (options.now ?? db.config.clock()).toISOString(), size: leaves.length, root: hex(merkleRoot(leaves.map(leafBytes))) };
  const signature = await signer.sign(signedBytes(body));
  return Object.assign({ format: FORMAT } as const, body, {
    keyId: signer.keyId,
    algorithm: signer.algorithm,
    signature: Buffer.from(signature).toString('base64'),
    leaves,
  });
}

/** What can be wrong with a checkpointed chain now. */
export type CheckpointProblemKind =
  /** The chain has no head and no records any more. */
  | 'chain-missing'
  /** The chain ends before the checkpointed record. */
  | 'chain-truncated'
  /** The checkpointed record's hash changed: the chain was rewritten. */
  | 'chain-rewritten'
  /** The chain itself does not verify (see `report`). */
  | 'chain-broken';

/** A problem with one checkpointed chain. */
export interface CheckpointProblem {
  readonly chain: string;
  readonly kind: CheckpointProblemKind;
  readonly report?: AuditChainReport;
}

/** The result of verifying a checkpoint against the table. */
export interface CheckpointReport {
  readonly ok: boolean;
  /** The signature matches the checkpoint's table, time, size and root. */
  readonly signatureValid: boolean;
  /** The listed leaves give the signed root. */
  readonly rootValid: boolean;
  /** Chains checked. */
  readonly chains: number;
  readonly problems: readonly CheckpointProblem[];
}

/**
 * Verifies a checkpoint: its signature, its leaves against its root, and then every chain it lists
 * against the table (still there, at least as long, the checkpointed record unchanged, and the
 * chain verifying). Chains created after the checkpoint are not its concern.
 */
export async function verifyAuditCheckpoint(db: Executor, log: AuditLog, checkpoint: AuditCheckpoint, verifier: AuditSigner): Promise<CheckpointReport> {
  const signatureValid =
    checkpoint.format === FORMAT && checkpoint.keyId === verifier.keyId && (await verifier.verify(signedBytes(checkpoint), Buffer.from(checkpoint.signature, 'base64')));
  const rootValid = checkpoint.leaves.length === checkpoint.size && hex(merkleRoot(checkpoint.leaves.map(leafBytes))) === checkpoint.root;
  const problems: CheckpointProblem[] = [];
  if (signatureValid && rootValid) {
    for (const leaf of checkpoint.leaves) {
      const { report, hashes } = await readChain(db, log, leaf.chain);
      if (report.records === 0 && !report.head) problems.push({ chain: leaf.chain, kind: 'chain-missing' });
      else if (report.last.seq < leaf.seq) problems.push({ chain: leaf.chain, kind: 'chain-truncated', report });
      else if (hashes.get(leaf.seq) !== leaf.hash) problems.push({ chain: leaf.chain, kind: 'chain-rewritten', report });
      else if (!report.ok) problems.push({ chain: leaf.chain, kind: 'chain-broken', report });
    }
  }
  return { ok: signatureValid && rootValid && problems.length === 0, signatureValid, rootValid, chains: checkpoint.leaves.length, problems };
}

/** The inclusion proof of one chain's head in a checkpoint (hex hashes), or `undefined` if not listed. */
export function checkpointProof(checkpoint: AuditCheckpoint, chain: string): { readonly leaf: CheckpointLeaf; readonly index: number; readonly proof: readonly string[] } | undefined {
  const index = checkpoint.leaves.findIndex((l) => l.chain === chain);
  if (index < 0) return undefined;
  const proof = inclusionProof(checkpoint.leaves.map(leafBytes), index).map(hex);
  return { leaf: checkpoint.leaves[index] as CheckpointLeaf, index, proof };
}

/** Whether `proof` shows `leaf` in the tree of a checkpoint's `size` and `root` (check the signature too). */
export function verifyCheckpointProof(checkpoint: Pick<AuditCheckpoint, 'size' | 'root'>, leaf: CheckpointLeaf, index: number, proof: readonly string[]): boolean {
  return verifyInclusion(
    leafBytes(leaf),
    index,
    checkpoint.size,
    proof.map((p) => new Uint8Array(Buffer.from(p, 'hex'))),
    new Uint8Array(Buffer.from(checkpoint.root, 'hex')),
  );
}
