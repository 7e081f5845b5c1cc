/**
 * Collections: several models stored under one partition key in one table (single-table design),
 * read with one Query and returned as a union of the models, each item decoded by its own model
 * (chosen by the entity-type attribute every item carries).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Database } from '../database.js';
import { DeadlineExceededError } from '../deadline.js';
import { ModelDefinitionError, ValidationError } from '../errors.js';
import { Placeholders } from '../expr/placeholders.js';
import type { Issues } from '../marshal/codec.js';
import { decodeItem, templateValue } from '../model/item-codec.js';
import type { AnyModel, CompiledModel, FieldMeta } from '../model/model.js';
import type { Item } from '../model/types.js';
import { bindingOf, cursorCodec } from './cursor.js';
import type { Page } from './query.js';
import { readPages, ReadStopped, type ReadRequest } from './reader.js';

type AttributeMap = Record<string, AttributeValue>;

/** One item of a collection: the model it belongs to and the typed item. Narrow on `model`. */
export type CollectionItem<Ms extends readonly AnyModel[]> = Ms[number] extends infer M
  ? M extends AnyModel
    ? { readonly model: M['name']; readonly item: Item<M> }
    : never
  : never;

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
    private readonly db: Database,
    private readonly models: Ms,
    private readonly options: { readonly index?: string; readonly limit?: number; readonly order?: 'asc' | 'desc' } = {},
  ) {
    const [first] = models;
    if (!first) throw new ModelDefinitionError('a collection needs at least one model');
    const keys = models.map((m) => {
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

  private request(values: Record<string, unknown>): ReadRequest<CollectionItem<Ms>> {
    const ph = new Placeholders();
    const input: Record<string, unknown> = {
      TableName: this.db.tableName(this.models[0] as AnyModel),
      KeyConditionExpression: `${ph.name(this.key.attribute)} = ${ph.value(this.partitionValue(values))}`,
    };
    if (this.key.indexName) input.IndexName = this.key.indexName;
    if (this.options.order === 'desc') input.ScanIndexForward = false;
    Object.assign(input, ph.attributes());
    const entityAttribute = this.key.meta.entity?.attribute as string;
    const decode = (raw: AttributeMap): CollectionItem<Ms> | undefined => {
      const type = raw[entityAttribute]?.S;
      const model = type === undefined ? undefined : this.byEntity.get(type);
      if (!model || (model.compiled.entity?.attribute ?? entityAttribute) !== entityAttribute) return undefined;
      return { model: model.name, item: decodeItem(model.compiled, raw) } as CollectionItem<Ms>;
    };
    return {
      operation: 'Query',
      input,
      decode,
      keyAttributes: [...new Set(this.key.keyAttributes)],
      filtered: true,
      ...(this.options.limit !== undefined ? { limit: this.options.limit } : {}),
    };
  }

  /** Every item of the partition that belongs to one of the models, in sort-key order. */
  async all(values: Record<string, unknown>): Promise<CollectionItem<Ms>[]> {
    const out: CollectionItem<Ms>[] = [];
    for await (const item of this.stream(values)) out.push(item);
    return out;
  }

  /** The partition's items grouped by model name. */
  async grouped(values: Record<string, unknown>): Promise<CollectionGroups<Ms>> {
    const groups: Record<string, unknown[]> = {};
    for (const m of this.models) groups[m.name] = [];
    for await (const { model, item } of this.stream(values)) groups[model]?.push(item);
    return groups as CollectionGroups<Ms>;
  }

  /** The partition's items one at a time, one page in memory. */
  async *stream(values: Record<string, unknown>): AsyncGenerator<CollectionItem<Ms>> {
    const request = this.request(values);
    try {
      for await (const page of readPages(this.db, request)) yield* page.items;
    } catch (error) {
      if (!(error instanceof ReadStopped)) throw error;
      const secret = this.db.config.cursorSecret;
      throw new DeadlineExceededError('collection read stopped before the deadline; continue with page(values, cursor)', {
        cursor: secret ? cursorCodec(secret).encodeKey(this.binding(request), error.next) : undefined,
      });
    }
  }

  private binding(request: ReadRequest<unknown>): string {
    return bindingOf(['collection', this.models.map((m) => m.name), request.input]);
  }

  /** One page and a signed cursor for the next. */
  async page(values: Record<string, unknown>, cursor?: string): Promise<Page<CollectionItem<Ms>>> {
    const request = this.request(values);
    const binding = this.binding(request);
    const codec = cursorCodec(this.db.config.cursorSecret);
    const start = cursor === undefined ? undefined : codec.decodeKey(binding, cursor);
    const items: CollectionItem<Ms>[] = [];
    let next: AttributeMap | undefined;
    try {
      for await (const page of readPages(this.db, request, start)) {
        items.push(...page.items);
        next = page.next;
        if (this.options.limit === undefined) break;
      }
    } catch (error) {
      if (!(error instanceof ReadStopped)) throw error;
      next = error.next;
    }
    return { items, cursor: next ? codec.encodeKey(binding, next) : undefined };
  }
}

/** Several models sharing a partition key in one table, read with one query as a typed union. */
export function collection<const Ms extends readonly AnyModel[]>(db: Database, models: Ms, options: { index?: string } = {}): Collection<Ms> {
  return new Collection(db, models, options);
}
