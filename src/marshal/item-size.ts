/**
 * The size DynamoDB counts for an item, to reject items over 400 KB before sending them. Follows the
 * published rules: attribute names and values in UTF-8 bytes, numbers one byte per pair of digits plus
 * one, three bytes of overhead per list or map (checked against DynamoDB Local, byte for byte).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { parseDecimal } from './numbers.js';

/** DynamoDB's item size limit in bytes. */
export const MAX_ITEM_BYTES = 400 * 1024;

/**
 * DynamoDB stores a number as base-100 digits aligned on the decimal point (so 1.5 is `01 50`, two bytes,
 * not one), plus an exponent byte, plus a terminator byte when negative unless all 20 digit bytes are
 * used. Zero is one byte.
 */
function numberSize(text: string): number {
  const parts = parseDecimal(text);
  if (!parts) return text.length;
  if (parts.digits === '') return 1;
  const first = Math.floor((parts.exponent + parts.digits.length - 1) / 2);
  const last = Math.floor(parts.exponent / 2);
  const pairs = first - last + 1;
  return pairs + 1 + (parts.negative && pairs < 20 ? 1 : 0);
}

/** Size in bytes of one attribute value. */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S, 'utf8');
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0);
  if (value.NS !== undefined) return value.NS.reduce((n, s) => n + numberSize(s), 0);
  if (value.BS !== undefined) return value.BS.reduce((n, b) => n + b.byteLength, 0);
  if (value.L !== undefined) return value.L.reduce((n, v) => n + 1 + valueSize(v), 3);
  if (value.M !== undefined) return itemSize(value.M) + 3 + Object.keys(value.M).length;
  return 0;
}

/** Size in bytes of an item (attribute names plus values). */
export function itemSize(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const name in item) size += Buffer.byteLength(name, 'utf8') + valueSize(item[name] as AttributeValue);
  return size;
}

/** A cheap upper bound of {@link valueSize}: at most 3 UTF-8 bytes per UTF-16 unit, numbers at most their text plus 2. */
export function valueBound(value: AttributeValue): number {
  if (value.S !== undefined) return value.S.length * 3;
  if (value.N !== undefined) return value.N.length + 2;
  if (value.B !== undefined) return value.B.byteLength;
  if (value.L !== undefined) {
    const list = value.L;
    let n = 3 + list.length;
    for (let i = 0; i < list.length; i++) n += valueBound(list[i] as AttributeValue);
    return n;
  }
  if (value.M !== undefined) {
    let n = 3;
    for (const name in value.M) n += 1 + name.length * 3 + valueBound(value.M[name] as AttributeValue);
    return n;
  }
  return valueSize(value);
}

/**
 * The item's size when it may be over `limit`, else `undefined`. Most items are far below the limit,
 * so a cheap bound spares the exact count (which parses every number) on the write path.
 */
export function sizeIfOver(item: Record<string, AttributeValue>, limit: number): number | undefined {
  let bound = 0;
  for (const name in item) bound += name.length * 3 + valueBound(item[name] as AttributeValue);
  if (bound <= limit) return undefined;
  const size = itemSize(item);
  return size > limit ? size : undefined;
}
