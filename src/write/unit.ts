/**
 * The one write path: `planWrite` turns a create/put/update/delete/check into a write unit (the
 * primary action plus the companion actions extensions add), and `sendWrite` sends it: one action
 * as its own PutItem/UpdateItem/DeleteItem, several as one TransactWriteItems whose cancellation is
 * explained action by action (extensions/runtime.ts, write/transact.ts). Single writes,
 * transactions and batch writes all plan through here. A model without extensions never loads the
 * extension runtime: its writes plan synchronously and go out as one request.
 */
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import type { CommandClass, ModelTarget } from '../client/executor.js';
import type { ConditionInput } from '../expr/condition.js';
import type { ResolvedHooks, WriteIntent } from '../extensions/extension.js';
import type { AttributeMap } from '../model/item-codec.js';
import { decodeForError } from '../read/decode.js';
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
}

/** A write ready to send: the primary action and the actions that must be written with it. */
export interface WriteUnit {
  readonly context: OperationContext;
  readonly target: WriteTarget;
  readonly primary: WritePlan;
  readonly companions: readonly WritePlan[];
  /** The stored item before the write (raw), when an extension asked for it. */
  readonly storedRaw: AttributeMap | undefined;
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
  const ctx: PlanContext = { meta: target.meta, tableName: context.table as string, now: context.now };
  if (!target.hooks) return { context, target, primary: planPrimary(ctx, write), companions: NONE, storedRaw: undefined };
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
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      const err = primary.explain(await decodeForError(context, target, (error as { Item?: AttributeMap }).Item));
      (err as { cause?: unknown }).cause = error;
      throw err;
    }
  }
  // Companion actions exist only where extensions added them: their runtime sends the unit.
  return (target.hooks as ResolvedHooks).runtime.send(unit, returnValues);
}

