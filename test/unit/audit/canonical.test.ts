/**
 * Canonical serialization: one text per value, whatever form DynamoDB returns it in (numbers
 * normalised, sets in any order, map keys in any order), and different values never share a text.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { canonicalItem, canonicalNumber } from '../../../src/audit/canonical.js';

/** Spellings of one decimal number: leading zeros, trailing zeros, exponent forms. */
const spelled = fc.record({ int: fc.bigInt({ min: 0n, max: 10n ** 20n }), scale: fc.integer({ min: 0, max: 12 }), neg: fc.boolean(), pad: fc.integer({ min: 0, max: 3 }), shift: fc.integer({ min: -5, max: 5 }) });

function plain(int: bigint, scale: number, neg: boolean): string {
  const digits = int.toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return `${neg && int !== 0n ? '-' : ''}${text}`;
}

describe('canonicalNumber', () => {
  test('every spelling of a number has the same canonical text', () => {
    fc.assert(
      fc.property(spelled, ({ int, scale, neg, pad, shift }) => {
        const base = plain(int, scale, neg);
        const padded = `${neg && int !== 0n ? '-' : ''}${'0'.repeat(pad)}${plain(int, scale, false)}${scale > 0 ? '0'.repeat(pad) : ''}`;
        // The same number written with an exponent: move the point `shift` places and compensate.
        const moved = plain(int, scale + shift >= 0 ? scale + shift : 0, neg);
        const withExponent = scale + shift >= 0 ? `${moved}e${shift}` : base;
        expect(canonicalNumber(padded)).toBe(canonicalNumber(base));
        expect(canonicalNumber(withExponent)).toBe(canonicalNumber(base));
      }),
    );
  });

  test('different numbers have different texts', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 10 }), (a, b, scale) => {
        fc.pre(a !== b);
        const text = (n: bigint) => plain(n < 0n ? -n : n, scale, n < 0n);
        expect(canonicalNumber(text(a))).not.toBe(canonicalNumber(text(b)));
      }),
    );
  });

  test('zero has one text, and non-numbers are refused', () => {
    for (const zero of ['0', '-0', '0.000', '00e5', '.0']) expect(canonicalNumber(zero)).toBe('0');
    for (const bad of ['', '-', 'e5', '1e', 'abc', '1.2.3', '0x10']) expect(() => canonicalNumber(bad)).toThrow(TypeError);
  });
});

describe('canonicalItem', () => {
  const value: fc.Arbitrary<AttributeValue> = fc.letrec((tie) => ({
    av: fc.oneof(
      { depthSize: 'small' },
      fc.string().map((S) => ({ S })),
      fc.integer().map((n) => ({ N: String(n) })),
      fc.boolean().map((BOOL) => ({ BOOL })),
      fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 4 }).map((SS) => ({ SS })),
      fc.array(tie('av'), { maxLength: 3 }).map((L) => ({ L: L as AttributeValue[] })),
      fc.dictionary(fc.string(), tie('av'), { maxKeys: 3 }).map((M) => ({ M: M as Record<string, AttributeValue> })),
    ),
  })).av;

  /** The same value with map keys and set members in another order. */
  function shuffled(v: AttributeValue): AttributeValue {
    if (v.SS) return { SS: [...v.SS].reverse() };
    if (v.L) return { L: v.L.map(shuffled) };
    if (v.M) return { M: Object.fromEntries(Object.entries(v.M).reverse().map(([k, x]) => [k, shuffled(x)])) };
    return v;
  }

  test('map key order and set order do not change the text', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), value, { maxKeys: 5 }), (item) => {
      expect(canonicalItem(shuffled({ M: item }).M as Record<string, AttributeValue>)).toBe(canonicalItem(item));
    }));
  });

  test('a changed value changes the text', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value, { minKeys: 1, maxKeys: 5 }), fc.string(), (item, extra) => {
        const key = Object.keys(item)[0] as string;
        const changed = { ...item, [key]: { S: `${JSON.stringify(item[key])}${extra}!` } };
        expect(canonicalItem(changed)).not.toBe(canonicalItem(item));
      }),
    );
  });

  test('types are told apart: the string "1" is not the number 1, a list is not a set', () => {
    expect(canonicalItem({ a: { S: '1' } })).not.toBe(canonicalItem({ a: { N: '1' } }));
    expect(canonicalItem({ a: { L: [{ S: 'x' }] } })).not.toBe(canonicalItem({ a: { SS: ['x'] } }));
    expect(canonicalItem({ a: { B: new Uint8Array([1, 2]) } })).toBe(canonicalItem({ a: { B: Buffer.from([1, 2]) } }));
  });
});
