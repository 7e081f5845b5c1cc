/**
 * DynamoDB's order of sort key values, to merge the shards of a query: strings by their UTF-8 bytes
 * (which is code point order, not JavaScript's UTF-16 order), numbers by value (exactly, up to 38
 * digits: not through a float), binary by bytes.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** Compares strings by code point, as DynamoDB compares their UTF-8 bytes. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate starts a code point above U+FFFF: it sorts after every other UTF-16 unit.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** A decimal number as sign, significant digits (no leading or trailing zeros) and the power of ten of the first digit. */
function parts(text: string): { sign: number; digits: string; exponent: number } {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) return { sign: 0, digits: '', exponent: 0 };
  const whole = m[2] ?? '';
  const fraction = m[3] ?? '';
  let digits = whole + fraction;
  let exponent = whole.length - 1 + Number(m[4] ?? 0);
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead).replace(/0+$/, '');
  exponent -= lead;
  if (digits === '') return { sign: 0, digits: '', exponent: 0 };
  return { sign: m[1] === '-' ? -1 : 1, digits, exponent };
}

/** Compares two DynamoDB number texts by value. */
export function compareNumbers(a: string, b: string): number {
  if (a === b) return 0;
  const x = parts(a);
  const y = parts(b);
  if (x.sign !== y.sign) return x.sign < y.sign ? -1 : 1;
  if (x.sign === 0) return 0;
  let magnitude = x.exponent !== y.exponent ? (x.exponent < y.exponent ? -1 : 1) : x.digits === y.digits ? 0 : x.digits < y.digits ? -1 : 1;
  // Same exponent: digit strings compare lexically ("12" < "125" < "13"), which is their value order.
  magnitude *= x.sign;
  return magnitude;
}

/** Compares byte strings. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** Compares two key values of one attribute (S, N or B) in DynamoDB's order; missing values sort first. */
export function compareValues(a: AttributeValue | undefined, b: AttributeValue | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  if (a.S !== undefined && b.S !== undefined) return compareText(a.S, b.S);
  if (a.N !== undefined && b.N !== undefined) return compareNumbers(a.N, b.N);
  if (a.B !== undefined && b.B !== undefined) return compareBytes(a.B, b.B);
  return 0;
}
