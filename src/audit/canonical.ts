/**
 * Canonical bytes of stored values, for hashing. A record is hashed as written and verified as read
 * back, so the form must not depend on what DynamoDB normalises: numbers are reduced to digits and an
 * exponent ("1.50" and "15e-1" are one number), sets are sorted (DynamoDB keeps no order), map keys
 * are sorted, and binary values are base64. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

type AV = AttributeValue;

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The canonical text of a DynamoDB number: sign, significant digits and exponent (`-15e-1` for
 * `-1.50`); zero is `0`. Throws on text that is not a number (a tampered record).
 */
export function canonicalNumber(text: string): string {
  const m = NUMBER.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new TypeError('not a number');
  const fraction = m[3] ?? '';
  let digits = `${m[2]}${fraction}`.replace(/^0+/, '');
  if (digits === '') return '0';
  let exponent = Number(m[4] ?? '0') - fraction.length;
  const trailing = /0*$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return `${m[1] === '-' ? '-' : ''}${digits}e${exponent}`;
}

function bytes(value: Uint8Array | undefined): string {
  return Buffer.from(value ?? new Uint8Array()).toString('base64');
}

/** The canonical form of one attribute value, as JSON-ready data. */
function canonicalValue(value: AV): unknown {
  if (value.S !== undefined) return ['S', value.S];
  if (value.N !== undefined) return ['N', canonicalNumber(value.N)];
  if (value.B !== undefined) return ['B', bytes(value.B)];
  if (value.BOOL !== undefined) return ['BOOL', value.BOOL];
  if (value.NULL !== undefined) return ['NULL', true];
  if (value.SS !== undefined) return ['SS', [...value.SS].sort()];
  if (value.NS !== undefined) return ['NS', value.NS.map(canonicalNumber).sort()];
  if (value.BS !== undefined) return ['BS', value.BS.map(bytes).sort()];
  if (value.L !== undefined) return ['L', value.L.map(canonicalValue)];
  if (value.M !== undefined) return ['M', canonicalEntries(value.M)];
  throw new TypeError('unknown attribute value type');
}

function canonicalEntries(map: Readonly<Record<string, AV>>): unknown[] {
  return Object.keys(map)
    .sort()
    .map((k) => [k, canonicalValue(map[k] as AV)]);
}

/** The canonical text of an item (or map of values): the same for every way DynamoDB may return it. */
export function canonicalItem(item: Readonly<Record<string, AV>>): string {
  return JSON.stringify(canonicalEntries(item));
}

/** SHA-256 of text or bytes, as lowercase hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
