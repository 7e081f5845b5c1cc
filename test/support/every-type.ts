/**
 * A model holding every supported attribute type, fast-check generators for its items, and the
 * expected decoded item: shared by the pure round-trip property (test/unit) and the one through
 * DynamoDB Local (test/integration).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { attr } from '../../src/model/attributes.js';
import { model } from '../../src/model/model.js';

export class Money {
  constructor(
    readonly minor: bigint,
    readonly currency: string,
  ) {}
}
export const money = attr.custom(attr.string(), {
  encode: (m: Money) => `${m.currency}:${m.minor}`,
  decode: (s: string) => new Money(BigInt(s.slice(4)), s.slice(0, 3)),
});

export const Everything = model('Everything', {
  table: 'everything',
  attributes: {
    id: attr.string().partitionKey(),
    str: attr.string(),
    optStr: attr.string().optional(),
    num: attr.number(),
    int: attr.integer(),
    cents: attr.cents().storedAs('amount in cents'),
    big: attr.bigint(),
    dec: attr.decimal(),
    bool: attr.boolean(),
    iso: attr.date(),
    secs: attr.date({ storage: 'epochSeconds' }),
    millis: attr.date({ storage: 'epochMillis' }),
    status: attr.enum(['pending', 'paid', 'refunded']).storedAs('status'),
    address: attr.object({
      street: attr.string(),
      city: attr.string().storedAs('#city.name'),
      zip: attr.string().optional(),
      geo: attr.object({ lat: attr.number(), lng: attr.number() }).optional(),
      codes: attr.stringSet(),
    }),
    lines: attr.list(attr.object({ sku: attr.string(), qty: attr.integer(), price: attr.decimal() })),
    amounts: attr.list(attr.bigint()),
    rates: attr.record(attr.decimal()),
    ss: attr.stringSet(),
    ns: attr.numberSet().optional(),
    bs: attr.binarySet(),
    bin: attr.binary(),
    doc: attr.json(),
    expiresAt: attr.ttl(),
    price: money,
  },
});

// ---- arbitraries -------------------------------------------------------------------------------

export const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 10 }), fc.constantFrom('', ' ', '#', 'a.b'));
export const nonZero = <T>(x: T): T => (Object.is(x, -0) ? (0 as T) : x);
/** A double DynamoDB can store: zero, or magnitude in [1e-130, 1e125]. */
export const storableDouble = fc
  .double({ noNaN: true, noDefaultInfinity: true, min: -1e125, max: 1e125 })
  .map((x) => (Math.abs(x) < 1e-130 ? 0 : nonZero(x)));
export const bigint38 = fc.oneof(
  fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  // Up to 38 significant digits, shifted up to the largest magnitude DynamoDB keeps (10^125).
  fc.tuple(fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }), fc.nat(88)).map(([m, k]) => m * 10n ** BigInt(k)),
);

/** Reference canonical decimal of sign * digits * 10^exponent (no exponent, no superfluous zeros). */
export function canonical(negative: boolean, digits: bigint, exponent: number): string {
  let m = digits;
  let e = exponent;
  if (m === 0n) return '0';
  while (m % 10n === 0n) {
    m /= 10n;
    e += 1;
  }
  const s = m.toString();
  const sign = negative ? '-' : '';
  if (e >= 0) return sign + s + '0'.repeat(e);
  const point = s.length + e;
  return point > 0 ? `${sign}${s.slice(0, point)}.${s.slice(point)}` : `${sign}0.${'0'.repeat(-point)}${s}`;
}

/** A decimal string of up to 38 significant digits within DynamoDB's range, in various spellings, with its canonical form. */
export const decimal = fc
  .record({
    negative: fc.boolean(),
    digits: fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 38n - 1n }), fc.bigInt({ min: 0n, max: 10n ** 6n })),
    exponent: fc.integer({ min: -130, max: 88 }),
    form: fc.constantFrom('canonical', 'exponent', 'padded'),
  })
  .filter(({ digits, exponent }) => {
    const length = digits.toString().length;
    return digits === 0n || (exponent + length - 1 <= 125 && exponent >= -130);
  })
  .map(({ negative, digits, exponent, form }) => {
    const expected = canonical(negative, digits, exponent);
    const sign = negative ? '-' : '';
    if (form === 'exponent') return { input: `${sign}${digits}E${exponent}`, expected };
    if (form === 'padded') {
      // Leading zeros, and trailing zeros after the point: same value, other text.
      const unsigned = expected.replace('-', '');
      return { input: `${sign}00${unsigned}${unsigned.includes('.') ? '00' : '.00'}`, expected };
    }
    return { input: expected, expected };
  });

export const MAX_MS = 8.64e15;
export const anyDate = fc.integer({ min: -MAX_MS, max: MAX_MS }).map((ms) => new Date(ms));
export const wholeSeconds = fc.integer({ min: -MAX_MS / 1000, max: MAX_MS / 1000 }).map((s) => new Date(s * 1000));
export const bytes = fc.uint8Array({ maxLength: 16 });
export const mapKey = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'a.b', '#k', ':v'));

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export const json: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    storableDouble,
    fc.maxSafeInteger(),
    text,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.uniqueArray(fc.tuple(mapKey, tie('value')), { maxLength: 4, selector: ([k]) => k }).map(objectOf),
  ),
})).value;

/** A plain object from entries, keeping `__proto__` as an own key (as JSON.parse does). */
export function objectOf<T>(entries: [string, T][]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Number set members: distinct after DynamoDB's normalisation (so 0 and -0 are one). */
export const numberSetMembers = fc.uniqueArray(storableDouble, { maxLength: 5 });
export const binarySetMembers = fc.uniqueArray(bytes, { maxLength: 5, selector: (b) => Buffer.from(b).toString('base64') });

export const arbitraries = {
  id: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
  str: text,
  optStr: fc.option(text, { nil: undefined }),
  num: storableDouble,
  int: fc.maxSafeInteger(),
  cents: fc.maxSafeInteger(),
  big: bigint38,
  dec: decimal,
  bool: fc.boolean(),
  iso: anyDate,
  secs: wholeSeconds,
  millis: anyDate,
  status: fc.constantFrom('pending' as const, 'paid' as const, 'refunded' as const),
  address: fc.record(
    {
      street: text,
      city: text,
      zip: text,
      geo: fc.record({ lat: storableDouble, lng: storableDouble }),
      codes: fc.uniqueArray(text, { maxLength: 4 }),
    },
    { requiredKeys: ['street', 'city', 'codes'] },
  ),
  lines: fc.array(fc.record({ sku: text, qty: fc.maxSafeInteger(), price: decimal }), { maxLength: 3 }),
  amounts: fc.array(bigint38, { maxLength: 4 }),
  rates: fc.uniqueArray(fc.tuple(mapKey, decimal), { maxLength: 4, selector: ([k]) => k }),
  ss: fc.uniqueArray(text, { maxLength: 5 }),
  ns: numberSetMembers,
  bs: binarySetMembers,
  bin: bytes,
  doc: json,
  expiresAt: fc.oneof(fc.integer({ min: 0, max: 1e11 }), fc.integer({ min: 0, max: 1e14 }).map((ms) => new Date(ms))),
  price: fc.tuple(bigint38, fc.constantFrom('EUR', 'USD', 'JPY')).map(([minor, currency]) => new Money(minor, currency)),
  asSets: fc.boolean(),
};

export const generated = fc.record(arbitraries);
export type Generated = typeof generated extends fc.Arbitrary<infer T> ? T : never;

/** The create input for a generated value, and the item it must read back as. */
export function inputAndExpected(g: Generated): { input: Record<string, unknown>; expected: Record<string, unknown> } {
  const set = <T>(members: T[]) => (g.asSets ? new Set(members) : members);
  const input = {
    id: g.id,
    str: g.str,
    optStr: g.optStr,
    num: g.num,
    int: g.int,
    cents: g.cents,
    big: g.big,
    dec: g.dec.input,
    bool: g.bool,
    iso: g.iso,
    secs: g.secs,
    millis: g.millis,
    status: g.status,
    address: { ...g.address, codes: set(g.address.codes) },
    lines: g.lines.map((l) => ({ ...l, price: l.price.input })),
    amounts: g.amounts,
    rates: objectOf(g.rates.map(([k, d]) => [k, d.input])),
    ss: set(g.ss),
    ns: set(g.ns),
    bs: set(g.bs),
    bin: g.bin,
    doc: g.doc,
    expiresAt: g.expiresAt,
    price: g.price,
  };
  const expected = {
    ...input,
    dec: g.dec.expected,
    address: { ...g.address, codes: new Set(g.address.codes) },
    lines: g.lines.map((l) => ({ ...l, price: l.price.expected })),
    rates: objectOf(g.rates.map(([k, d]) => [k, d.expected])),
    ss: new Set(g.ss),
    ns: g.ns.length > 0 ? new Set(g.ns) : undefined, // optional: an empty set is no attribute
    bs: new Set(g.bs),
    expiresAt: new Date(Math.floor((typeof g.expiresAt === 'number' ? g.expiresAt * 1000 : g.expiresAt.getTime()) / 1000) * 1000),
  };
  return { input, expected };
}

/** Own entries of maps as sorted [key, value] pairs (DynamoDB keeps no key order), own `__proto__` keys included. */
export function entriesOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(entriesOf);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object' || value instanceof Date || value instanceof Uint8Array) return value;
  return Object.keys(value)
    .sort()
    .map((k) => [k, entriesOf((value as Record<string, unknown>)[k])]);
}

/** Checks a decoded item against the expected one. */
export function expectSame(actual: Record<string, unknown>, expected: Record<string, unknown>): void {
  expect(actual).toEqual(expected);
  // toEqual does not see own `__proto__` keys: compare the maps that may hold them key by key.
  expect(entriesOf(actual.doc)).toEqual(entriesOf(expected.doc));
  expect(entriesOf(actual.rates)).toEqual(entriesOf(expected.rates));
  for (const name of Object.keys(actual)) expect(actual[name], name).not.toBeUndefined();
}
