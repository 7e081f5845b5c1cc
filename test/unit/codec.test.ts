import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ModelDefinitionError, type ValidationIssue } from '../../src/errors.js';
import { compileCodec, StoredValueError } from '../../src/marshal/codec.js';
import { attr, type AnyAttr } from '../../src/model/attributes.js';

/** Encodes one value; returns the AttributeValue (or undefined) and the issues found. */
function enc(a: AnyAttr, value: unknown, options: { key?: boolean; applyRules?: boolean } = {}) {
  const issues: ValidationIssue[] = [];
  const av = compileCodec(a, options.key ?? false).encode(value, ['field'], issues, options.applyRules);
  return { av, issues };
}

/** Encodes a value that must be valid, and returns its AttributeValue. */
function ok(a: AnyAttr, value: unknown): AttributeValue | undefined {
  const { av, issues } = enc(a, value);
  expect(issues).toEqual([]);
  return av;
}

/** The rule and path of the first issue, for a value that must be rejected (issues decide: nothing is sent). */
function rejected(a: AnyAttr, value: unknown, options: { key?: boolean } = {}): { rule: string; path: readonly (string | number)[] } {
  const { issues } = enc(a, value, options);
  expect(issues.length).toBeGreaterThan(0);
  return { rule: issues[0]!.rule, path: issues[0]!.path };
}

const dec = (a: AnyAttr, av: AttributeValue): unknown => compileCodec(a).decode(av, ['field']);

/** Encode then decode. */
const roundTrip = (a: AnyAttr, value: unknown): unknown => dec(a, ok(a, value)!);

describe('string', () => {
  test('encodes as S and decodes back, empty strings allowed outside keys', () => {
    expect(ok(attr.string(), 'héllo #.: 🎉')).toEqual({ S: 'héllo #.: 🎉' });
    expect(ok(attr.string(), '')).toEqual({ S: '' });
    expect(dec(attr.string(), { S: 'x' })).toBe('x');
  });
  test('rejects other types and empty key values', () => {
    for (const bad of [1, true, null, {}, [], new Date(), 1n]) expect(rejected(attr.string(), bad)).toEqual({ rule: 'type', path: ['field'] });
    expect(rejected(attr.string(), '', { key: true })).toEqual({ rule: 'required', path: ['field'] });
  });
  test('a stored value of another type is an error', () => {
    expect(() => dec(attr.string(), { N: '1' })).toThrow(StoredValueError);
  });
});

describe('number, integer, cents', () => {
  test('number: finite doubles as canonical N text', () => {
    expect(ok(attr.number(), 1.5)).toEqual({ N: '1.5' });
    expect(ok(attr.number(), -0)).toEqual({ N: '0' });
    expect(ok(attr.number(), 1e-7)).toEqual({ N: '0.0000001' });
    // The shortest text that reads back as the same double (as String() gives it).
    expect(ok(attr.number(), 2 ** 60)).toEqual({ N: '1152921504606847000' });
    expect(roundTrip(attr.number(), 2 ** 60)).toBe(2 ** 60);
    expect(roundTrip(attr.number(), 0.1 + 0.2)).toBe(0.1 + 0.2);
  });
  test('NaN and Infinity are rejected for every numeric kind', () => {
    for (const a of [attr.number(), attr.integer(), attr.cents()]) {
      for (const bad of [Number.NaN, Infinity, -Infinity]) expect(rejected(a, bad).rule).toBe('finite');
    }
  });
  test('numbers DynamoDB cannot store are rejected', () => {
    expect(rejected(attr.number(), 1e200).rule).toBe('number-range');
    expect(rejected(attr.number(), 5e-324).rule).toBe('number-range');
    expect(rejected(attr.number(), -1e-131).rule).toBe('number-range');
  });
  test('wrong types are rejected', () => {
    for (const a of [attr.number(), attr.integer(), attr.cents()]) {
      for (const bad of ['1', 1n, null, true, {}]) expect(rejected(a, bad).rule).toBe('type');
    }
  });
  test('integer: floats and unsafe integers rejected', () => {
    expect(ok(attr.integer(), Number.MAX_SAFE_INTEGER)).toEqual({ N: '9007199254740991' });
    expect(ok(attr.integer(), -Number.MAX_SAFE_INTEGER)).toEqual({ N: '-9007199254740991' });
    expect(rejected(attr.integer(), 1.5)).toEqual({ rule: 'integer', path: ['field'] });
    expect(rejected(attr.integer(), 2 ** 53).rule).toBe('integer');
  });
  test('cents: integer minor units only', () => {
    expect(ok(attr.cents(), 1250)).toEqual({ N: '1250' });
    expect(ok(attr.cents(), -99)).toEqual({ N: '-99' });
    expect(rejected(attr.cents(), 12.5)).toEqual({ rule: 'cents', path: ['field'] });
    expect(rejected(attr.cents(), 0.1 + 0.2).rule).toBe('cents');
    expect(rejected(attr.cents(), 2 ** 53).rule).toBe('cents');
    expect(rejected(attr.cents(), -(2 ** 60)).rule).toBe('cents');
  });
  test('stored values that do not fit an integer field throw instead of losing precision', () => {
    for (const a of [attr.cents(), attr.integer()]) {
      expect(dec(a, { N: '9007199254740991' })).toBe(9007199254740991);
      expect(() => dec(a, { N: '9007199254740993' })).toThrow(StoredValueError);
      expect(() => dec(a, { N: '12345678901234567890123456789' })).toThrow(/not a safe integer/);
      expect(() => dec(a, { N: '12.5' })).toThrow(StoredValueError);
    }
    expect(dec(attr.cents(), { N: '1.25E3' })).toBe(1250);
  });
  test('property: every safe integer round-trips through cents', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(roundTrip(attr.cents(), n)).toBe(n === 0 ? 0 : n);
      }),
    );
  });
  test('property: every storable double round-trips through number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e125, max: 1e125 }), (x) => {
        fc.pre(x === 0 || Math.abs(x) >= 1e-130);
        expect(roundTrip(attr.number(), x)).toBe(x === 0 ? 0 : x);
      }),
    );
  });
});

describe('bigint', () => {
  test('beyond 2^53, up to 38 digits, exact', () => {
    const big = 12345678901234567890123456789012345678n;
    expect(ok(attr.bigint(), big)).toEqual({ N: big.toString() });
    expect(roundTrip(attr.bigint(), -big)).toBe(-big);
    expect(roundTrip(attr.bigint(), 2n ** 64n + 1n)).toBe(2n ** 64n + 1n);
    expect(roundTrip(attr.bigint(), 10n ** 125n)).toBe(10n ** 125n); // one significant digit
    expect(dec(attr.bigint(), { N: '1.5E3' })).toBe(1500n);
  });
  test('more than 38 significant digits or above 9.99E+125 is rejected', () => {
    expect(rejected(attr.bigint(), 10n ** 38n + 1n).rule).toBe('number-range');
    expect(rejected(attr.bigint(), 10n ** 126n).rule).toBe('number-range');
    expect(rejected(attr.bigint(), 1).rule).toBe('type');
    expect(rejected(attr.bigint(), '1').rule).toBe('type');
  });
  test('a stored fraction is an error', () => {
    expect(() => dec(attr.bigint(), { N: '1.5' })).toThrow();
  });
});

describe('decimal', () => {
  test('canonical text, exact to 38 significant digits', () => {
    expect(ok(attr.decimal(), '0012.3400')).toEqual({ N: '12.34' });
    expect(ok(attr.decimal(), '1e3')).toEqual({ N: '1000' });
    expect(ok(attr.decimal(), '-0.0')).toEqual({ N: '0' });
    const d = '1234567890123456789012345678.9012345678';
    expect(roundTrip(attr.decimal(), d)).toBe(d);
    expect(dec(attr.decimal(), { N: '1.50E-2' })).toBe('0.015');
  });
  test('rejects non-decimal text, numbers, too many digits and out-of-range magnitudes', () => {
    for (const bad of ['', 'abc', '1,5', 'NaN', 'Infinity', ' 1']) expect(rejected(attr.decimal(), bad).rule).toBe('number-range');
    expect(rejected(attr.decimal(), 1.5).rule).toBe('type');
    expect(rejected(attr.decimal(), '1.00000000000000000000000000000000000001').rule).toBe('number-range');
    expect(rejected(attr.decimal(), '1e126').rule).toBe('number-range');
    expect(rejected(attr.decimal(), '1e-131').rule).toBe('number-range');
  });
});

describe('boolean and enum', () => {
  test('boolean', () => {
    expect(ok(attr.boolean(), false)).toEqual({ BOOL: false });
    expect(roundTrip(attr.boolean(), true)).toBe(true);
    expect(rejected(attr.boolean(), 'true').rule).toBe('type');
    expect(rejected(attr.boolean(), 0).rule).toBe('type');
  });
  test('enum: only the listed values, on write and on read', () => {
    const e = attr.enum(['pending', 'completed']);
    expect(ok(e, 'pending')).toEqual({ S: 'pending' });
    expect(rejected(e, 'PENDING')).toEqual({ rule: 'enum', path: ['field'] });
    expect(rejected(e, 1).rule).toBe('enum');
    expect(() => dec(e, { S: 'refunded' })).toThrow(/not one of the enum values/);
  });
});

describe('date', () => {
  const when = new Date('2024-02-29T12:34:56.789Z');
  test('ISO string by default, epoch seconds or milliseconds on request', () => {
    expect(ok(attr.date(), when)).toEqual({ S: '2024-02-29T12:34:56.789Z' });
    expect(ok(attr.date({ storage: 'epochMillis' }), when)).toEqual({ N: String(when.getTime()) });
    expect(ok(attr.date({ storage: 'epochSeconds' }), when)).toEqual({ N: String(Math.floor(when.getTime() / 1000)) });
    expect(roundTrip(attr.date(), when)).toEqual(when);
    expect(roundTrip(attr.date({ storage: 'epochMillis' }), when)).toEqual(when);
    expect(roundTrip(attr.date({ storage: 'epochSeconds' }), when)).toEqual(new Date('2024-02-29T12:34:56.000Z'));
  });
  test('dates before 1970 and far in the future', () => {
    const old = new Date('1969-12-31T23:59:59.500Z');
    expect(ok(attr.date({ storage: 'epochSeconds' }), old)).toEqual({ N: '-1' });
    const far = new Date(8.64e15);
    expect(roundTrip(attr.date(), far)).toEqual(far);
  });
  test('rejects invalid dates, numbers and strings', () => {
    expect(rejected(attr.date(), new Date('nope')).rule).toBe('date');
    expect(rejected(attr.date(), Date.now()).rule).toBe('type');
    expect(rejected(attr.date(), '2024-01-01').rule).toBe('type');
  });
  test('stored dates that are not dates throw', () => {
    expect(() => dec(attr.date(), { S: 'not a date' })).toThrow(StoredValueError);
    expect(() => dec(attr.date(), { N: '1' })).toThrow(StoredValueError);
    expect(() => dec(attr.date({ storage: 'epochMillis' }), { N: '1e300' })).toThrow(StoredValueError);
  });
});

describe('ttl', () => {
  test('Date or epoch seconds, stored as epoch seconds, read as a Date', () => {
    expect(ok(attr.ttl(), 1_700_000_000)).toEqual({ N: '1700000000' });
    expect(ok(attr.ttl(), new Date(1_700_000_000_999))).toEqual({ N: '1700000000' });
    expect(dec(attr.ttl(), { N: '1700000000' })).toEqual(new Date(1_700_000_000_000));
  });
  test('epoch milliseconds are rejected, so items do not live for ever', () => {
    expect(rejected(attr.ttl(), Date.now())).toEqual({ rule: 'ttl', path: ['field'] });
    expect(rejected(attr.ttl(), 1_700_000_000_000).rule).toBe('ttl');
  });
  test('fractions and negative numbers are rejected', () => {
    expect(rejected(attr.ttl(), 1.5).rule).toBe('ttl');
    expect(rejected(attr.ttl(), -1).rule).toBe('ttl');
    expect(rejected(attr.ttl(), Number.NaN).rule).toBe('ttl');
    expect(rejected(attr.ttl(), '1700000000').rule).toBe('type');
  });
  test('a plain date attribute does not take numbers', () => {
    expect(rejected(attr.date({ storage: 'epochSeconds' }), 1_700_000_000).rule).toBe('type');
  });
});

describe('object', () => {
  const address = attr.object({
    street: attr.string(),
    city: attr.string().storedAs('c'),
    zip: attr.string().optional(),
    country: attr.string().default('NL'),
    geo: attr.object({ lat: attr.number(), lng: attr.number() }).optional(),
    tags: attr.stringSet(),
  });
  test('encodes stored names, defaults, and leaves out absent optional fields', () => {
    expect(ok(address, { street: 'Main 1', city: 'Utrecht', tags: ['a'] })).toEqual({
      M: { street: { S: 'Main 1' }, c: { S: 'Utrecht' }, country: { S: 'NL' }, tags: { SS: ['a'] } },
    });
  });
  test('decodes back with field names; a missing required set reads as an empty set', () => {
    const value = { street: 'Main 1', city: 'Utrecht', country: 'BE', geo: { lat: 52.1, lng: 5.1 }, tags: new Set(['x']) };
    expect(roundTrip(address, value)).toEqual(value);
    expect(dec(address, { M: { street: { S: 's' }, c: { S: 'c' }, country: { S: 'NL' } } })).toEqual({
      street: 's',
      city: 'c',
      country: 'NL',
      tags: new Set(),
    });
  });
  test('unknown, missing and wrong nested fields are reported with their full path', () => {
    const { issues } = enc(address, { street: 1, extra: true, geo: { lat: 'x', lng: 1, alt: 3 }, tags: [] });
    const found = issues.map((i) => [i.rule, i.path.join('/')]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['unknown-field', 'field/extra'],
        ['type', 'field/street'],
        ['required', 'field/city'],
        ['type', 'field/geo/lat'],
        ['unknown-field', 'field/geo/alt'],
      ]),
    );
    expect(found).toHaveLength(5);
  });
  test('fields named like Object.prototype members are looked up as own properties', () => {
    const odd = attr.object({ constructor: attr.string().optional(), toString: attr.string().default('d'), valueOf: attr.number().optional() });
    expect(ok(odd, {})).toEqual({ M: { toString: { S: 'd' } } });
    expect(roundTrip(odd, { constructor: 'c', toString: 't', valueOf: 1 })).toEqual({ constructor: 'c', toString: 't', valueOf: 1 });
    // Absent stored attributes stay absent: the map's inherited members are not stored values.
    expect(dec(odd, { M: { toString: { S: 'd' } } })).toEqual({ toString: 'd' });
    expect(Object.keys(dec(odd, { M: {} }) as object)).toEqual([]);
  });
  test('rejects non-objects', () => {
    for (const bad of [null, [], 'x', new Date(), new Map()]) expect(rejected(address, bad).rule).toBe('type');
  });
  test('a field named __proto__ or an empty stored name is a definition error', () => {
    const shape = Object.fromEntries([['__proto__', attr.string()]]);
    expect(() => compileCodec(attr.object(shape))).toThrow(ModelDefinitionError);
    expect(() => compileCodec(attr.object({ a: attr.string().storedAs('__proto__') }))).toThrow(ModelDefinitionError);
    expect(() => compileCodec(attr.object({ a: attr.string().storedAs('') }))).toThrow(ModelDefinitionError);
  });
});

describe('list and record', () => {
  test('list: elements follow their definition, paths carry the index', () => {
    const list = attr.list(attr.cents());
    expect(ok(list, [1, 2])).toEqual({ L: [{ N: '1' }, { N: '2' }] });
    expect(ok(list, [])).toEqual({ L: [] });
    expect(roundTrip(list, [3, -4])).toEqual([3, -4]);
    const { issues } = enc(list, [1, 1.5, undefined]);
    expect(issues.map((i) => [i.rule, i.path])).toEqual([
      ['cents', ['field', 1]],
      ['required', ['field', 2]],
    ]);
    expect(rejected(list, new Set([1])).rule).toBe('type');
  });
  test('list of objects reports nested paths', () => {
    const list = attr.list(attr.object({ n: attr.integer() }));
    const { issues } = enc(list, [{ n: 1 }, { n: 'x' }]);
    expect(issues.map((i) => [i.rule, i.path])).toEqual([['type', ['field', 1, 'n']]]);
  });
  test('record: any string keys, undefined values left out', () => {
    const rec = attr.record(attr.bigint());
    expect(ok(rec, { a: 1n, 'b.c#:d e': 2n, skip: undefined })).toEqual({ M: { a: { N: '1' }, 'b.c#:d e': { N: '2' } } });
    expect(roundTrip(rec, { x: 10n ** 30n })).toEqual({ x: 10n ** 30n });
    expect(rejected(rec, { a: 1 })).toEqual({ rule: 'type', path: ['field', 'a'] });
    expect(rejected(rec, [1n]).rule).toBe('type');
  });
  test('record: an empty key cannot be stored by DynamoDB and is rejected', () => {
    expect(rejected(attr.record(attr.string()), { '': 'x' })).toEqual({ rule: 'map-key', path: ['field', ''] });
  });
  test('record: a __proto__ key is kept as data, on write and on read', () => {
    const rec = attr.record(attr.string());
    const input = JSON.parse('{"__proto__": "p", "a": "b"}') as Record<string, string>;
    const av = ok(rec, input)!;
    expect(Object.keys(av.M!)).toEqual(['__proto__', 'a']);
    const back = dec(rec, av) as Record<string, unknown>;
    expect(Object.keys(back)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(back).toEqual(input);
  });
});

describe('sets', () => {
  test('string set from a Set or an array, duplicates collapsed', () => {
    expect(ok(attr.stringSet(), ['a', 'b', 'a'])).toEqual({ SS: ['a', 'b'] });
    expect(roundTrip(attr.stringSet(), new Set(['x', '']))).toEqual(new Set(['x', '']));
  });
  test('number set: canonical text, so 0 and -0 are one member', () => {
    expect(ok(attr.numberSet(), new Set([1.5, 0, -0, 1e21]))).toEqual({ NS: ['1.5', '0', '1000000000000000000000'] });
    expect(roundTrip(attr.numberSet(), [3, 1.25])).toEqual(new Set([3, 1.25]));
    expect(rejected(attr.numberSet(), [1, Number.NaN])).toEqual({ rule: 'finite', path: ['field', 1] });
    expect(rejected(attr.numberSet(), ['1']).rule).toBe('type');
  });
  test('binary set: duplicates by content', () => {
    const a = new Uint8Array([1, 2]);
    expect(ok(attr.binarySet(), [a, new Uint8Array([1, 2]), new Uint8Array([3])])).toEqual({ BS: [a, new Uint8Array([3])] });
    expect(rejected(attr.binarySet(), ['x']).rule).toBe('type');
  });
  test('an empty set is no attribute (DynamoDB has no empty sets) and no issue', () => {
    for (const a of [attr.stringSet(), attr.numberSet(), attr.binarySet()]) {
      expect(enc(a, new Set())).toEqual({ av: undefined, issues: [] });
      expect(enc(a, [])).toEqual({ av: undefined, issues: [] });
    }
  });
  test('sets reject other containers', () => {
    expect(rejected(attr.stringSet(), 'abc').rule).toBe('type');
    expect(rejected(attr.stringSet(), { a: 1 }).rule).toBe('type');
  });
});

describe('binary', () => {
  test('Uint8Array as B', () => {
    const b = new Uint8Array([0, 255, 7]);
    expect(ok(attr.binary(), b)).toEqual({ B: b });
    expect(roundTrip(attr.binary(), b)).toEqual(b);
    expect(ok(attr.binary(), Buffer.from('hi'))).toEqual({ B: Buffer.from('hi') });
    expect(rejected(attr.binary(), 'aGk=').rule).toBe('type');
    expect(rejected(attr.binary(), [1, 2]).rule).toBe('type');
  });
  test('empty binary is fine outside keys, rejected in keys', () => {
    expect(ok(attr.binary(), new Uint8Array())).toEqual({ B: new Uint8Array() });
    expect(rejected(attr.binary(), new Uint8Array(), { key: true }).rule).toBe('required');
  });
});

describe('json', () => {
  const json = attr.json();
  test('documents as native maps and lists', () => {
    expect(ok(json, { a: [1, 'x', true, null], b: { c: 1.5 } })).toEqual({
      M: { a: { L: [{ N: '1' }, { S: 'x' }, { BOOL: true }, { NULL: true }] }, b: { M: { c: { N: '1.5' } } } },
    });
    expect(ok(json, 'plain')).toEqual({ S: 'plain' });
    expect(ok(json, null)).toEqual({ NULL: true });
  });
  test('numbers round-trip exactly, unsafe-integer doubles included', () => {
    const value = { big: 2 ** 60, huge: 1e100, tiny: 1e-100, neg: -123.456, list: [Number.MAX_SAFE_INTEGER + 1] };
    expect(roundTrip(json, value)).toEqual(value);
  });
  test('stored numbers a double cannot hold come back exact, as bigint or decimal text', () => {
    expect(dec(json, { N: '9007199254740993' })).toBe(9007199254740993n);
    expect(dec(json, { N: '0.12345678901234567890123' })).toBe('0.12345678901234567890123');
    expect(dec(json, { N: '1.5' })).toBe(1.5);
  });
  test('a __proto__ key is data, kept on write and read', () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "y": [{"__proto__": 2}]}') as Record<string, unknown>;
    const av = ok(json, value)!;
    expect(Object.keys(av.M!)).toEqual(['__proto__', 'y']);
    const back = dec(json, av) as Record<string, unknown>;
    expect(JSON.stringify(back)).toBe(JSON.stringify(value));
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });
  test('rejects what JSON or DynamoDB cannot hold', () => {
    expect(rejected(json, { a: Number.NaN })).toEqual({ rule: 'finite', path: ['field', 'a'] });
    expect(rejected(json, [1e300])).toEqual({ rule: 'number-range', path: ['field', 0] });
    expect(rejected(json, { d: new Date() })).toEqual({ rule: 'json', path: ['field', 'd'] });
    expect(rejected(json, { s: new Set([1]) }).rule).toBe('json');
    expect(rejected(json, 1n).rule).toBe('json');
    expect(rejected(json, { '': 1 })).toEqual({ rule: 'map-key', path: ['field', ''] });
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(rejected(json, deep).rule).toBe('depth');
  });
  test('undefined object members are left out', () => {
    expect(ok(json, { a: 1, b: undefined })).toEqual({ M: { a: { N: '1' } } });
  });
  test('sets and binary written by other tools are read', () => {
    expect(dec(json, { SS: ['a'] })).toEqual(new Set(['a']));
    expect(dec(json, { M: { b: { B: new Uint8Array([1]) } } })).toEqual({ b: new Uint8Array([1]) });
  });
});

describe('custom converters', () => {
  class Money {
    constructor(
      readonly amount: bigint,
      readonly currency: string,
    ) {}
    toString(): string {
      return `${this.amount} ${this.currency}`;
    }
    static parse(text: string): Money {
      const [amount = '', currency = ''] = text.split(' ');
      return new Money(BigInt(amount), currency);
    }
  }
  const money = attr.custom(attr.string(), { encode: (m: Money) => m.toString(), decode: Money.parse });
  test('converts to the base type and back', () => {
    expect(ok(money, new Money(1250n, 'EUR'))).toEqual({ S: '1250 EUR' });
    expect(roundTrip(money, new Money(5n, 'USD'))).toEqual(new Money(5n, 'USD'));
  });
  test('a converter that throws, or returns the wrong type, is a validation issue', () => {
    const throwing = attr.custom(attr.string(), {
      encode: (m: Money) => {
        if (!(m instanceof Money)) throw new Error('not money');
        return m.toString();
      },
      decode: Money.parse,
    });
    expect(rejected(throwing, 'x')).toEqual({ rule: 'convert', path: ['field'] });
    expect(enc(throwing, 'x').issues[0]?.message).toMatch(/not money/);
    const bad = attr.custom(attr.cents(), { encode: (n: number) => n / 3, decode: (n: number) => n });
    expect(rejected(bad, 10).rule).toBe('cents');
  });
});

describe('validate()', () => {
  test('false or a message fails with the rule name; true or nothing passes', () => {
    const even = attr.integer().validate((n) => n % 2 === 0, 'even');
    expect(ok(even, 4)).toEqual({ N: '4' });
    expect(rejected(even, 3)).toEqual({ rule: 'even', path: ['field'] });
    const msg = attr.string().validate((s) => (s.includes('@') ? undefined : 'must contain @'));
    const { issues } = enc(msg, 'x');
    expect(issues).toEqual([{ path: ['field'], rule: 'custom', message: 'must contain @' }]);
  });
  test('rules run only on values of the right type, and can be skipped (conditions)', () => {
    let calls = 0;
    const counted = attr.string().validate(() => {
      calls++;
      return false;
    });
    expect(rejected(counted, 1).rule).toBe('type');
    expect(calls).toBe(0);
    expect(enc(counted, 'x', { applyRules: false }).issues).toEqual([]);
    expect(calls).toBe(0);
  });
  test('several rules all report', () => {
    const a = attr
      .string()
      .validate((s) => s.length < 3, 'short')
      .validate((s) => s === s.toLowerCase(), 'lower');
    expect(enc(a, 'ABCD').issues.map((i) => i.rule)).toEqual(['short', 'lower']);
  });
});

describe('dynamorm/attr', () => {
  test('exports exactly the builders of the attr object (the same functions)', async () => {
    const mod: Record<string, unknown> = await import('../../src/attr.js');
    expect(Object.keys(mod).sort()).toEqual(Object.keys(attr).sort());
    for (const [name, builder] of Object.entries(attr)) expect(mod[name]).toBe(builder);
  });
});

describe('sparse arrays (issue 14)', () => {
  // eslint-disable-next-line no-sparse-arrays
  const holey = (): unknown[] => [1, , 3];
  test('a hole in a list is refused at its index, never closed up (stored [1, 3]) or sent', () => {
    expect(rejected(attr.list(attr.number()), holey())).toEqual({ rule: 'sparse-array', path: ['field', 1] });
    expect(rejected(attr.list(attr.number()), new Array(3))).toEqual({ rule: 'sparse-array', path: ['field', 0] });
    const trailing = [1, 2];
    trailing.length = 3;
    expect(rejected(attr.list(attr.number()), trailing)).toEqual({ rule: 'sparse-array', path: ['field', 2] });
    // eslint-disable-next-line no-sparse-arrays
    expect(rejected(attr.object({ l: attr.list(attr.string()) }), { l: ['a', , 'c'] })).toEqual({ rule: 'sparse-array', path: ['field', 'l', 1] });
  });
  test('a hole in a json array is refused (DynamoDB refuses a list with a hole)', () => {
    expect(rejected(attr.json(), holey())).toEqual({ rule: 'sparse-array', path: ['field', 1] });
    expect(rejected(attr.json(), { a: { b: holey() } })).toEqual({ rule: 'sparse-array', path: ['field', 'a', 'b', 1] });
  });
  test('a hole in an array given for a set is refused too', () => {
    expect(rejected(attr.numberSet(), holey())).toEqual({ rule: 'sparse-array', path: ['field', 1] });
    // eslint-disable-next-line no-sparse-arrays
    expect(rejected(attr.stringSet(), ['a', , 'b'])).toEqual({ rule: 'sparse-array', path: ['field', 1] });
  });
  test('dense arrays, explicit undefined elements and empty arrays are unchanged', () => {
    expect(ok(attr.list(attr.number()), [1, 2, 3])).toEqual({ L: [{ N: '1' }, { N: '2' }, { N: '3' }] });
    expect(ok(attr.list(attr.number()), [])).toEqual({ L: [] });
    expect(rejected(attr.list(attr.number()), [1, undefined, 3])).toEqual({ rule: 'required', path: ['field', 1] });
    expect(rejected(attr.json(), [1, undefined])).toEqual({ rule: 'json', path: ['field', 1] });
  });
});

describe('nesting depth, counted from the item (issue 14)', () => {
  // DynamoDB allows 32 levels counting the item's top-level attribute: a scalar inside at most 31
  // lists and maps. The item codec encodes an attribute at path [name]; one more segment per level.
  const maps = (n: number, leaf: unknown = 1): unknown => {
    let v = leaf;
    for (let i = 0; i < n; i++) v = { a: v };
    return v;
  };
  const lists = (n: number, leaf: unknown = 1): unknown => {
    let v = leaf;
    for (let i = 0; i < n; i++) v = [v];
    return v;
  };
  test('json: 31 nested maps or lists are stored, 32 are refused (also when the innermost is empty)', () => {
    ok(attr.json(), maps(31));
    ok(attr.json(), lists(31));
    ok(attr.json(), maps(30, {}));
    expect(rejected(attr.json(), maps(32)).rule).toBe('depth');
    expect(rejected(attr.json(), lists(32)).rule).toBe('depth');
    expect(rejected(attr.json(), maps(31, {})).rule).toBe('depth');
    expect(rejected(attr.json(), maps(31, [])).rule).toBe('depth');
    expect(rejected(attr.json(), maps(32)).path).toHaveLength(32);
  });
  test('the count does not restart inside object, record and list attributes', () => {
    const inObject = attr.object({ inner: attr.object({ doc: attr.json() }) });
    ok(inObject, { inner: { doc: maps(29) } });
    expect(rejected(inObject, { inner: { doc: maps(30) } })).toMatchObject({ rule: 'depth' });
    const inRecord = attr.record(attr.list(attr.json()));
    ok(inRecord, { k: [maps(29)] });
    expect(rejected(inRecord, { k: [maps(30)] }).rule).toBe('depth');
  });
  test('a schema nested deeper than DynamoDB allows is refused when a value reaches that deep', () => {
    let deep: AnyAttr = attr.list(attr.number());
    for (let i = 0; i < 31; i++) deep = attr.list(deep);
    let value: unknown = [1];
    ok(deep, []);
    for (let i = 0; i < 31; i++) value = [value];
    expect(rejected(deep, value).rule).toBe('depth');
  });
  test('a cyclic json value stops at the depth limit instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(rejected(attr.json(), cyclic).rule).toBe('depth');
  });
});

describe('arrays of absurd length (issue 14)', () => {
  test('a list or json array longer than the item size limit is refused at once, holes or not', () => {
    const huge = new Array(2 ** 32 - 1);
    const started = Date.now();
    expect(rejected(attr.list(attr.number()), huge)).toEqual({ rule: 'item-size', path: ['field'] });
    expect(rejected(attr.json(), { a: huge })).toEqual({ rule: 'item-size', path: ['field', 'a'] });
    expect(rejected(attr.numberSet(), huge).rule).toBe('sparse-array');
    expect(Date.now() - started).toBeLessThan(1000);
  });
  test('a long dense array given for a set still collapses its duplicates', () => {
    expect(ok(attr.stringSet(), new Array(500_000).fill('a'))).toEqual({ SS: ['a'] });
  });
});
