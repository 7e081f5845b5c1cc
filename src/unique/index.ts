/**
 * `dynamorm/unique`: unique values. A `.unique()` field (optionally per scope fields) is enforced by
 * a guard item per value, written in the same transaction as the item; a duplicate raises
 * {@link UniqueConstraintError} and nothing is written. {@link findByUnique} reads an item by its
 * unique value, strongly consistent.
 *
 * ```ts
 * import { uniqueValues, findByUnique, UniqueConstraintError } from 'dynamorm/unique';
 * const db = Database.create({ extensions: [uniqueValues()] });
 * const User = model('User', { table: 'users', attributes: { id: attr.string().partitionKey(), email: attr.string().unique() } });
 * const ada = await findByUnique(db, User, 'email', 'ada@example.com');
 * ```
 * @packageDocumentation
 */
export { uniqueValues, UNIQUE_EXTENSION } from './extension.js';
export { findByUnique } from './find.js';
export type { UniqueFieldOf, UniqueScope, UniqueScopeArgument } from './find.js';
export { UniqueConstraintError, UniqueGuardMismatchError } from './errors.js';
export { GUARD_ENTITY } from './guards.js';
export type { UniqueMarker } from '../model/attributes.js';
