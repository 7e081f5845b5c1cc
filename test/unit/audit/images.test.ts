/**
 * Images of tracked fields: only tracked fields are read, encrypted ones are compared but never
 * copied, and an update's image after is the image before with each action applied exactly as
 * DynamoDB applies it (or refused when that cannot be known).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { add, append, attr, ifNotExists, model, prepend, remove, removeFromSet } from '../../../src/index.js';
import { AuditUnsupportedUpdateError } from '../../../src/audit/index.js';
import { applyPatch, changedRedacted, checkPatch, imageOf, sameValue, type TrackedFields } from '../../../src/audit/images.js';

const Account = model('Account', {
  table: 'accounts',
  attributes: {
    id: attr.string().partitionKey(),
    balance: attr.cents(),
    big: attr.bigint().optional(),
    ratio: attr.number().optional(),
    tags: attr.stringSet().optional(),
    log: attr.list(attr.string()).optional(),
    secret: attr.string().optional(),
    other: attr.string().optional(),
  },
});
const meta = Account.compiled;
const field = (name: string) => meta.byName.get(name)!;
const tracked: TrackedFields = { meta, values: ['balance', 'big', 'ratio', 'tags', 'log'].map(field), redacted: [field('secret')] };

describe('imageOf', () => {
  test('holds the tracked fields only, as stored', () => {
    const image = imageOf(tracked, { id: 'a', balance: 12, secret: 's3cret', other: 'x', tags: new Set(['b', 'a']) });
    expect(image).toEqual({ balance: { N: '12' }, tags: { SS: expect.arrayContaining(['a', 'b']) } });
    expect(JSON.stringify(image)).not.toContain('s3cret');
  });
});

describe('applyPatch', () => {
  test('exact results for every supported action', () => {
    const before = { balance: 10, big: 5n, tags: new Set(['a', 'b']), log: ['x'] };
    expect(applyPatch(tracked, before, { balance: add(5), big: add(7n), tags: add(new Set(['c'])), log: append(['y']) })).toMatchObject({
      balance: 15,
      big: 12n,
      tags: new Set(['a', 'b', 'c']),
      log: ['x', 'y'],
    });
    expect(applyPatch(tracked, before, { tags: removeFromSet(new Set(['a'])), log: prepend(['w']), big: remove() })).toMatchObject({ tags: new Set(['b']), log: ['w', 'x'] });
    expect(applyPatch(tracked, before, { big: remove() }).big).toBeUndefined();
    expect(applyPatch(tracked, before, { balance: ifNotExists(99), ratio: ifNotExists(0.5) })).toMatchObject({ balance: 10, ratio: 0.5 });
    expect(applyPatch(tracked, undefined, { balance: add(3) }).balance).toBe(3);
  });

  test('adding integers matches arithmetic for all inputs', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: -1e9, max: 1e9 }), (a, b) => {
        expect(applyPatch(tracked, { balance: a }, { balance: add(b) }).balance).toBe(a + b);
      }),
    );
  });

  test('actions whose result cannot be known exactly are refused', () => {
    expect(() => checkPatch(tracked, { ratio: add(0.1) })).toThrow(AuditUnsupportedUpdateError);
    expect(() => checkPatch(tracked, { balance: add(1), log: append(['z']) })).not.toThrow();
    expect(() => checkPatch(tracked, { other: add(1 as never) })).not.toThrow(); // not tracked: not the audit's business
  });
});

describe('fields recorded as changed', () => {
  test('only when the value differs', () => {
    expect(changedRedacted(tracked, { secret: 'a' }, { secret: 'a' })).toEqual([]);
    expect(changedRedacted(tracked, { secret: 'a' }, { secret: 'b' })).toEqual(['secret']);
    expect(changedRedacted(tracked, undefined, { secret: 'a' })).toEqual(['secret']);
    expect(changedRedacted(tracked, { secret: 'a' }, undefined)).toEqual(['secret']);
  });

  test('sameValue compares values, not references', () => {
    expect(sameValue(new Date(5), new Date(5))).toBe(true);
    expect(sameValue(new Set([1, 2]), new Set([2, 1]))).toBe(true);
    expect(sameValue({ a: [1, { b: Uint8Array.of(1) }] }, { a: [1, { b: Uint8Array.of(1) }] })).toBe(true);
    expect(sameValue({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameValue([1], [1, 2])).toBe(false);
    expect(sameValue(Uint8Array.of(1), Uint8Array.of(2))).toBe(false);
  });
});
