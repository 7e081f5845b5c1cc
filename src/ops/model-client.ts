/**
 * Item operations on one model: create, put, get, update, delete. Each builds a plain DynamoDB input
 * (validated and encoded before anything is sent), sends it through the database's middleware chain
 * and decodes the answer into a typed item. Conditional-check failures become typed errors that say
 * why: the item exists, is missing, or has another version.
 */
import type { Database } from '../database.js';
import { ItemNotFoundError, ValidationError } from '../errors.js';
import type { ConditionInput } from '../expr/condition.js';
import { Placeholders } from '../expr/placeholders.js';
import { decodeItem, decodeStoredForError, encodeKey, type AttributeMap } from '../model/item-codec.js';
import type { AnyModel, CompiledModel } from '../model/model.js';
import type { CreateInput, FieldPath, Item, KeyInput, UpdatePatch, ValueAt } from '../model/types.js';
import type { ConditionOp, OperandOf } from '../expr/condition.js';
import { QueryBuilder } from './query.js';
import { planCreate, planDelete, planPut, planUpdate, type WritePlan } from './write-plans.js';

/** Top-level field names of a model's item. */
export type ItemField<M extends AnyModel> = keyof Item<M> & string;

/** The item type narrowed to a projection (all fields when no projection is given). */
export type Projected<M extends AnyModel, F extends ItemField<M>> = [ItemField<M>] extends [F] ? Item<M> : Pick<Item<M>, F>;

/** A key, or any object holding the key fields (such as an item read before). */
export type KeyOrItem<M extends AnyModel> = KeyInput<M> & Partial<Item<M>>;

/** Options for `create()`. */
export interface CreateOptions<M extends AnyModel> {
  /** An extra condition that must hold. */
  readonly condition?: ConditionInput<M>;
}

/** Options for `put()`. */
export interface PutOptions<M extends AnyModel> {
  /** Condition that must hold on the stored item. */
  readonly condition?: ConditionInput<M>;
  /**
   * Versioned models: the version the stored item must have (defaults to `item.version`). `0` or no
   * version means the item must not exist yet. A put never overwrites a versioned item blindly.
   */
  readonly expectedVersion?: number;
}

/** Options for `get()`. */
export interface GetOptions<F extends string, R extends boolean> {
  /** Strongly consistent read (twice the read cost). Default: eventually consistent. */
  readonly consistent?: boolean;
  /** Fields to read; narrows the result type. */
  readonly projection?: readonly F[];
  /** Throw {@link ItemNotFoundError} instead of returning `undefined`. */
  readonly required?: R;
}

/** Options for `update()`. */
export interface UpdateOptions<M extends AnyModel> {
  /** Condition that must hold on the stored item. */
  readonly condition?: ConditionInput<M>;
  /**
   * Versioned models: the version the stored item must have (defaults to the `version` field of the
   * key object). `'any'` skips the check but still bumps the version.
   */
  readonly expectedVersion?: number | 'any';
}

/** Options for `delete()`. */
export interface DeleteOptions<M extends AnyModel> {
  /** Condition that must hold on the stored item. */
  readonly condition?: ConditionInput<M>;
  /** Versioned models: as for `update()`. */
  readonly expectedVersion?: number | 'any';
  /** Return the deleted item. */
  readonly returnOld?: boolean;
}

/**
 * Typed operations on the items of one model: writes, reads and queries. Get one with
 * `db.model(Model)`. A {@link DynamORM} database's handles also batch and scan ({@link FullModelClient});
 * with the core Database those are the functions `batchGet(db, …)`, `scan(db, Model)`, ….
 */
export class ModelClient<M extends AnyModel> {
  private readonly meta: CompiledModel;

  /** @internal Use `db.model(M)`. */
  constructor(
    protected readonly db: Database,
    readonly model: M,
  ) {
    this.meta = model.compiled;
  }

  /** The physical table name. */
  get tableName(): string {
    return this.db.tableName(this.model);
  }

  /**
   * Starts a query with a key condition. The table key or index is chosen from the conditions (or
   * named with `.index()`); a complete primary key is read with GetItem. Without a usable key the
   * query fails with NoUsableIndexError: it never falls back to a scan.
   */
  where<P extends FieldPath<M>, O extends ConditionOp>(path: P, op: O, value: OperandOf<ValueAt<Item<M>, P>, O>): QueryBuilder<M> {
    return QueryBuilder.start(this.db, this.model, [{ path, op, value }]);
  }

  /** A query with no condition yet (add `where()` calls; name an index with `.index()`). */
  query(): QueryBuilder<M> {
    return QueryBuilder.start(this.db, this.model);
  }

  /**
   * Creates an item; fails with {@link ItemAlreadyExistsError} when an item with the same key exists.
   * Defaults, createdAt/updatedAt, version 1 and key templates are filled in. Returns the stored item.
   */
  async create(input: CreateInput<M>, options: CreateOptions<M> = {}): Promise<Item<M>> {
    const plan = planCreate(this.planContext(), input as Record<string, unknown>, options.condition as ConditionInput<never> | undefined);
    await this.write(plan);
    return decodeItem(this.meta, plan.item as AttributeMap) as Item<M>;
  }

  /**
   * Writes a whole item, replacing any stored one. On a versioned model the stored version must match
   * (`item.version` or `expectedVersion`), or the item must not exist when no version is given;
   * the written version is the expected one plus one.
   */
  async put(input: CreateInput<M> & { version?: number }, options: PutOptions<M> = {}): Promise<Item<M>> {
    const plan = planPut(this.planContext(), input as Record<string, unknown>, options as PutOptions<never>);
    await this.write(plan);
    return decodeItem(this.meta, plan.item as AttributeMap) as Item<M>;
  }

  /**
   * Reads one item by key. Eventually consistent unless `{ consistent: true }`; `projection` narrows
   * the fields read and the result type; `{ required: true }` throws {@link ItemNotFoundError}.
   */
  async get<F extends ItemField<M> = ItemField<M>, R extends boolean = false>(
    key: KeyOrItem<M>,
    options: GetOptions<F, R> = {},
  ): Promise<Projected<M, F> | (R extends true ? never : undefined)> {
    const context = `${this.meta.name}.get`;
    const { key: encodedKey, fields } = encodeKey(this.meta, key as Record<string, unknown>, context);
    const input: Record<string, unknown> = { TableName: this.tableName, Key: encodedKey };
    if (options.consistent) input.ConsistentRead = true;
    if (options.projection) {
      const ph = new Placeholders();
      input.ProjectionExpression = this.projection(options.projection, ph, context);
      input.ExpressionAttributeNames = ph.names;
    }
    const output = await this.db.send<{ Item?: AttributeMap }>({ operation: 'GetItem', input, model: this.meta.name });
    if (!output.Item) {
      if (options.required) throw new ItemNotFoundError({ model: this.meta.name, key: fields });
      return undefined as never;
    }
    const item = decodeItem(this.meta, output.Item);
    return (options.projection ? pick(item, options.projection) : item) as Projected<M, F>;
  }

  /**
   * Applies a partial patch and returns the new item. The item must exist ({@link ItemNotFoundError}).
   * Versioned models check the expected version and bump it in the same request
   * ({@link VersionConflictError} on mismatch, and nothing changes).
   */
  async update(key: KeyOrItem<M>, patch: UpdatePatch<M>, options: UpdateOptions<M> = {}): Promise<Item<M>> {
    const plan = planUpdate(this.planContext(), key as Record<string, unknown>, patch as Record<string, unknown>, options as UpdateOptions<never>);
    const output = await this.write(plan, { ReturnValues: 'ALL_NEW' });
    return decodeItem(this.meta, output.Attributes ?? {}) as Item<M>;
  }

  /**
   * Deletes an item. On a versioned model the item must exist with the expected version; otherwise a
   * missing item is not an error. `{ returnOld: true }` returns the deleted item.
   */
  async delete(key: KeyOrItem<M>, options: DeleteOptions<M> & { returnOld: true }): Promise<Item<M> | undefined>;
  async delete(key: KeyOrItem<M>, options?: DeleteOptions<M>): Promise<void>;
  async delete(key: KeyOrItem<M>, options: DeleteOptions<M> = {}): Promise<Item<M> | undefined | void> {
    const plan = planDelete(this.planContext(), key as Record<string, unknown>, options as DeleteOptions<never>);
    const output = await this.write(plan, options.returnOld ? { ReturnValues: 'ALL_OLD' } : {});
    if (options.returnOld) return output.Attributes ? (decodeItem(this.meta, output.Attributes) as Item<M>) : undefined;
  }

  /** @internal What write plans need to know about this model. */
  planContext(): { meta: CompiledModel; tableName: string; now: Date } {
    return { meta: this.meta, tableName: this.tableName, now: this.db.config.clock() };
  }

  /** Sends a write plan; a failed condition is explained with the stored item. */
  private async write(plan: WritePlan, extra: Record<string, unknown> = {}): Promise<{ Attributes?: AttributeMap }> {
    // Object.assign, not a spread: V8 is slow to add a key to an object made by spreading (decisions.md).
    const request: Record<string, unknown> = Object.assign({}, plan.input, extra);
    if (request.ConditionExpression) request.ReturnValuesOnConditionCheckFailure = 'ALL_OLD';
    try {
      return await this.db.send<{ Attributes?: AttributeMap }>({ operation: plan.operation, input: request, model: this.meta.name });
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      const old = (error as { Item?: AttributeMap }).Item;
      const err = plan.explain(old ? decodeStoredForError(this.meta, old) : undefined);
      (err as { cause?: unknown }).cause = error;
      throw err;
    }
  }

  private projection(fieldNames: readonly string[], ph: Placeholders, context: string): string {
    if (fieldNames.length === 0) {
      throw new ValidationError([{ path: [], rule: 'projection', message: 'projection needs at least one field' }], context);
    }
    const stored = new Set<string>();
    for (const name of fieldNames) {
      const field = this.meta.byName.get(name);
      if (!field) throw new ValidationError([{ path: [name], rule: 'unknown-field', message: `is not a field of ${this.meta.name}` }], context);
      stored.add(field.stored);
      // Template fields parse back into their components, so project the template too.
      for (const t of this.meta.templates) if (t.template?.fields.includes(name)) stored.add(t.stored);
    }
    return [...stored].map((s) => ph.name(s)).join(', ');
  }
}

function pick(record: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) if (Object.hasOwn(record, name) && record[name] !== undefined) out[name] = record[name];
  return out;
}
