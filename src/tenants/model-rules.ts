/**
 * What tenant scope needs to know about one model, worked out once when its handle is made: the
 * tenant field, how to read the tenant back out of the partition key of the table and of each index
 * (`undefined` for an index whose partition key does not carry it), and the key separators a tenant
 * id must not contain. Pure: no I/O, no scope.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { CompiledModel, FieldMeta } from '../model/model.js';
import { parseKey } from '../model/key-template.js';
import { TenantModelError } from './errors.js';

/** Reads the tenant out of a partition key value (`undefined` when it holds none). */
export type TenantReader = (value: AttributeValue) => string | undefined;

/** A tenant-scoped model's rules. */
export interface TenantModel {
  readonly model: string;
  /** The tenant field's name. */
  readonly field: string;
  /** Reads the tenant from the table's partition key. */
  readonly table: TenantReader;
  /** By index alias: reads the tenant from the index's partition key, `undefined` when it does not carry it. */
  readonly indexes: ReadonlyMap<string, TenantReader | undefined>;
  /** Index aliases whose partition key does not carry the tenant, with the fields of that key. */
  readonly unscoped: readonly { readonly alias: string; readonly fields: readonly string[] }[];
  /** Literal texts that follow the tenant in a key template: a tenant id holding one is refused. */
  readonly separators: readonly string[];
}

/** How `key` carries the tenant field, or `undefined` when it does not. */
function readerOf(key: FieldMeta, field: string): TenantReader | undefined {
  if (key.name === field) return (value) => value.S;
  const template = key.template;
  if (!template?.fields.includes(field)) return undefined;
  return (value) => (value.S === undefined ? undefined : parseKey(template, value.S)?.[field]);
}

/** The literal text following `field` in `key`'s template, if any. */
function separatorAfter(key: FieldMeta, field: string): string | undefined {
  const parts = key.template?.parts ?? [];
  const at = parts.findIndex((p) => 'field' in p && p.field === field);
  const next = at >= 0 ? parts[at + 1] : undefined;
  return next && 'literal' in next ? next.literal : undefined;
}

/** The fields a partition key is built from. */
function keyFields(key: FieldMeta): readonly string[] {
  return key.template ? key.template.fields : [key.name];
}

/**
 * The tenant rules of a model scoped by `field`. Throws {@link TenantModelError} when the model
 * cannot be scoped: no such field, not a string, or a partition key that does not carry it.
 */
export function tenantModel(meta: CompiledModel, field: string): TenantModel {
  const tenantField = meta.byName.get(field);
  if (!tenantField) throw new TenantModelError(`model ${meta.name} is tenant-scoped by ${field}, but has no field ${field}`);
  if (tenantField.spec.kind !== 'string') throw new TenantModelError(`model ${meta.name}: the tenant field ${field} must be a string attribute, not ${tenantField.spec.kind}`);
  if (tenantField.spec.generated !== 'none') throw new TenantModelError(`model ${meta.name}: the tenant field ${field} must be given, not generated`);
  const table = readerOf(meta.partitionKey, field);
  if (!table) {
    throw new TenantModelError(
      `model ${meta.name}: its partition key ${meta.partitionKey.name} does not carry the tenant field ${field}; make ${field} the partition key, or a part of its key template (e.g. attr.template('T#{${field}}#...'))`,
    );
  }
  const indexes = new Map<string, TenantReader | undefined>();
  const unscoped: { alias: string; fields: readonly string[] }[] = [];
  const separators = new Set<string>();
  const after = separatorAfter(meta.partitionKey, field);
  if (after) separators.add(after);
  for (const index of meta.indexes) {
    const reader = readerOf(index.partitionKey, field);
    indexes.set(index.alias, reader);
    if (!reader) unscoped.push({ alias: index.alias, fields: keyFields(index.partitionKey) });
    const s = reader && separatorAfter(index.partitionKey, field);
    if (s) separators.add(s);
  }
  return { model: meta.name, field, table, indexes, unscoped, separators: [...separators] };
}
