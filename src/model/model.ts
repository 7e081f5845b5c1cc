/**
 * `model()`: turns a plain schema object into a model whose metadata is compiled once, at module load.
 * No reflection and no decorators, so esbuild bundles it as is.
 */
import { ModelDefinitionError } from '../errors.js';
import type { Extension } from '../extensions/extension.js';
import { compileCodec, describe, type Codec } from '../marshal/codec.js';
import type { AnyAttr, AttrSpec, KeyKind, Shape } from './attributes.js';
import { parseTemplate, type KeyTemplate } from './key-template.js';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ReadPlan } from '../read/runner.js';

/** A secondary index declared on a model. */
export interface IndexDefinition<F extends string = string> {
  /** The index name in DynamoDB. */
  readonly name: string;
  /** Field holding the index partition key. */
  readonly partitionKey: F;
  /** Field holding the index sort key. */
  readonly sortKey?: F;
  /** `global` (default) or `local` (same partition key as the table, created with the table). */
  readonly type?: 'global' | 'local';
  /** Attributes projected into the index: `all` (default), `keys`, or a list of extra fields. */
  readonly projection?: 'all' | 'keys' | readonly F[];
  /**
   * Write-sharded partition key: each item goes to one of `shards` partitions. Declare the index
   * with `sharded({...})` from `dynamorm/sharding`, which supplies {@link sharding}.
   */
  readonly shards?: number;
  /** @internal How the index is sharded and read (set by `sharded()` from `dynamorm/sharding`). */
  readonly sharding?: IndexSharding;
}

/**
 * A write-sharded index (made by `sharded()` in `dynamorm/sharding`; the core only calls it): the
 * partition key, a key template, gets a shard suffix on write, and a query reads every shard.
 */
export interface IndexSharding {
  /** Shards written to. */
  readonly shards: number;
  /** Shards a query reads (at least `shards`; more while the count changes). */
  readonly reads: number;
  /** The stored partition key of an item (encoded in `item`): the template's text `value` plus the shard of its primary key. */
  place(value: AttributeValue, model: CompiledModel, item: Readonly<Record<string, AttributeValue>>): AttributeValue;
  /** The template's text of a stored partition key (`undefined` when it carries no shard). */
  baseOf(stored: string): string | undefined;
  /**
   * The plan of a query of `index` (its one input holds the template's text `partition`): an input
   * per shard read, read together and merged in sort-key order.
   */
  query<T>(plan: ReadPlan<T>, index: IndexMeta, partition: AttributeValue, descending: boolean): ReadPlan<T>;
  /** Why `model()` must refuse the index (its key is no template of its own, ...), if it must. */
  problem(alias: string, partitionKey: FieldMeta, type: string, indexes: Readonly<Record<string, IndexDefinition>>): string | undefined;
}

/** The definition passed to {@link model}. */
export interface ModelDefinition<S extends Shape, I extends Record<string, IndexDefinition<keyof S & string>>, T extends string = string> {
  /**
   * Table name (a table prefix from the config is added in front): up to 255 of the characters
   * a-z, A-Z, 0-9, `_`, `-` and `.`, and 3 or more with the prefix.
   */
  readonly table: T;
  /** Field name to attribute definition. */
  readonly attributes: S;
  /** Secondary indexes by a name of your choice. */
  readonly indexes?: I;
  /**
   * Name of the attribute that records which model wrote an item (default `_type`), so several
   * models can share a table and a query returns each item as its own model. `false` writes none.
   */
  readonly entityAttribute?: string | false;
  /** Value written to the entity attribute (default: the model name). */
  readonly entityType?: string;
  /**
   * Attribute that stores the token of the last write (default `_wt`), so a write whose answer was
   * lost recognises itself when the SDK retries it: it is reported as applied, never as "already
   * exists" or "version conflict". `false` stores none (such failures are then reported in doubt).
   */
  readonly writeToken?: string | false;
  /** Extensions this model opts into (in addition to the database's own). */
  readonly extensions?: readonly Extension[];
}

/** Compiled metadata of one field. */
export interface FieldMeta {
  readonly name: string;
  /** The attribute name in DynamoDB. */
  readonly stored: string;
  readonly spec: AttrSpec;
  readonly codec: Codec;
  readonly key: KeyKind;
  /** Parsed key template, for template fields. */
  readonly template?: KeyTemplate;
  /** For the partition key template of a sharded index: how its stored values carry a shard. */
  readonly sharding?: IndexSharding;
}

/** Compiled metadata of a secondary index. */
export interface IndexMeta {
  readonly alias: string;
  readonly name: string;
  readonly type: 'global' | 'local';
  readonly partitionKey: FieldMeta;
  readonly sortKey?: FieldMeta;
  readonly projection: 'all' | 'keys' | readonly FieldMeta[];
}

/** Everything DynamORM needs to know about a model, computed once. */
export interface CompiledModel {
  readonly name: string;
  readonly table: string;
  readonly fields: readonly FieldMeta[];
  readonly byName: ReadonlyMap<string, FieldMeta>;
  readonly byStored: ReadonlyMap<string, FieldMeta>;
  readonly partitionKey: FieldMeta;
  readonly sortKey?: FieldMeta;
  /** Primary key fields as the caller gives them (template fields expanded). */
  readonly keyInputFields: readonly FieldMeta[];
  /** Names of `keyInputFields` (updates may not change them). */
  readonly keyInputNames: ReadonlySet<string>;
  /** Fields filled from key templates (primary or index keys). */
  readonly templates: readonly FieldMeta[];
  readonly version?: FieldMeta;
  readonly createdAt?: FieldMeta;
  readonly updatedAt?: FieldMeta;
  readonly indexes: readonly IndexMeta[];
  /** The entity-type attribute and this model's value in it, unless switched off. */
  readonly entity?: { readonly attribute: string; readonly value: string };
  /** The attribute holding the token of the last write, unless switched off. */
  readonly writeToken?: string;
  /**
   * Every key attribute (of the table and of the indexes) with DynamoDB's limit on its values in
   * bytes: 2048 for a partition key, 1024 for a sort key.
   */
  readonly keyLimits: readonly KeyLimit[];
}

/** A key attribute and the most bytes DynamoDB takes in one of its values. */
export interface KeyLimit {
  readonly field: FieldMeta;
  readonly bytes: number;
}

/** DynamoDB's limits on one key value, in bytes: partition keys (of the table and of indexes) and sort keys. */
export const MAX_PARTITION_KEY_BYTES = 2048;
export const MAX_SORT_KEY_BYTES = 1024;

/** A model: the definition plus its compiled metadata. Pass it to `db.model(...)`. */
export interface Model<
  Name extends string = string,
  S extends Shape = Shape,
  I extends Record<string, IndexDefinition<keyof S & string>> = Record<string, IndexDefinition<keyof S & string>>,
  T extends string = string,
> {
  readonly name: Name;
  readonly table: string;
  /**
   * The table name as a type (`T`), for the compiler only (never set at run time): a collection of
   * models of different tables fails to compile. `table` stays a plain `string`.
   */
  readonly [tableType]?: T;
  readonly attributes: S;
  readonly indexes: I;
  /** Extensions the model opts into. */
  readonly extensions: readonly Extension[];
  /** @internal Compiled metadata. */
  readonly compiled: CompiledModel;
}

declare const tableType: unique symbol;

/** The table name of a model as a type: a literal when the model's `table` was written as one, else `string`. */
export type ModelTable<M> = M extends { readonly [tableType]?: infer T } ? (string extends T ? string : T & string) : string;

/** Any model. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = Model<string, Shape, any>;

const TEMPLATE_COMPONENT_KINDS = new Set(['string', 'enum', 'number', 'integer', 'cents', 'bigint', 'decimal']);

/**
 * Defines a model. The schema is compiled once, here; errors in it throw {@link ModelDefinitionError}.
 *
 * ```ts
 * export const Payment = model('Payment', {
 *   table: 'payments',
 *   attributes: { id: attr.string().partitionKey(), amount: attr.cents(), version: attr.version() },
 * });
 * export type Payment = Item<typeof Payment>;
 * ```
 */
export function model<
  const Name extends string,
  S extends Shape,
  I extends Record<string, IndexDefinition<keyof S & string>> = {},
  const T extends string = string,
>(name: Name, definition: ModelDefinition<S, I, T>): Model<Name, S, I, T> {
  if (typeof name !== 'string' || name === '') throw new ModelDefinitionError(`a model needs a name, got ${describe(name)}`);
  if (!isObject(definition) || !isObject(definition.attributes) || (definition.indexes !== undefined && !isObject(definition.indexes))) {
    fail(name, 'the definition is an object { table, attributes, indexes? }, attributes and indexes objects too');
  }
  const indexes = (definition.indexes ?? {}) as I;
  return Object.freeze({
    name,
    table: definition.table,
    attributes: definition.attributes,
    indexes,
    extensions: withFieldExtensions(definition.extensions ?? [], definition.attributes),
    compiled: compileModel(name, definition, indexes),
  });
}

/** The model's extensions plus those its attributes bring (`spec.extension`), each once. */
function withFieldExtensions(extensions: readonly Extension[], shape: Shape): readonly Extension[] {
  let out = extensions;
  for (const attribute of Object.values(shape)) {
    const extension = (attribute as AnyAttr | undefined)?.spec?.extension;
    if (extension && !out.includes(extension)) out = [...out, extension];
  }
  return out;
}

function fail(model: string, message: string): never {
  throw new ModelDefinitionError(`model ${model}: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const NAME_CHARACTERS = /^[a-zA-Z0-9_.-]*$/;

/**
 * Why DynamoDB would refuse a table or index name, if it would: names are 3 to 255 characters of
 * a-z, A-Z, 0-9, `_`, `-` and `.`. `min` is 1 for a model's own table name, which the configured
 * table prefix may lengthen (the full name is checked when a database first uses the model).
 */
export function tableNameProblem(name: unknown, min = 3): string | undefined {
  if (typeof name !== 'string') return `is a string, got ${describe(name)}`;
  if (!NAME_CHARACTERS.test(name)) return 'may hold only the characters a-z, A-Z, 0-9, _, - and .';
  if (name.length < min || name.length > 255) return `must be ${min} to 255 characters long, not ${name.length}`;
  return undefined;
}

/** Whether a value is a model made by {@link model} (checked by shape: a model from another copy of the library counts). */
export function isModel(value: unknown): value is AnyModel {
  const compiled = (value as { compiled?: unknown } | null | undefined)?.compiled;
  return typeof value === 'object' && value !== null && typeof compiled === 'object' && compiled !== null && typeof (value as { name?: unknown }).name === 'string';
}

function compileModel(name: string, definition: ModelDefinition<Shape, {}>, indexes: Record<string, IndexDefinition>): CompiledModel {
  const { table, attributes: shape } = definition;
  if (!table) fail(name, 'a table name is required');
  const tableProblem = tableNameProblem(table, 1);
  if (tableProblem) fail(name, `the table name ${tableProblem}`);
  const fields: FieldMeta[] = [];
  const byName = new Map<string, FieldMeta>();
  const byStored = new Map<string, FieldMeta>();
  // Index key values, like table key values, cannot be empty strings or empty binary.
  const indexKeys = new Set(Object.values(indexes).flatMap((d) => [d?.partitionKey, d?.sortKey]));
  for (const [fieldName, attribute] of Object.entries(shape)) {
    const spec = (attribute as AnyAttr).spec;
    if (!spec) fail(name, `field ${fieldName} is not an attribute (use attr.*)`);
    const stored = spec.storedName ?? fieldName;
    if (stored === '') fail(name, `field ${fieldName} has an empty stored name`);
    if (fieldName === '__proto__' || stored === '__proto__') fail(name, 'the name __proto__ is not allowed (JavaScript and the AWS SDK treat it as the prototype)');
    if (byStored.has(stored)) fail(name, `fields ${byStored.get(stored)?.name} and ${fieldName} are both stored as "${stored}"`);
    let template: KeyTemplate | undefined;
    if (spec.template !== undefined) {
      try {
        template = parseTemplate(spec.template);
      } catch (error) {
        fail(name, `field ${fieldName}: ${(error as Error).message}`);
      }
    }
    const meta: FieldMeta = {
      name: fieldName,
      stored,
      spec,
      codec: compileCodec(attribute as AnyAttr, spec.key !== 'none' || indexKeys.has(fieldName)),
      key: spec.key,
      ...(template ? { template } : {}),
      // The partition key template of a sharded index stores a shard suffix (checked with the indexes below).
      sharding: Object.values(indexes).find((d) => d?.sharding && d.partitionKey === fieldName)?.sharding,
    };
    fields.push(meta);
    byName.set(fieldName, meta);
    byStored.set(stored, meta);
  }

  const keyFields = (kind: KeyKind) => fields.filter((f) => f.key === kind);
  const partitionKeys = keyFields('partition');
  const sortKeys = keyFields('sort');
  if (partitionKeys.length !== 1) fail(name, `exactly one partitionKey() is required, found ${partitionKeys.length}`);
  if (sortKeys.length > 1) fail(name, `at most one sortKey() is allowed, found ${sortKeys.length}`);
  const partitionKey = partitionKeys[0] as FieldMeta;
  const sortKey = sortKeys[0];
  for (const key of [partitionKey, sortKey]) {
    if (key && !['string', 'number', 'integer', 'cents', 'bigint', 'decimal', 'binary', 'enum'].includes(key.spec.kind)) {
      fail(name, `key field ${key.name} must be a string, number or binary attribute`);
    }
    if (key?.spec.optional) fail(name, `key field ${key.name} cannot be optional`);
  }

  // Sharded templates last: their shard comes from the primary key, which may itself be a template.
  const templates = fields.filter((f) => f.template).sort((a, b) => +!!a.sharding - +!!b.sharding);
  for (const t of templates) {
    for (const component of t.template?.fields ?? []) {
      const c = byName.get(component);
      if (!c) fail(name, `key template of ${t.name} uses {${component}}, which is not a field`);
      if (c.template) fail(name, `key template of ${t.name} uses {${component}}, which is itself a template`);
      if (!TEMPLATE_COMPONENT_KINDS.has(c.spec.kind)) fail(name, `key template field {${component}} must be a string, enum or number`);
    }
  }

  const expand = (f: FieldMeta): FieldMeta[] => (f.template ? f.template.fields.map((c) => byName.get(c) as FieldMeta) : [f]);
  const keyInputFields = [...new Set([...expand(partitionKey), ...(sortKey ? expand(sortKey) : [])])];

  const role = (gen: string) => {
    const found = fields.filter((f) => f.spec.generated === gen);
    if (found.length > 1) fail(name, `only one ${gen} attribute is allowed`);
    return found[0];
  };
  const version = role('version');
  const createdAt = role('createdAt');
  const updatedAt = role('updatedAt');

  const compiledIndexes: IndexMeta[] = Object.entries(indexes).map(([alias, def]) => {
    const field = (f: string | undefined, what: string): FieldMeta => {
      const meta = f === undefined ? undefined : byName.get(f);
      if (!meta) fail(name, `index ${alias}: ${what} ${String(f)} is not a field`);
      if (!['string', 'number', 'integer', 'cents', 'bigint', 'decimal', 'binary', 'enum', 'date'].includes(meta.spec.kind)) {
        fail(name, `index ${alias}: ${what} ${meta.name} must be a string, number, date or binary attribute`);
      }
      return meta;
    };
    if (!isObject(def) || !def.name) fail(name, `index ${alias} needs a name`);
    const indexProblem = tableNameProblem(def.name);
    if (indexProblem) fail(name, `index ${alias}: the index name ${indexProblem}`);
    const type = def.type ?? 'global';
    if (type !== 'global' && type !== 'local') fail(name, `index ${alias}: type is global or local`);
    // A local index sorts the table's partitions another way: DynamoDB allows one only on a table with a sort key.
    if (type === 'local' && !sortKey) fail(name, `local index ${alias} needs a table with a sort key; ${name} has none (use a global index)`);
    const pk = field(def.partitionKey, 'partition key');
    if (type === 'local' && pk !== partitionKey) fail(name, `local index ${alias} must use the table partition key ${partitionKey.name}`);
    if (type === 'local' && def.sortKey === undefined) fail(name, `local index ${alias} needs a sort key`);
    const sk = def.sortKey === undefined ? undefined : field(def.sortKey, 'sort key');
    const projection = Array.isArray(def.projection)
      ? (def.projection as string[]).map((p) => field(p, 'projected field'))
      : ((def.projection as 'all' | 'keys' | undefined) ?? 'all');
    const problem = def.sharding ? def.sharding.problem(alias, pk, type, indexes) : def.shards !== undefined && 'shards needs sharded() from dynamorm/sharding';
    if (problem) fail(name, `index ${alias}: ${problem}`);
    return { alias, name: def.name, type, partitionKey: pk, ...(sk ? { sortKey: sk } : {}), projection };
  });

  const writeToken = definition.writeToken ?? '_wt';
  if (writeToken !== false && (writeToken === '' || byStored.has(writeToken) || writeToken === definition.entityAttribute)) {
    fail(name, `the write token attribute ${JSON.stringify(writeToken)} is empty or taken by another attribute`);
  }
  const entityAttribute = definition.entityAttribute ?? '_type';
  if (entityAttribute !== false) {
    if (entityAttribute === '') fail(name, 'entityAttribute cannot be empty');
    if (byStored.has(entityAttribute)) fail(name, `field ${byStored.get(entityAttribute)?.name} is stored as "${entityAttribute}", the entity attribute`);
  }

  const keyLimits = new Map<FieldMeta, number>();
  for (const key of [{ partitionKey, sortKey }, ...compiledIndexes]) {
    for (const [field, bytes] of [[key.partitionKey, MAX_PARTITION_KEY_BYTES], [key.sortKey, MAX_SORT_KEY_BYTES]] as const) {
      if (field) keyLimits.set(field, Math.min(bytes, keyLimits.get(field) ?? bytes));
    }
  }

  return {
    name,
    table,
    fields,
    byName,
    byStored,
    partitionKey,
    ...(sortKey ? { sortKey } : {}),
    keyInputFields,
    keyInputNames: new Set(keyInputFields.map((f) => f.name)),
    templates,
    ...(version ? { version } : {}),
    ...(createdAt ? { createdAt } : {}),
    ...(updatedAt ? { updatedAt } : {}),
    indexes: compiledIndexes,
    ...(entityAttribute !== false ? { entity: { attribute: entityAttribute, value: definition.entityType ?? name } } : {}),
    ...(writeToken !== false ? { writeToken } : {}),
    keyLimits: [...keyLimits].map(([field, bytes]) => ({ field, bytes })),
  };
}
