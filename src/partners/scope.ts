/**
 * The partner in the ambient scope: `withPartner(id, fn)` runs `fn` for one partner. Operations
 * started inside pick it up on their context, `forPartner(db)` without an id picks that partner's
 * database, and a partner database refuses to run in another partner's scope.
 */
import { currentScope, withScope } from '../scope.js';
import { PARTNER_ID } from './registry.js';
import { EventScopeError } from './errors.js';

/**
 * Runs `fn` in the scope of partner `id` (kept through awaits, timers and callbacks started inside).
 * An inner `withPartner` wins over an outer one. Throws an EventScopeError for an id that is not a
 * valid partner id.
 */
export function withPartner<T>(id: string, fn: () => T): T {
  if (typeof id !== 'string' || !PARTNER_ID.test(id)) throw new EventScopeError('invalid-partner', 'a partner id is 1 to 64 letters, digits, "_", "." or "-"');
  return withScope({ partner: id }, fn);
}

/** The partner of the current scope, if any. */
export function currentPartner(): string | undefined {
  return currentScope()?.partner;
}
