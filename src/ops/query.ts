/**
 * The query builder. `db.model(M).where(...)` plans a Query on the table or an index chosen from the
 * conditions, or a GetItem when the whole primary key is given.
 */
import type { Database } from '../database.js';
import { ValidationError } from '../errors.js';
import { conditionPaths, type ConditionOp, type OperandOf } from '../expr/condition.js';
import { Placeholders } from '../expr/placeholders.js';
import type { AnyModel } from '../model/model.js';
import type { FieldPath, Item, ValueAt } from '../model/types.js';
import { cursorCodec } from './cursor.js';
import type { ItemField, Projected } from './model-client.js';
import { keyConditionExpression, planQuery, type KeyConditionInput, type QueryPlan } from './query-plan.js';
import { initialState, pageSizeOf, ReadBuilder, type AttributeMap, type Page, type ReadState } from './read-builder.js';
import type { ReadRequest } from './reader.js';

export type { Page } from './read-builder.js';

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

