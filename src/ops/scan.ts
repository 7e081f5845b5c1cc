/**
 * The scan builder: reads a whole table or index, in parallel segments if asked, with the filters,
 * limits, cursors and streaming of queries. It reads, and pays for, every item, so it is never
 * chosen for you: `db.model(M).scan()` on a DynamORM, or `scan(db, M)` on the core Database.
 */
import type { Database } from '../database.js';
import { ValidationError } from '../errors.js';
import { Placeholders } from '../expr/placeholders.js';
import type { AnyModel } from '../model/model.js';
import { cursorCodec } from './cursor.js';
import type { ItemField, Projected } from './model-client.js';
import { initialState, pageSizeOf, ReadBuilder, type AttributeMap, type Page, type ReadState } from './read-builder.js';
import { countItems, readPages, ReadStopped, type ReadRequest } from './reader.js';

interface ScanState extends ReadState {
  readonly segments: number | undefined;
}

/** A scan of a model's table or of one of its indexes. It reads (and pays for) every item. */
export class ScanBuilder<M extends AnyModel, F extends ItemField<M> = ItemField<M>> extends ReadBuilder<M, F, ScanState> {
  /** @internal */
  static start<M extends AnyModel>(db: Database, model: M): ScanBuilder<M> {
    return new ScanBuilder(db, model, Object.assign(initialState(), { segments: undefined }));
  }

  protected with(changes: Partial<ScanState>): this {
    return new ScanBuilder(this.db, this.model, { ...this.state, ...changes }) as this;
  }

  protected context(): string {
    return `${this.meta.name}.scan`;
  }

  /** Scans this index (by its alias in the model) instead of the table. */
  index(alias: keyof M['indexes'] & string): this {
    if (!this.meta.indexes.some((i) => i.alias === alias)) {
      throw new ValidationError([{ path: [], rule: 'unknown-index', message: `${this.meta.name} has no index "${alias}"` }], this.context());
    }
    return this.with({ index: alias });
  }

  /** Splits the scan into `segments` parallel segments (1 to 1,000,000). */
  parallel(segments: number): this {
    if (!Number.isSafeInteger(segments) || segments < 1 || segments > 1_000_000) {
      throw new ValidationError([{ path: [], rule: 'segments', message: 'segments must be an integer from 1 to 1,000,000' }], this.context());
    }
    return this.with({ segments });
  }

  private keyAttributes(): string[] {
    const index = this.meta.indexes.find((i) => i.alias === this.state.index);
    return [...new Set([this.meta.partitionKey.stored, this.meta.sortKey?.stored, index?.partitionKey.stored, index?.sortKey?.stored])].filter(
      (x): x is string => x !== undefined,
    );
  }

  toInput(): Record<string, unknown> {
    const ph = new Placeholders();
    const index = this.meta.indexes.find((i) => i.alias === this.state.index);
    if (this.state.consistent && index?.type === 'global') {
      throw new ValidationError([{ path: [], rule: 'consistent-read', message: `index ${index.alias} is global: it cannot be read consistently` }], this.context());
    }
    const input: Record<string, unknown> = { TableName: this.db.tableName(this.model) };
    if (index) input.IndexName = index.name;
    Object.assign(input, this.commonInput(ph, this.keyAttributes()), ph.attributes());
    return input;
  }

  protected readRequest(segment?: number, limit?: number): ReadRequest<Projected<M, F>> {
    const input = this.toInput();
    if (segment !== undefined) Object.assign(input, { Segment: segment, TotalSegments: this.state.segments });
    const itemLimit = limit ?? this.state.limit;
    return {
      operation: 'Scan',
      input,
      model: this.meta.name,
      decode: this.decoder(),
      keyAttributes: this.keyAttributes(),
      // The entity guard alone rarely drops an item, so Limit can still follow the item limit.
      filtered: this.state.filters.length > 0,
      ...(itemLimit !== undefined ? { limit: itemLimit } : {}),
      ...pageSizeOf(this.state.pageSize ?? this.db.config.pageSize),
    };
  }

  override async *pages(): AsyncGenerator<Projected<M, F>[]> {
    const segments = this.state.segments;
    if (!segments || segments === 1) {
      yield* super.pages();
      return;
    }
    // Parallel: each segment fetches one page at a time; pages are yielded as they arrive. Each
    // segment's place (next key; null = done) is kept, so a stop at the deadline can be resumed.
    const binding = this.binding(this.readRequest(0));
    const positions: (AttributeMap | null | undefined)[] =
      this.state.resumeFrom === undefined
        ? new Array<undefined>(segments).fill(undefined)
        : cursorCodec(this.db.config.cursorSecret).decodeSegments(binding, this.state.resumeFrom, segments);
    let remaining = this.state.limit ?? Infinity;
    const iterators = positions.map((start, s) => (start === null ? undefined : readPages(this.db, this.readRequest(s), start ?? undefined)));
    type Step = { s: number; r: IteratorResult<{ items: Projected<M, F>[]; next: AttributeMap | undefined }> };
    const pending = new Map<number, Promise<Step>>();
    const advance = (s: number) => {
      const it = iterators[s];
      if (it) pending.set(s, it.next().then((r) => ({ s, r })));
    };
    iterators.forEach((_, s) => advance(s));
    try {
      while (pending.size > 0 && remaining > 0) {
        let step: Step;
        try {
          step = await Promise.race(pending.values());
        } catch (error) {
          if (error instanceof ReadStopped) throw this.stoppedAt((codec) => codec.encodeSegments(binding, positions));
          throw error;
        }
        const { s, r } = step;
        if (r.done) {
          pending.delete(s);
          positions[s] = null;
          continue;
        }
        positions[s] = r.value.next ?? null;
        advance(s);
        const items = r.value.items.slice(0, remaining);
        remaining -= items.length;
        if (items.length > 0) yield items;
      }
    } finally {
      await Promise.allSettled([...pending.values()]);
      await Promise.all(iterators.map((it) => it?.return(undefined)));
    }
  }

  override async page(cursor?: string): Promise<Page<Projected<M, F>>> {
    const segments = this.state.segments;
    if (!segments || segments === 1) return super.page(cursor);
    // One page from every unfinished segment, fetched together; the cursor keeps each segment's place.
    const binding = this.binding(this.readRequest(0));
    const codec = cursorCodec(this.db.config.cursorSecret);
    const starts = cursor === undefined ? new Array<AttributeMap | null | undefined>(segments).fill(undefined) : codec.decodeSegments(binding, cursor, segments);
    // The limit is shared out between the unfinished segments, so a page never holds more than `limit`
    // items; with fewer items than segments, only the first `limit` of them are read this time.
    const open = starts.flatMap((start, s) => (start === null ? [] : [s]));
    const reading = new Set(this.state.limit === undefined ? open : open.slice(0, this.state.limit));
    const perSegment = this.state.limit === undefined ? undefined : Math.max(1, Math.floor(this.state.limit / reading.size));
    const results = await Promise.all(
      starts.map(async (start, s) => {
        if (start === null) return { items: [] as Projected<M, F>[], next: null };
        if (!reading.has(s)) return { items: [] as Projected<M, F>[], next: start };
        try {
          for await (const page of readPages(this.db, this.readRequest(s, perSegment), start)) return { items: page.items, next: page.next ?? null };
        } catch (error) {
          // Out of time before this segment's page: it keeps its place.
          if (error instanceof ReadStopped) return { items: [] as Projected<M, F>[], next: error.next };
          throw error;
        }
        return { items: [] as Projected<M, F>[], next: null };
      }),
    );
    const items = results.flatMap((r) => r.items);
    const done = results.every((r) => r.next === null);
    return { items, cursor: done ? undefined : codec.encodeSegments(binding, results.map((r) => r.next)) };
  }

  override async count(): Promise<number> {
    const segments = this.state.segments;
    if (!segments || segments === 1) return super.count();
    const counts = await Promise.all(
      Array.from({ length: segments }, (_, s) => {
        const input = this.with({ projection: undefined }).readRequest(s).input;
        return countItems(this.db, 'Scan', input, this.meta.name, this.state.pageSize ?? this.db.config.pageSize);
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }
}

/** A scan of a model's table (or of an index, with `.index(alias)`): reads, and pays for, every item. */
export function scan<M extends AnyModel>(db: Database, model: M): ScanBuilder<M> {
  return ScanBuilder.start(db, model);
}
