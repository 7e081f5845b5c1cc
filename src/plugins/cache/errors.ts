/** The cache plugin's error. */
import { DynamORMError } from '../../errors.js';

/**
 * The cache store could not be told, before a write was sent, that the write's items are about to
 * change (Redis unreachable, say). The write was not sent: nothing changed, and retrying is safe.
 * Sending it anyway could leave other containers serving the old items until their time to live ends.
 */
export class CacheUnavailableError extends DynamORMError {
  static override readonly errorName: string = 'CacheUnavailableError';
  /** Always false: the write was not sent. */
  readonly sent = false;
  constructor(operation: string, cause: unknown) {
    super('CACHE_UNAVAILABLE', `${operation} was not sent: the cache store could not invalidate the items it writes`, { cause });
  }
}
