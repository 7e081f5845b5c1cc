/**
 * What query and scan builders share: filters, projections, limits, consistency, and the ways to read
 * (first, all, stream, pages, page with a cursor, count). Builders hold state only: each read turns
 * the state into a read plan (read/runner.ts runs it). Builders are immutable: every call returns a
 * new builder.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { operationContext, type OperationContext } from '../client/context.js';
import type { ModelTarget } from '../client/executor.js';
import { ValidationError } from '../errors.js';
import { buildCondition, compileCondition, Condition, joinConditions, type ConditionInput, type ConditionOp, type OperandOf } from '../expr/condition.js';
import type { Placeholders } from '../expr/placeholders.js';
import { describe } from '../marshal/codec.js';
import type { AnyModel, CompiledModel } from '../model/model.js';
import type { FieldPath, Item, ValueAt } from '../model/types.js';
import type { ItemField, Projected } from '../handles/model-client.js';
import { bindingOf } from './cursor.js';
import type { KeyConditionInput } from './query-plan.js';
import { decodeItems } from './decode.js';
import { isOwnItem, projectionExpression } from './projection.js';
import type { QueryBuilder } from './query.js';
import { countItems, readAll, readPage, readPages, type Page, type ReadPlan } from './runner.js';
import type { ScanBuilder } from './scan.js';

export type AttributeMap = Record<string, AttributeValue>;
export type { Page } from './runner.js';

const ENTITY_GUARD = '(attribute_not_exists(#_et) OR #_et = :_et)';

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
    protected readonly target: ModelTarget,
    protected readonly state: State,
  ) {
    this.meta = target.meta;
  }

  protected abstract with(changes: Partial<ReadState>): this;
  /** `Payment.query`, `Payment.scan`: the operation, for messages. */
  protected abstract label(): string;
  /** The operation kind on the context of every request of this read. */
  protected abstract readonly kind: 'query' | 'scan';
  /** The plan of this read (`forCount`: the plan `count()` runs). */
  protected abstract plan(context: OperationContext, forCount: boolean, extraConditions: readonly KeyConditionInput[]): ReadPlan<Projected<M, F>>;

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
    if (!Number.isSafeInteger(n) || n < 1) throw new ValidationError([{ path: [], rule: 'limit', message: 'limit must be a positive integer' }], this.label());
    return this.with({ limit: n });
  }

  /** Items DynamoDB reads per request (its `Limit`); smaller pages, less memory, more requests. */
  pageSize(n: number): this {
    if (!Number.isSafeInteger(n) || n < 1) throw new ValidationError([{ path: [], rule: 'page-size', message: 'pageSize must be a positive integer' }], this.label());
    return this.with({ pageSize: n });
  }

  /** Strongly consistent reads (not available on global secondary indexes). */
  consistent(on = true): this {
    return this.with({ consistent: on });
  }

  /** Reads only these fields; the result type narrows to them. */
  select<G extends ItemField<M>>(...fields: G[]): ReadBuilderWith<this, G> {
    if (fields.length === 0) throw new ValidationError([{ path: [], rule: 'projection', message: 'select() needs at least one field' }], this.label());
    for (const f of fields) {
      if (typeof f !== 'string') throw new ValidationError([{ path: [], rule: 'unknown-field', message: `a field name is a string, got ${describe(f)}` }], this.label());
      if (!this.meta.byName.has(f)) throw new ValidationError([{ path: [f], rule: 'unknown-field', message: `is not a field of ${this.meta.name}` }], this.label());
    }
    return this.with({ projection: fields }) as unknown as ReadBuilderWith<this, G>;
  }

  /** The plain Query/Scan input this builder sends (for logging or inspection), without paging fields. */
  abstract toInput(): Record<string, unknown>;

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
    return readAll(this.target.executor, this.readPlan(false), this.state.resumeFrom);
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
    yield* readPages(this.target.executor, this.readPlan(false), this.state.resumeFrom);
  }

  /**
   * One page: up to `limit` items (or one DynamoDB page without a limit) and an opaque, signed cursor
   * for the next one. A cursor from another query, or altered, raises InvalidCursorError. Without a
   * `cursor`, the one given to `resume()` (if any) is used.
   */
  async page(cursor?: string): Promise<Page<Projected<M, F>>> {
    return readPage(this.target.executor, this.readPlan(false), cursor === undefined ? this.state.resumeFrom : cursor);
  }

  /** Counts matching items over all pages (Select COUNT: items are not transferred). */
  async count(): Promise<number> {
    return countItems(this.target.executor, this.with({ projection: undefined }).readPlan(true));
  }

  /** The context of this read, checked by the extensions, and its plan. */
  protected readPlan(forCount: boolean): ReadPlan<Projected<M, F>> {
    const context = operationContext(this.target.executor, this.kind, this.target.model);
    const hooks = this.target.hooks;
    return this.plan(context, forCount, hooks ? hooks.runtime.read(context, hooks, { conditions: this.keyConditions(), index: this.state.index }) : []);
  }

  /** The caller's key conditions (queries have them; scans none), as extensions see them. */
  protected keyConditions(): readonly KeyConditionInput[] {
    return [];
  }

  protected limitTo(n: number): this {
    return this.with({ limit: Math.min(n, this.state.limit ?? n) });
  }

  /** What a cursor of this read is bound to: model, operation and the request without paging fields. */
  protected binder(operation: string, input: Record<string, unknown>): () => string {
    return () => {
      const { ExclusiveStartKey: _s, Limit: _l, Segment: _g, ...shape } = input;
      return bindingOf([this.meta.name, operation, shape]);
    };
  }

  /** The read plan fields every builder fills the same way. */
  protected planFields(context: OperationContext): Pick<ReadPlan<Projected<M, F>>, 'context' | 'label' | 'accepts' | 'decode' | 'limit' | 'pageSize' | 'filtered'> {
    const meta = this.meta;
    const projection = this.state.projection;
    const target = this.target;
    return {
      context,
      label: this.label(),
      accepts: (raw) => isOwnItem(meta, raw),
      decode: (raws) => decodeItems(context, target, raws, projection) as Promise<Projected<M, F>[]>,
      limit: this.state.limit,
      pageSize: this.state.pageSize ?? target.executor.config.pageSize,
      // The entity guard alone rarely drops an item, so Limit can still follow the item limit.
      filtered: this.state.filters.length > 0,
    };
  }

  /** Filter (with the entity-type guard) and projection, compiled into `ph`. */
  protected commonInput(ph: Placeholders, keyAttributes: readonly string[], filtered = true): Record<string, unknown> {
    const input: Record<string, unknown> = {};
    const label = this.label();
    const filters = filtered ? this.state.filters.map((f) => compileCondition(this.meta, f, ph, label)) : [];
    if (this.meta.entity && filtered) {
      // In a shared table, other models' items carry another entity type: keep them out.
      ph.fixed('#_et', this.meta.entity.attribute, ':_et', { S: this.meta.entity.value });
      filters.push(ENTITY_GUARD);
    }
    if (filters.length > 0) input.FilterExpression = joinConditions(filters, 'AND');
    if (this.state.projection) {
      const always = this.meta.entity ? [...keyAttributes, this.meta.entity.attribute] : keyAttributes;
      input.ProjectionExpression = projectionExpression(this.meta, this.state.projection, ph, always, label);
    }
    if (this.state.consistent) input.ConsistentRead = true;
    return input;
  }
}

/** A builder with a narrowed projection. */
export type ReadBuilderWith<B, G extends string> =
  B extends QueryBuilder<infer M, infer _F> ? QueryBuilder<M, G & ItemField<M>> : B extends ScanBuilder<infer M, infer _F> ? ScanBuilder<M, G & ItemField<M>> : never;

