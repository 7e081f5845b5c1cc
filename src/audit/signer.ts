/**
 * Signers of audit checkpoints: `{ keyId, sign, verify }`. Two come with DynamORM, both on node:crypto:
 * Ed25519 (public-key: auditors verify with the public key alone) and HMAC-SHA-256 (a shared secret).
 * A signer backed by AWS KMS (`Sign`/`Verify` with an asymmetric key) fits the same interface.
 */
import { createHmac, createPrivateKey, createPublicKey, sign as edSign, timingSafeEqual, verify as edVerify, type KeyObject } from 'node:crypto';
import { AuditConfigError } from './errors.js';

/** Signs and verifies checkpoint bytes. Either method may be asynchronous (a remote key service). */
export interface AuditSigner {
  /** Names the key, stored with each checkpoint (so a rotated key can still verify old ones). */
  readonly keyId: string;
  /** The algorithm, stored with each checkpoint (`Ed25519`, `HMAC-SHA256`, ...). */
  readonly algorithm: string;
  sign(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  verify(data: Uint8Array, signature: Uint8Array): boolean | Promise<boolean>;
}

/** A key as a KeyObject or PEM text. */
export type KeyInput = KeyObject | string;

/**
 * An Ed25519 signer. Give `privateKey` to sign (the public key is derived from it), or only
 * `publicKey` to verify.
 */
export function ed25519Signer(options: { readonly keyId: string; readonly privateKey?: KeyInput; readonly publicKey?: KeyInput }): AuditSigner {
  const privateKey = options.privateKey === undefined ? undefined : typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
  const given = options.publicKey;
  const publicKey = given === undefined ? (privateKey && createPublicKey(privateKey)) : typeof given === 'string' ? createPublicKey(given) : given;
  if (!publicKey) throw new AuditConfigError('ed25519Signer needs a private or a public key');
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new AuditConfigError('ed25519Signer needs an Ed25519 key');
  return {
    keyId: options.keyId,
    algorithm: 'Ed25519',
    sign(data) {
      if (!privateKey) throw new AuditConfigError(`signer ${options.keyId} has only a public key: it verifies, it cannot sign`);
      return new Uint8Array(edSign(null, data, privateKey));
    },
    verify: (data, signature) => edVerify(null, data, publicKey, signature),
  };
}

/** An HMAC-SHA-256 signer with a shared secret of at least 32 bytes. */
export function hmacSigner(options: { readonly keyId: string; readonly key: Uint8Array }): AuditSigner {
  if (options.key.length < 32) throw new AuditConfigError('hmacSigner needs a key of at least 32 bytes');
  const key = Buffer.from(options.key);
  const mac = (data: Uint8Array) => createHmac('sha256', key).update(data).digest();
  return {
    keyId: options.keyId,
    algorithm: 'HMAC-SHA256',
    sign: (data) => new Uint8Array(mac(data)),
    verify(data, signature) {
      const expected = mac(data);
      return signature.length === expected.length && timingSafeEqual(expected, signature);
    },
  };
}
