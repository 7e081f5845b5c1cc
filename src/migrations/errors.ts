/**
 * The errors of data migrations. Each says what it guarantees about the table. Messages name the
 * migration (its id) and never an item's key or values: a key may be a card fingerprint.
 */
import { conceal, DynamORMError } from '../errors.js';

/** Base class of every data-migration error (catch this for all of them). */
export class MigrationError extends DynamORMError {
  static override readonly errorName: string = 'MigrationError';
  /** The migration's id. */
  readonly migration: string;
  constructor(code: string, migration: string, message: string, options?: { cause?: unknown }) {
    super(code, `migration ${migration}: ${message}`, options);
    this.migration = migration;
  }
}

/**
 * Another runner holds the migration's lease (it is running now, or crashed and its lease has not
 * expired yet). This runner changed nothing: no item and no record. Run again after `retryAfterMs`.
 */
export class MigrationLockedError extends MigrationError {
  static override readonly errorName: string = 'MigrationLockedError';
  /** Milliseconds until the other runner's lease expires (when it can be taken over). */
  readonly retryAfterMs: number;
  constructor(migration: string, retryAfterMs: number) {
    super('MIGRATION_LOCKED', migration, 'another runner holds its lease');
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * This runner's lease expired and another runner took the migration over (or the record was changed
 * by hand), so this runner stopped. The items it wrote before are migrated and marked (each write was
 * conditional, so nothing another writer changed was overwritten); the progress of its last pages may
 * not be recorded, which only makes the next run read them again (marked items are skipped).
 */
export class MigrationLeaseLostError extends MigrationError {
  static override readonly errorName: string = 'MigrationLeaseLostError';
  constructor(migration: string, cause?: unknown) {
    super('MIGRATION_LEASE_LOST', migration, 'its lease was lost to another runner; this runner stopped', { cause });
  }
}

/**
 * The migration stopped: its transform threw, returned an item that does not fit the model or changes
 * the item's key, or a request failed. Items written before are migrated and marked; the record is
 * `stopped` with each segment's place, so running it again (after fixing the cause) resumes there.
 * `cause` says why (its message names no value).
 */
export class MigrationStoppedError extends MigrationError {
  static override readonly errorName: string = 'MigrationStoppedError';
  /** Why, as a stable word: `transform` (it threw), `output` (its result was refused), `request` (DynamoDB). */
  readonly reason: 'transform' | 'output' | 'request';
  /**
   * What the transform threw (reason `transform`). Not enumerable and not the `cause`: its message is
   * your code's and may hold an item's values, so logs of this error never show it.
   */
  readonly transformError: unknown;
  constructor(migration: string, reason: 'transform' | 'output' | 'request', cause?: unknown) {
    super('MIGRATION_STOPPED', migration, `stopped (${reason}); the record keeps each segment's place: run it again to resume`, reason === 'transform' ? undefined : { cause });
    this.reason = reason;
    this.transformError = reason === 'transform' ? cause : undefined;
    conceal(this, ['transformError']);
  }
}

/** A migration definition is wrong (an empty id, a duplicate id, no transform). Thrown before anything is sent. */
export class MigrationDefinitionError extends MigrationError {
  static override readonly errorName: string = 'MigrationDefinitionError';
  constructor(migration: string, message: string) {
    super('MIGRATION_DEFINITION', migration, message);
  }
}
