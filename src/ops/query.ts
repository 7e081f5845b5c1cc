/**
 * Query and scan builders. `db.model(M).where(...)` plans a Query on the table or an index (or a
 * GetItem when the key is complete); `db.model(M).scan()` reads a whole table or index, in parallel
 * segments if asked. Both share filters, projections, limits, ordering, cursors and streaming.
 * Builders are immutable: every call returns a new builder.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Database } from '../database.js';
import { DeadlineExceededError } from '../deadline.js';
import { ValidationError } from '../errors.js';
import { buildCondition, compileCondition, Condition, conditionPaths, joinConditions, type ConditionInput, type ConditionOp, type OperandOf } from '../expr/condition.js';
import { Placeholders } from '../expr/placeholders.js';
import { decodeItem } from '../model/item-codec.js';
import type { AnyModel, CompiledModel } from '../model/model.js';
import type { FieldPath, Item, ValueAt } from '../model/types.js';
import { bindingOf, cursorCodec, type CursorCodec } from './cursor.js';
import type { ItemField, Projected } from './model-client.js';
import { keyConditionExpression, planQuery, type KeyConditionInput, type QueryPlan } from './query-plan.js';
import { countItems, readPages, ReadStopped, type ReadRequest } from './reader.js';

type AttributeMap = Record<string, AttributeValue>;

const ENTITY_GUARD = '(attribute_not_exists(#_et) OR #_et = :_et)';

function pageSizeOf(pageSize: number | undefined): { pageSize?: number } {
  return pageSize === undefined ? {} : { pageSize };
}

/** A page of results and the cursor of the next page (`undefined` when there is none). */
export interface Page<T> {
  readonly items: T[];
  readonly cursor: string | undefined;
}

// Every field is always present (undefined when unset), so all states share one shape and copying
// one in `with()` stays cheap: a query builds two or three builders per request. (In V8, adding a
// key to an object made by spreading another costs about 1 µs, 15 times a plain copy: see
// docs/decisions.md.)
interface ReadState {
  readonly filters: readonly Condition<unknown>[];
  readonly limit: number | undefined;
  readonly pageSize: number | undefined;
  readonly order: 'asc' | 'desc';
  readonly projection: readonly string[] | undefined;
  readonly consistent: boolean;
  readonly index: string | undefined;
  /** Cursor to start from (`resume()`). */
  readonly resumeFrom: string | undefined;
}

const NO_FILTERS: readonly Condition<unknown>[] = [];

function initialState(): ReadState {
  return {
    filters: NO_FILTERS,
    limit: undefined,
    pageSize: undefined,
    order: 'asc',
    projection: undefined,
    consistent: false,
    index: undefined,
    resumeFrom: undefined,
  };
}

/** What the query and scan builders share. */
abstract class ReadBuilder<M extends AnyModel, F extends ItemField<M>, State extends ReadState> {
  protected readonly meta: CompiledModel;

  /** @internal */
  constructor(
    protected readonly db: Database,
    protected readonly model: M,
    protected readonly state: State,
  ) {
    this.meta = model.compiled;
  }

  protected abstract with(changes: Partial<ReadState>): this;
  protected abstract context(): string;

  /**
   * A filter on non-key fields, applied by DynamoDB after reading (it still costs the read). Several
   * filters all have to hold. Takes `(field, op, value)` or a condition function with and/or/not.
   */
  filter<P extends FieldPath<M>, O extends ConditionOp>(path: P, op: O, value: OperandOf<ValueAt<Item<M>, P>, O>): this;
  filter(condition: ConditionInput<M>): this;
  filter(pathOrCondition: string | ConditionInput<M>, op?: ConditionOp, value?: unknown): this {
    const condition =
      typeof pathOrCondition === 'function'
        ? buildCondition(pathOrCondition)
        : new Condition<M>({ kind: 'where', path: pathOrCondition, op: op as ConditionOp, value });
    return this.with({ filters: [...this.state.filters, condition as Condition<unknown>] });
  }

  /** Returns at most `n` items in all, across pages and after filtering; also the size of `page()`. */
  limit(n: number): this {
    if (!Number.isSafeInteger(n) || n < 1) throw new ValidationError([{ path: [], rule: 'limit', message: 'limit must be a positive integer' }], this.context());
    return this.with({ limit: n });
  }

  /** Items DynamoDB reads per request (its `Limit`); smaller pages, less memory, more requests. */
  pageSize(n: number): this {
    if (!Number.isSafeInteger(n) || n < 1) throw new ValidationError([{ path: [], rule: 'page-size', message: 'pageSize must be a positive integer' }], this.context());
    return this.with({ pageSize: n });
  }

  /** Strongly consistent reads (not available on global secondary indexes). */
  consistent(on = true): this {
    return this.with({ consistent: on });
  }

  /** Reads only these fields; the result type narrows to them. */
  select<G extends ItemField<M>>(...fields: G[]): ReadBuilderWith<this, G> {
    if (fields.length === 0) throw new ValidationError([{ path: [], rule: 'projection', message: 'select() needs at least one field' }], this.context());
    for (const f of fields) {
      if (!this.meta.byName.has(f)) throw new ValidationError([{ path: [f], rule: 'unknown-field', message: `is not a field of ${this.meta.name}` }], this.context());
    }
    return this.with({ projection: fields }) as unknown as ReadBuilderWith<this, G>;
  }

  /** The plain Query/Scan input this builder sends (for logging or inspection), without paging fields. */
  abstract toInput(): Record<string, unknown>;

  protected abstract readRequest(): ReadRequest<Projected<M, F>>;

  /** The first matching item, or `undefined`. */
  async first(): Promise<Projected<M, F> | undefined> {
    for await (const item of this.limitTo(1).stream()) return item;
    return undefined;
  }

  /**
   * Starts `stream()`, `pages()` and `all()` where an earlier read stopped: the cursor of a
   * DeadlineExceededError or of `page()`.
   */
  resume(cursor: string): this {
    return this.with({ resumeFrom: cursor });
  }

  /**
   * Every matching item (up to the limit). Prefer `stream()` for large results. Under a deadline it
   * stops before it and raises DeadlineExceededError holding the items read and a cursor.
   */
  async all(): Promise<Projected<M, F>[]> {
    const out: Projected<M, F>[] = [];
    try {
      for await (const page of this.pages()) out.push(...page);
    } catch (error) {
      if (error instanceof DeadlineExceededError) throw new DeadlineExceededError(error.message, { cursor: error.cursor, items: out });
      throw error;
    }
    return out;
  }

  /**
   * Matching items one at a time; holds one page in memory. Under a deadline (Lambda), a page that
   * would not finish in time is not started: DeadlineExceededError carries the cursor to `resume()`.
   */
  async *stream(): AsyncGenerator<Projected<M, F>> {
    for await (const page of this.pages()) yield* page;
  }

  /** Matching items page by page (stops before a deadline like `stream()`). */
  async *pages(): AsyncGenerator<Projected<M, F>[]> {
    yield* this.pagesOf(this.readRequest());
  }

  /** Pages of a prepared request; the cursor binding (a hash) is only computed when a cursor is involved. */
  protected async *pagesOf(request: ReadRequest<Projected<M, F>>): AsyncGenerator<Projected<M, F>[]> {
    const resumeFrom = this.state.resumeFrom;
    const start = resumeFrom === undefined ? undefined : cursorCodec(this.db.config.cursorSecret).decodeKey(this.binding(request), resumeFrom);
    try {
      for await (const page of readPages(this.db, request, start)) yield page.items;
    } catch (error) {
      if (error instanceof ReadStopped) throw this.stoppedAt((codec) => codec.encodeKey(this.binding(request), error.next));
      throw error;
    }
  }

  /** The error for a read stopped before its deadline, with a cursor when a secret is configured. */
  protected stoppedAt(encode: (codec: CursorCodec) => string): DeadlineExceededError {
    const secret = this.db.config.cursorSecret;
    if (!secret) {
      return new DeadlineExceededError(`${this.context()}: stopped before the deadline; set cursorSecret to get a cursor to resume from`);
    }
    return new DeadlineExceededError(`${this.context()}: stopped before the deadline; resume() with the cursor`, { cursor: encode(cursorCodec(secret)) });
  }

  /**
   * One page: up to `limit` items (or one DynamoDB page without a limit) and an opaque, signed cursor
   * for the next one. A cursor from another query, or altered, raises InvalidCursorError.
   */
  async page(cursor?: string): Promise<Page<Projected<M, F>>> {
    const request = this.readRequest();
    const binding = this.binding(request);
    const codec = cursorCodec(this.db.config.cursorSecret);
    const start = cursor === undefined ? undefined : codec.decodeKey(binding, cursor);
    const items: Projected<M, F>[] = [];
    let next: AttributeMap | undefined;
    try {
      for await (const page of readPages(this.db, request, start)) {
        items.push(...page.items);
        next = page.next;
        if (this.state.limit === undefined) break;
      }
    } catch (error) {
      // Out of time: hand back the items read so far; the cursor resumes after them.
      if (!(error instanceof ReadStopped)) throw error;
      next = error.next;
    }
    return { items, cursor: next ? codec.encodeKey(binding, next) : undefined };
  }

  /** Counts matching items over all pages (Select COUNT: items are not transferred). */
  async count(): Promise<number> {
    const request = this.with({ projection: undefined }).readRequest();
    return countItems(this.db, request.operation, request.input, this.meta.name, this.state.pageSize ?? this.db.config.pageSize);
  }

  protected limitTo(n: number): this {
    return this.with({ limit: Math.min(n, this.state.limit ?? n) });
  }

  protected binding(request: ReadRequest<unknown>): string {
    const { ExclusiveStartKey: _s, Limit: _l, ...shape } = request.input;
    return bindingOf([this.meta.name, request.operation, shape]);
  }

  /** Filter (with the entity-type guard) and projection, compiled into `ph`. */
  protected commonInput(ph: Placeholders, keyAttributes: readonly string[], filtered = true): Record<string, unknown> {
    const input: Record<string, unknown> = {};
    const context = this.context();
    const filters = filtered ? this.state.filters.map((f) => compileCondition(this.meta, f, ph, context)) : [];
    if (this.meta.entity && filtered) {
      // In a shared table, other models' items carry another entity type: keep them out.
      ph.fixed('#_et', this.meta.entity.attribute, ':_et', { S: this.meta.entity.value });
      filters.push(ENTITY_GUARD);
    }
    if (filters.length > 0) input.FilterExpression = joinConditions(filters, 'AND');
    if (this.state.projection) {
      const stored = new Set<string>(keyAttributes);
      if (this.meta.entity) stored.add(this.meta.entity.attribute);
      for (const name of this.state.projection) {
        const field = this.meta.byName.get(name);
        if (field) stored.add(field.stored);
        for (const t of this.meta.templates) if (t.template?.fields.includes(name)) stored.add(t.stored);
      }
      input.ProjectionExpression = [...stored].map((s) => ph.name(s)).join(', ');
    }
    if (this.state.consistent) input.ConsistentRead = true;
    return input;
  }

  protected decoder(): (raw: AttributeMap) => Projected<M, F> | undefined {
    const meta = this.meta;
    const projection = this.state.projection;
    const entity = meta.entity;
    return (raw) => {
      if (entity && raw[entity.attribute] !== undefined && raw[entity.attribute]?.S !== entity.value) return undefined;
      const item = decodeItem(meta, raw);
      if (!projection) return item as Projected<M, F>;
      const out: Record<string, unknown> = {};
      for (const name of projection) if (Object.hasOwn(item, name) && item[name] !== undefined) out[name] = item[name];
      return out as Projected<M, F>;
    };
  }
}

/** A builder with a narrowed projection. */
type ReadBuilderWith<B, G extends string> =
  B extends QueryBuilder<infer M, infer _F> ? QueryBuilder<M, G & ItemField<M>> : B extends ScanBuilder<infer M, infer _F> ? ScanBuilder<M, G & ItemField<M>> : never;

interface QueryState extends ReadState {
  readonly conditions: readonly KeyConditionInput[];
}

/**
 * A query on a model: `where()` conditions pick the table key or index (or name one with `index()`),
 * `filter()` narrows further. With the whole primary key given and no filter, it reads with GetItem.
 */
export class QueryBuilder<M extends AnyModel, F extends ItemField<M> = ItemField<M>> extends ReadBuilder<M, F, QueryState> {
  /** @internal */
  static start<M extends AnyModel>(db: Database, model: M, conditions: readonly KeyConditionInput[] = []): QueryBuilder<M> {
    return new QueryBuilder(db, model, Object.assign(initialState(), { conditions }));
  }

  protected with(changes: Partial<QueryState>): this {
    return new QueryBuilder(this.db, this.model, { ...this.state, ...changes }) as this;
  }

  protected context(): string {
    return `${this.meta.name}.query`;
  }

  /** A key condition: equality on a partition key, and at most one condition on its sort key. */
  where<P extends FieldPath<M>, O extends ConditionOp>(path: P, op: O, value: OperandOf<ValueAt<Item<M>, P>, O>): this {
    return this.with({ conditions: [...this.state.conditions, { path, op, value }] });
  }

  /** Uses this index (by its alias in the model) instead of choosing one. */
  index(alias: keyof M['indexes'] & string): this {
    return this.with({ index: alias });
  }

  /** Sort-key order: `asc` (default) or `desc`. */
  order(direction: 'asc' | 'desc'): this {
    if (direction !== 'asc' && direction !== 'desc') {
      throw new ValidationError([{ path: [], rule: 'order', message: 'order is asc or desc' }], this.context());
    }
    return this.with({ order: direction });
  }

  /** The index the query would use (`undefined` for the table) and whether GetItem serves it. */
  explain(): { index: string | undefined; indexName: string | undefined; getItem: boolean } {
    const plan = this.plan();
    return { index: plan.indexAlias, indexName: plan.indexName, getItem: this.usesGetItem(plan) };
  }

  toInput(): Record<string, unknown> {
    return this.build().input;
  }

  private plan(): QueryPlan {
    const plan = planQuery(this.meta, this.state.conditions, this.state.index, this.context());
    if (this.state.consistent && plan.type === 'global') {
      throw new ValidationError(
        [{ path: [], rule: 'consistent-read', message: `index ${plan.indexAlias} is a global secondary index: DynamoDB cannot read it consistently` }],
        this.context(),
      );
    }
    return plan;
  }

  private usesGetItem(plan: QueryPlan): boolean {
    return plan.fullKey !== undefined && this.state.filters.length === 0 && this.state.order === 'asc';
  }

  private build(): { plan: QueryPlan; input: Record<string, unknown> } {
    const plan = this.plan();
    // DynamoDB refuses filters on the key attributes of the index being queried: say so before sending.
    if (this.state.filters.length > 0) {
      const keyAttributes = new Set(plan.ownKeyAttributes);
      for (const filter of this.state.filters) {
        for (const path of conditionPaths(filter.node)) {
          const field = this.meta.byName.get(path.split('.')[0] ?? path) ?? this.meta.byName.get(path);
          if (field && keyAttributes.has(field.stored)) {
            throw new ValidationError(
              [{ path: [path], rule: 'filter-on-key', message: `is a key of the ${plan.indexAlias ?? 'table'} being queried: use where() instead of filter()` }],
              this.context(),
            );
          }
        }
      }
    }
    const ph = new Placeholders();
    const input: Record<string, unknown> = { TableName: this.db.tableName(this.model) };
    if (plan.indexName) input.IndexName = plan.indexName;
    input.KeyConditionExpression = keyConditionExpression(plan, ph);
    Object.assign(input, this.commonInput(ph, plan.keyAttributes));
    if (this.state.order === 'desc') input.ScanIndexForward = false;
    Object.assign(input, ph.attributes());
    return { plan, input };
  }

  protected readRequest(): ReadRequest<Projected<M, F>> {
    return this.requestFor(this.build());
  }

  private requestFor({ plan, input }: { plan: QueryPlan; input: Record<string, unknown> }): ReadRequest<Projected<M, F>> {
    return {
      operation: 'Query',
      input,
      model: this.meta.name,
      decode: this.decoder(),
      keyAttributes: plan.keyAttributes,
      // The entity guard alone rarely drops an item, so Limit can still follow the item limit.
      filtered: this.state.filters.length > 0,
      ...(this.state.limit !== undefined ? { limit: this.state.limit } : {}),
      ...pageSizeOf(this.state.pageSize ?? this.db.config.pageSize),
    };
  }

  override async *pages(): AsyncGenerator<Projected<M, F>[]> {
    const built = this.build();
    const { plan } = built;
    if (!this.usesGetItem(plan)) {
      yield* this.pagesOf(this.requestFor(built));
      return;
    }
    // The whole primary key is known: one GetItem instead of a Query.
    const ph = new Placeholders();
    const common = this.commonInput(ph, plan.keyAttributes, false); // GetItem has no filter: the entity check happens on decode
    const input: Record<string, unknown> = { TableName: this.db.tableName(this.model), Key: plan.fullKey, ...common };
    if (input.ProjectionExpression) input.ExpressionAttributeNames = ph.names;
    const output = await this.db.send<{ Item?: AttributeMap }>({ operation: 'GetItem', input, model: this.meta.name });
    const item = output.Item ? this.decoder()(output.Item) : undefined;
    yield item === undefined ? [] : [item];
  }

  override async page(cursor?: string): Promise<Page<Projected<M, F>>> {
    if (this.usesGetItem(this.plan())) {
      if (cursor !== undefined) cursorCodec(this.db.config.cursorSecret).decodeKey(this.binding(this.readRequest()), cursor);
      const items: Projected<M, F>[] = [];
      for await (const page of this.pages()) items.push(...page);
      return { items, cursor: undefined };
    }
    return super.page(cursor);
  }
}

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
