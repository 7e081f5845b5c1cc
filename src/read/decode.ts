/**
 * The one place stored items become typed items. Every operation that returns items (get, query,
 * scan, collections, batch and transactional gets, the results of writes, the stored item of a
 * failed condition) decodes them here, a page at a time, so an extension can prepare a whole page
 * before any item of it is decoded (unwrap its data keys once, not once per field).
 */
import type { OperationContext } from '../client/context.js';
import type { ResolvedHooks } from '../extensions/extension.js';
import { decodeItem, type AttributeMap } from '../model/item-codec.js';
import type { CompiledModel } from '../model/model.js';

/** A model and the extension hooks that apply to it (`undefined`: none, nothing to run). */
export interface DecodeTarget {
  readonly meta: CompiledModel;
  readonly hooks: ResolvedHooks | undefined;
}

/**
 * Decodes one page of stored items of one model. `projection` keeps only the named fields. Throws
 * `ValidationError` (`stored-value`) for a stored value the model cannot represent exactly.
 */
export async function decodeItems(
  context: OperationContext,
  target: DecodeTarget,
  raws: readonly AttributeMap[],
  projection?: readonly string[],
): Promise<Record<string, unknown>[]> {
  if (target.hooks && raws.length > 0) await target.hooks.runtime.preparePage(context, target.hooks, raws);
  const out: Record<string, unknown>[] = new Array(raws.length);
  for (let i = 0; i < raws.length; i++) {
    const item = decodeItem(target.meta, raws[i] as AttributeMap);
    out[i] = projection ? pick(item, projection) : item;
  }
  return out;
}

/** Decodes one stored item (`undefined` stays `undefined`). */
export async function decodeOne(context: OperationContext, target: DecodeTarget, raw: AttributeMap | undefined): Promise<Record<string, unknown> | undefined> {
  return raw ? (await decodeItems(context, target, [raw]))[0] : undefined;
}

/**
 * Decodes the stored item DynamoDB returns with a failed condition. In a shared table it may belong
 * to another model and not decode: then the raw attribute names stand in, so the error still knows an
 * item was there (the key is taken) without failing on it.
 */
export async function decodeForError(context: OperationContext, target: DecodeTarget, raw: AttributeMap | undefined): Promise<Record<string, unknown> | undefined> {
  if (!raw) return undefined;
  try {
    return (await decodeItems(context, target, [raw]))[0];
  } catch {
    return attributeNames(raw, '(not of this model)');
  }
}

/** A stored item as its attribute names only, each with `marker` for a value (never the stored values). */
export function attributeNames(raw: AttributeMap, marker: string): Record<string, unknown> {
  return Object.fromEntries(Object.keys(raw).map((name) => [name, marker]));
}

/** Decodes a page holding items of several models (a collection): each model's items are prepared together. */
export async function decodeMixed<D extends DecodeTarget, T>(
  context: OperationContext,
  raws: readonly AttributeMap[],
  targetOf: (raw: AttributeMap) => D,
  wrap: (target: D, item: Record<string, unknown>) => T,
): Promise<T[]> {
  const targets = raws.map(targetOf);
  for (const target of new Set(targets)) {
    if (!target.hooks) continue;
    await target.hooks.runtime.preparePage(context, target.hooks, raws.filter((_, i) => targets[i] === target));
  }
  return raws.map((raw, i) => wrap(targets[i] as D, decodeItem((targets[i] as D).meta, raw)));
}

function pick(record: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) if (Object.hasOwn(record, name) && record[name] !== undefined) out[name] = record[name];
  return out;
}
