/**
 * The pre-flight estimate: the capacity a request will consume, from the items it writes or reads and
 * the model's indexes, before sending it. Sizes are counted as DynamoDB counts them (the same
 * `itemSize` that refuses items over 400 KB); the unit rules are in `units.ts`.
 *
 * ```ts
 * const { input } = await preview(db.model(Payment)).create(payment);
 * estimateWrite(Payment, { after: input.Item as Image }).at;   // write units on the table and on each index
 * ```
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { itemSize } from '../marshal/item-size.js';
import type { AnyModel, IndexMeta } from '../model/model.js';
import { CostInputError } from './errors.js';
import { estimateReadSizes, estimateWriteSizes, LSI_ENTRY_OVERHEAD_BYTES, sumEstimates, type CapacityEstimate, type IndexEntryChange, type ReadMode } from './units.js';

/** An item as DynamoDB stores it (what a preview's `Item`, or a raw GetItem, holds). */
export type Image = Record<string, AttributeValue>;

/** The index layout the estimate needs: which attributes make an entry, and which it holds. */
interface IndexLayout {
  readonly name: string;
  /** Bytes a written entry counts beyond its attributes (local indexes). */
  readonly overhead: number;
  /** The index's key attributes: an item has an entry when it has all of them. */
  readonly keys: readonly string[];
  /** The attributes the entry holds: undefined for all of the item. */
  readonly projected: readonly string[] | undefined;
}

function layoutOf(model: AnyModel, index: IndexMeta): IndexLayout {
  const compiled = model.compiled;
  const keys = [index.partitionKey.stored, ...(index.sortKey ? [index.sortKey.stored] : [])];
  const overhead = index.type === 'local' ? LSI_ENTRY_OVERHEAD_BYTES : 0;
  if (index.projection === 'all') return { name: index.name, overhead, keys, projected: undefined };
  const tableKeys = [compiled.partitionKey.stored, ...(compiled.sortKey ? [compiled.sortKey.stored] : [])];
  const extra = index.projection === 'keys' ? [] : index.projection.map((f) => f.stored);
  return { name: index.name, overhead, keys, projected: [...new Set([...tableKeys, ...keys, ...extra])] };
}

/** The indexes of the models (by index name; models sharing a table may each declare some). */
function layouts(models: AnyModel | readonly AnyModel[]): IndexLayout[] {
  const byName = new Map<string, IndexLayout>();
  for (const model of Array.isArray(models) ? (models as readonly AnyModel[]) : [models as AnyModel]) {
    for (const index of model.compiled.indexes) if (!byName.has(index.name)) byName.set(index.name, layoutOf(model, index));
  }
  return [...byName.values()];
}

/** The entry an item has in an index (undefined: none, it lacks a key attribute). */
function entryOf(layout: IndexLayout, item: Image | undefined): Image | undefined {
  if (!item || layout.keys.some((k) => item[k] === undefined)) return undefined;
  if (!layout.projected) return item;
  const entry: Image = {};
  for (const name of layout.projected) if (item[name] !== undefined) entry[name] = item[name];
  return entry;
}

/** Equality of two stored values (sets compared as sets, maps by name). */
export function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const x0 = a as unknown as Record<string, unknown>;
  const y0 = b as unknown as Record<string, unknown>;
  const [ka] = Object.keys(x0).filter((k) => x0[k] !== undefined);
  const [kb] = Object.keys(y0).filter((k) => y0[k] !== undefined);
  if (ka !== kb || ka === undefined) return false;
  const x = x0[ka];
  const y = y0[ka];
  switch (ka) {
    case 'B':
      return Buffer.from(x as Uint8Array).equals(Buffer.from(y as Uint8Array));
    case 'SS':
    case 'NS':
      return [...(x as string[])].sort().join('\u0000') === [...(y as string[])].sort().join('\u0000');
    case 'BS': {
      const hex = (v: unknown) => (v as Uint8Array[]).map((b) => Buffer.from(b).toString('hex')).sort().join(',');
      return hex(x) === hex(y);
    }
    case 'L': {
      const l = x as AttributeValue[];
      const m = y as AttributeValue[];
      return l.length === m.length && l.every((v, i) => sameValue(v, m[i]));
    }
    case 'M':
      return sameImage(x as Image, y as Image);
    default:
      return x === y;
  }
}

function sameImage(a: Image, b: Image): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  return names.every((n) => sameValue(a[n], b[n]));
}

/** A write, as the items before and after it. */
export interface WriteImages {
  /** The stored item before the write (undefined: none, a new item). */
  readonly before?: Image | undefined;
  /** The item after the write (undefined: a delete). */
  readonly after?: Image | undefined;
  /** Part of a TransactWriteItems (or a write with companion actions, sent as one). */
  readonly transactional?: boolean;
}

/**
 * The write units a write will consume, on the table and on each index of `models` (the model, or
 * every model of a table whose items may carry other models' index keys). Throws CostInputError when
 * neither image is given.
 */
export function estimateWrite(models: AnyModel | readonly AnyModel[], write: WriteImages): CapacityEstimate {
  const { before, after } = write;
  if (!before && !after) throw new CostInputError('a write estimate needs the item before or after the write');
  const indexes: IndexEntryChange[] = layouts(models).map((layout) => {
    const old = entryOf(layout, before);
    const now = entryOf(layout, after);
    return {
      name: layout.name,
      before: old && itemSize(old) + layout.overhead,
      after: now && itemSize(now) + layout.overhead,
      keyChanged: !!old && !!now && layout.keys.some((k) => !sameValue(old[k], now[k])),
      changed: !!old && !!now && !sameImage(old, now),
    };
  });
  return estimateWriteSizes({ before: before && itemSize(before), after: after && itemSize(after), indexes, transactional: write.transactional === true });
}

/** A read, as the items it reads. */
export interface ReadImages extends ReadMode {
  /** `get` (GetItem, or one item of a batch or transactional get) or `query` (one page). */
  readonly kind: 'get' | 'query';
  /** The stored items read (a get: the item, or none when it is missing; a query: the page before any filter). */
  readonly items: readonly Image[];
  /** The index read, by name or by the model's alias for it (default: the table). */
  readonly index?: string;
}

/** The read units a get or one query page will consume. Throws CostInputError for an index the models do not declare. */
export function estimateRead(models: AnyModel | readonly AnyModel[], read: ReadImages): CapacityEstimate {
  let layout: IndexLayout | undefined;
  if (read.index !== undefined) {
    const list = Array.isArray(models) ? (models as readonly AnyModel[]) : [models as AnyModel];
    const meta = list.flatMap((m) => m.compiled.indexes.map((i) => [m, i] as const)).find(([, i]) => i.name === read.index || i.alias === read.index);
    if (!meta) throw new CostInputError('the models declare no index of that name');
    layout = layoutOf(meta[0], meta[1]);
  }
  const sizes = read.items.map((item) => itemSize(layout ? (entryOf(layout, item) ?? {}) : item));
  const mode = { consistent: read.consistent === true, transactional: read.transactional === true, index: layout?.name };
  if (read.kind === 'query') return estimateReadSizes('query', sizes, mode);
  // Several items of a get (a batch or a transaction): each is rounded up on its own.
  if (sizes.length <= 1) return estimateReadSizes('get', sizes, mode);
  return sumEstimates(sizes.map((size) => estimateReadSizes('get', [size], mode)));
}
