/**
 * DynamoDB's published capacity unit rules, on sizes in bytes. Pure: the pre-flight estimate, the
 * `dynamorm cost` command and the tests use the same functions.
 *
 * - A write costs one unit per started KB of the item (the larger of the item before and after it);
 *   a delete of a missing item, or a write of an empty one, still costs one.
 * - A secondary index costs its own writes, by the size of its entry (the projected attributes and the
 *   keys; a local index's entry counts 100 bytes more, as DynamoDB documents an LSI entry's size and
 *   as DynamoDB Local reports its writes): a put when the item gains the index's keys, a delete when it loses them, a delete and a put
 *   when an index key changes, one write of the larger entry when only projected attributes change,
 *   nothing when the entry is unchanged.
 * - A read costs one unit per started 4 KB, strongly consistent; half of that eventually consistent.
 *   A query sums the sizes of the entries it reads, then rounds up once.
 * - Transactional reads and writes cost twice as much.
 */

/** Bytes per write unit. */
export const WRITE_UNIT_BYTES = 1024;
/** Bytes per read unit (strongly consistent). */
export const READ_UNIT_BYTES = 4096;
/** What a local secondary index entry counts beyond its attributes, for writes. */
export const LSI_ENTRY_OVERHEAD_BYTES = 100;
/** Factor of transactional reads and writes. */
export const TRANSACTIONAL_FACTOR = 2;

/** Write units of one write of `bytes` (at least one). */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
}

/** How a read is served. Transactional reads are always strongly consistent. */
export interface ReadMode {
  /** Strongly consistent (default false: eventually consistent). */
  readonly consistent?: boolean;
  /** Part of a TransactGetItems (twice a strongly consistent read). */
  readonly transactional?: boolean;
}

/** Read units of reading `bytes` in one go: a GetItem's item, or the summed entries of a query page. */
export function readUnits(bytes: number, mode: ReadMode = {}): number {
  const units = Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES));
  if (mode.transactional) return units * TRANSACTIONAL_FACTOR;
  return mode.consistent ? units : units / 2;
}

/** One secondary index's entry of an item, before and after a write (absent: the item has not the index's keys). */
export interface IndexEntryChange {
  /** The index name. */
  readonly name: string;
  /** Size of the entry before the write, in bytes; undefined when there was none. */
  readonly before?: number | undefined;
  /** Size of the entry after the write, in bytes; undefined when there is none. */
  readonly after?: number | undefined;
  /** True when one of the index's key values differs between before and after. */
  readonly keyChanged?: boolean;
  /** True when the entry's projected attributes differ (same keys). Default: true when both exist. */
  readonly changed?: boolean;
}

/** Write units one index costs for a change of its entry (before the transactional factor). */
export function indexWriteUnits(entry: IndexEntryChange): number {
  const { before, after } = entry;
  if (before === undefined && after === undefined) return 0;
  if (before === undefined) return writeUnits(after as number);
  if (after === undefined) return writeUnits(before);
  if (entry.keyChanged) return writeUnits(before) + writeUnits(after);
  if (entry.changed === false) return 0;
  return writeUnits(Math.max(before, after));
}

/** One write described by sizes. */
export interface WriteSizes {
  /** Size of the stored item before the write (undefined: none, a new item). */
  readonly before?: number | undefined;
  /** Size of the item after the write (undefined: deleted). */
  readonly after?: number | undefined;
  /** Each secondary index of the table the item may have an entry in. */
  readonly indexes?: readonly IndexEntryChange[];
  /** Part of a TransactWriteItems. */
  readonly transactional?: boolean;
}

/** Units by place: `index` undefined for the table itself. */
export interface UnitsAt {
  readonly index: string | undefined;
  readonly read: number;
  readonly write: number;
}

/** Capacity of one request or operation: totals and the share of the table and of each index. */
export interface CapacityEstimate {
  readonly read: number;
  readonly write: number;
  /** The table first, then each index that costs something. */
  readonly at: readonly UnitsAt[];
}

/** The write units of a write, on the table and on each index. */
export function estimateWriteSizes(write: WriteSizes): CapacityEstimate {
  const factor = write.transactional ? TRANSACTIONAL_FACTOR : 1;
  const table = writeUnits(Math.max(write.before ?? 0, write.after ?? 0)) * factor;
  const at: UnitsAt[] = [{ index: undefined, read: 0, write: table }];
  let total = table;
  for (const entry of write.indexes ?? []) {
    const units = indexWriteUnits(entry) * factor;
    if (units === 0) continue;
    at.push({ index: entry.name, read: 0, write: units });
    total += units;
  }
  return { read: 0, write: total, at };
}

/**
 * The read units of a get (one item: `sizes` has at most one entry; none for a missing item) or a
 * query page (`sizes` of the entries read, before any filter), on the table or on `index`.
 */
export function estimateReadSizes(kind: 'get' | 'query', sizes: readonly number[], mode: ReadMode & { index?: string | undefined } = {}): CapacityEstimate {
  if (kind === 'get' && sizes.length > 1) throw new RangeError('a get reads one item');
  let bytes = 0;
  for (const size of sizes) bytes += size;
  const read = readUnits(bytes, mode);
  return { read, write: 0, at: [{ index: mode.index, read, write: 0 }] };
}

/** Sums estimates (a workload, a transaction's actions), place by place. */
export function sumEstimates(estimates: readonly CapacityEstimate[]): CapacityEstimate {
  const places = new Map<string | undefined, { read: number; write: number }>();
  let read = 0;
  let write = 0;
  for (const estimate of estimates) {
    read += estimate.read;
    write += estimate.write;
    for (const use of estimate.at) {
      const place = places.get(use.index) ?? { read: 0, write: 0 };
      place.read += use.read;
      place.write += use.write;
      places.set(use.index, place);
    }
  }
  return { read, write, at: [...places].map(([index, units]) => ({ index, ...units })) };
}
