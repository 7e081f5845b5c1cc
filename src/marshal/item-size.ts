/**
 * The size DynamoDB counts for an item, to reject items over 400 KB before sending them. Follows the
 * published rules: attribute names and values in UTF-8 bytes, numbers about one byte per two
 * significant digits plus one, three bytes of overhead per list or map.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** DynamoDB's item size limit in bytes. */
export const MAX_ITEM_BYTES = 400 * 1024;

function numberSize(text: string): number {
  const digits = text.replace(/^[+-]/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(digits.length / 2) + 1;
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
