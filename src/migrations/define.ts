/**
 * A data migration: a versioned script that transforms the items of one model in place. Defining one
 * sends nothing; `runMigration(db, migration)` (run.ts) or `dynamorm migrate --apply` runs it.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AnyModel } from '../model/model.js';
import type { CreateInput, Item } from '../model/types.js';
import { MigrationDefinitionError } from './errors.js';

/**
 * An item as the migration reads it: the model's fields that the stored item holds, decoded. Fields a
 * stored item lacks (a field the model added since) are absent, so every field is optional; a stored
 * value that no longer fits its field's type is absent too, and readable in `raw`.
 */
export type MigrationItem<M extends AnyModel> = Partial<Item<M>>;

/**
 * What a transform returns: the whole item to write, `undefined` to leave the item alone, `'delete'`
 * to delete it. Field names and value types are checked by the compiler; whether every required
 * field is there is checked when the item is encoded (a missing one stops the migration before
 * anything of that item is written), because the item read may lack fields the model requires now.
 */
export type MigrationOutput<M extends AnyModel> = (Partial<CreateInput<M>> & { version?: number }) | undefined | 'delete';

/** What a transform is given besides the item. */
export interface TransformContext {
  /**
   * The item as stored: every attribute, those the model does not declare (an attribute it renamed)
   * included. Read-only: the write is made from what the transform returns.
   */
  readonly raw: Readonly<Record<string, AttributeValue>>;
  /** The migration's id. */
  readonly migration: string;
}

/** The definition of a data migration (see {@link defineMigration}). */
export interface MigrationSpec<M extends AnyModel> {
  /**
   * Unique and stable: it is the key of the migration's record. Migrations run in the order of their
   * ids, so start them with a date (`2026-12-01-add-currency`).
   */
  readonly id: string;
  /** The model whose items are transformed (its current definition: the shape items migrate to). */
  readonly model: M;
  /**
   * Turns one stored item into its new form. Returns the whole item to write (usually
   * `{ ...item, newField }`), `undefined` to leave it as it is, or `'delete'`. It may be async.
   *
   * Called once per item and run: the migration marks every item it writes, in the same write, and
   * never transforms a marked item again, so an interrupted and resumed run applies it once. It must
   * not change the item's key. If the application writes items in the old shape while the
   * migration runs, those writes drop the mark and the items are transformed again at the next
   * run: a transform that recognises items already in the new shape (and returns `undefined`) is
   * safe against that too.
   */
  transform(item: MigrationItem<M>, context: TransformContext): MigrationOutput<M> | Promise<MigrationOutput<M>>;
  /** A line for the plan (`dynamorm migrate` prints it). */
  readonly description?: string;
}

/** A defined migration: the spec, checked. */
export interface Migration<M extends AnyModel = AnyModel> extends MigrationSpec<M> {
  /** @internal Tells migrations apart from other exports of a module. */
  readonly kind: 'dynamorm.migration';
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/**
 * Defines a data migration of `model`'s items, typed against the model.
 *
 * ```ts
 * export const addCurrency = defineMigration({
 *   id: '2026-12-01-add-currency',
 *   model: Payment,
 *   transform: (item) => (item.currency ? undefined : { ...item, currency: 'EUR' }),
 * });
 * ```
 * @throws MigrationDefinitionError for an id that is empty or not made of letters, digits and `._:-`, or no transform.
 */
export function defineMigration<M extends AnyModel>(spec: MigrationSpec<M>): Migration<M> {
  const id = typeof spec?.id === 'string' ? spec.id : '';
  if (!ID.test(id)) throw new MigrationDefinitionError(JSON.stringify(id.slice(0, 40)), 'an id is 1 to 200 letters, digits or ._:- and starts with a letter or digit');
  if (typeof spec.transform !== 'function') throw new MigrationDefinitionError(id, 'transform must be a function');
  if (typeof spec.model !== 'object' || spec.model === null || !('compiled' in spec.model)) throw new MigrationDefinitionError(id, 'model must be a model made with model()');
  return Object.freeze({ ...spec, kind: 'dynamorm.migration' as const });
}

/** Whether `value` is a migration made with {@link defineMigration}. */
export function isMigration(value: unknown): value is Migration {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'dynamorm.migration';
}
