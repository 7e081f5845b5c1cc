/**
 * The pure parts of field encryption: the plaintext serialisation (every AttributeValue round-trips
 * exactly), the envelope (opens only in its own place: table, key, attribute, header untouched) and
 * beacons (equal values, equal beacons; bits kept as asked).
 */
import { randomBytes } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { beaconOf } from '../../../src/encryption/beacon.js';
import { associatedData, EnvelopeFormatError, FORMAT_VERSION, headerOf, open, parseEnvelope, seal, type Place } from '../../../src/encryption/envelope.js';
import { bytesToValue, MalformedValueError, valueToBytes } from '../../../src/encryption/plaintext.js';

/** Any AttributeValue, nested a few levels. */
const attributeValue: fc.Arbitrary<AttributeValue> = fc.letrec<{ value: AttributeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'grapheme' }).map((S) => ({ S })),
    fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).map((n) => ({ N: String(n) })),
    fc.uint8Array({ maxLength: 64 }).map((B) => ({ B })),
    fc.boolean().map((BOOL) => ({ BOOL })),
    fc.constant({ NULL: true }),
    fc.array(tie('value'), { maxLength: 4 }).map((L) => ({ L })),
    fc.dictionary(fc.string({ minLength: 1 }), tie('value'), { maxKeys: 4 }).map((M) => ({ M })),
    fc.uniqueArray(fc.string(), { maxLength: 4 }).map((SS) => ({ SS })),
    fc.uniqueArray(fc.integer().map(String), { maxLength: 4 }).map((NS) => ({ NS })),
    fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 3 }).map((BS) => ({ BS })),
  ),
})).value;

/** Uint8Array and Buffer compare alike. */
const normal = (v: AttributeValue): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? [...x] : x)));

describe('plaintext', () => {
  test('every AttributeValue round-trips exactly', () => {
    fc.assert(
      fc.property(attributeValue, (value) => {
        expect(normal(bytesToValue(valueToBytes(value)))).toEqual(normal(value));
      }),
    );
  });

  test('truncated or padded bytes are refused, never misread', () => {
    fc.assert(
      fc.property(attributeValue, fc.nat(), (value, cut) => {
        const bytes = valueToBytes(value);
        const at = cut % bytes.byteLength;
        expect(() => bytesToValue(bytes.subarray(0, at))).toThrow(MalformedValueError);
        expect(() => bytesToValue(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(MalformedValueError);
      }),
    );
  });

  test('a map key named __proto__ stays a key', () => {
    const value = bytesToValue(valueToBytes({ M: JSON.parse('{"__proto__":{"S":"x"}}') as Record<string, AttributeValue> }));
    expect(Object.keys(value.M ?? {})).toEqual(['__proto__']);
  });
});

describe('envelope', () => {
  const dataKey = randomBytes(32);
  const header = headerOf('arn:aws:kms:us-east-1:111122223333:key/k1', randomBytes(40));
  const place: Place = { table: 'cards', key: { id: { S: 'c1' } }, attribute: 'number' };
  const plaintext = valueToBytes({ S: '4111111111111111' });

  test('opens in its own place and names its key', () => {
    const stored = seal(dataKey, header, plaintext, place);
    expect(stored[0]).toBe(FORMAT_VERSION);
    const envelope = parseEnvelope(stored);
    expect(envelope.keyId).toBe('arn:aws:kms:us-east-1:111122223333:key/k1');
    expect(Buffer.from(open(dataKey, envelope, place)).equals(Buffer.from(plaintext))).toBe(true);
    expect(Buffer.from(stored).includes(Buffer.from('4111111111111111'))).toBe(false);
  });

  test('fails in any other place: another table, key, key attribute or attribute', () => {
    const envelope = parseEnvelope(seal(dataKey, header, plaintext, place));
    const elsewhere: Place[] = [
      { ...place, table: 'refunds' },
      { ...place, key: { id: { S: 'c2' } } },
      { ...place, key: { id: { S: 'c1' }, sk: { S: 'x' } } },
      { ...place, key: { id: { N: '1' } } },
      { ...place, attribute: 'holder' },
    ];
    for (const other of elsewhere) expect(() => open(dataKey, envelope, other)).toThrow();
  });

  test('any flipped byte is detected (header, IV, ciphertext or tag)', () => {
    const stored = seal(dataKey, header, plaintext, place);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: stored.byteLength - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const bad = Buffer.from(stored);
        bad[at] = (bad[at] as number) ^ flip;
        expect(() => open(dataKey, parseEnvelope(bad), place)).toThrow();
      }),
    );
  });

  test('places never share associated data (length prefixes)', () => {
    const a = associatedData(header, { table: 'ab', key: { c: { S: 'd' } }, attribute: 'e' });
    const b = associatedData(header, { table: 'a', key: { bc: { S: 'd' } }, attribute: 'e' });
    expect(a.equals(b)).toBe(false);
  });

  test('bytes of an unknown format are refused', () => {
    expect(() => parseEnvelope(new Uint8Array([2, 0, 0]))).toThrow(EnvelopeFormatError);
    expect(() => parseEnvelope(new Uint8Array([]))).toThrow(EnvelopeFormatError);
    expect(() => parseEnvelope(new Uint8Array([1, 0, 5, 1]))).toThrow(EnvelopeFormatError);
  });
});

describe('beacons', () => {
  const key = randomBytes(32);
  test('equal values give equal beacons; other fields, keys or values give others; bits are kept as asked', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: 8, max: 256 }), (a, b, bits) => {
        const options = { key, field: 'numberBeacon', bits };
        const beacon = beaconOf(options, 'number', { S: a });
        expect(beaconOf(options, 'number', { S: a })).toBe(beacon);
        expect(Buffer.from(beacon, 'base64url').byteLength).toBe(Math.ceil(bits / 8));
        if (bits >= 64 && a !== b) expect(beaconOf(options, 'number', { S: b })).not.toBe(beacon);
        if (bits >= 64) expect(beaconOf(options, 'other', { S: a })).not.toBe(beacon);
        if (bits >= 64) expect(beaconOf({ ...options, key: randomBytes(32) }, 'number', { S: a })).not.toBe(beacon);
        const last = Buffer.from(beacon, 'base64url').at(-1) as number;
        expect(last & ((1 << (Math.ceil(bits / 8) * 8 - bits)) - 1)).toBe(0);
      }),
    );
  });
});
