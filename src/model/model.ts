/**
 * `model()`: turns a plain schema object into a model whose metadata is compiled once, at module load.
 * No reflection and no decorators, so esbuild bundles it as is.
 */
import { ModelDefinitionError } from '../errors.js';
import type { Extension } from '../extensions/extension.js';
import { compileCodec, type Codec } from '../marshal/codec.js';
import type { AnyAttr, AttrSpec, KeyKind, Shape } from './attributes.js';
import { parseTemplate, type KeyTemplate } from './key-template.js';

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
}

/** The definition passed to {@link model}. */
export interface ModelDefinition<S extends Shape, I extends Record<string, IndexDefinition<keyof S & string>>> {
  /** Table name (a table prefix from the config is added in front). */
  readonly table: string;
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
}

/** A model: the definition plus its compiled metadata. Pass it to `db.model(...)`. */
export interface Model<
  Name extends string = string,
  S extends Shape = Shape,
  I extends Record<string, IndexDefinition<keyof S & string>> = Record<string, IndexDefinition<keyof S & string>>,
> {
  readonly name: Name;
  readonly table: string;
  readonly attributes: S;
  readonly indexes: I;
  /** Extensions the model opts into. */
  readonly extensions: readonly Extension[];
  /** @internal Compiled metadata. */
  readonly compiled: CompiledModel;
}

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
export function model<const Name extends string, S extends Shape, I extends Record<string, IndexDefinition<keyof S & string>> = {}>(
  name: Name,
  definition: ModelDefinition<S, I>,
): Model<Name, S, I> {
  const indexes = (definition.indexes ?? {}) as I;
  return Object.freeze({
    name,
    table: definition.table,
    attributes: definition.attributes,
    indexes,
    extensions: definition.extensions ?? [],
    compiled: compileModel(name, definition, indexes),
  });
}

function fail(model: string, message: string): never {
  throw new ModelDefinitionError(`model ${model}: ${message}`);
}

function compileModel(name: string, definition: ModelDefinition<Shape, {}>, indexes: Record<string, IndexDefinition>): CompiledModel {
  const { table, attributes: shape } = definition;
  if (!table) fail(name, 'a table name is required');
  const fields: FieldMeta[] = [];
  const byName = new Map<string, FieldMeta>();
  const byStored = new Map<string, FieldMeta>();
  // Index key values, like table key values, cannot be empty strings or empty binary.
  const indexKeys = new Set(Object.values(indexes).flatMap((d) => [d.partitionKey, d.sortKey]));
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

  const templates = fields.filter((f) => f.template);
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
    if (!def.name) fail(name, `index ${alias} needs a name`);
    const type = def.type ?? 'global';
    const pk = field(def.partitionKey, 'partition key');
    if (type === 'local' && pk !== partitionKey) fail(name, `local index ${alias} must use the table partition key ${partitionKey.name}`);
    if (type === 'local' && def.sortKey === undefined) fail(name, `local index ${alias} needs a sort key`);
    const sk = def.sortKey === undefined ? undefined : field(def.sortKey, 'sort key');
    const projection = Array.isArray(def.projection)
      ? (def.projection as string[]).map((p) => field(p, 'projected field'))
      : ((def.projection as 'all' | 'keys' | undefined) ?? 'all');
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
  };
}
