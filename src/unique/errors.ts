/**
 * The errors of unique values. Each names the field, never its value (a unique value may be an email
 * or a card fingerprint).
 */
import { ConditionalCheckFailedError, formatKey, type ErrorTarget } from '../errors.js';

/**
 * Another item of the model already holds this value of a `.unique()` field (in the same scope):
 * its guard item belongs to that item. Nothing was written: the item, its guards and every other
 * action of the same transaction were refused together. `field` names the field; the value is in no
 * message and no property.
 */
export class UniqueConstraintError extends ConditionalCheckFailedError {
  static override readonly errorName: string = 'UniqueConstraintError';
  /** The `.unique()` field whose value is taken. */
  readonly field: string;
  constructor(target: ErrorTarget, field: string, cause?: unknown) {
    super(target, undefined, {
      cause,
      code: 'UNIQUE_CONSTRAINT',
      message: `${target.model} ${formatKey(target.key, target.loggable)}: the value of ${field} is taken by another ${target.model}`,
    });
    this.field = field;
  }
}

/**
 * The guard of a unique value this write had to move or delete is not this item's: the item's unique
 * value changed after it was read (a concurrent write), or the item was written without its guard
 * (before the field was `.unique()`). Nothing was written; read the item again and retry.
 */
export class UniqueGuardMismatchError extends ConditionalCheckFailedError {
  static override readonly errorName: string = 'UniqueGuardMismatchError';
  /** The `.unique()` field whose guard did not match. */
  readonly field: string;
  constructor(target: ErrorTarget, field: string, cause?: unknown) {
    super(target, undefined, {
      cause,
      code: 'UNIQUE_GUARD_MISMATCH',
      message: `${target.model} ${formatKey(target.key, target.loggable)}: the guard of ${field} is not this item's (changed since read, or never written)`,
    });
    this.field = field;
  }
}
