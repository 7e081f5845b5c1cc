/**
 * The one write path: `planWrite` turns a create/put/update/delete/check into a write unit (the
 * primary action plus the companion actions extensions add), and `sendWrite` sends it: one action
 * as its own PutItem/UpdateItem/DeleteItem, several as one TransactWriteItems whose cancellation is
 * explained action by action (extensions/runtime.ts, write/transact.ts). Single writes,
 * transactions and batch writes all plan through here. A model without extensions never loads the
 * extension runtime: its writes plan synchronously and go out as one request.
 */
import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import type { CommandClass, ModelTarget } from '../client/executor.js';
import type { ConditionInput } from '../expr/condition.js';
import type { ResolvedHooks, WriteIntent } from '../extensions/extension.js';
import { keyOnly } from '../client/chunks.js';
import { DeadlineExceededError } from '../deadline.js';
import { DynamoDBError, namingItem, ThrottledError, TimeoutError, WriteInDoubtError } from '../errors.js';
import type { AttributeMap } from '../model/item-codec.js';
import { decodeForError } from '../read/decode.js';
import { fetchItem, getItemInput } from '../read/get.js';
import { planCreate, planDelete, planPut, planUpdate, type PlanContext, type WritePlan } from './plans.js';

/** A model handle as the write path sees it. */
export type WriteTarget = ModelTarget;

/** Options every write kind may carry (each kind reads its own). */
export interface WriteOptions {
  readonly condition?: ConditionInput<never> | undefined;
  readonly expectedVersion?: number | 'any' | undefined;
}

/** A write as the caller asked for it. */
export interface WriteRequest extends WriteIntent {
  readonly options: WriteOptions;
  /** The planner of a kind the write path does not plan itself (`check`: transactions bring `planCheck`). */
  readonly planner?: (ctx: PlanContext, write: WriteRequest) => WritePlan;
  /**
   * The write token: a string to use (a transaction derives it from its own token, so that sending it
   * again sends the same request), `null` for none (batch puts: unconditional, so retries are
   * harmless), or left out for a new one per call.
   */
  readonly token?: string | null;
}

/** A write ready to send: the primary action and the actions that must be written with it. */
export interface WriteUnit {
  readonly context: OperationContext;
  readonly target: WriteTarget;
  readonly primary: WritePlan;
  readonly companions: readonly WritePlan[];
  /** The stored item before the write (raw), when an extension asked for it. */
  readonly storedRaw: AttributeMap | undefined;
  /** The token this write stores with the item (none for deletes and checks, or without a token attribute). */
  readonly token: string | undefined;
}

const NONE: readonly WritePlan[] = [];

/** The pure planner of one write kind (a condition check brings its own: only transactions have them). */
export function planPrimary(ctx: PlanContext, write: WriteRequest): WritePlan {
  const o = write.options;
  switch (write.kind) {
    case 'create':
      return planCreate(ctx, write.input as Record<string, unknown>, o.condition);
    case 'put':
      return planPut(ctx, write.input as Record<string, unknown>, o as { expectedVersion?: number });
    case 'update':
      return planUpdate(ctx, write.key as Record<string, unknown>, write.input as Record<string, unknown>, o);
    case 'delete':
      return planDelete(ctx, write.key as Record<string, unknown>, o);
    default:
      return (write.planner as NonNullable<WriteRequest['planner']>)(ctx, write);
  }
}

/**
 * Plans a write. A model without extensions plans synchronously (and pays for nothing else); with
 * extensions, the input is adjusted, hooks prepare, the stored item is read if asked for, and the
 * companion actions are added.
 */
export function planWrite(target: WriteTarget, context: OperationContext, write: WriteRequest): WriteUnit | Promise<WriteUnit> {
  // One token per call: the SDK's retries of this request carry the same one.
  const wanted = target.meta.writeToken && write.kind !== 'delete' && write.kind !== 'check';
  const token = wanted && write.token !== null ? (write.token ?? randomUUID()) : undefined;
  const ctx: PlanContext = { meta: target.meta, tableName: context.table as string, now: context.now, token, operation: context };
  if (!target.hooks) return { context, target, primary: planPrimary(ctx, write), companions: NONE, storedRaw: undefined, token };
  return target.hooks.runtime.plan(target, context, ctx, write);
}

const COMMANDS: Record<WritePlan['operation'], CommandClass> = {
  PutItem: PutItemCommand,
  UpdateItem: UpdateItemCommand,
  DeleteItem: DeleteItemCommand,
  ConditionCheck: PutItemCommand, // never sent alone: a condition check exists only inside a transaction
};

/** The input of a write sent alone: asks for the stored item when its condition fails, to explain it. */
export function singleInput(primary: WritePlan, returnValues?: 'ALL_NEW' | 'ALL_OLD'): Record<string, unknown> {
  // Object.assign, not a spread: V8 is slow to add a key to an object made by spreading (decisions.md).
  const input: Record<string, unknown> = Object.assign({}, primary.input);
  if (returnValues) input.ReturnValues = returnValues;
  if (input.ConditionExpression) input.ReturnValuesOnConditionCheckFailure = 'ALL_OLD';
  return input;
}

/**
 * Sends a write unit. `returnValues` asks for the item after (`ALL_NEW`) or before (`ALL_OLD`) the
 * write. A failed condition raises the typed error of the action that failed.
 */
export async function sendWrite(unit: WriteUnit, returnValues?: 'ALL_NEW' | 'ALL_OLD'): Promise<AttributeMap | undefined> {
  const { primary, context, target } = unit;
  if (unit.companions.length === 0) {
    const input = singleInput(primary, returnValues);
    try {
      const output = await target.executor.send<{ Attributes?: AttributeMap }>(COMMANDS[primary.operation], {
        operation: primary.operation,
        input,
        model: target.meta.name,
        context,
      });
      return output.Attributes;
    } catch (error) {
      return settle(unit, error, returnValues);
    }
  }
  // Companion actions exist only where extensions added them: their runtime sends the unit.
  return (target.hooks as ResolvedHooks).runtime.send(unit, returnValues);
}

/** The SDK's count of attempts behind an error (1 when it made only one). */
function attemptsOf(error: unknown): number {
  return (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
}

/** The HTTP status DynamoDB answered an SDK error with (none for a time-out or a dropped connection). */
function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** Whether a failed write may still have been applied (a refusal on the only attempt may not). */
function mayHaveApplied(error: unknown): boolean {
  if (error instanceof DeadlineExceededError) return false; // says so itself (`inFlight`)
  if (error instanceof TimeoutError) return true;
  if (!(error instanceof ThrottledError || error instanceof DynamoDBError)) return false; // not from the wire
  // A retry may follow an attempt that was applied and answered by a 5xx or a dropped connection.
  if (attemptsOf(error.cause) > 1) return true;
  const status = statusOf(error.cause);
  return !(status !== undefined && status >= 400 && status < 500);
}

/**
 * Whether DynamoDB answered every attempt of a failed request. Only then can a read show that it was
 * not applied: an attempt that timed out or lost its connection may still be on its way to DynamoDB
 * and apply after the read (seen under load: a create timed out, the read found nothing, the create
 * landed later). The SDK does not say how earlier attempts ended, so a retried request counts as not
 * answered.
 */
function answered(error: unknown): boolean {
  const sdkError = (error as { name?: string }).name === 'ConditionalCheckFailedException' ? error : (error as { cause?: unknown }).cause;
  return attemptsOf(sdkError) <= 1 && statusOf(sdkError) !== undefined;
}

/**
 * What a failed write did. Its own token on the stored item means an earlier attempt applied it: that
 * is success. A condition that failed on the only attempt changed nothing. Anything else is checked
 * with a strongly consistent read and, if that cannot tell, raised as WriteInDoubtError.
 */
export async function settle(unit: WriteUnit, error: unknown, returnValues?: 'ALL_NEW' | 'ALL_OLD'): Promise<AttributeMap | undefined> {
  const { primary, context, target } = unit;
  let cause = error;
  if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
    const stored = (error as { Item?: AttributeMap }).Item;
    if (isOwn(unit, stored)) return stored;
    const typed = primary.explain(await decodeForError(context, target, stored));
    (typed as { cause?: unknown }).cause = error;
    if (attemptsOf(error) <= 1) throw typed;
    cause = typed;
  } else if (!mayHaveApplied(error)) throw namingItem(error, primary.target);
  const check = () => readStoredItem(unit);
  let stored: AttributeMap | undefined;
  try {
    stored = await check();
  } catch {
    throw inDoubt(unit, cause);
  }
  if (isOwn(unit, stored)) return stored;
  // A delete's outcome is the item being gone (its old item, if asked for, is not known then).
  if (context.kind === 'delete' && !stored && returnValues === undefined) return undefined;
  if (notApplied(unit, stored, answered(error))) throw cause;
  throw inDoubt(unit, cause);
}

/**
 * Whether the stored item proves the write was not applied. A create leaves an item; a versioned
 * write leaves its expected version plus one with its own token (or, for a delete, no item), and
 * versions only grow. The version this write expected plus one, without its token, is another
 * write's: this one can never apply now, even if an attempt is still on its way. Otherwise the item
 * as it was (no item for a create, a version at or below the expected one) proves it only when
 * DynamoDB `answered` every attempt. (An item deleted and created again in between would defeat
 * this; nothing else does.)
 */
function notApplied(unit: WriteUnit, stored: AttributeMap | undefined, answered: boolean): boolean {
  const kind = unit.context.kind;
  const expected = unit.primary.expectedVersion;
  const field = unit.target.meta.version;
  if (kind === 'create') return stored === undefined && answered;
  if (expected === undefined || !field) return false;
  if (!stored) return kind !== 'delete';
  const version = Number(stored[field.stored]?.N);
  if (version === expected + 1) return true;
  return answered && (kind === 'delete' || version <= expected);
}

function isOwn(unit: WriteUnit, stored: AttributeMap | undefined): boolean {
  const attribute = unit.target.meta.writeToken;
  return unit.token !== undefined && attribute !== undefined && stored?.[attribute]?.S === unit.token;
}

/** The stored item of the unit's key, strongly consistent. */
export function readStoredItem(unit: WriteUnit): Promise<AttributeMap | undefined> {
  const key = unit.primary.input.Key ?? keyOnly(unit.target.meta, unit.primary.input.Item as AttributeMap);
  return fetchItem(unit.target, unit.context, getItemInput(unit.context.table as string, key as AttributeMap, true));
}

function inDoubt(unit: WriteUnit, cause: unknown): WriteInDoubtError {
  const check = async () => {
    const stored = await readStoredItem(unit);
    return unit.context.kind === 'delete' ? stored === undefined : isOwn(unit, stored);
  };
  return new WriteInDoubtError(unit.primary.target, unit.context.kind, unit.token, check, cause);
}
