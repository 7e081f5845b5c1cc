/**
 * The `unique` extension: for models with `.unique()` fields, every write carries the guard items of
 * its unique values as companion actions (one TransactWriteItems with the item, all or nothing).
 *
 * - create: put each value's guard (free, or already this item's);
 * - put: read the stored item, put each new value's guard, delete the guards of values it replaces;
 * - update: when the patch names a unique field or a scope field, the same as put for those fields;
 * - delete: read the stored item, delete its guards.
 *
 * An unchanged value's guard is put again, so an item never holds a value without owning its guard,
 * whatever raced with the write. Deleting a guard requires owning it, unless the write is
 * version-checked (the version then proves the stored item read is still the one replaced).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import { ValidationError } from '../errors.js';
import { UpdateAction } from '../expr/update-actions.js';
import type { Extension, ModelHooks, PlannedWrite, WriteIntent } from '../extensions/extension.js';
import { defineExtension } from '../extensions/runtime.js';
import type { AttributeMap } from '../model/item-codec.js';
import type { FieldMeta } from '../model/model.js';
import { planKey, type WritePlan } from '../write/plans.js';
import { deleteGuard, guardLayout, guardPartition, putGuard, type GuardLayout, type UniqueField } from './guards.js';

/** The name `.unique()` fields need (`spec.needs`). */
export const UNIQUE_EXTENSION = 'unique';

/** A field's stored value, encoded again from a decoded item (`undefined` when it has none). */
export function encodedValue(field: FieldMeta, value: unknown): AttributeValue | undefined {
  if (value === undefined || value === null) return undefined;
  return field.codec.encode(value, [field.name], [], false);
}

/** The scope values, then the unique value; `undefined` when one of them is missing (no guard). */
function valuesOf(unique: UniqueField, valueOf: (field: FieldMeta) => AttributeValue | undefined): AttributeValue[] | undefined {
  const out: AttributeValue[] = [];
  for (const field of [...unique.scope, unique.field]) {
    const value = valueOf(field);
    if (value === undefined) return undefined;
    out.push(value);
  }
  return out;
}

/** The new value of a field after an update: the patch's (a value, `remove()`, `ifNotExists()`), else the stored one. */
function updatedValue(field: FieldMeta, patch: Record<string, unknown>, stored: Record<string, unknown>, label: string): AttributeValue | undefined {
  const given = Object.hasOwn(patch, field.name) ? patch[field.name] : undefined;
  if (given === undefined) return encodedValue(field, stored[field.name]);
  if (!(given instanceof UpdateAction)) return encodedValue(field, given);
  if (given.kind === 'remove') return undefined;
  if (given.kind === 'ifNotExists') return encodedValue(field, stored[field.name] ?? given.value);
  throw new ValidationError(
    [{ path: [field.name], rule: 'unique-update', message: `is unique (or scopes a unique field): set it with a value, ifNotExists() or remove(), not ${given.kind}()` }],
    label,
  );
}

function hooksFor(layout: GuardLayout): ModelHooks {
  const watched = new Set(layout.unique.flatMap((u) => [u.field.name, ...u.scope.map((f) => f.name)]));
  const touches = (patch: Record<string, unknown> | undefined) => patch !== undefined && Object.keys(patch).some((name) => watched.has(name) && patch[name] !== undefined);
  return {
    wantsStoredItem(_context: OperationContext, write: WriteIntent): boolean {
      return write.kind === 'put' || write.kind === 'delete' || (write.kind === 'update' && touches(write.input));
    },
    companions(_context: OperationContext, { intent, primary, stored }: PlannedWrite): readonly WritePlan[] {
      const kind = intent.kind;
      if (kind === 'check' || (kind === 'update' && !touches(intent.input))) return [];
      const label = `${layout.meta.name}.${kind}`;
      // The item to update was not there when read (strongly consistent): nothing is sent.
      if (kind === 'update' && !stored) throw primary.explain(undefined);
      const table = primary.input.TableName as string;
      const owner = planKey(primary, layout.meta) as AttributeMap;
      const strict = primary.expectedVersion === undefined;
      const item = primary.item;
      const plans: WritePlan[] = [];
      for (const unique of layout.unique) {
        const before = stored && valuesOf(unique, (f) => encodedValue(f, stored[f.name]));
        let after: AttributeValue[] | undefined;
        if (kind === 'create' || kind === 'put') after = valuesOf(unique, (f) => item?.[f.stored]);
        else if (kind === 'update') after = valuesOf(unique, (f) => updatedValue(f, intent.input as Record<string, unknown>, stored ?? {}, label));
        const from = before && guardPartition(layout, unique, before);
        const to = after && guardPartition(layout, unique, after);
        if (to !== undefined) plans.push(putGuard(layout, table, unique, to, owner, primary.target));
        if (from !== undefined && from !== to) plans.push(deleteGuard(layout, table, unique, from, owner, primary.target, strict));
      }
      return plans;
    },
    batchWriteRefusal: 'its unique values are guarded by items written in the same transaction as the item: use create(), put() or a transaction',
  };
}

/**
 * The extension that enforces `.unique()` fields. Give it to `Database.create({ extensions: [uniqueValues()] })`
 * (or to the models that have unique fields); a model handle with a unique field refuses to be made
 * without it. Models without unique fields get no hooks from it and pay nothing.
 */
export function uniqueValues(): Extension {
  return defineExtension({
    name: UNIQUE_EXTENSION,
    forModel(model) {
      const layout = guardLayout(model.compiled);
      return layout && hooksFor(layout);
    },
  });
}
