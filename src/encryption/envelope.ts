/**
 * The stored form of an encrypted field (format version 1), as a DynamoDB binary value:
 *
 * ```
 * byte 0        format version (1)
 * u16 + bytes   key id: the master key the data key is wrapped under (a KMS key ARN, a local key name)
 * u16 + bytes   the wrapped (encrypted) data key, as the key provider returned it
 * 12 bytes      AES-GCM IV (random per value)
 * rest          AES-256-GCM ciphertext of the value, then its 16-byte tag
 * ```
 *
 * Self-describing: a reader needs nothing but the key provider to open it, and a rotated key's values
 * stay readable (they name their key). The additional authenticated data binds the value to its
 * place: the header above, the model's table, the item's primary key and the attribute name, so a
 * value copied to another item or attribute fails to open. Pure apart from `node:crypto`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { valueToBytes } from './plaintext.js';

/** The format version this module writes (and the only one it reads). */
export const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD_LABEL = Buffer.from('dynamorm/encrypted-field/v1', 'utf8');

/** Where a value is stored: what its ciphertext is bound to. */
export interface Place {
  /** The model's table name as declared (without a table prefix: see the guide). */
  readonly table: string;
  /** The item's primary key, encoded. */
  readonly key: Readonly<Record<string, AttributeValue>>;
  /** The stored attribute name. */
  readonly attribute: string;
}

/** The parsed header and body of a stored value. */
export interface Envelope {
  readonly keyId: string;
  readonly wrappedKey: Uint8Array;
  /** Version, key id and wrapped key as stored (authenticated as they are). */
  readonly header: Uint8Array;
  readonly iv: Uint8Array;
  /** Ciphertext then tag. */
  readonly body: Uint8Array;
}

/** Thrown when stored bytes are no envelope of a known format. */
export class EnvelopeFormatError extends Error {}

/** The header bytes of a data key (built once per data key, shared by every value it encrypts). */
export function headerOf(keyId: string, wrappedKey: Uint8Array): Uint8Array {
  const id = Buffer.from(keyId, 'utf8');
  if (id.byteLength > 0xffff || wrappedKey.byteLength > 0xffff) throw new RangeError('key id or wrapped key too long');
  const out = Buffer.alloc(1 + 2 + id.byteLength + 2 + wrappedKey.byteLength);
  out[0] = FORMAT_VERSION;
  out.writeUInt16BE(id.byteLength, 1);
  id.copy(out, 3);
  out.writeUInt16BE(wrappedKey.byteLength, 3 + id.byteLength);
  out.set(wrappedKey, 5 + id.byteLength);
  return out;
}

/** Reads an envelope's parts; throws {@link EnvelopeFormatError} for anything else. */
export function parseEnvelope(stored: Uint8Array): Envelope {
  const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  if (bytes.byteLength < 1 || bytes[0] !== FORMAT_VERSION) throw new EnvelopeFormatError('unknown format version');
  if (bytes.byteLength < 3) throw new EnvelopeFormatError('truncated');
  const idLength = bytes.readUInt16BE(1);
  if (bytes.byteLength < 5 + idLength) throw new EnvelopeFormatError('truncated');
  const wrappedLength = bytes.readUInt16BE(3 + idLength);
  const headerEnd = 5 + idLength + wrappedLength;
  if (bytes.byteLength < headerEnd + IV_BYTES + TAG_BYTES) throw new EnvelopeFormatError('truncated');
  return {
    keyId: bytes.subarray(3, 3 + idLength).toString('utf8'),
    wrappedKey: new Uint8Array(bytes.subarray(5 + idLength, headerEnd)),
    header: bytes.subarray(0, headerEnd),
    iv: bytes.subarray(headerEnd, headerEnd + IV_BYTES),
    body: bytes.subarray(headerEnd + IV_BYTES),
  };
}

function lengthPrefixed(value: Uint8Array): Uint8Array[] {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.byteLength);
  return [length, value];
}

/**
 * The additional authenticated data of a value: the label, its header, and its place (table, key
 * attributes sorted by name with their values, attribute name), each length-prefixed so no two
 * places share an encoding.
 */
export function associatedData(header: Uint8Array, place: Place): Buffer {
  const parts: Uint8Array[] = [AAD_LABEL, ...lengthPrefixed(header), ...lengthPrefixed(Buffer.from(place.table, 'utf8'))];
  const names = Object.keys(place.key).sort();
  parts.push(...lengthPrefixed(Buffer.from(String(names.length), 'utf8')));
  for (const name of names) {
    parts.push(...lengthPrefixed(Buffer.from(name, 'utf8')), ...lengthPrefixed(valueToBytes(place.key[name] as AttributeValue)));
  }
  parts.push(...lengthPrefixed(Buffer.from(place.attribute, 'utf8')));
  return Buffer.concat(parts);
}

/** Encrypts `plaintext` under a 32-byte data key for `place`; returns the stored bytes. */
export function seal(dataKey: Uint8Array, header: Uint8Array, plaintext: Uint8Array, place: Place): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(associatedData(header, place));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([header, iv, body]);
}

/** Decrypts an envelope for `place`; throws when the tag does not verify (tampered, moved, wrong key). */
export function open(dataKey: Uint8Array, envelope: Envelope, place: Place): Uint8Array {
  const decipher = createDecipheriv('aes-256-gcm', dataKey, envelope.iv);
  decipher.setAAD(associatedData(envelope.header, place));
  decipher.setAuthTag(envelope.body.subarray(envelope.body.byteLength - TAG_BYTES));
  return Buffer.concat([decipher.update(envelope.body.subarray(0, envelope.body.byteLength - TAG_BYTES)), decipher.final()]);
}
