/**
 * Reading an item by a unique value: the value's guard, then the item it names, both strongly
 * consistent (never an eventually consistent index, which may miss a value just written or still show
 * one just moved).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { operationContext } from '../client/context.js';
import type { Database } from '../database.js';
import { ValidationError } from '../errors.js';
import { decodeItem, type AttributeMap } from '../model/item-codec.js';
import type { AnyModel } from '../model/model.js';
import type { UniqueMarker } from '../model/attributes.js';
import type { Item, KeyInput } from '../model/types.js';
import { badArgument, checkModel } from '../handles/arguments.js';
import { fetchItem, getItemInput } from '../read/get.js';
import { encodedValue } from './extension.js';
import { guardKey, guardLayout, guardPartition, OWNER_PARTITION, OWNER_SORT, type GuardLayout } from './guards.js';

type Attrs<M extends AnyModel> = M['attributes'];

/** The `.unique()` fields of a model. */
export type UniqueFieldOf<M extends AnyModel> = {
  [K in keyof Attrs<M>]: Attrs<M>[K] extends UniqueMarker<readonly string[]> ? K : never;
}[keyof Attrs<M>] &
  string;

/** The names of the fields that scope a unique field. */
type ScopeNames<M extends AnyModel, F extends keyof Attrs<M>> = Attrs<M>[F] extends UniqueMarker<infer S> ? S[number] & keyof Attrs<M> : never;

/** The scope values a lookup by a scoped unique field needs: `{ merchantId }`. */
export type UniqueScope<M extends AnyModel, F extends UniqueFieldOf<M>> = { -readonly [K in ScopeNames<M, F>]: Attrs<M>[K]['_types']['in'] };

/** The argument after the value: the scope values when the field has a scope, else nothing. */
export type UniqueScopeArgument<M extends AnyModel, F extends UniqueFieldOf<M>> = [ScopeNames<M, F>] extends [never] ? [] : [scope: UniqueScope<M, F>];

const layouts = new WeakMap<AnyModel, GuardLayout | null>();

function layoutOf(model: AnyModel): GuardLayout | undefined {
  let layout = layouts.get(model);
  if (layout === undefined) layouts.set(model, (layout = guardLayout(model.compiled) ?? null));
  return layout ?? undefined;
}

/**
 * The item of `model` that holds `value` in the unique field `field` (and, for a scoped field, in
 * the scope given), or `undefined`. Reads the value's guard, then the item it names, both strongly
 * consistent, through the model's handle (so its extensions apply as to any `get`). A guard whose
 * item no longer holds the value (left by an interrupted migration) finds nothing.
 *
 * ```ts
 * const user = await findByUnique(db, User, 'email', 'ada@example.com');
 * const order = await findByUnique(db, Order, 'reference', 'R-1', { merchantId: 'm-1' });
 * ```
 * Bad input (a field that is not unique, a value of the wrong type, a missing scope value) throws a
 * ValidationError before anything is sent.
 */
export async function findByUnique<M extends AnyModel, F extends UniqueFieldOf<M>>(
  db: Database,
  model: M,
  field: F,
  value: Attrs<M>[F]['_types']['in'],
  ...scope: UniqueScopeArgument<M, F>
): Promise<Item<M> | undefined> {
  const label = `${(model as AnyModel | undefined)?.name ?? 'model'}.findByUnique`;
  checkModel(model, label);
  const handle = db.model(model);
  const layout = layoutOf(model);
  const unique = layout?.unique.find((u) => u.field.name === field);
  if (!layout || !unique) badArgument(label, `${typeof field === 'string' ? field : 'the field'} is not a unique field of ${model.name}`, 'not-unique');
  const given = (scope[0] ?? {}) as Record<string, unknown>;
  if (typeof given !== 'object' || given === null) badArgument(label, 'the scope is an object of field values', 'scope');
  const issues: { path: string[]; rule: string; message: string }[] = [];
  const values: AttributeValue[] = [];
  for (const f of [...unique.scope, unique.field]) {
    const raw = f === unique.field ? value : given[f.name];
    if (raw === undefined || raw === null) {
      issues.push({ path: [f.name], rule: 'required', message: f === unique.field ? 'is required' : `is required: it scopes ${unique.field.name}` });
      continue;
    }
    const encoded = f.codec.encode(raw, [f.name], issues);
    if (encoded) values.push(encoded);
  }
  if (issues.length > 0) throw new ValidationError(issues, label);
  const partition = guardPartition(layout, unique, values);
  const context = operationContext(db, 'get', model);
  const guard = await fetchItem(handle, context, getItemInput(context.table as string, guardKey(layout, partition), true));
  const ownerPartition = guard?.[OWNER_PARTITION];
  if (!guard || !ownerPartition) return undefined;
  const ownerKey: AttributeMap = { [layout.partition]: ownerPartition };
  if (layout.sort) ownerKey[layout.sort.stored] = guard[OWNER_SORT] as AttributeValue;
  // The key fields as the handle takes them (template fields parsed back from the stored key).
  const keyFields = decodeItem(layout.meta, ownerKey) as KeyInput<M>;
  const item = (await handle.get(keyFields as never, { consistent: true })) as Record<string, unknown> | undefined;
  if (!item) return undefined;
  // The guard must be the one of the item's current value (and scope).
  const current = [...unique.scope, unique.field].map((f) => encodedValue(f, item[f.name]));
  if (current.some((v) => v === undefined) || guardPartition(layout, unique, current as AttributeValue[]) !== partition) return undefined;
  return item as Item<M>;
}
