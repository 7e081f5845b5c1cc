/**
 * Guard items: one item per unique value (per scope), in the model's own table, whose key is derived
 * from the value and whose attributes name the item that holds it. Writing an item puts the guards
 * of its unique values in the same transaction, conditioned on the guard being free (or already
 * this item's); moving or removing a value deletes the old guard, conditioned on owning it. Pure
 * functions: nothing here sends.
 *
 * The guard's partition key is `_unique#<model>#<attribute>#<SHA-256 of the scope and value>`: a table
 * scan shows which field a guard is for, never the value (a card fingerprint, an email).
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ModelDefinitionError, type ErrorTarget } from '../errors.js';
import type { AttributeMap } from '../model/item-codec.js';
import type { CompiledModel, FieldMeta } from '../model/model.js';
import type { WritePlan } from '../write/plans.js';
import { UniqueConstraintError, UniqueGuardMismatchError } from './errors.js';

/** The entity type guard items carry, so a model's queries never decode them. */
export const GUARD_ENTITY = '_unique';
/** The attributes of a guard that hold its owner's primary key (partition, sort). */
export const OWNER_PARTITION = '_opk';
export const OWNER_SORT = '_osk';

/** One `.unique()` field of a model and the fields that scope it. */
export interface UniqueField {
  readonly field: FieldMeta;
  readonly scope: readonly FieldMeta[];
}

/** Where a model's guards go: the table's key attributes and the sort key value guards use. */
export interface GuardLayout {
  readonly meta: CompiledModel;
  /** The model's stable name in guard keys (its entity type, else its name). */
  readonly name: string;
  readonly unique: readonly UniqueField[];
  readonly partition: string;
  readonly sort?: { readonly stored: string; readonly value: AttributeValue };
}

const SCALAR = new Set(['string', 'number', 'integer', 'cents', 'bigint', 'decimal', 'boolean', 'date', 'enum', 'binary', 'custom']);
const NUMERIC_KEY = new Set(['number', 'integer', 'cents', 'bigint', 'decimal']);

function refuse(meta: CompiledModel, message: string): never {
  throw new ModelDefinitionError(`model ${meta.name}: ${message}`);
}

/** The guard layout of a model, or `undefined` when it has no `.unique()` field. Bad definitions throw. */
export function guardLayout(meta: CompiledModel): GuardLayout | undefined {
  const unique: UniqueField[] = [];
  for (const field of meta.fields) {
    const spec = field.spec.unique;
    if (!spec) continue;
    if (!SCALAR.has(field.spec.kind) || (field.spec.kind === 'custom' && !SCALAR.has(field.spec.element?.spec.kind ?? ''))) refuse(meta, `field ${field.name} is ${field.spec.kind}: only scalar fields (strings, numbers, dates, binary, ...) can be unique`);
    if (field.codec.scoped) refuse(meta, `field ${field.name} is encrypted (its stored value differs at every write): it cannot be unique; use a blind index`);
    if (field.spec.checkCondition) refuse(meta, `field ${field.name} cannot be unique: conditions cannot name it`);
    if (field.key !== 'none' || meta.keyInputNames.has(field.name)) refuse(meta, `field ${field.name} is part of the primary key, which is unique already`);
    const scope = spec.scope.map((name) => {
      const f = typeof name === 'string' ? meta.byName.get(name) : undefined;
      if (!f) refuse(meta, `the scope of unique field ${field.name} names ${String(name)}, which is not a field`);
      if (f === field) refuse(meta, `unique field ${field.name} cannot scope itself`);
      if (!SCALAR.has(f.spec.kind) || f.codec.scoped) refuse(meta, `the scope of unique field ${field.name}: ${f.name} must be a scalar, unencrypted field`);
      return f;
    });
    unique.push({ field, scope });
  }
  if (unique.length === 0) return undefined;
  // Reads tell guards from items by the entity attribute: without it, a scan would decode guards.
  if (!meta.entity) refuse(meta, 'unique values need the entity attribute (entityAttribute: false leaves guard items indistinguishable from items)');
  const pk = meta.partitionKey;
  if (pk.template === undefined && pk.spec.kind !== 'string' && pk.spec.kind !== 'enum') {
    refuse(meta, `unique values need a string partition key (guard items live in the table); ${pk.name} is ${pk.spec.kind}`);
  }
  let sort: GuardLayout['sort'];
  const sk = meta.sortKey;
  if (sk) {
    if (sk.template !== undefined || sk.spec.kind === 'string' || sk.spec.kind === 'enum') sort = { stored: sk.stored, value: { S: GUARD_ENTITY } };
    else if (NUMERIC_KEY.has(sk.spec.kind)) sort = { stored: sk.stored, value: { N: '0' } };
    else refuse(meta, `unique values need a string or number sort key; ${sk.name} is ${sk.spec.kind}`);
  }
  return { meta, name: meta.entity?.value ?? meta.name, unique, partition: pk.stored, ...(sort ? { sort } : {}) };
}

/** One attribute value as unambiguous text: its type, then its value (binary as base64). */
function canonical(value: AttributeValue): string {
  if (value.S !== undefined) return `S:${value.S}`;
  if (value.N !== undefined) return `N:${value.N}`;
  if (value.B !== undefined) return `B:${Buffer.from(value.B).toString('base64')}`;
  if (value.BOOL !== undefined) return `BOOL:${String(value.BOOL)}`;
  throw new TypeError('a unique value is a string, number, binary or boolean attribute');
}

/**
 * The partition key of the guard of `values` (the scope fields' encoded values, then the unique
 * field's): the model, the field, and a SHA-256 of all of them (never the value itself).
 */
export function guardPartition(layout: GuardLayout, unique: UniqueField, values: readonly AttributeValue[]): string {
  const hash = createHash('sha256').update(JSON.stringify([layout.name, unique.field.stored, ...values.map(canonical)])).digest('base64url');
  return `_unique#${layout.name}#${unique.field.stored}#${hash}`;
}

/** The guard's primary key. */
export function guardKey(layout: GuardLayout, partition: string): AttributeMap {
  const key: AttributeMap = { [layout.partition]: { S: partition } };
  if (layout.sort) key[layout.sort.stored] = layout.sort.value;
  return key;
}

/** The condition "the guard belongs to `owner`" (its placeholders added to `names` and `values`). */
function ownedBy(layout: GuardLayout, owner: AttributeMap, names: Record<string, string>, values: AttributeMap): string {
  names['#opk'] = OWNER_PARTITION;
  values[':opk'] = owner[layout.partition] as AttributeValue;
  if (!layout.sort) return '#opk = :opk';
  names['#osk'] = OWNER_SORT;
  values[':osk'] = owner[layout.sort.stored] as AttributeValue;
  return '#opk = :opk AND #osk = :osk';
}

/**
 * Puts the guard of a value for `owner` (the item's primary key): it must be free or already the
 * owner's (a retry, an unchanged value re-asserted). Failing, it raises UniqueConstraintError.
 */
export function putGuard(layout: GuardLayout, table: string, unique: UniqueField, partition: string, owner: AttributeMap, target: ErrorTarget): WritePlan {
  const item: AttributeMap = guardKey(layout, partition);
  item[OWNER_PARTITION] = owner[layout.partition] as AttributeValue;
  if (layout.sort) item[OWNER_SORT] = owner[layout.sort.stored] as AttributeValue;
  if (layout.meta.entity) item[layout.meta.entity.attribute] = { S: GUARD_ENTITY };
  const names: Record<string, string> = { '#pk': layout.partition };
  const values: AttributeMap = {};
  const owned = ownedBy(layout, owner, names, values);
  return {
    operation: 'PutItem',
    input: { TableName: table, Item: item, ConditionExpression: `attribute_not_exists(#pk) OR (${owned})`, ExpressionAttributeNames: names, ExpressionAttributeValues: values },
    target,
    explain: () => new UniqueConstraintError(target, unique.field.name),
  };
}

/**
 * Deletes the guard of a value `owner` held. `strict`: the guard must exist and be the owner's (the
 * value read may be stale: refusing keeps guards and items in step); otherwise a missing guard is
 * fine too (the primary write's version check proves the value read is current). Failing, it raises
 * UniqueGuardMismatchError.
 */
export function deleteGuard(layout: GuardLayout, table: string, unique: UniqueField, partition: string, owner: AttributeMap, target: ErrorTarget, strict: boolean): WritePlan {
  const names: Record<string, string> = {};
  const values: AttributeMap = {};
  const owned = ownedBy(layout, owner, names, values);
  if (!strict) names['#pk'] = layout.partition;
  return {
    operation: 'DeleteItem',
    input: {
      TableName: table,
      Key: guardKey(layout, partition),
      ConditionExpression: strict ? owned : `attribute_not_exists(#pk) OR (${owned})`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
    target,
    explain: () => new UniqueGuardMismatchError(target, unique.field.name),
  };
}
