/**
 * Item operations on one model: create, put, get, update, delete. Writes go through the one write
 * path (write/unit.ts: planned, validated and encoded before anything is sent, companion actions of
 * extensions added); reads decode through read/decode.ts. Conditional-check failures become typed
 * errors that say why: the item exists, is missing, or has another version.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { operationContext, type OperationKind } from '../client/context.js';
import type { Executor, ModelTarget } from '../client/executor.js';
import { ConfigurationError, ItemNotFoundError, ModelDefinitionError, namingItem } from '../errors.js';
import type { ConditionInput, ConditionOp, OperandOf } from '../expr/condition.js';
import { Placeholders } from '../expr/placeholders.js';
import type { ResolvedHooks } from '../extensions/extension.js';
import { encodeKey, errorTarget } from '../model/item-codec.js';
import { describe } from '../marshal/codec.js';
import { tableNameProblem, type AnyModel, type CompiledModel } from '../model/model.js';
import type { CreateInput, FieldPath, Item, KeyInput, UpdatePatch, ValueAt } from '../model/types.js';
import { decodeItems, decodeOne } from '../read/decode.js';
import { fetchItem, getItemInput } from '../read/get.js';
import { isOwnItem, projectionExpression } from '../read/projection.js';
import { QueryBuilder } from '../read/query.js';
import { planWrite, sendWrite, type WriteRequest, type WriteUnit } from '../write/unit.js';
import { badArgument, checkItem, checkModel, checkOptions } from './arguments.js';

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
 * `db.model(Model)`. A `DynamORM` database's handles also batch and scan ({@link FullModelClient});
 * with the core Database those are the functions `batchGet(db, …)`, `scan(db, Model)`, ….
 */
export class ModelClient<M extends AnyModel> implements ModelTarget {
  /** @internal The compiled model. */
  readonly meta: CompiledModel;
  /** @internal The hooks of the extensions that apply to this model (`undefined`: none). */
  readonly hooks: ResolvedHooks | undefined;

  /** @internal Use `db.model(M)`. */
  constructor(
    readonly executor: Executor,
    readonly model: M,
  ) {
    checkModel(model, 'db.model');
    // The name the requests will carry, prefix included: DynamoDB refuses names outside its rules.
    const table = executor.tableName(model);
    const problem = tableNameProblem(table);
    if (problem) {
      throw new ModelDefinitionError(`model ${model.name}: the table name ${JSON.stringify(table)} (table prefix included) ${problem}`);
    }
    this.meta = model.compiled;
    // Resolved once per handle; with no extension at all the runtime is never reached (nor bundled).
    const extensions = executor.config.extensions.length + model.extensions.length === 0 ? undefined : [...executor.config.extensions, ...model.extensions];
    this.hooks = extensions?.[0]?.runtime.resolve(extensions, model);
    // A field that needs an extension (a unique value, an encrypted field) never runs without it.
    for (const field of this.meta.fields) {
      for (const need of field.spec.needs ?? []) {
        if (!this.hooks?.names.includes(need)) {
          throw new ConfigurationError(`model ${model.name}: field ${field.name} needs the ${need} extension (give it to Database.create({ extensions }) or to the model)`);
        }
      }
    }
  }

  /** The physical table name. */
  get tableName(): string {
    return this.executor.tableName(this.model);
  }

  /**
   * Starts a query with a key condition. The table key or index is chosen from the conditions (or
   * named with `.index()`); a complete primary key is read with GetItem. Without a usable key the
   * query fails with NoUsableIndexError: it never falls back to a scan.
   */
  where<P extends FieldPath<M>, O extends ConditionOp>(path: P, op: O, value: OperandOf<ValueAt<Item<M>, P>, O>): QueryBuilder<M> {
    return QueryBuilder.start(this, [{ path, op, value }]);
  }

  /** A query with no condition yet (add `where()` calls; name an index with `.index()`). */
  query(): QueryBuilder<M> {
    return QueryBuilder.start(this);
  }

  /**
   * Creates an item; fails with {@link ItemAlreadyExistsError} when an item with the same key exists.
   * Defaults, createdAt/updatedAt, version 1 and key templates are filled in. Returns the stored item.
   */
  create(input: CreateInput<M>, options: CreateOptions<M> = {}): Promise<Item<M>> {
    return this.writeItem('create', input, options);
  }

  /**
   * Writes a whole item, replacing any stored one. On a versioned model the stored version must match
   * (`item.version` or `expectedVersion`), or the item must not exist when no version is given;
   * the written version is the expected one plus one.
   */
  put(input: CreateInput<M> & { version?: number }, options: PutOptions<M> = {}): Promise<Item<M>> {
    return this.writeItem('put', input, options);
  }

  /**
   * Reads one item by key. Eventually consistent unless `{ consistent: true }`; `projection` narrows
   * the fields read and the result type; `{ required: true }` throws {@link ItemNotFoundError}.
   */
  async get<F extends ItemField<M> = ItemField<M>, R extends boolean = false>(
    key: KeyOrItem<M>,
    options: GetOptions<F, R> = {},
  ): Promise<Projected<M, F> | (R extends true ? never : undefined)> {
    const label = `${this.meta.name}.get`;
    checkOptions(options, label);
    if (options.projection !== undefined && !Array.isArray(options.projection)) {
      badArgument(label, `a projection is an array of field names, got ${describe(options.projection)}`, 'projection');
    }
    const context = operationContext(this.executor, 'get', this.model);
    this.hooks?.runtime.read(context, this.hooks, { conditions: [], index: undefined });
    const { key: encodedKey, fields } = encodeKey(this.meta, key as Record<string, unknown>, label);
    this.hooks?.runtime.partition(context, this.hooks, { index: undefined, value: encodedKey[this.meta.partitionKey.stored] as AttributeValue });
    const ph = options.projection && new Placeholders();
    const projection = ph && projectionExpression(this.meta, options.projection as readonly string[], ph, [], label);
    const item = await fetchItem(this, context, getItemInput(context.table as string, encodedKey, options.consistent, projection, ph)).catch((error: unknown) => {
      throw namingItem(error, errorTarget(this.meta, fields));
    });
    // In a shared table the key may hold another model's item: that is not an item of this model.
    if (!item || !isOwnItem(this.meta, item)) {
      if (options.required) throw new ItemNotFoundError(errorTarget(this.meta, fields));
      return undefined as never;
    }
    return (await decodeItems(context, this, [item], options.projection))[0] as Projected<M, F>;
  }

  /**
   * Applies a partial patch and returns the new item. The item must exist ({@link ItemNotFoundError}).
   * Versioned models check the expected version and bump it in the same request
   * ({@link VersionConflictError} on mismatch, and nothing changes).
   */
  async update(key: KeyOrItem<M>, patch: UpdatePatch<M>, options: UpdateOptions<M> = {}): Promise<Item<M>> {
    checkOptions(options, `${this.meta.name}.update`);
    const unit = await this.plan({
      kind: 'update',
      input: patch as Record<string, unknown>,
      key: key as Record<string, unknown>,
      options: options as WriteRequest['options'],
    });
    return (await decodeOne(unit.context, this, (await sendWrite(unit, 'ALL_NEW')) ?? {})) as Item<M>;
  }

  /**
   * Deletes an item. On a versioned model the item must exist with the expected version; otherwise a
   * missing item is not an error. `{ returnOld: true }` returns the deleted item.
   */
  async delete(key: KeyOrItem<M>, options: DeleteOptions<M> & { returnOld: true }): Promise<Item<M> | undefined>;
  async delete(key: KeyOrItem<M>, options?: DeleteOptions<M>): Promise<void>;
  async delete(key: KeyOrItem<M>, options: DeleteOptions<M> = {}): Promise<Item<M> | undefined | void> {
    checkOptions(options, `${this.meta.name}.delete`);
    const unit = await this.plan({ kind: 'delete', input: undefined, key: key as Record<string, unknown>, options: options as WriteRequest['options'] });
    const old = await sendWrite(unit, options.returnOld ? 'ALL_OLD' : undefined);
    if (options.returnOld) return (await decodeOne(unit.context, this, old)) as Item<M> | undefined;
  }

  /** create() and put(): the item written is the item returned. */
  private async writeItem(kind: 'create' | 'put', input: object, options: object): Promise<Item<M>> {
    checkItem(input, `${this.meta.name}.${kind}`);
    checkOptions(options, `${this.meta.name}.${kind}`);
    const unit = await this.plan({ kind, input: input as Record<string, unknown>, key: undefined, options });
    await sendWrite(unit);
    return (await decodeOne(unit.context, this, unit.primary.item)) as Item<M>;
  }

  /** Plans a write of this model (its context read once, extensions applied). */
  private plan(write: WriteRequest): WriteUnit | Promise<WriteUnit> {
    return planWrite(this, operationContext(this.executor, write.kind as OperationKind, this.model), write);
  }

}
