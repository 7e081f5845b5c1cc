/**
 * Ephemeral fields: `ephemeral(attr.string())` (a card's CVV) is part of what a write accepts and is
 * validated like any field, but never goes to DynamoDB. The attribute brings its extension, whose
 * `adjustWrite` validates the value and drops it before the write is planned: extensions given to
 * the database or the model run their `adjustWrite` first and see it; nothing planned after (the
 * item, conditions, update expressions, companions such as audit records) ever holds it. Reads never
 * return it: the read item type leaves it out, and a stored attribute of that name (written before
 * the field was ephemeral) is dropped before decoding.
 */
import type { OperationContext } from '../client/context.js';
import { ModelDefinitionError, ValidationError, type ValidationIssue } from '../errors.js';
import { UpdateAction } from '../expr/update-actions.js';
import type { Extension, ModelHooks, WriteIntent } from '../extensions/extension.js';
import { defineExtension } from '../extensions/runtime.js';
import { Attr, type AnyAttr, type AttrSpec } from '../model/attributes.js';
import type { AttributeMap } from '../model/item-codec.js';
import type { CompiledModel, FieldMeta } from '../model/model.js';
import type { WriteOnlyMarker } from '../model/types.js';

/** The name ephemeral fields need (`spec.needs`); the attribute brings the extension itself. */
export const EPHEMERAL_EXTENSION = 'ephemeral';

/** Marks an ephemeral spec; its value says whether a create or put must give the field. */
const REQUIRED: unique symbol = Symbol('dynamorm.ephemeral.required');
type EphemeralSpec = AttrSpec & { readonly [REQUIRED]?: boolean };

/**
 * The type of `ephemeral(attribute)`: accepted by writes as `attribute` is, never in the read item,
 * and finished (optional, default, keys and uniqueness are decided on the attribute it wraps, or not
 * at all).
 */
export type Ephemeral<A extends AnyAttr> = A &
  WriteOnlyMarker & {
    readonly optional: never;
    readonly default: never;
    readonly partitionKey: never;
    readonly sortKey: never;
    readonly unique: never;
    readonly storedAs: never;
  };

/** Whether a compiled field is ephemeral. */
export function isEphemeral(field: FieldMeta): boolean {
  return Object.hasOwn(field.spec, REQUIRED);
}

/**
 * A field that write hooks see and DynamoDB never does: validated like `attribute` (its type, its
 * `.validate()` rules, required unless `attribute` is optional), then dropped before the write is
 * planned. Naming it in a condition or filter is a ValidationError before sending; reads never return
 * it. For secrets a request needs but the table must never hold: a card's CVV, a one-time code.
 *
 * ```ts
 * const Payment = model('Payment', {
 *   table: 'payments',
 *   attributes: { id: attr.string().partitionKey(), cvv: ephemeral(attr.string().validate((v) => /^\d{3,4}$/.test(v))) },
 * });
 * ```
 * Wrap the finished attribute (`ephemeral(attr.string().optional())`): keys, defaults, stored names
 * and uniqueness make no sense for a value that is never stored, and are refused.
 */
export function ephemeral<A extends AnyAttr>(attribute: A): Ephemeral<A> {
  const spec = (attribute as AnyAttr | undefined)?.spec as EphemeralSpec | undefined;
  if (!spec) throw new ModelDefinitionError('ephemeral() wraps an attribute (attr.*)');
  const refuse = (what: string) => new ModelDefinitionError(`an ephemeral field is never stored, so it cannot be ${what}`);
  if (spec.key !== 'none') throw refuse('a key');
  if (spec.generated !== 'none' || spec.template !== undefined) throw refuse('filled by DynamORM (a template, version or clock field)');
  if (spec.hasDefault) throw refuse('given a default');
  if (spec.unique) throw refuse('unique');
  if (spec.ttl) throw refuse('a time-to-live');
  if (Object.hasOwn(spec, REQUIRED)) return attribute as Ephemeral<A>;
  const marked: EphemeralSpec = {
    ...spec,
    // Optional to the core (the item it plans never holds the field); required-ness is checked here.
    optional: true,
    [REQUIRED]: !spec.optional,
    needs: [...(spec.needs ?? []), EPHEMERAL_EXTENSION],
    extension: ephemeralFields,
    checkCondition: refuseCondition,
  };
  return new Attr(marked) as unknown as Ephemeral<A>;
}

/** Conditions and filters cannot name an ephemeral field: it is never stored. */
function refuseCondition(path: string, label: string): never {
  throw new ValidationError([{ path: [path], rule: 'not-conditionable', message: 'is ephemeral: it is never stored, so no condition, filter or query can name it' }], label);
}

/** Checks that a model's ephemeral fields are nothing a key or index needs. */
function checkModel(meta: CompiledModel, fields: readonly FieldMeta[]): void {
  for (const field of fields) {
    const refuse = (what: string) => new ModelDefinitionError(`model ${meta.name}: ephemeral field ${field.name} ${what}`);
    if (field.spec.hasDefault) throw refuse('cannot have a default');
    if (field.codec.scoped) throw refuse('cannot be encrypted: it is never stored');
    if (field.spec.key !== 'none' || meta.keyInputNames.has(field.name)) throw refuse('cannot be part of the primary key');
    if (meta.templates.some((t) => t.template?.fields.includes(field.name))) throw refuse('cannot be part of a key template');
    if (meta.indexes.some((i) => i.partitionKey === field || i.sortKey === field)) throw refuse('cannot be an index key');
  }
}

/** Validates the ephemeral values of a write (as its planner would), throwing every issue at once. */
function validate(meta: CompiledModel, fields: readonly FieldMeta[], write: WriteIntent, label: string): void {
  const input = write.input as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  const whole = write.kind === 'create' || write.kind === 'put';
  for (const field of fields) {
    const value = Object.hasOwn(input, field.name) ? input[field.name] : undefined;
    if (value === undefined) {
      if (whole && (field.spec as EphemeralSpec)[REQUIRED]) issues.push({ path: [field.name], rule: 'required', message: 'is required' });
      continue;
    }
    if (value instanceof UpdateAction) {
      issues.push({ path: [field.name], rule: 'ephemeral', message: `is ephemeral: an update gives it a value, not ${value.kind}()` });
      continue;
    }
    if (value === null) {
      issues.push({ path: [field.name], rule: 'type', message: 'null is not a value' });
      continue;
    }
    field.codec.encode(value, [field.name], issues);
  }
  if (issues.length > 0) throw new ValidationError(issues, `${meta.name}.${label}`);
}

function hooksFor(meta: CompiledModel, fields: readonly FieldMeta[]): ModelHooks {
  const names = new Set(fields.map((f) => f.name));
  const stored = fields.map((f) => f.stored);
  return {
    adjustWrite(_context: OperationContext, write: WriteIntent): WriteIntent {
      const input = write.input;
      if (write.kind === 'delete' || write.kind === 'check' || !input || typeof input !== 'object') return write;
      validate(meta, fields, write, write.kind);
      const kept: Record<string, unknown> = {};
      for (const key of Object.keys(input)) if (!names.has(key)) kept[key] = input[key];
      return { kind: write.kind, input: kept, key: write.key };
    },
    beforeDecode(_context: OperationContext, items: readonly AttributeMap[]): void {
      // Stored before the field was ephemeral: never handed back.
      for (const item of items) for (const name of stored) if (Object.hasOwn(item, name)) delete item[name];
    },
  };
}

/** The extension every ephemeral attribute brings to its model (`model()` adds it once). */
export const ephemeralFields: Extension = defineExtension({
  name: EPHEMERAL_EXTENSION,
  forModel(model) {
    const fields = model.compiled.fields.filter(isEphemeral);
    if (fields.length === 0) return undefined;
    checkModel(model.compiled, fields);
    return hooksFor(model.compiled, fields);
  },
});
