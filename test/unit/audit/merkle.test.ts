/**
 * The Merkle tree (RFC 9162 2.1): its root against the RFC's recursive definition written out
 * directly, inclusion proofs that verify for every leaf of every size and fail for any other leaf,
 * index or root.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { inclusionProof, leafHash, merkleRoot, verifyInclusion } from '../../../src/audit/merkle.js';

const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** MTH as RFC 9162 2.1.1 states it, on the leaves themselves (no precomputed leaf hashes). */
function reference(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return sha(Uint8Array.of(0), leaves[0] as Uint8Array);
  let k = 1;
  while (k << 1 < leaves.length) k <<= 1;
  return sha(Uint8Array.of(1), reference(leaves.slice(0, k)), reference(leaves.slice(k)));
}

const leaves = fc.array(fc.uint8Array({ maxLength: 12 }), { minLength: 1, maxLength: 40 });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('merkleRoot', () => {
  test('is the RFC 9162 Merkle Tree Hash', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 12 }), { maxLength: 40 }), (ls) => {
        expect(hex(merkleRoot(ls))).toBe(hex(reference(ls)));
      }),
    );
  });

  test('the empty tree is the hash of nothing, and a leaf cannot pass for a node', () => {
    expect(hex(merkleRoot([]))).toBe(createHash('sha256').digest('hex'));
    const [a, b] = [Uint8Array.of(1), Uint8Array.of(2)];
    const node = merkleRoot([a, b]);
    // A single leaf whose bytes are the two children's hashes does not give the parent's root.
    expect(hex(merkleRoot([new Uint8Array([...leafHash(a), ...leafHash(b)])]))).not.toBe(hex(node));
  });

  test('changing, removing or reordering a leaf changes the root', () => {
    fc.assert(
      fc.property(leaves, fc.nat(), (ls, pick) => {
        const i = pick % ls.length;
        const root = hex(merkleRoot(ls));
        const changed = ls.map((l, j) => (j === i ? new Uint8Array([...l, 1]) : l));
        expect(hex(merkleRoot(changed))).not.toBe(root);
        expect(hex(merkleRoot(ls.filter((_, j) => j !== i)))).not.toBe(root);
        const j = (i + 1) % ls.length;
        if (hex(ls[i] as Uint8Array) !== hex(ls[j] as Uint8Array)) {
          const swapped: Uint8Array[] = ls.map((l, k) => (k === i ? (ls[j] as Uint8Array) : k === j ? (ls[i] as Uint8Array) : l));
          expect(hex(merkleRoot(swapped))).not.toBe(root);
        }
      }),
    );
  });
});

describe('inclusion proofs', () => {
  test('verify for every leaf, and for nothing else', () => {
    fc.assert(
      fc.property(leaves, fc.nat(), (ls, pick) => {
        const i = pick % ls.length;
        const root = merkleRoot(ls);
        const proof = inclusionProof(ls, i);
        expect(verifyInclusion(ls[i] as Uint8Array, i, ls.length, proof, root)).toBe(true);
        expect(verifyInclusion(new Uint8Array([...(ls[i] as Uint8Array), 0]), i, ls.length, proof, root)).toBe(false);
        const j = (i + 1) % ls.length;
        if (hex(ls[i] as Uint8Array) !== hex(ls[j] as Uint8Array)) expect(verifyInclusion(ls[i] as Uint8Array, j, ls.length, proof, root)).toBe(false);
        expect(verifyInclusion(ls[i] as Uint8Array, i, ls.length, proof, sha(root))).toBe(false);
      }),
    );
  });

  test('out-of-range indexes', () => {
    expect(() => inclusionProof([Uint8Array.of(1)], 1)).toThrow(RangeError);
    expect(verifyInclusion(Uint8Array.of(1), 1, 1, [], merkleRoot([Uint8Array.of(1)]))).toBe(false);
  });
});
