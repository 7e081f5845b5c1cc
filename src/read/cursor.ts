/**
 * Opaque pagination cursors. A cursor carries DynamoDB's LastEvaluatedKey, encrypted (AES-256-GCM,
 * so key values are not exposed to API clients) and signed (HMAC-SHA256) with keys derived from the
 * configured secret, and bound to the query that made it (model, index, order, conditions and their
 * values). A cursor that was altered, or made by another query, is refused with
 * InvalidCursorError before anything reaches DynamoDB. Hand-written on node:crypto: no library needed.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConfigurationError, InvalidCursorError } from '../errors.js';

type AttributeMap = Record<string, AttributeValue>;

const VERSION = 1;
const MAX_CURSOR_LENGTH = 8192;

/** Serialises a key (S, N and B values only: keys hold nothing else) to JSON-safe form. */
export function keyToJson(key: AttributeMap): Record<string, [string, string]> {
  const out: Record<string, [string, string]> = {};
  for (const [name, value] of Object.entries(key)) {
    if (value.S !== undefined) out[name] = ['S', value.S];
    else if (value.N !== undefined) out[name] = ['N', value.N];
    else if (value.B !== undefined) out[name] = ['B', Buffer.from(value.B).toString('base64')];
    else throw new Error(`key attribute ${name} is not S, N or B`);
  }
  return out;
}

export function keyFromJson(json: unknown): AttributeMap {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not a key');
  const out: AttributeMap = {};
  for (const [name, pair] of Object.entries(json)) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'string') throw new Error('bad key value');
    const [type, text] = pair as [unknown, string];
    if (type === 'S') out[name] = { S: text };
    else if (type === 'N') out[name] = { N: text };
    else if (type === 'B') out[name] = { B: new Uint8Array(Buffer.from(text, 'base64')) };
    else throw new Error('bad key type');
  }
  return out;
}

/** A stable digest of what a cursor is bound to. */
export function bindingOf(parts: readonly unknown[]): string {
  const json = JSON.stringify(parts, (_k, v: unknown) =>
    v instanceof Uint8Array ? `b64:${Buffer.from(v).toString('base64')}` : typeof v === 'bigint' ? v.toString() : v,
  );
  return createHash('sha256').update(json).digest('base64url');
}

/** Encrypts, signs and checks cursors with one secret. */
export class CursorCodec {
  private readonly encryptionKey: Buffer;
  private readonly macKey: Buffer;

  constructor(secret: string) {
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'dynamorm-cursor', info, 32));
    this.encryptionKey = derive('encrypt');
    this.macKey = derive('sign');
  }

  /** Makes a cursor for `key`, bound to `binding`. */
  encode(binding: string, state: unknown): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    cipher.setAAD(Buffer.from(binding));
    const body = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
    const token = Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]).toString('base64url');
    return `${token}.${this.sign(binding, token).toString('base64url')}`;
  }

  /** Checks and opens a cursor made by {@link encode} for the same binding. */
  decode(binding: string, cursor: unknown): unknown {
    if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) {
      throw new InvalidCursorError('not a cursor string');
    }
    const [token, signature, extra] = cursor.split('.');
    if (!token || !signature || extra !== undefined) throw new InvalidCursorError('malformed');
    const expected = this.sign(binding, token);
    const given = Buffer.from(signature, 'base64url');
    // Base64 decoding ignores stray characters and unused trailing bits: accept only the canonical text.
    if (given.length !== expected.length || given.toString('base64url') !== signature || !timingSafeEqual(given, expected)) {
      throw new InvalidCursorError('signature does not match this query (tampered, or made by another query or key)');
    }
    const raw = Buffer.from(token, 'base64url');
    if (raw.length < 1 + 12 + 16 || raw[0] !== VERSION) throw new InvalidCursorError('unknown cursor version');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, raw.subarray(1, 13));
      decipher.setAAD(Buffer.from(binding));
      decipher.setAuthTag(raw.subarray(13, 29));
      const text = Buffer.concat([decipher.update(raw.subarray(29)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as unknown;
    } catch {
      throw new InvalidCursorError('cannot be opened');
    }
  }

  /** Makes a cursor holding one LastEvaluatedKey. */
  encodeKey(binding: string, key: AttributeMap): string {
    return this.encode(binding, keyToJson(key));
  }

  /** Opens a cursor holding one LastEvaluatedKey. */
  decodeKey(binding: string, cursor: unknown): AttributeMap {
    const state = this.decode(binding, cursor);
    try {
      return keyFromJson(state);
    } catch {
      throw new InvalidCursorError('does not hold a key');
    }
  }

  private sign(binding: string, token: string): Buffer {
    return createHmac('sha256', this.macKey).update(binding).update('\n').update(token).digest();
  }
}

/** The cursor codec for a secret; a missing secret is a configuration error raised when a cursor is needed. */
export function cursorCodec(secret: string | undefined): CursorCodec {
  if (!secret) {
    throw new ConfigurationError('page() cursors need a secret: set cursorSecret in DynamORM.create() or DYNAMORM_CURSOR_SECRET (32+ characters)');
  }
  return new CursorCodec(secret);
}
