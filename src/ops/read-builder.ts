/**
 * What query and scan builders share: filters, projections, limits, consistency, and the ways to read
 * (first, all, stream, pages, page with a cursor, count), all stopping cleanly before a deadline.
 * Builders are immutable: every call returns a new builder.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Database } from '../database.js';
import { DeadlineExceededError } from '../deadline.js';
import { ValidationError } from '../errors.js';
import { buildCondition, compileCondition, Condition, joinConditions, type ConditionInput, type ConditionOp, type OperandOf } from '../expr/condition.js';
import type { Placeholders } from '../expr/placeholders.js';
import { decodeItem } from '../model/item-codec.js';
import type { AnyModel, CompiledModel } from '../model/model.js';
import type { FieldPath, Item, ValueAt } from '../model/types.js';
import { bindingOf, cursorCodec, type CursorCodec } from './cursor.js';
import type { ItemField, Projected } from './model-client.js';
import type { QueryBuilder } from './query.js';
import { countItems, readPages, ReadStopped, type ReadRequest } from './reader.js';
import type { ScanBuilder } from './scan.js';

export type AttributeMap = Record<string, AttributeValue>;

const ENTITY_GUARD = '(attribute_not_exists(#_et) OR #_et = :_et)';

export function pageSizeOf(pageSize: number | undefined): { pageSize?: number } {
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
export interface ReadState {
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

export function initialState(): ReadState {
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
export abstract class ReadBuilder<M extends AnyModel, F extends ItemField<M>, State extends ReadState> {
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
export type ReadBuilderWith<B, G extends string> =
  B extends QueryBuilder<infer M, infer _F> ? QueryBuilder<M, G & ItemField<M>> : B extends ScanBuilder<infer M, infer _F> ? ScanBuilder<M, G & ItemField<M>> : never;

