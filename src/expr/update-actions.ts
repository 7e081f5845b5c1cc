/**
 * Update actions for `update()` patches: anything other than "set this field to this value".
 *
 * ```ts
 * await payments.update(key, { attempts: add(1), note: remove(), tags: append(['late']) });
 * ```
 * Each action carries how it compiles into an update expression, so a bundle holds only the actions
 * it uses.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Issues } from '../marshal/codec.js';
import { describe } from '../marshal/codec.js';
import type { FieldMeta } from '../model/model.js';
import type { Placeholders } from './placeholders.js';

/** The clauses of an update expression, filled by the patch's fields and actions. */
export interface UpdateClauses {
  readonly set: string[];
  readonly remove: string[];
  readonly add: string[];
  readonly del: string[];
}

/**
 * Compiles one action on one field: adds its clause, or an issue when the field cannot take it.
 * Returns the value it sends, if any, so the patch's size check counts it.
 */
type CompileAction = (
  action: UpdateAction,
  field: FieldMeta,
  target: string,
  ph: Placeholders,
  issues: Issues,
  out: UpdateClauses,
) => AttributeValue | undefined;

function fail(issues: Issues, field: FieldMeta, message: string): undefined {
  issues.push({ path: [field.name], rule: 'update-action', message });
  return undefined;
}

const isSetKind = (field: FieldMeta) => field.spec.kind.endsWith('Set');
const NUMERIC = new Set(['number', 'integer', 'cents', 'bigint', 'decimal']);

/** The kinds of update action. */
export type UpdateActionKind = 'remove' | 'add' | 'removeFromSet' | 'append' | 'prepend' | 'ifNotExists';

/** An update action on one field. Create them with {@link add}, {@link remove}, {@link append}, ... */
export class UpdateAction<K extends UpdateActionKind = UpdateActionKind, V = unknown> {
  /** @internal */
  constructor(
    readonly kind: K,
    readonly value: V,
    /** @internal */
    readonly compile: CompileAction,
  ) {}
}

const compileRemove: CompileAction = (_action, field, target, _ph, issues, out) => {
  if (!field.spec.optional) return fail(issues, field, 'is required and cannot be removed');
  out.remove.push(target);
  return undefined;
};

const compileIfNotExists: CompileAction = (action, field, target, ph, issues, out) => {
  const av = field.codec.encode(action.value, [field.name], issues);
  if (av) out.set.push(`${target} = if_not_exists(${target}, ${ph.value(av)})`);
  return av;
};

const compileAdd: CompileAction = (action, field, target, ph, issues, out) => {
  if (!NUMERIC.has(field.spec.kind) && !isSetKind(field)) return fail(issues, field, `add() works on numbers and sets, not on ${field.spec.kind}`);
  // The field's own rules (`.validate()`) are about its value; this is a change to it (a stock of 0
  // can take add(-1) attempts: a condition guards the result), so only the type is checked.
  const av = field.codec.encode(action.value, [field.name], issues, false);
  if (av) out.add.push(`${target} ${ph.value(av)}`);
  return av;
};

const compileRemoveFromSet: CompileAction = (action, field, target, ph, issues, out) => {
  if (!isSetKind(field)) return fail(issues, field, `removeFromSet() works on sets, not on ${field.spec.kind}`);
  const av = field.codec.encode(action.value, [field.name], issues);
  if (av) out.del.push(`${target} ${ph.value(av)}`);
  return av;
};

const compileListJoin: CompileAction = (action, field, target, ph, issues, out) => {
  if (field.spec.kind !== 'list') return fail(issues, field, `${action.kind}() works on lists, not on ${field.spec.kind}`);
  if (!Array.isArray(action.value)) return fail(issues, field, `${action.kind}() takes an array, got ${describe(action.value)}`);
  const av = field.codec.encode(action.value, [field.name], issues);
  if (!av) return undefined;
  const existing = `if_not_exists(${target}, ${ph.value({ L: [] })})`;
  const items = ph.value(av);
  out.set.push(`${target} = list_append(${action.kind === 'append' ? `${existing}, ${items}` : `${items}, ${existing}`})`);
  return av;
};

/** Removes the field (optional fields only). */
export function remove(): UpdateAction<'remove', never> {
  return new UpdateAction('remove', undefined as never, compileRemove);
}

/** Adds to a number atomically (`ADD`), or adds members to a set. */
export function add<V extends number | bigint | Iterable<unknown>>(value: V): UpdateAction<'add', V> {
  return new UpdateAction('add', value, compileAdd);
}

/** Removes members from a set (`DELETE`). */
export function removeFromSet<V extends Iterable<unknown>>(members: V): UpdateAction<'removeFromSet', V> {
  return new UpdateAction('removeFromSet', members, compileRemoveFromSet);
}

/** Appends elements to a list (creating it when absent). */
export function append<V extends readonly unknown[]>(elements: V): UpdateAction<'append', V> {
  return new UpdateAction('append', elements, compileListJoin);
}

/** Prepends elements to a list (creating it when absent). */
export function prepend<V extends readonly unknown[]>(elements: V): UpdateAction<'prepend', V> {
  return new UpdateAction('prepend', elements, compileListJoin);
}

/** Sets the field only when it has no value yet. */
export function ifNotExists<V>(value: V): UpdateAction<'ifNotExists', V> {
  return new UpdateAction('ifNotExists', value, compileIfNotExists);
}
