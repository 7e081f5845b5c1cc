/**
 * Update actions for `update()` patches: anything other than "set this field to this value".
 *
 * ```ts
 * await payments.update(key, { attempts: add(1), note: remove(), tags: append(['late']) });
 * ```
 */

/** The kinds of update action. */
export type UpdateActionKind = 'remove' | 'add' | 'removeFromSet' | 'append' | 'prepend' | 'ifNotExists';

/** An update action on one field. Create them with {@link add}, {@link remove}, {@link append}, ... */
export class UpdateAction<K extends UpdateActionKind = UpdateActionKind, V = unknown> {
  /** @internal */
  constructor(
    readonly kind: K,
    readonly value: V,
  ) {}
}

/** Removes the field (optional fields only). */
export function remove(): UpdateAction<'remove', never> {
  return new UpdateAction('remove', undefined as never);
}

/** Adds to a number atomically (`ADD`), or adds members to a set. */
export function add<V extends number | bigint | Iterable<unknown>>(value: V): UpdateAction<'add', V> {
  return new UpdateAction('add', value);
}

/** Removes members from a set (`DELETE`). */
export function removeFromSet<V extends Iterable<unknown>>(members: V): UpdateAction<'removeFromSet', V> {
  return new UpdateAction('removeFromSet', members);
}

/** Appends elements to a list (creating it when absent). */
export function append<V extends readonly unknown[]>(elements: V): UpdateAction<'append', V> {
  return new UpdateAction('append', elements);
}

/** Prepends elements to a list (creating it when absent). */
export function prepend<V extends readonly unknown[]>(elements: V): UpdateAction<'prepend', V> {
  return new UpdateAction('prepend', elements);
}

/** Sets the field only when it has no value yet. */
export function ifNotExists<V>(value: V): UpdateAction<'ifNotExists', V> {
  return new UpdateAction('ifNotExists', value);
}
