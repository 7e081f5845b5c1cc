/**
 * The tracked fields of an item before and after a write, as stored values. Only tracked fields are
 * read, and fields recorded without values (encrypted ones) are only compared, never copied: an audit
 * record cannot carry a value the configuration did not ask for. The image after an update is the
 * image before with the patch applied; the chain head's condition guarantees that the image before is
 * the item the update applies to. Pure: no I/O.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { UpdateAction } from '../expr/update-actions.js';
import type { Issues } from '../marshal/codec.js';
import type { CompiledModel, FieldMeta } from '../model/model.js';
import { AuditUnsupportedUpdateError } from './errors.js';

type AttributeMap = Record<string, AttributeValue>;

/** What is tracked on one model: fields recorded with their values, and fields recorded only as changed. */
export interface TrackedFields {
  readonly meta: CompiledModel;
  /** Fields whose values are recorded. */
  readonly values: readonly FieldMeta[];
  /** Fields recorded as changed, without values (encrypted fields). */
  readonly redacted: readonly FieldMeta[];
}

/** The stored values of the tracked fields of a decoded item (field name to stored value). */
export function imageOf(tracked: TrackedFields, item: Readonly<Record<string, unknown>> | undefined): AttributeMap | undefined {
  if (!item) return undefined;
  const out: AttributeMap = {};
  const issues: Issues = [];
  for (const f of tracked.values) {
    const value = item[f.name];
    if (value === undefined) continue;
    const stored = f.codec.encode(value, [f.name], issues);
    if (stored) out[f.name] = stored;
  }
  return out;
}

/** The tracked fields of an encoded item (a create's or a put's), by field name. */
export function imageOfStored(tracked: TrackedFields, item: Readonly<AttributeMap>): AttributeMap {
  const out: AttributeMap = {};
  for (const f of tracked.values) {
    const stored = item[f.stored];
    if (stored) out[f.name] = stored;
  }
  return out;
}

const EXACT_ADD = new Set(['integer', 'cents', 'bigint', 'stringSet', 'numberSet']);

/** Whether the result of `action` on `field` can be computed exactly from the value before. */
function exact(field: FieldMeta, action: UpdateAction): boolean {
  return (action.kind !== 'add' && action.kind !== 'removeFromSet') || EXACT_ADD.has(field.spec.kind);
}

/**
 * Throws AuditUnsupportedUpdateError when the patch changes a tracked field with an action whose
 * result cannot be known exactly (checked before anything is read or sent).
 */
export function checkPatch(tracked: TrackedFields, patch: Readonly<Record<string, unknown>> | undefined): void {
  if (!patch) return;
  for (const f of [...tracked.values, ...tracked.redacted]) {
    const change = patch[f.name];
    if (change instanceof UpdateAction && !exact(f, change)) throw new AuditUnsupportedUpdateError(tracked.meta.name, f.name, change.kind);
  }
}

/** The decoded value of a field after an update action, from its value before (checked by checkPatch). */
function applyAction(model: string, field: FieldMeta, action: UpdateAction, before: unknown): unknown {
  if (!exact(field, action)) throw new AuditUnsupportedUpdateError(model, field.name, action.kind);
  const value = action.value as Iterable<unknown>;
  switch (action.kind) {
    case 'remove':
      return undefined;
    case 'ifNotExists':
      return before === undefined ? action.value : before;
    case 'add':
      if (field.spec.kind.endsWith('Set')) return new Set([...((before as Iterable<unknown>) ?? []), ...value]);
      if (field.spec.kind === 'bigint') return ((before as bigint | undefined) ?? 0n) + (action.value as bigint);
      return ((before as number | undefined) ?? 0) + (action.value as number);
    case 'removeFromSet': {
      const out = new Set((before as Iterable<unknown>) ?? []);
      for (const v of value) out.delete(v);
      return out;
    }
    case 'append':
      return [...((before as unknown[]) ?? []), ...value];
    case 'prepend':
      return [...value, ...((before as unknown[]) ?? [])];
  }
  return action.value;
}

/**
 * The decoded tracked values after an update: `before` with the patch applied. Throws
 * AuditUnsupportedUpdateError for an action whose result cannot be known exactly.
 */
export function applyPatch(tracked: TrackedFields, before: Readonly<Record<string, unknown>> | undefined, patch: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const after: Record<string, unknown> = {};
  for (const f of [...tracked.values, ...tracked.redacted]) {
    const old = before?.[f.name];
    const change = patch[f.name];
    const next = change === undefined ? old : change instanceof UpdateAction ? applyAction(tracked.meta.name, f, change, old) : change;
    if (next !== undefined) after[f.name] = next;
  }
  return after;
}

/** Whether two decoded values are the same value (for fields recorded only as changed). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  if (a instanceof Set && b instanceof Set) return a.size === b.size && [...a].every((v) => b.has(v));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  if (typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** The redacted fields whose value differs between two decoded images. */
export function changedRedacted(tracked: TrackedFields, before: Readonly<Record<string, unknown>> | undefined, after: Readonly<Record<string, unknown>> | undefined): string[] {
  return tracked.redacted.filter((f) => !sameValue(before?.[f.name], after?.[f.name])).map((f) => f.name);
}
