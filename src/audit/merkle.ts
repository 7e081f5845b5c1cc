/**
 * Merkle trees in the manner of RFC 9162 (Certificate Transparency 2.0), section 2.1: the hash of a
 * leaf is SHA-256(0x00 || leaf), of a node SHA-256(0x01 || left || right), and a list of n > 1 leaves
 * splits at the largest power of two below n. The different prefixes keep a leaf from passing for a
 * node. Pure: no I/O.
 */
import { createHash } from 'node:crypto';

function hash(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

/** The hash of one leaf. */
export function leafHash(leaf: Uint8Array): Uint8Array {
  return hash(LEAF, leaf);
}

/** The largest power of two below n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function treeHash(hashes: readonly Uint8Array[], from: number, to: number): Uint8Array {
  const n = to - from;
  if (n === 1) return hashes[from] as Uint8Array;
  const k = split(n);
  return hash(NODE, treeHash(hashes, from, from + k), treeHash(hashes, from + k, to));
}

/** The Merkle Tree Hash of `leaves` (SHA-256 of nothing for no leaves). */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return hash();
  return treeHash(leaves.map(leafHash), 0, leaves.length);
}

/** The audit path of leaf `index`: the hashes that, with the leaf, give the root (RFC 9162 2.1.3.1). */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new RangeError('leaf index out of range');
  const hashes = leaves.map(leafHash);
  const path: Uint8Array[] = [];
  const walk = (m: number, from: number, to: number): void => {
    const n = to - from;
    if (n === 1) return;
    const k = split(n);
    if (m < k) {
      walk(m, from, from + k);
      path.push(treeHash(hashes, from + k, to));
    } else {
      walk(m - k, from + k, to);
      path.push(treeHash(hashes, from, from + k));
    }
  };
  walk(index, 0, leaves.length);
  return path;
}

/** Whether `proof` shows `leaf` at `index` in a tree of `size` leaves with root `root` (RFC 9162 2.1.3.2). */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash(leaf);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = hash(NODE, p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else r = hash(NODE, r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.from(r).equals(Buffer.from(root));
}
