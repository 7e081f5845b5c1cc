/**
 * Key providers: where data keys come from. A provider makes a fresh 256-bit data key together with
 * its wrapped (encrypted) form under a master key, and unwraps a stored one. `kmsKeyProvider` uses
 * AWS KMS; `localKeyProvider` wraps with AES-256-GCM under master keys held in memory (tests and
 * development; never production, where the master key would sit next to the data).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigurationError } from '../errors.js';

/** A data key: its plaintext (kept in memory only) and its wrapped form (stored with each value). */
export interface DataKey {
  readonly plaintext: Uint8Array;
  readonly wrapped: Uint8Array;
  /** The master key it is wrapped under (a KMS key ARN, a local key name). */
  readonly keyId: string;
}

/** Makes and unwraps data keys. Implement it to use another key service. */
export interface KeyProvider {
  /** A new 32-byte data key under the current master key. */
  generateDataKey(): Promise<DataKey>;
  /** The plaintext of a data key wrapped under `keyId`. */
  decryptDataKey(wrapped: Uint8Array, keyId: string): Promise<Uint8Array>;
  /** The id of the current master key, as stored with new values (what `reencrypt` moves values to). */
  currentKeyId(): Promise<string>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const LOCAL_AAD = 'dynamorm/local-data-key/v1:';

/** Master keys of the local provider: the key new data keys are wrapped under, and older ones still readable. */
export interface LocalKeys {
  readonly current: string;
  readonly keys: Readonly<Record<string, Uint8Array>>;
}

/**
 * A key provider holding its master keys in memory: for tests and development. `masterKey` is one
 * 32-byte key (named `local`), or `{ current, keys }` to rotate: values under older keys stay
 * readable, new ones use `current`.
 */
export function localKeyProvider(masterKey: Uint8Array | LocalKeys): KeyProvider {
  const config: LocalKeys = masterKey instanceof Uint8Array ? { current: 'local', keys: { local: masterKey } } : masterKey;
  const keys = new Map(Object.entries(config.keys));
  for (const key of keys.values()) {
    if (!(key instanceof Uint8Array) || key.byteLength !== 32) throw new ConfigurationError('localKeyProvider: each master key is 32 bytes (a Uint8Array)');
  }
  if (!keys.has(config.current)) throw new ConfigurationError('localKeyProvider: the current key is not among the keys');
  const master = (keyId: string): Uint8Array => {
    const key = keys.get(keyId);
    if (!key) throw new ConfigurationError('localKeyProvider: unknown master key id');
    return key;
  };
  return {
    async generateDataKey() {
      const plaintext = randomBytes(32);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', master(config.current), iv);
      cipher.setAAD(Buffer.from(LOCAL_AAD + config.current, 'utf8'));
      const wrapped = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return { plaintext, wrapped, keyId: config.current };
    },
    async decryptDataKey(wrapped, keyId) {
      const bytes = Buffer.from(wrapped);
      const decipher = createDecipheriv('aes-256-gcm', master(keyId), bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(LOCAL_AAD + keyId, 'utf8'));
      decipher.setAuthTag(bytes.subarray(bytes.byteLength - TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.byteLength - TAG_BYTES)), decipher.final()]);
    },
    async currentKeyId() {
      return config.current;
    },
  };
}
