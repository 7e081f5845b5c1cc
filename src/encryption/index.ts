/**
 * `dynamorm/encryption`: field encryption. `encrypted(attr.string())` fields are stored AES-256-GCM
 * encrypted under envelope data keys from a key provider (AWS KMS, or a local one for tests), bound
 * to their table, item key and attribute name. Only programs that import this entry carry it.
 * @packageDocumentation
 */
export { encrypted } from './attribute.js';
export type { EncryptedAttr, EncryptedOptions, Sealed } from './attribute.js';
export { encryption } from './extension.js';
export type { EncryptionOptions } from './extension.js';
export type { KeyCacheOptions } from './key-source.js';
export { localKeyProvider } from './key-provider.js';
export type { DataKey, KeyProvider, LocalKeys } from './key-provider.js';
export { kmsKeyProvider } from './kms-provider.js';
export type { KmsKeyProviderOptions } from './kms-provider.js';
export { reencrypt } from './reencrypt.js';
export type { ReencryptOptions, ReencryptProgress } from './reencrypt.js';
export type { BeaconOptions } from './beacon.js';
export { findByBeacon } from './lookup.js';
export { DecryptionError, KeyProviderError } from './errors.js';
export type { DecryptionFailure } from './errors.js';
export { FORMAT_VERSION } from './envelope.js';
