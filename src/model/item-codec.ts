/**
 * Whole items and keys: validation and encoding on write (defaults, clock fields, version, key
 * templates, size limit) and decoding on read (template fields parsed back).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import { ValidationError, type ErrorTarget } from '../errors.js';
import { resolveDefault, StoredValueError, type Issues } from '../marshal/codec.js';
import { MAX_ITEM_BYTES, sizeIfOver } from '../marshal/item-size.js';
import { fillTemplate, parseKey } from './key-template.js';
import { MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, type CompiledModel, type FieldMeta, type KeyLimit } from './model.js';

/** A DynamoDB item or key in wire form. */
export type AttributeMap = Record<string, AttributeValue>;

/**
 * Reports a key value over DynamoDB's limit (2048 bytes for a partition key, 1024 for a sort key, of
 * the table or of an index). Strings short enough to fit at 3 bytes a character are not measured.
 */
export function checkKeySize(value: AttributeValue, limit: number, path: readonly (string | number)[], issues: Issues): void {
  let bytes: number;
  if (value.S !== undefined) {
    if (value.S.length * 3 <= limit) return;
    bytes = Buffer.byteLength(value.S, 'utf8');
  } else if (value.B !== undefined) bytes = value.B.byteLength;
  else return; // numbers hold at most 38 digits: far below either limit
  if (bytes > limit) {
    issues.push({ path, rule: 'key-size', message: `is ${bytes} bytes; DynamoDB takes at most ${limit} bytes for a ${limit === MAX_SORT_KEY_BYTES ? 'sort' : 'partition'} key value` });
  }
}

/** DynamoDB's limit on the values of a field that is a key (of the table or an index), in bytes; `undefined` for other fields. */
export function keyLimitOf(model: CompiledModel, field: FieldMeta): number | undefined {
  const limits = model.keyLimits;
  for (let i = 0; i < limits.length; i++) if ((limits[i] as KeyLimit).field === field) return (limits[i] as KeyLimit).bytes;
  return undefined;
}

/** Checks the key attributes (table and index keys) of an encoded item. */
function checkKeySizes(model: CompiledModel, item: AttributeMap, issues: Issues): void {
  const limits = model.keyLimits;
  for (let i = 0; i < limits.length; i++) {
    const { field, bytes } = limits[i] as KeyLimit;
    const value = item[field.stored];
    if (value) checkKeySize(value, bytes, [field.name], issues);
  }
}

/** The text a field contributes to a key template (string or number text). */
export function componentText(field: FieldMeta, value: unknown, issues: Issues): string | undefined {
  if (value === undefined) {
    issues.push({ path: [field.name], rule: 'required', message: 'is required (part of a key)' });
    return undefined;
  }
  const encoded = field.codec.encode(value, [field.name], issues);
  if (!encoded) return undefined;
  const text = encoded.S ?? encoded.N;
  if (text === '') {
    issues.push({ path: [field.name], rule: 'required', message: 'key values cannot be empty' });
    return undefined;
  }
  return text;
}

/** Fills one template field from field values, reporting missing fields and forbidden separators. */
export function templateValue(
  model: CompiledModel,
  field: FieldMeta,
  values: Readonly<Record<string, unknown>>,
  issues: Issues,
): AttributeValue | undefined {
  const template = field.template;
  if (!template) return undefined;
  const texts: Record<string, string | undefined> = {};
  const before = issues.length;
  for (const name of template.fields) {
    const component = Object.hasOwn(values, name) ? values[name] : undefined;
    if (component === undefined) continue;
    texts[name] = componentText(model.byName.get(name) as FieldMeta, component, issues);
  }
  if (issues.length > before) return undefined;
  const filled = fillTemplate(template, texts);
  if ('missing' in filled) {
    issues.push({ path: [filled.missing], rule: 'required', message: `is required to build ${field.name}` });
    return undefined;
  }
  if ('separator' in filled) {
    issues.push({
      path: [filled.field],
      rule: 'key-separator',
      message: `cannot contain "${filled.separator}", the separator that follows it in the key template of ${field.name}`,
    });
    return undefined;
  }
  return { S: filled.key };
}

/** Options for {@link encodeItem}. */
export interface EncodeItemOptions {
  /** Time used for createdAt/updatedAt. */
  readonly now: Date;
  /** Version written (1 on create; expected + 1 on a versioned put). */
  readonly version?: number;
  /** Label for error messages, e.g. `Payment.create`. */
  readonly label: string;
  /** The physical table (for codecs that bind values to their place; see `CodecScope`). */
  readonly table?: string;
  /** The token of this write, stored in the model's write-token attribute. */
  readonly token?: string;
  /** The operation the item is written for, handed to scoped codecs (see `CodecScope`). */
  readonly context?: OperationContext | undefined;
}

/**
 * Validates and encodes a whole item for PutItem. Throws {@link ValidationError} with every issue;
 * nothing is sent when it throws.
 */
export function encodeItem(model: CompiledModel, input: Readonly<Record<string, unknown>>, options: EncodeItemOptions): AttributeMap {
  const issues: Issues = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError([{ path: [], rule: 'type', message: 'expected an item object' }], options.label);
  }
  for (const key of Object.keys(input)) {
    if (!model.byName.has(key) && input[key] !== undefined) issues.push({ path: [key], rule: 'unknown-field', message: 'is not a field of this model' });
  }
  const values: Record<string, unknown> = {};
  const out: AttributeMap = {};
  let scoped: FieldMeta[] | undefined; // fields whose codec needs the item's key: encoded last
  for (const field of model.fields) {
    const gen = field.spec.generated;
    if (gen === 'template') continue;
    let value = Object.hasOwn(input, field.name) ? input[field.name] : undefined;
    if (gen === 'version') value = options.version ?? 1;
    else if (gen === 'updatedAt') value = options.now;
    else if (gen === 'createdAt' && value === undefined) value = options.now;
    else if (value === undefined && field.spec.hasDefault) value = resolveDefault(field.spec);
    if (value === undefined) {
      if (!field.spec.optional) issues.push({ path: [field.name], rule: 'required', message: 'is required' });
      continue;
    }
    values[field.name] = value;
    if (field.codec.scoped) {
      (scoped ??= []).push(field);
      continue;
    }
    const encoded = field.codec.encode(value, [field.name], issues);
    if (encoded) out[field.stored] = encoded;
  }
  for (const field of model.templates) {
    const given = Object.hasOwn(input, field.name) ? input[field.name] : undefined;
    let av = templateValue(model, field, values, issues);
    if (!av) continue;
    // A sharded index key read back carries its shard (which a changed shard count may move): compare the template's text.
    const base = field.sharding && typeof given === 'string' ? field.sharding.baseOf(given) : given;
    if (given !== undefined && base !== av.S) {
      issues.push({ path: [field.name], rule: 'key-change', message: `does not match its key template ${field.template?.source ?? ''}` });
    }
    if (field.sharding) av = field.sharding.place(av, model, out);
    out[field.stored] = av;
  }
  if (model.entity) out[model.entity.attribute] = { S: model.entity.value };
  if (model.writeToken && options.token) out[model.writeToken] = { S: options.token };
  if (scoped) encodeScoped(model, scoped, values, out, issues, options.table ?? model.table, options.context);
  if (issues.length === 0) checkKeySizes(model, out, issues);
  if (issues.length === 0) {
    const size = sizeIfOver(out, MAX_ITEM_BYTES);
    if (size !== undefined) issues.push({ path: [], rule: 'item-size', message: `item is ${size} bytes; DynamoDB allows ${MAX_ITEM_BYTES}` });
  }
  if (issues.length > 0) throw new ValidationError(issues, options.label);
  return out;
}

/** Encodes the fields whose codec is scoped, once the item's key is known. */
function encodeScoped(model: CompiledModel, fields: readonly FieldMeta[], values: Record<string, unknown>, out: AttributeMap, issues: Issues, table: string, context: OperationContext | undefined) {
  const key: AttributeMap = {};
  for (const part of [model.partitionKey, model.sortKey]) if (part && out[part.stored]) key[part.stored] = out[part.stored] as AttributeValue;
  for (const field of fields) {
    const encoded = field.codec.encode(values[field.name], [field.name], issues, true, { table, key, attribute: field.stored, context });
    if (encoded) out[field.stored] = encoded;
  }
}

/** An encoded primary key plus the key fields as given, for error messages. */
export interface EncodedKey {
  readonly key: AttributeMap;
  readonly fields: Record<string, unknown>;
}

/** Validates and encodes a primary key from its fields (template fields expanded). */
export function encodeKey(model: CompiledModel, input: Readonly<Record<string, unknown>>, label: string): EncodedKey {
  const issues: Issues = [];
  if (typeof input !== 'object' || input === null) {
    throw new ValidationError([{ path: [], rule: 'type', message: 'expected a key object' }], label);
  }
  const fields: Record<string, unknown> = {};
  for (const f of model.keyInputFields) fields[f.name] = Object.hasOwn(input, f.name) ? input[f.name] : undefined;
  const key: AttributeMap = {};
  for (const part of [model.partitionKey, model.sortKey]) {
    if (!part) continue;
    let av: AttributeValue | undefined;
    if (part.template) av = templateValue(model, part, fields, issues);
    else {
      const value = fields[part.name];
      if (value === undefined || value === null) {
        issues.push({ path: [part.name], rule: 'required', message: 'is required (part of the key)' });
        continue;
      }
      av = part.codec.encode(value, [part.name], issues, false);
    }
    if (!av) continue;
    checkKeySize(av, part === model.partitionKey ? MAX_PARTITION_KEY_BYTES : MAX_SORT_KEY_BYTES, [part.name], issues);
    key[part.stored] = av;
  }
  if (issues.length > 0) throw new ValidationError(issues, label);
  return { key, fields };
}

/** The key field values of a decoded item (for errors and follow-up requests). */
export function keyFieldsOf(model: CompiledModel, item: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of model.keyInputFields) out[f.name] = item[f.name];
  return out;
}

const loggableOf = new WeakMap<CompiledModel, ReadonlySet<string>>();

/** What an error about one item names: its model and key fields, and which of them logs may show (`.loggable()`). */
export function errorTarget(model: CompiledModel, key: Record<string, unknown>): ErrorTarget {
  let loggable = loggableOf.get(model);
  if (!loggable) loggableOf.set(model, (loggable = new Set(model.keyInputFields.filter((f) => f.spec.loggable).map((f) => f.name))));
  return { model: model.name, key, loggable: loggable.size > 0 ? loggable : undefined };
}

/** Decodes a stored item into field values. Throws {@link ValidationError} (`stored-value`) for values that do not fit. */
export function decodeItem(model: CompiledModel, stored: AttributeMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  try {
    for (const field of model.fields) {
      const av = Object.hasOwn(stored, field.stored) ? stored[field.stored] : undefined;
      if (av === undefined) {
        if (!field.spec.optional && field.spec.kind.endsWith('Set')) out[field.name] = new Set();
        continue;
      }
      out[field.name] = field.codec.decode(av, [field.name]);
    }
    // Fields kept only inside a key template (an existing table, or a projection) are parsed back.
    for (const t of model.templates) {
      const stored = out[t.name];
      const text = t.sharding && typeof stored === 'string' ? t.sharding.baseOf(stored) : stored;
      if (typeof text !== 'string' || !t.template) continue;
      const missing = t.template.fields.filter((n) => !Object.hasOwn(out, n));
      if (missing.length === 0) continue;
      const parsed = parseKey(t.template, text);
      if (!parsed) continue;
      for (const name of missing) {
        const component = model.byName.get(name) as FieldMeta;
        const raw = parsed[name] as string;
        const numeric = component.spec.kind !== 'string' && component.spec.kind !== 'enum';
        out[name] = component.codec.decode(numeric ? { N: raw } : { S: raw }, [name]);
      }
    }
  } catch (error) {
    if (error instanceof StoredValueError) {
      throw new ValidationError([{ path: error.path, rule: 'stored-value', message: error.message }], `${model.name}: stored item does not match the model`);
    }
    throw error;
  }
  return out;
}
