/**
 * The errors of field encryption. Neither ever holds a field value, a plaintext, a data key or a
 * ciphertext: they name the model and the field, and say what failed.
 */
import { DynamORMError } from '../errors.js';

/** Why a stored encrypted value did not open. */
export type DecryptionFailure =
  /** The stored bytes are no encrypted value of a known format (written by another tool, say). */
  | 'format'
  /** The value does not verify in its place: tampered with, or copied from another item or attribute. */
  | 'authentication';

/**
 * A stored encrypted value could not be decrypted: it was tampered with, copied from another item or
 * attribute, or is no encrypted value at all. Raised by reads (and by writes that return the stored
 * item); a read changes nothing, and the value is never shown.
 */
export class DecryptionError extends DynamORMError {
  static override readonly errorName: string = 'DecryptionError';
  constructor(
    /** The model whose item it is. */
    readonly model: string,
    /** The encrypted field. */
    readonly field: string,
    /** What failed. */
    readonly reason: DecryptionFailure,
  ) {
    super('DECRYPTION_FAILED', `${model}.${field}: the stored encrypted value ${reason === 'format' ? 'is not in a known encrypted format' : 'does not verify for this item and attribute (tampered with or copied)'}`);
  }
}

/**
 * The key provider (AWS KMS, or another) failed to make or unwrap a data key: the key is disabled or
 * unknown, access is denied, or the service failed. On a write it is raised before any request is
 * sent to DynamoDB: nothing was written. On a read nothing changed. `cause` holds the provider's error.
 */
export class KeyProviderError extends DynamORMError {
  static override readonly errorName: string = 'KeyProviderError';
  constructor(
    /** `generate` (a data key for a write) or `decrypt` (unwrap a stored one). */
    readonly operation: 'generate' | 'decrypt',
    cause: unknown,
  ) {
    super('KEY_PROVIDER', `the key provider could not ${operation === 'generate' ? 'make a data key' : 'unwrap a data key'}: ${(cause as Error | undefined)?.name ?? 'error'}`, { cause });
  }
}
