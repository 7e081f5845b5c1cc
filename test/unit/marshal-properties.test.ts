/**
 * Property: for a model holding every supported attribute type, encodeItem then decodeItem gives back
 * exactly the input (decimals in canonical form, sets as Sets, TTL at second precision). Pure: no server.
 * test/integration/property-roundtrip.test.ts runs the same property through DynamoDB Local.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeItem, encodeItem } from '../../src/model/item-codec.js';
import { Everything, expectSame, generated, inputAndExpected } from '../support/every-type.js';

const NOW = new Date('2024-05-01T10:00:00.000Z');

describe('marshalling round-trip (pure)', () => {
  test('encodeItem then decodeItem returns the input, for every supported type', () => {
    fc.assert(
      fc.property(generated, (g) => {
        const { input, expected } = inputAndExpected(g);
        const stored = encodeItem(Everything.compiled, input, { now: NOW, label: 'Everything.create' });
        expectSame(decodeItem(Everything.compiled, stored), expected);
      }),
      { numRuns: 500 },
    );
  });

  test('big numbers are stored as exact text', () => {
    fc.assert(
      fc.property(generated, (g) => {
        const { input } = inputAndExpected(g);
        const stored = encodeItem(Everything.compiled, input, { now: NOW, label: 'Everything.create' });
        expect(stored.big).toEqual({ N: g.big.toString() });
        expect(stored.dec).toEqual({ N: g.dec.expected });
        expect(stored['amount in cents']).toEqual({ N: String(g.cents) });
      }),
      { numRuns: 200 },
    );
  });

  test('the generators reach the edges (38 digits, 10^125, __proto__ keys, epoch-second TTLs)', () => {
    const samples = fc.sample(generated, { numRuns: 2000, seed: 42 });
    expect(samples.some((g) => g.big.toString().replace('-', '').length >= 38)).toBe(true);
    expect(samples.some((g) => g.big.toString().replace('-', '').length >= 100)).toBe(true);
    expect(samples.some((g) => g.dec.expected.replace(/[-.]/g, '').replace(/^0+/, '').length === 38)).toBe(true);
    expect(samples.some((g) => g.rates.some(([k]) => k === '__proto__'))).toBe(true);
    expect(samples.some((g) => typeof g.expiresAt === 'number')).toBe(true);
    expect(samples.some((g) => g.ns.length === 0) && samples.some((g) => g.ns.length > 2)).toBe(true);
  });
});
