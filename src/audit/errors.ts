/**
 * The audit trail's errors. Messages name models and fields, never values (a key may be a card
 * fingerprint, an actor an email address).
 */
import { DynamORMError } from '../errors.js';

/**
 * A write of an audited model was refused because no actor is known (no `withActor`, no actor in the
 * scope) and the model does not allow writes without one. Raised before any request is sent:
 * nothing changed.
 */
export class AuditActorRequiredError extends DynamORMError {
  static override readonly errorName: string = 'AuditActorRequiredError';
  constructor(
    /** The audited model. */
    readonly model: string,
    /** The write refused. */
    readonly operation: string,
  ) {
    super('AUDIT_ACTOR_REQUIRED', `${model}.${operation}: audited writes need an actor (withActor(...) or the Lambda event); nothing was sent`);
  }
}

/**
 * Another write of the same item extended its audit chain first (a concurrent write of the item).
 * The whole transaction was cancelled: nothing changed, and the write may be retried as it is.
 */
export class AuditConflictError extends DynamORMError {
  static override readonly errorName: string = 'AuditConflictError';
  constructor(
    /** The audited model. */
    readonly model: string,
  ) {
    super('AUDIT_CONFLICT', `${model}: another write of this item was audited first; nothing was written, retry the write`);
  }
}

/**
 * The audit configuration is wrong (a tracked field that does not exist, is ephemeral, or is filled by
 * DynamORM), or a function was called for a model this database does not audit. Raised when the
 * model handle is made or the function is called, before anything is sent.
 */
export class AuditConfigError extends DynamORMError {
  static override readonly errorName: string = 'AuditConfigError';
  constructor(message: string) {
    super('AUDIT_CONFIG', message);
  }
}

/**
 * An update changes a tracked field with an action whose result cannot be computed exactly from the
 * before-image (`add()` on a floating-point or decimal number, a binary set), so its audit record
 * could not say the value after. Raised before any request is sent: nothing changed. Set the new
 * value instead, or stop tracking the field.
 */
export class AuditUnsupportedUpdateError extends DynamORMError {
  static override readonly errorName: string = 'AuditUnsupportedUpdateError';
  constructor(
    readonly model: string,
    /** The tracked field. */
    readonly field: string,
    /** The update action. */
    readonly action: string,
  ) {
    super('AUDIT_UNSUPPORTED_UPDATE', `${model}.update: ${action}() on tracked field ${field} cannot be audited exactly; nothing was sent`);
  }
}
