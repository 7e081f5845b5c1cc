/**
 * Canonical JSON and payload hashes: the same payload hashes the same whatever its key order, payloads
 * that differ as JSON hash differently, the text is JSON that parses back to the value, and values
 * that JSON would silently turn into something else are refused.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { canonicalJson, hashOf } from '../../../src/idempotency/index.js';
import { select } from '../../../src/idempotency/hash.js';
import { ValidationError } from '../../../src/index.js';

/** Rebuilds a value with every object's keys in a shuffled order (seeded by `seed`). */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => reorder(v, seed + i));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    const shuffled = entries.map((e, i) => ({ e, k: Math.sin(seed * 7919 + i * 104729) })).sort((a, b) => a.k - b.k);
    return Object.fromEntries(shuffled.map(({ e: [k, v] }) => [k, reorder(v, seed + 1)]));
  }
  return value;
}

const json = fc.jsonValue();

describe('canonical JSON', () => {
  test('key order does not change the text or the hash', () => {
    fc.assert(
      fc.property(json, fc.integer(), (value, seed) => {
        const other = reorder(value, seed);
        expect(canonicalJson(other)).toBe(canonicalJson(value));
        expect(hashOf(other)).toBe(hashOf(value));
      }),
    );
  });

  test('the text is JSON and parses back to an equal value (so distinct values have distinct texts)', () => {
    fc.assert(
      fc.property(json, (value) => {
        const text = canonicalJson(value) as string;
        // JSON has no -0: it reads back as 0, as JSON.stringify writes it.
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  test('distinct payloads hash differently', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const same = canonicalJson(a) === canonicalJson(b);
        expect(hashOf(a) === hashOf(b)).toBe(same);
        // Texts are equal only for values JSON cannot tell apart.
        if (same) expect(JSON.parse(JSON.stringify(a))).toEqual(JSON.parse(JSON.stringify(b)));
      }),
    );
  });

  test('one changed leaf anywhere changes the hash', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.integer()), fc.string(), fc.integer(), (object, key, value) => {
        fc.pre(object[key] !== value);
        expect(hashOf({ ...object, [key]: value })).not.toBe(hashOf(object));
      }),
    );
  });

  test('known texts: sorted keys by UTF-16 code units, no whitespace, ECMAScript numbers, bigints apart', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], é: 1e21, '\u{1F600}': 0.1, z: undefined })).toBe('{"a":[true,null,"x"],"b":1,"é":1e+21,"😀":0.1}');
    expect(canonicalJson(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"');
    expect(canonicalJson([undefined])).toBe('[null]');
    expect(canonicalJson(12n)).toBe('12n');
    expect(hashOf(12n)).not.toBe(hashOf(12));
    expect(hashOf(12n)).not.toBe(hashOf('12'));
    expect(hashOf({})).toMatch(/^[0-9a-f]{64}$/);
  });

  test('values JSON would change silently are refused with a ValidationError naming the path, not the value', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const bad of [{ n: Number.NaN }, { n: Infinity }, { f: () => 1 }, { s: Symbol('s') }, { m: new Map() }, cycle]) {
      expect(() => canonicalJson(bad)).toThrow(ValidationError);
    }
    const error = (() => {
      try {
        canonicalJson({ card: { pan: Number.POSITIVE_INFINITY } });
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(error?.path).toEqual(['card', 'pan']);
    // A shared (not cyclic) object is fine.
    const shared = { a: 1 };
    expect(canonicalJson({ x: shared, y: shared })).toBe('{"x":{"a":1},"y":{"a":1}}');
  });
});

describe('select', () => {
  test('dotted paths, own properties only, through JSON strings', () => {
    const event = { headers: { 'idempotency-key': 'k' }, body: JSON.stringify({ order: { ref: 'r1' } }), list: [{ id: 'a' }] };
    expect(select(event, 'headers.idempotency-key')).toBe('k');
    expect(select(event, 'body.order.ref')).toBe('r1');
    expect(select(event, 'list.0.id')).toBe('a');
    expect(select(event, 'missing.x')).toBeUndefined();
    expect(select(event, 'headers.constructor')).toBeUndefined();
    expect(select(event, (e) => e.list.length)).toBe(1);
  });
});
