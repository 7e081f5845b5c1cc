/**
 * Collections: several models stored under one partition key in one table (single-table design),
 * read with one Query and returned as a union of the models, each item decoded by its own model
 * (chosen by the entity-type attribute every item carries).
 */
import { QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { operationContext } from '../client/context.js';
import type { Executor } from '../client/executor.js';
import { ModelDefinitionError, ValidationError } from '../errors.js';
import { Placeholders } from '../expr/placeholders.js';
import { describe, type Issues } from '../marshal/codec.js';
import { templateValue } from '../model/item-codec.js';
import { isModel, type AnyModel, type CompiledModel, type FieldMeta, type ModelTable } from '../model/model.js';
import type { Item } from '../model/types.js';
import { bindingOf } from './cursor.js';
import { decodeMixed } from './decode.js';
import { readAll, readPage, readPages, type Page, type ReadPlan } from './runner.js';

type AttributeMap = Record<string, AttributeValue>;

/** One item of a collection: the model it belongs to and the typed item. Narrow on `model`. */
export type CollectionItem<Ms extends readonly AnyModel[]> = Ms[number] extends infer M
  ? M extends AnyModel
    ? { readonly model: M['name']; readonly item: Item<M> }
    : never
  : never;

/** `true` when `T` is a union of several types. */
type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;

/**
 * `unknown` when the models share one table (or their tables are not known as literal types), else an
 * object type the array of models lacks: `collection(db, [A, B])` of models of different tables fails
 * to compile, naming the tables.
 */
export type OneTable<Ms extends readonly AnyModel[]> =
  true extends IsUnion<ModelTable<Ms[number]>> ? { readonly 'a collection reads one table; these models are in': ModelTable<Ms[number]> } : unknown;

/** Items of a collection grouped by model name. */
export type CollectionGroups<Ms extends readonly AnyModel[]> = { [M in Ms[number] as M['name']]: Item<M>[] };

interface PartitionKey {
  readonly attribute: string;
  readonly field: FieldMeta;
  readonly meta: CompiledModel;
  readonly indexName?: string;
  readonly keyAttributes: readonly string[];
}

/** Reads the items of several models that share a partition. Get one with `collection(db, [...])`. */
export class Collection<const Ms extends readonly AnyModel[]> {
  private readonly byEntity = new Map<string, AnyModel>();
  private readonly key: PartitionKey;

  /** @internal */
  constructor(
    private readonly db: Executor,
    private readonly models: Ms,
    private readonly options: { readonly index?: string; readonly limit?: number; readonly order?: 'asc' | 'desc' } = {},
  ) {
    if (!Array.isArray(models)) throw new ModelDefinitionError(`a collection takes an array of models, got ${describe(models)}`);
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new ValidationError([{ path: [], rule: 'type', message: `expected an options object, got ${describe(options)}` }], 'collection');
    }
    if (options.index !== undefined && typeof options.index !== 'string') {
      throw new ValidationError([{ path: [], rule: 'type', message: `an index is named by its alias, a string, got ${describe(options.index)}` }], 'collection');
    }
    const [first] = models;
    if (!first) throw new ModelDefinitionError('a collection needs at least one model');
    const keys = models.map((m: unknown, i) => {
      if (!isModel(m)) throw new ModelDefinitionError(`collection model #${i} is not a model made with model(), got ${describe(m)}`);
      // The handle checks the table name the database will use (its prefix included).
      db.target(m);
      const meta = m.compiled;
      if (!meta.entity) throw new ModelDefinitionError(`model ${m.name} writes no entity attribute, so its items cannot be told apart in a collection`);
      if (m.table !== first.table) throw new ModelDefinitionError(`models ${first.name} and ${m.name} are in different tables`);
      if (meta.entity.attribute !== first.compiled.entity?.attribute) {
        // Items are told apart by one attribute: a model writing its type elsewhere would be skipped silently.
        throw new ModelDefinitionError(`models ${first.name} and ${m.name} write their entity type to different attributes`);
      }
      if (this.byEntity.has(meta.entity.value)) throw new ModelDefinitionError(`two models use the entity type ${meta.entity.value}`);
      this.byEntity.set(meta.entity.value, m);
      const index = options.index === undefined ? undefined : meta.indexes.find((i) => i.alias === options.index);
      if (options.index !== undefined && !index) throw new ModelDefinitionError(`model ${m.name} has no index ${options.index}`);
      // A collection reads one partition; a sharded index spreads each over several (query the model instead).
      if (index?.partitionKey.sharding) throw new ModelDefinitionError(`index ${options.index} of model ${m.name} is sharded: a collection reads one partition; query the model`);
      const field = index ? index.partitionKey : meta.partitionKey;
      const keyAttributes = [meta.partitionKey.stored, meta.sortKey?.stored, index?.partitionKey.stored, index?.sortKey?.stored].filter(
        (x): x is string => x !== undefined,
      );
      return { attribute: field.stored, field, meta, ...(index ? { indexName: index.name } : {}), keyAttributes };
    });
    const key = keys[0] as PartitionKey;
    for (const k of keys) {
      if (k.attribute !== key.attribute || k.indexName !== key.indexName) {
        throw new ModelDefinitionError(`models ${key.meta.name} and ${k.meta.name} do not share the partition key ${key.attribute}`);
      }
    }
    this.key = key;
  }

  /** At most `n` items in all (also the page size of `page()`). */
  limit(n: number): Collection<Ms> {
    if (!Number.isSafeInteger(n) || n < 1) throw new ValidationError([{ path: [], rule: 'limit', message: 'limit must be a positive integer' }], 'collection');
    return new Collection(this.db, this.models, { ...this.options, limit: n });
  }

  /** Sort-key order: `asc` (default) or `desc`. */
  order(direction: 'asc' | 'desc'): Collection<Ms> {
    if (direction !== 'asc' && direction !== 'desc') throw new ValidationError([{ path: [], rule: 'order', message: 'order is asc or desc' }], 'collection');
    return new Collection(this.db, this.models, { ...this.options, order: direction });
  }

  /** The partition value from field values: every model must build the same one. */
  private partitionValue(values: Record<string, unknown>): AttributeValue {
    if (typeof values !== 'object' || values === null) {
      throw new ValidationError([{ path: [], rule: 'type', message: `expected an object of key field values, got ${describe(values)}` }], 'collection');
    }
    const issues: Issues = [];
    let value: AttributeValue | undefined;
    for (const m of this.models) {
      const meta = m.compiled;
      const field = this.key.indexName ? (meta.indexes.find((i) => i.name === this.key.indexName)?.partitionKey as FieldMeta) : meta.partitionKey;
      const av = field.template ? templateValue(meta, field, values, issues) : field.codec.encode(values[field.name], [field.name], issues, false);
      if (!av) continue;
      if (value && JSON.stringify(value) !== JSON.stringify(av)) {
        issues.push({ path: [], rule: 'collection-key', message: `${m.name} builds another partition key from these values` });
      }
      value ??= av;
    }
    if (issues.length > 0 || !value) {
      throw new ValidationError(issues.length > 0 ? issues : [{ path: [], rule: 'required', message: 'no partition key value' }], 'collection');
    }
    return value;
  }

  private plan(values: Record<string, unknown>): ReadPlan<CollectionItem<Ms>> {
    const ph = new Placeholders();
    const first = this.models[0] as AnyModel;
    const partition = this.partitionValue(values);
    const input: Record<string, unknown> = {
      TableName: this.db.tableName(first),
      KeyConditionExpression: `${ph.name(this.key.attribute)} = ${ph.value(partition)}`,
    };
    if (this.key.indexName) input.IndexName = this.key.indexName;
    if (this.options.order === 'desc') input.ScanIndexForward = false;
    Object.assign(input, ph.attributes());
    const context = Object.assign(operationContext(this.db, 'query'), { table: input.TableName as string });
    // Each model's extensions may refuse the partition (a tenant's check) before anything is sent.
    for (const m of this.models) {
      const hooks = this.db.target(m).hooks;
      if (hooks) hooks.runtime.partition(context, hooks, { index: this.options.index, value: partition });
    }
    const entityAttribute = this.key.meta.entity?.attribute as string;
    const modelOf = (raw: AttributeMap) => {
      const type = raw[entityAttribute]?.S;
      return type === undefined ? undefined : this.byEntity.get(type);
    };
    return {
      context,
      operation: 'Query',
      command: QueryCommand,
      inputs: [input],
      label: 'collection',
      accepts: (raw) => modelOf(raw) !== undefined,
      decode: (raws) =>
        decodeMixed(
          context,
          raws,
          (raw) => this.db.target(modelOf(raw) as AnyModel),
          (target, item) => ({ model: target.model.name, item }) as CollectionItem<Ms>,
        ),
      keyAttributes: [...new Set(this.key.keyAttributes)],
      limit: this.options.limit,
      pageSize: undefined,
      filtered: true,
      binding: () => bindingOf(['collection', this.models.map((m) => m.name), input]),
    };
  }

  /** Every item of the partition that belongs to one of the models, in sort-key order. */
  async all(values: Record<string, unknown>): Promise<CollectionItem<Ms>[]> {
    return readAll(this.db, this.plan(values));
  }

  /** The partition's items grouped by model name. */
  async grouped(values: Record<string, unknown>): Promise<CollectionGroups<Ms>> {
    const groups: Record<string, unknown[]> = {};
    for (const m of this.models) groups[m.name] = [];
    for await (const { model, item } of this.stream(values)) groups[model]?.push(item);
    return groups as CollectionGroups<Ms>;
  }

  /** The partition's items one at a time, one page in memory; before a deadline it stops with a cursor for `page(values, cursor)`. */
  async *stream(values: Record<string, unknown>): AsyncGenerator<CollectionItem<Ms>> {
    for await (const page of readPages(this.db, this.plan(values))) yield* page;
  }

  /** One page and a signed cursor for the next. */
  async page(values: Record<string, unknown>, cursor?: string): Promise<Page<CollectionItem<Ms>>> {
    return readPage(this.db, this.plan(values), cursor);
  }
}

/** Several models sharing a partition key in one table, read with one query as a typed union. */
export function collection<const Ms extends readonly AnyModel[]>(db: Executor, models: Ms & OneTable<Ms>, options: { index?: string } = {}): Collection<Ms> {
  return new Collection<Ms>(db, models as Ms, options);
}
