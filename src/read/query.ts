/**
 * The query builder. `db.model(M).where(...)` plans a Query on the table or an index chosen from the
 * conditions, or a GetItem when the whole primary key is given.
 */
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import type { ModelTarget } from '../client/executor.js';
import { ValidationError } from '../errors.js';
import { conditionPaths, type ConditionOp, type OperandOf } from '../expr/condition.js';
import { Placeholders } from '../expr/placeholders.js';
import type { ItemField, Projected } from '../handles/model-client.js';
import type { AnyModel } from '../model/model.js';
import type { AttributeMap } from '../model/item-codec.js';
import type { FieldPath, Item, ValueAt } from '../model/types.js';
import { getItemInput } from './get.js';
import { keyConditionExpression, planQuery, type KeyConditionInput, type QueryPlan } from './query-plan.js';
import { initialState, ReadBuilder, type ReadState } from './read-builder.js';
import type { ReadPlan } from './runner.js';

export type { Page } from './runner.js';

interface QueryState extends ReadState {
  readonly conditions: readonly KeyConditionInput[];
}

/**
 * A query on a model: `where()` conditions pick the table key or index (or name one with `index()`),
 * `filter()` narrows further. With the whole primary key given and no filter, it reads with GetItem.
 */
export class QueryBuilder<M extends AnyModel, F extends ItemField<M> = ItemField<M>> extends ReadBuilder<M, F, QueryState> {
  protected readonly kind = 'query';

  /** @internal */
  static start<M extends AnyModel>(target: ModelTarget, conditions: readonly KeyConditionInput[] = []): QueryBuilder<M> {
    return new QueryBuilder(target, Object.assign(initialState(), { conditions }));
  }

  protected with(changes: Partial<QueryState>): this {
    return new QueryBuilder(this.target, Object.assign({}, this.state, changes)) as this;
  }

  protected label(): string {
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
      throw new ValidationError([{ path: [], rule: 'order', message: 'order is asc or desc' }], this.label());
    }
    return this.with({ order: direction });
  }

  /** The index the query would use (`undefined` for the table) and whether GetItem serves it. */
  explain(): { index: string | undefined; indexName: string | undefined; getItem: boolean } {
    const plan = this.keyPlan([]);
    return { index: plan.indexAlias, indexName: plan.indexName, getItem: this.usesGetItem(plan) };
  }

  toInput(): Record<string, unknown> {
    return this.build(this.keyPlan([])).input;
  }

  /** The key plan: the index chosen for the conditions (and the extensions' key conditions, such as a tenant's). */
  private keyPlan(extra: readonly KeyConditionInput[]): QueryPlan {
    const conditions = extra.length > 0 ? [...this.state.conditions, ...extra] : this.state.conditions;
    const plan = planQuery(this.meta, conditions, this.state.index, this.label());
    if (this.state.consistent && plan.type === 'global') {
      throw new ValidationError(
        [{ path: [], rule: 'consistent-read', message: `index ${plan.indexAlias} is a global secondary index: DynamoDB cannot read it consistently` }],
        this.label(),
      );
    }
    return plan;
  }

  private usesGetItem(plan: QueryPlan): boolean {
    return plan.fullKey !== undefined && this.state.filters.length === 0 && this.state.order === 'asc';
  }

  private build(plan: QueryPlan): { plan: QueryPlan; input: Record<string, unknown> } {
    // DynamoDB refuses filters on the key attributes of the index being queried: say so before sending.
    if (this.state.filters.length > 0) {
      const keyAttributes = new Set(plan.ownKeyAttributes);
      for (const filter of this.state.filters) {
        for (const path of conditionPaths(filter.node)) {
          const field = this.meta.byName.get(path.split('.')[0] ?? path) ?? this.meta.byName.get(path);
          if (field && keyAttributes.has(field.stored)) {
            throw new ValidationError(
              [{ path: [path], rule: 'filter-on-key', message: `is a key of the ${plan.indexAlias ?? 'table'} being queried: use where() instead of filter()` }],
              this.label(),
            );
          }
        }
      }
    }
    const ph = new Placeholders();
    const input: Record<string, unknown> = { TableName: this.target.executor.tableName(this.target.model) };
    if (plan.indexName) input.IndexName = plan.indexName;
    input.KeyConditionExpression = keyConditionExpression(plan, ph);
    Object.assign(input, this.commonInput(ph, plan.keyAttributes));
    if (this.state.order === 'desc') input.ScanIndexForward = false;
    Object.assign(input, ph.attributes());
    return { plan, input };
  }

  protected override keyConditions(): readonly KeyConditionInput[] {
    return this.state.conditions;
  }

  protected plan(context: OperationContext, forCount: boolean, extra: readonly KeyConditionInput[]): ReadPlan<Projected<M, F>> {
    const keyPlan = this.keyPlan(extra);
    // Extensions may refuse the partition (a tenant's check of the index and key chosen).
    const hooks = this.target.hooks;
    if (hooks) hooks.runtime.partition(context, hooks, { index: keyPlan.indexAlias, value: keyPlan.partition.value });
    const fields = this.planFields(context);
    if (forCount || !this.usesGetItem(keyPlan)) {
      const { input } = this.build(keyPlan);
      const plan = Object.assign(fields, { operation: 'Query' as const, command: QueryCommand, inputs: [input], keyAttributes: keyPlan.keyAttributes, binding: this.binder('Query', input) });
      // A sharded index: its sharding reads every shard and merges them (dynamorm/sharding).
      if (!keyPlan.sharding) return plan;
      const index = this.meta.indexes.find((i) => i.alias === keyPlan.indexAlias) as (typeof this.meta.indexes)[number];
      return keyPlan.sharding.query(plan, index, keyPlan.partition.value, this.state.order === 'desc');
    }
    // The whole primary key is known: one GetItem instead of a Query (GetItem has no filter: the
    // entity check happens on decode). A cursor is still bound to the Query, built only if one is
    // made or checked.
    const ph = new Placeholders();
    const common = this.commonInput(ph, keyPlan.keyAttributes, false);
    const table = this.target.executor.tableName(this.target.model);
    const get = getItemInput(table, keyPlan.fullKey as AttributeMap, this.state.consistent, common.ProjectionExpression as string | undefined, ph);
    const binding = () => this.binder('Query', this.build(keyPlan).input)();
    return Object.assign(fields, { operation: 'GetItem' as const, command: GetItemCommand, inputs: [get], keyAttributes: keyPlan.keyAttributes, binding });
  }
}
