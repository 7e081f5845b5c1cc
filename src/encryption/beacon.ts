/**
 * Blind indexes ("beacons"): a keyed HMAC-SHA256 of an encrypted field's value, stored in another,
 * plain attribute, so an equality lookup (find the card by its number) is an index query on the
 * beacon instead of a decryption of every item. The beacon reveals which items hold equal values
 * (and so how often each value occurs), never the value: see the guide's "What a beacon leaks".
 */
import { createHmac } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { valueToBytes } from './plaintext.js';

/** Options of a field's beacon. */
export interface BeaconOptions {
  /** The HMAC key: at least 32 bytes, secret, and kept apart from the data (the same key for every reader and writer). */
  readonly key: Uint8Array;
  /** The model field that stores the beacon: an `attr.string().optional()` (an index may use it as its partition key). */
  readonly field: string;
  /**
   * How many bits of the HMAC to keep (default 64, from 8 to 256). Fewer bits make more values share a
   * beacon: lookups return more candidates (filtered after decryption) and the beacon tells less.
   */
  readonly bits?: number;
}

const LABEL = 'dynamorm/beacon/v1';

/** The beacon of a value (as its base attribute encodes it) for the field stored as `attribute`. */
export function beaconOf(options: BeaconOptions, attribute: string, value: AttributeValue): string {
  const bits = options.bits ?? 64;
  const mac = createHmac('sha256', options.key).update(`${LABEL}\u0000${attribute}\u0000`).update(valueToBytes(value)).digest();
  const bytes = Math.ceil(bits / 8);
  const out = Buffer.from(mac.subarray(0, bytes));
  // Keep exactly `bits` bits: clear the low bits of the last byte.
  const spare = bytes * 8 - bits;
  if (spare > 0) out[bytes - 1] = (out[bytes - 1] as number) & (0xff << spare) & 0xff;
  return out.toString('base64url');
}

