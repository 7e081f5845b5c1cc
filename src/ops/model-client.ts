/**
 * Item operations on one model: create, put, get, update, delete. Each builds a plain DynamoDB input
 * (validated and encoded before anything is sent), sends it through the database's middleware chain
 * and decodes the answer into a typed item. Conditional-check failures become typed errors that say
 * why: the item exists, is missing, or has another version.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamORM } from '../db.js';
import {
  ConditionalCheckFailedError,
  ItemAlreadyExistsError,
  ItemNotFoundError,
  ValidationError,
  VersionConflictError,
  type ErrorTarget,
} from '../errors.js';
import { buildCondition, compileCondition, joinConditions, type ConditionInput } from '../expr/condition.js';
import { Placeholders } from '../expr/placeholders.js';
import { compileUpdate } from '../expr/update.js';
import { decodeItem, encodeItem, encodeKey, type AttributeMap } from '../model/item-codec.js';
import type { AnyModel, CompiledModel } from '../model/model.js';
import type { CreateInput, FieldPath, Item, KeyInput, UpdatePatch, ValueAt } from '../model/types.js';
import type { ConditionOp, OperandOf } from '../expr/condition.js';
import { QueryBuilder, ScanBuilder } from './query.js';

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

interface WriteInput {
  TableName: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
}

/** Typed operations on the items of one model. Get one with `db.model(Model)`. */
export class ModelClient<M extends AnyModel> {
  private readonly meta: CompiledModel;

  /** @internal Use `db.model(M)`. */
  constructor(
    private readonly db: DynamORM,
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
    return QueryBuilder.start(this.db, this.model).where(path as never, op, value as never);
  }

  /** A query with no condition yet (add `where()` calls; name an index with `.index()`). */
  query(): QueryBuilder<M> {
    return QueryBuilder.start(this.db, this.model);
  }

  /** Scans the whole table (or an index): reads, and pays for, every item. */
  scan(): ScanBuilder<M> {
    return ScanBuilder.start(this.db, this.model);
  }

  /**
   * Creates an item; fails with {@link ItemAlreadyExistsError} when an item with the same key exists.
   * Defaults, createdAt/updatedAt, version 1 and key templates are filled in. Returns the stored item.
   */
  async create(input: CreateInput<M>, options: CreateOptions<M> = {}): Promise<Item<M>> {
    const context = `${this.meta.name}.create`;
    const item = encodeItem(this.meta, input as Record<string, unknown>, { now: this.db.config.clock(), version: 1, context });
    const ph = new Placeholders();
    const conditions = [`attribute_not_exists(${ph.name(this.meta.partitionKey.stored)})`];
    if (options.condition) conditions.push(compileCondition(this.meta, buildCondition(options.condition), ph, context));
    const target = this.target(input as Record<string, unknown>);
    await this.write('PutItem', { Item: item, ...this.conditionFields(conditions, ph) }, (old) =>
      // No stored item: the key was free, so the caller's own condition failed.
      old ? new ItemAlreadyExistsError(target, old) : new ConditionalCheckFailedError(target, old),
    );
    return decodeItem(this.meta, item) as Item<M>;
  }

  /**
   * Writes a whole item, replacing any stored one. On a versioned model the stored version must match
   * (`item.version` or `expectedVersion`), or the item must not exist when no version is given;
   * the written version is the expected one plus one.
   */
  async put(input: CreateInput<M> & { version?: number }, options: PutOptions<M> = {}): Promise<Item<M>> {
    const context = `${this.meta.name}.put`;
    const raw = input as Record<string, unknown>;
    const versionField = this.meta.version;
    const expected = versionField ? (options.expectedVersion ?? (raw[versionField.name] as number | undefined) ?? 0) : undefined;
    if (expected !== undefined && (!Number.isSafeInteger(expected) || expected < 0)) {
      throw new ValidationError([{ path: ['version'], rule: 'version', message: 'expected version must be a non-negative integer' }], context);
    }
    const fields = versionField ? omit(raw, versionField.name) : raw;
    const item = encodeItem(this.meta, fields, {
      now: this.db.config.clock(),
      ...(expected !== undefined ? { version: expected + 1 } : {}),
      context,
    });
    const ph = new Placeholders();
    const conditions: string[] = [];
    if (versionField && expected !== undefined) {
      conditions.push(
        expected === 0
          ? `attribute_not_exists(${ph.name(this.meta.partitionKey.stored)})`
          : `${ph.name(versionField.stored)} = ${ph.value({ N: String(expected) })}`,
      );
    }
    if (options.condition) conditions.push(compileCondition(this.meta, buildCondition(options.condition), ph, context));
    const target = this.target(raw);
    await this.write('PutItem', { Item: item, ...this.conditionFields(conditions, ph) }, (old) =>
      this.explainFailure(target, old, expected, true),
    );
    return decodeItem(this.meta, item) as Item<M>;
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
    const context = `${this.meta.name}.update`;
    const { key: encodedKey, fields } = encodeKey(this.meta, key as Record<string, unknown>, context);
    const expected = this.expectedVersion(key as Record<string, unknown>, options.expectedVersion, context);
    const ph = new Placeholders();
    const nextVersion = expected === undefined ? undefined : expected === 'any' ? ('increment' as const) : expected + 1;
    const updateExpression = compileUpdate(
      this.meta,
      patch as Record<string, unknown>,
      { now: this.db.config.clock(), ...(nextVersion !== undefined ? { nextVersion } : {}) },
      ph,
      context,
    );
    const conditions = this.existenceAndVersion(ph, expected);
    if (options.condition) conditions.push(compileCondition(this.meta, buildCondition(options.condition), ph, context));
    const target = { model: this.meta.name, key: fields };
    const output = await this.write(
      'UpdateItem',
      { Key: encodedKey, UpdateExpression: updateExpression, ReturnValues: 'ALL_NEW', ...this.conditionFields(conditions, ph) },
      (old) => this.explainFailure(target, old, expected === 'any' ? undefined : expected, false),
    );
    return decodeItem(this.meta, output.Attributes ?? {}) as Item<M>;
  }

  /**
   * Deletes an item. On a versioned model the item must exist with the expected version; otherwise a
   * missing item is not an error. `{ returnOld: true }` returns the deleted item.
   */
  async delete(key: KeyOrItem<M>, options: DeleteOptions<M> & { returnOld: true }): Promise<Item<M> | undefined>;
  async delete(key: KeyOrItem<M>, options?: DeleteOptions<M>): Promise<void>;
  async delete(key: KeyOrItem<M>, options: DeleteOptions<M> = {}): Promise<Item<M> | undefined | void> {
    const context = `${this.meta.name}.delete`;
    const { key: encodedKey, fields } = encodeKey(this.meta, key as Record<string, unknown>, context);
    const expected = this.expectedVersion(key as Record<string, unknown>, options.expectedVersion, context);
    const ph = new Placeholders();
    const conditions = expected === undefined ? [] : this.existenceAndVersion(ph, expected);
    if (options.condition) conditions.push(compileCondition(this.meta, buildCondition(options.condition), ph, context));
    const target = { model: this.meta.name, key: fields };
    const output = await this.write(
      'DeleteItem',
      { Key: encodedKey, ...(options.returnOld ? { ReturnValues: 'ALL_OLD' } : {}), ...this.conditionFields(conditions, ph) },
      (old) => this.explainFailure(target, old, expected === 'any' ? undefined : expected, false),
    );
    if (options.returnOld) return output.Attributes ? (decodeItem(this.meta, output.Attributes) as Item<M>) : undefined;
  }

  private target(values: Record<string, unknown>): ErrorTarget {
    const key: Record<string, unknown> = {};
    for (const f of this.meta.keyInputFields) key[f.name] = values[f.name];
    return { model: this.meta.name, key };
  }

  /** Expected version for update/delete: explicit option, else the key object's version field. */
  private expectedVersion(key: Record<string, unknown>, option: number | 'any' | undefined, context: string): number | 'any' | undefined {
    const field = this.meta.version;
    if (!field) {
      if (option !== undefined) {
        throw new ValidationError([{ path: [], rule: 'version', message: `${this.meta.name} has no version attribute` }], context);
      }
      return undefined;
    }
    const expected = option ?? (key[field.name] as number | undefined);
    if (expected === 'any') return expected;
    if (expected === undefined) {
      throw new ValidationError(
        [
          {
            path: [field.name],
            rule: 'version-required',
            message: `${this.meta.name} is versioned: pass the item you read (with ${field.name}) or { expectedVersion }`,
          },
        ],
        context,
      );
    }
    if (!Number.isSafeInteger(expected) || expected < 1) {
      throw new ValidationError([{ path: [field.name], rule: 'version', message: 'expected version must be a positive integer' }], context);
    }
    return expected;
  }

  private existenceAndVersion(ph: Placeholders, expected: number | 'any' | undefined): string[] {
    const conditions = [`attribute_exists(${ph.name(this.meta.partitionKey.stored)})`];
    if (this.meta.version && typeof expected === 'number') {
      conditions.push(`${ph.name(this.meta.version.stored)} = ${ph.value({ N: String(expected) })}`);
    }
    return conditions;
  }

  private conditionFields(conditions: string[], ph: Placeholders): Omit<WriteInput, 'TableName'> {
    const parts = conditions.filter((c) => c !== '');
    if (parts.length === 0) return ph.attributes();
    return {
      ConditionExpression: joinConditions(parts, 'AND'),
      ...ph.attributes(),
    };
  }

  /** Why a conditional write failed, from the stored item DynamoDB returned (or its absence). */
  private explainFailure(target: ErrorTarget, stored: Record<string, unknown> | undefined, expected: number | undefined, isPut: boolean): Error {
    const versionField = this.meta.version;
    if (versionField && expected !== undefined) {
      const actual = stored?.[versionField.name] as number | undefined;
      if (isPut && expected === 0 && stored) return new VersionConflictError(target, 0, actual, stored);
      if (expected > 0 && actual !== expected) return new VersionConflictError(target, expected, actual, stored);
    }
    if (!stored && !isPut) return new ItemNotFoundError(target);
    return new ConditionalCheckFailedError(target, stored);
  }

  /** Sends a conditional write; a failed condition is explained with the stored item. */
  private async write(
    operation: 'PutItem' | 'UpdateItem' | 'DeleteItem',
    input: Record<string, unknown>,
    onConditionFailed: (stored: Record<string, unknown> | undefined) => Error,
  ): Promise<{ Attributes?: AttributeMap }> {
    const request = { TableName: this.tableName, ...input } as Record<string, unknown>;
    if (request.ConditionExpression) request.ReturnValuesOnConditionCheckFailure = 'ALL_OLD';
    try {
      return await this.db.send<{ Attributes?: AttributeMap }>({ operation, input: request, model: this.meta.name });
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      const old = (error as { Item?: AttributeMap }).Item;
      const err = onConditionFailed(old ? decodeItem(this.meta, old) : undefined);
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
  for (const name of names) if (record[name] !== undefined) out[name] = record[name];
  return out;
}

function omit(record: Record<string, unknown>, name: string): Record<string, unknown> {
  const { [name]: _ignored, ...rest } = record;
  return rest;
}
