/**
 * Compiles an update patch into an UpdateExpression. Fields not named in the patch are never
 * touched; `undefined` values are ignored (never written as empty values); keys, key-template fields
 * and clock/version fields cannot be patched.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import { ValidationError } from '../errors.js';
import type { Issues } from '../marshal/codec.js';
import { MAX_ITEM_BYTES, valueBound, valueSize } from '../marshal/item-size.js';
import { checkKeySize, keyLimitOf, templateValue } from '../model/item-codec.js';
import type { CompiledModel } from '../model/model.js';
import type { Placeholders } from './placeholders.js';
import { UpdateAction, type UpdateClauses } from './update-actions.js';

/** What the update writes besides the patch. */
export interface UpdateExtras {
  /** Time for the updatedAt field. */
  readonly now: Date;
  /** Next version to write, or `'increment'` to add one without knowing the current value. */
  readonly nextVersion?: number | 'increment' | undefined;
  /** The token of this write, stored in the model's write-token attribute. */
  readonly token?: string | undefined;
  /** The key fields of the item (as given): an index key template may combine them with patched fields. */
  readonly keyFields?: Readonly<Record<string, unknown>> | undefined;
  /** Table and encoded key of the item, for codecs that bind values to their place (`CodecScope`). */
  readonly place?: { readonly table: string; readonly key: Readonly<Record<string, AttributeValue>>; readonly context?: OperationContext | undefined };
}

/** Compiles `patch` into an UpdateExpression; throws {@link ValidationError} before anything is sent. */
export function compileUpdate(
  model: CompiledModel,
  patch: Readonly<Record<string, unknown>>,
  extras: UpdateExtras,
  ph: Placeholders,
  label: string,
): string {
  const issues: Issues = [];
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new ValidationError([{ path: [], rule: 'type', message: 'expected a patch object' }], label);
  }
  const set: string[] = [];
  const remove: string[] = [];
  const add: string[] = [];
  const del: string[] = [];
  const actionClauses: UpdateClauses = { set, remove, add, del };
  const plainValues: Record<string, unknown> = {};
  const patchValues: AttributeValue[] = [];
  let patchBound = 0;

  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const field = model.byName.get(name);
    const path = [name];
    if (!field) {
      issues.push({ path, rule: 'unknown-field', message: 'is not a field of this model' });
      continue;
    }
    if (field.key !== 'none' || model.keyInputNames.has(name)) {
      issues.push({ path, rule: 'key-change', message: 'is part of the primary key and cannot be updated' });
      continue;
    }
    if (field.spec.generated !== 'none') {
      issues.push({ path, rule: 'computed', message: `is set by DynamORM (${field.spec.generated}) and cannot be updated` });
      continue;
    }
    const target = ph.name(field.stored);
    if (!(value instanceof UpdateAction)) {
      if (value === null) {
        issues.push({ path, rule: 'type', message: 'null is not a value; use remove() to delete an optional field' });
        continue;
      }
      const av = field.codec.scoped
        ? field.codec.encode(value, path, issues, true, extras.place && { table: extras.place.table, key: extras.place.key, attribute: field.stored, context: extras.place.context })
        : field.codec.encode(value, path, issues);
      plainValues[name] = value;
      if (av) {
        const limit = keyLimitOf(model, field); // an index key: DynamoDB limits its size
        if (limit !== undefined) checkKeySize(av, limit, path, issues);
        patchValues.push(av);
        patchBound += valueBound(av);
        set.push(`${target} = ${ph.value(av)}`);
      } else if (field.spec.kind.endsWith('Set') && issues.length === 0) {
        remove.push(target); // an empty set: DynamoDB has none, so the attribute goes
      }
      continue;
    }
    // What an action sends counts toward the patch's size like a plain value (a huge append is refused here).
    const sent = value.compile(value, field, target, ph, issues, actionClauses);
    if (sent) {
      if (sent.S !== undefined || sent.B !== undefined) {
        const limit = keyLimitOf(model, field); // ifNotExists() on an index key
        if (limit !== undefined) checkKeySize(sent, limit, path, issues);
      }
      patchValues.push(sent);
      patchBound += valueBound(sent);
    }
  }

  // Index keys built from templates follow their fields; a partial change would leave them stale.
  for (const t of model.templates) {
    if (t.key !== 'none' || !t.template) continue;
    const touched = t.template.fields.filter((f) => Object.hasOwn(patch, f) && patch[f] !== undefined);
    if (touched.length === 0) continue;
    // Primary-key fields cannot change: the template takes them from the key being updated.
    const values: Record<string, unknown> = Object.assign({}, plainValues);
    for (const f of t.template.fields) if (model.keyInputNames.has(f) && extras.keyFields && Object.hasOwn(extras.keyFields, f)) values[f] = extras.keyFields[f];
    const missing = t.template.fields.filter((f) => !Object.hasOwn(values, f));
    if (missing.length > 0) {
      issues.push({
        path: [touched[0] as string],
        rule: 'key-template',
        message: `changes index key ${t.name}; give all of ${t.template.fields.join(', ')} as plain values in the same update`,
      });
      continue;
    }
    let av = templateValue(model, t, values, issues);
    // A sharded index key keeps the item's shard (a function of its key): a changed status moves it within its shard.
    if (av && t.sharding && extras.place) av = t.sharding.place(av, model, extras.place.key);
    const limit = keyLimitOf(model, t);
    if (av && limit !== undefined) checkKeySize(av, limit, [t.name], issues);
    if (av) set.push(`${ph.name(t.stored)} = ${ph.value(av)}`);
  }

  // Counted before updatedAt and version: a patch that changes nothing must not bump them either.
  const patchClauses = set.length + remove.length + add.length + del.length;
  if (model.updatedAt) set.push(`${ph.name(model.updatedAt.stored)} = ${ph.value(model.updatedAt.codec.encode(extras.now, [], issues)!)}`);
  if (model.writeToken && extras.token) set.push(`${ph.name(model.writeToken)} = ${ph.value({ S: extras.token })}`);
  if (model.version && extras.nextVersion !== undefined) {
    const v = ph.name(model.version.stored);
    if (extras.nextVersion === 'increment') add.push(`${v} ${ph.value({ N: '1' })}`);
    else set.push(`${v} = ${ph.value({ N: String(extras.nextVersion) })}`);
  }
  // Exact sizes only when a cheap bound says the patch might be too big.
  const patchBytes = patchBound > MAX_ITEM_BYTES ? patchValues.reduce((n, v) => n + valueSize(v), 0) : 0;
  if (patchBytes > MAX_ITEM_BYTES) issues.push({ path: [], rule: 'item-size', message: `the patch alone is ${patchBytes} bytes; DynamoDB allows ${MAX_ITEM_BYTES}` });
  if (issues.length > 0) throw new ValidationError(issues, label);
  if (patchClauses === 0) {
    throw new ValidationError([{ path: [], rule: 'empty-update', message: 'the patch changes nothing' }], label);
  }
  const clauses: string[] = [];
  if (set.length) clauses.push(`SET ${set.join(', ')}`);
  if (remove.length) clauses.push(`REMOVE ${remove.join(', ')}`);
  if (add.length) clauses.push(`ADD ${add.join(', ')}`);
  if (del.length) clauses.push(`DELETE ${del.join(', ')}`);
  return clauses.join(' ');
}
