/**
 * Write plans: the validated, encoded DynamoDB input of one create/put/update/delete/condition check,
 * plus how to explain its conditional failure. Pure functions: nothing here sends or reads. Single
 * writes, transactions and batch writes build the same plans (write/unit.ts), so all of them check
 * versions and existence exactly alike.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
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
import { encodeItem, encodeKey, errorTarget, type AttributeMap } from '../model/item-codec.js';
import type { CompiledModel } from '../model/model.js';

/** A write ready to send, alone or inside a transaction. */
export interface WritePlan {
  readonly operation: 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheck';
  /** The DynamoDB input (TableName included; no ReturnValues). */
  readonly input: Record<string, unknown>;
  /** Model and key fields, for errors. */
  readonly target: ErrorTarget;
  /** The encoded item, for puts. */
  readonly item?: AttributeMap;
  /**
   * Versioned writes: the version the stored item must have (0: it must not exist). A write that
   * applied leaves this plus one, or no item for a delete, which is how a failure is settled.
   */
  readonly expectedVersion?: number;
  /** The typed error for a failed condition, given the stored item (decoded) if DynamoDB returned it. */
  explain(stored: Record<string, unknown> | undefined): Error;
}

/** What a plan needs to know: the model, its physical table and the operation's clock reading. */
export interface PlanContext {
  readonly meta: CompiledModel;
  readonly tableName: string;
  readonly now: Date;
  /**
   * The token of this write (write/unit.ts makes one per call), stored with the item so that a retry
   * of an applied write recognises itself. Without it, nothing is stored.
   */
  readonly token?: string | undefined;
  /** The operation this write belongs to, handed to scoped codecs (`CodecScope.context`). */
  readonly operation?: OperationContext | undefined;
}

function conditionFields(conditions: string[], ph: Placeholders): Record<string, unknown> {
  const fields = ph.attributes() as Record<string, unknown>;
  const parts = conditions.filter((c) => c !== '');
  if (parts.length > 0) fields.ConditionExpression = joinConditions(parts, 'AND');
  return fields;
}

function userCondition(ctx: PlanContext, condition: ConditionInput<never> | undefined, ph: Placeholders, label: string): string[] {
  return condition ? [compileCondition(ctx.meta, buildCondition(condition), ph, label)] : [];
}

/**
 * The error target of a put or create: the key fields as given, or, for those filled by DynamORM (a
 * `.default()` id), as written, read back from the encoded item.
 */
function targetOf(meta: CompiledModel, values: Record<string, unknown>, item: AttributeMap): ErrorTarget {
  const key: Record<string, unknown> = {};
  for (const f of meta.keyInputFields) {
    const given = values[f.name];
    const stored = given === undefined ? item[f.stored] : undefined;
    key[f.name] = stored ? f.codec.decode(stored, [f.name]) : given;
  }
  return errorTarget(meta, key);
}

/** Why a conditional write failed, from the stored item DynamoDB returned (or its absence). */
function explainFailure(
  meta: CompiledModel,
  target: ErrorTarget,
  stored: Record<string, unknown> | undefined,
  expected: number | undefined,
  isPut: boolean,
): Error {
  // Update and delete require the item: if it is gone, no version can match, and a retry cannot help.
  if (!stored && !isPut) return new ItemNotFoundError(target);
  const versionField = meta.version;
  if (versionField && expected !== undefined) {
    const actual = stored?.[versionField.name] as number | undefined;
    // A put with no version means "create": the key is taken, whatever version it holds.
    if (isPut && expected === 0 && stored) return new ItemAlreadyExistsError(target, stored);
    if (expected > 0 && actual !== expected) return new VersionConflictError(target, expected, actual, stored);
  }
  return new ConditionalCheckFailedError(target, stored);
}

/** Expected version for update/delete: explicit option, else the key object's version field. */
function expectedVersionOf(meta: CompiledModel, key: Record<string, unknown>, option: number | 'any' | undefined, label: string) {
  const field = meta.version;
  if (!field) {
    if (option !== undefined) throw new ValidationError([{ path: [], rule: 'version', message: `${meta.name} has no version attribute` }], label);
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
          message: `${meta.name} is versioned: pass the item you read (with ${field.name}) or { expectedVersion }`,
        },
      ],
      label,
    );
  }
  if (!Number.isSafeInteger(expected) || expected < 1) {
    throw new ValidationError([{ path: [field.name], rule: 'version', message: 'expected version must be a positive integer' }], label);
  }
  return expected;
}

function existenceAndVersion(meta: CompiledModel, ph: Placeholders, expected: number | 'any' | undefined): string[] {
  const conditions = [`attribute_exists(${ph.name(meta.partitionKey.stored)})`];
  if (meta.version && typeof expected === 'number') conditions.push(`${ph.name(meta.version.stored)} = ${ph.value({ N: String(expected) })}`);
  return conditions;
}

/** create(): PutItem that requires the key to be free. */
export function planCreate(ctx: PlanContext, input: Record<string, unknown>, condition?: ConditionInput<never>): WritePlan {
  const label = `${ctx.meta.name}.create`;
  const item = encodeItem(ctx.meta, input, { now: ctx.now, version: 1, label, table: ctx.tableName, token: ctx.token, context: ctx.operation });
  const ph = new Placeholders();
  const conditions = [`attribute_not_exists(${ph.name(ctx.meta.partitionKey.stored)})`, ...userCondition(ctx, condition, ph, label)];
  const target = targetOf(ctx.meta, input, item);
  return {
    operation: 'PutItem',
    input: { TableName: ctx.tableName, Item: item, ...conditionFields(conditions, ph) },
    target,
    item,
    // No stored item: the key was free, so the caller's own condition failed.
    expectedVersion: 0,
    explain: (old) => (old ? new ItemAlreadyExistsError(target, old) : new ConditionalCheckFailedError(target, old)),
  };
}

/** put(): PutItem; on a versioned model a compare-and-swap on the version (0 = must not exist). */
export function planPut(ctx: PlanContext, input: Record<string, unknown>, options: { condition?: ConditionInput<never>; expectedVersion?: number }): WritePlan {
  const label = `${ctx.meta.name}.put`;
  const versionField = ctx.meta.version;
  if (!versionField && options.expectedVersion !== undefined) {
    // A compare-and-swap was asked for on a model that cannot do one: refuse rather than overwrite blindly.
    throw new ValidationError([{ path: [], rule: 'version', message: `${ctx.meta.name} has no version attribute` }], label);
  }
  const expected = versionField ? (options.expectedVersion ?? (input[versionField.name] as number | undefined) ?? 0) : undefined;
  if (expected !== undefined && (!Number.isSafeInteger(expected) || expected < 0)) {
    throw new ValidationError([{ path: [versionField?.name ?? 'version'], rule: 'version', message: 'expected version must be a non-negative integer' }], label);
  }
  let fields = input;
  if (versionField) {
    const { [versionField.name]: _version, ...rest } = input;
    fields = rest;
  }
  const item = encodeItem(ctx.meta, fields, { now: ctx.now, ...(expected !== undefined ? { version: expected + 1 } : {}), label, table: ctx.tableName, token: ctx.token, context: ctx.operation });
  const ph = new Placeholders();
  const conditions: string[] = [];
  if (versionField && expected !== undefined) {
    conditions.push(
      expected === 0
        ? `attribute_not_exists(${ph.name(ctx.meta.partitionKey.stored)})`
        : `${ph.name(versionField.stored)} = ${ph.value({ N: String(expected) })}`,
    );
  }
  conditions.push(...userCondition(ctx, options.condition, ph, label));
  const target = targetOf(ctx.meta, input, item);
  return {
    operation: 'PutItem',
    input: { TableName: ctx.tableName, Item: item, ...conditionFields(conditions, ph) },
    target,
    item,
    ...(expected !== undefined ? { expectedVersion: expected } : {}),
    explain: (old) => explainFailure(ctx.meta, target, old, expected, true),
  };
}

/** What update and delete share: the encoded key, the expected version and how to explain a failure. */
function keyedWrite(ctx: PlanContext, key: Record<string, unknown>, option: number | 'any' | undefined, label: string) {
  const { key: encodedKey, fields } = encodeKey(ctx.meta, key, label);
  const expected = expectedVersionOf(ctx.meta, key, option, label);
  const target = errorTarget(ctx.meta, fields);
  const explain = (old: Record<string, unknown> | undefined) => explainFailure(ctx.meta, target, old, expected === 'any' ? undefined : expected, false);
  return { encodedKey, fields, expected, target, explain };
}

/** update(): UpdateItem on an existing item, version-checked and bumped. */
export function planUpdate(
  ctx: PlanContext,
  key: Record<string, unknown>,
  patch: Record<string, unknown>,
  options: { condition?: ConditionInput<never>; expectedVersion?: number | 'any' },
): WritePlan {
  const label = `${ctx.meta.name}.update`;
  const { encodedKey, fields, expected, target, explain } = keyedWrite(ctx, key, options.expectedVersion, label);
  const ph = new Placeholders();
  const nextVersion = expected === undefined ? undefined : expected === 'any' ? ('increment' as const) : expected + 1;
  const extras = { now: ctx.now, nextVersion, token: ctx.token, keyFields: fields, place: { table: ctx.tableName, key: encodedKey, context: ctx.operation } };
  const updateExpression = compileUpdate(ctx.meta, patch, extras, ph, label);
  const conditions = [...existenceAndVersion(ctx.meta, ph, expected), ...userCondition(ctx, options.condition, ph, label)];
  const tokenAttribute = ctx.meta.writeToken;
  if (tokenAttribute && ctx.token) {
    // A retry of this very update, once applied, must fail rather than apply again (an ADD would count
    // twice): the failure then shows our token and is reported as the success it was.
    const name = ph.name(tokenAttribute);
    conditions.push(`(attribute_not_exists(${name}) OR ${name} <> ${ph.value({ S: ctx.token })})`);
  }
  return {
    operation: 'UpdateItem',
    input: { TableName: ctx.tableName, Key: encodedKey, UpdateExpression: updateExpression, ...conditionFields(conditions, ph) },
    target,
    ...(typeof expected === 'number' ? { expectedVersion: expected } : {}),
    explain,
  };
}

/** delete(): DeleteItem; versioned models require the item at the expected version. */
export function planDelete(
  ctx: PlanContext,
  key: Record<string, unknown>,
  options: { condition?: ConditionInput<never>; expectedVersion?: number | 'any' },
): WritePlan {
  const label = `${ctx.meta.name}.delete`;
  const { encodedKey, expected, target, explain } = keyedWrite(ctx, key, options.expectedVersion, label);
  const ph = new Placeholders();
  const conditions = [...(expected === undefined ? [] : existenceAndVersion(ctx.meta, ph, expected)), ...userCondition(ctx, options.condition, ph, label)];
  return {
    operation: 'DeleteItem',
    input: { TableName: ctx.tableName, Key: encodedKey, ...conditionFields(conditions, ph) },
    target,
    ...(typeof expected === 'number' ? { expectedVersion: expected } : {}),
    explain,
  };
}

/** A condition check (transactions only): the item must exist and satisfy the condition. */
export function planCheck(ctx: PlanContext, key: Record<string, unknown>, condition: ConditionInput<never>): WritePlan {
  const label = `${ctx.meta.name}.check`;
  const { key: encodedKey, fields } = encodeKey(ctx.meta, key, label);
  const ph = new Placeholders();
  // The item must exist, whatever the condition says (a condition such as notExists(field) also holds on no item).
  const conditions = [`attribute_exists(${ph.name(ctx.meta.partitionKey.stored)})`, ...userCondition(ctx, condition, ph, label)];
  const target = errorTarget(ctx.meta, fields);
  return {
    operation: 'ConditionCheck',
    input: { TableName: ctx.tableName, Key: encodedKey, ...conditionFields(conditions, ph) },
    target,
    explain: (old) => (old ? new ConditionalCheckFailedError(target, old) : new ItemNotFoundError(target)),
  };
}

/** Attribute values of a plan's key (for duplicate detection in batches and transactions). */
export function planKey(plan: WritePlan, meta: CompiledModel): Record<string, AttributeValue> {
  const source = (plan.input.Key ?? plan.input.Item) as AttributeMap;
  const key: Record<string, AttributeValue> = {};
  for (const f of [meta.partitionKey, meta.sortKey]) if (f && source[f.stored]) key[f.stored] = source[f.stored] as AttributeValue;
  return key;
}
