/**
 * The one write path: `planWrite` turns a create/put/update/delete/check into a write unit (the
 * primary action plus the companion actions extensions add), and `sendWrite` sends it: one action
 * as its own PutItem/UpdateItem/DeleteItem, several as one TransactWriteItems whose cancellation is
 * explained action by action. Single writes, transactions and batch writes all plan through here.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import type { CommandClass, Executor, ModelTarget } from '../client/executor.js';
import { DynamoDBError, DynamORMError, ThrottledError, TransactionCanceledError, ValidationError, type CancellationReason } from '../errors.js';
import type { ConditionInput } from '../expr/condition.js';
import type { ResolvedHooks, WriteIntent } from '../extensions/extension.js';
import { encodeKey, type AttributeMap } from '../model/item-codec.js';
import { decodeForError, decodeOne, type DecodeTarget } from '../read/decode.js';
import { planCheck, planCreate, planDelete, planPut, planUpdate, type PlanContext, type WritePlan } from './plans.js';

/** DynamoDB's limit of actions in one transaction. */
export const MAX_TRANSACTION_ACTIONS = 100;

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

/** The pure planner of one write kind. */
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
    case 'check':
      return planCheck(ctx, write.key as Record<string, unknown>, o.condition as ConditionInput<never>);
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
  return planWithHooks(target, context, ctx, write, target.hooks);
}

async function planWithHooks(target: WriteTarget, context: OperationContext, ctx: PlanContext, write: WriteRequest, hooks: ResolvedHooks): Promise<WriteUnit> {
  let intent: WriteIntent = write;
  for (const h of hooks.all) if (h.adjustWrite) intent = h.adjustWrite(context, intent);
  for (const h of hooks.all) if (h.prepare) await h.prepare(context);
  let storedRaw: AttributeMap | undefined;
  if (hooks.all.some((h) => h.wantsStoredItem?.(context, intent))) {
    storedRaw = await readStored(target, context, (intent.key ?? intent.input) as Record<string, unknown>);
  }
  const primary = planPrimary(ctx, { kind: intent.kind, input: intent.input, key: intent.key, options: write.options });
  const stored = await decodeOne(context, target, storedRaw);
  const companions: WritePlan[] = [];
  for (const h of hooks.all) if (h.companions) companions.push(...h.companions(context, { intent, primary, stored }));
  return { context, target, primary, companions, storedRaw };
}

/** Reads the stored item of a key, strongly consistent (a write's before-image). */
async function readStored(target: WriteTarget, context: OperationContext, keySource: Record<string, unknown>): Promise<AttributeMap | undefined> {
  const { key } = encodeKey(target.meta, keySource, `${target.meta.name}.${context.kind}`);
  const output = await target.executor.send<{ Item?: AttributeMap }>(GetItemCommand, {
    operation: 'GetItem',
    input: { TableName: context.table, Key: key, ConsistentRead: true },
    model: target.meta.name,
    context,
  });
  return output.Item;
}

const COMMANDS: Record<WritePlan['operation'], CommandClass> = {
  PutItem: PutItemCommand,
  UpdateItem: UpdateItemCommand,
  DeleteItem: DeleteItemCommand,
  ConditionCheck: PutItemCommand, // never sent alone: a condition check exists only inside a transaction
};

/**
 * Sends a write unit. `returnValues` asks for the item after (`ALL_NEW`) or before (`ALL_OLD`) the
 * write. A failed condition raises the typed error of the action that failed.
 */
export async function sendWrite(unit: WriteUnit, returnValues?: 'ALL_NEW' | 'ALL_OLD'): Promise<AttributeMap | undefined> {
  const { primary, context, target } = unit;
  if (unit.companions.length === 0) {
    // Object.assign, not a spread: V8 is slow to add a key to an object made by spreading (decisions.md).
    const input: Record<string, unknown> = Object.assign({}, primary.input);
    if (returnValues) input.ReturnValues = returnValues;
    if (input.ConditionExpression) input.ReturnValuesOnConditionCheckFailure = 'ALL_OLD';
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
  // Several actions: one all-or-nothing transaction. TransactWriteItems returns no item, so the item
  // before is the one read for the extensions (or read now), and the item after is read back.
  const keySource = primary.target.key;
  const before = returnValues === 'ALL_OLD' ? (unit.storedRaw ?? (await readStored(target, context, keySource))) : undefined;
  const actions = [primary, ...unit.companions].map((plan, i) => ({ plan, target: i === 0 ? target : undefined }));
  try {
    await sendTransaction(target.executor, context, actions, randomUUID());
  } catch (error) {
    // A single write's own condition (or a companion's, such as a unique value) failed: raise that
    // action's typed error, as if the write had been sent alone.
    if (error instanceof TransactionCanceledError) {
      const failed = error.failures;
      if (failed.length === 1 && failed[0]?.awsCode === 'ConditionalCheckFailed' && failed[0].error) throw failed[0].error;
    }
    throw error;
  }
  if (returnValues === 'ALL_OLD') return before;
  return returnValues === 'ALL_NEW' ? readStored(target, context, keySource) : undefined;
}

/** One action of a transaction and, when it is a model's item, the model that decodes it. */
export interface TransactAction {
  readonly plan: WritePlan;
  readonly target: DecodeTarget | undefined;
}

const WRAPPER = { PutItem: 'Put', UpdateItem: 'Update', DeleteItem: 'Delete', ConditionCheck: 'ConditionCheck' } as const;

/** The TransactWriteItems input of some actions (checked against DynamoDB's limit of 100). */
export function transactInput(actions: readonly TransactAction[], token: string): Record<string, unknown> {
  if (actions.length > MAX_TRANSACTION_ACTIONS) {
    throw new ValidationError(
      [{ path: [], rule: 'transaction-size', message: `${actions.length} actions (companion actions included); DynamoDB allows ${MAX_TRANSACTION_ACTIONS}` }],
      'transaction',
    );
  }
  const items = actions.map(({ plan }) => ({
    [WRAPPER[plan.operation]]: plan.input.ConditionExpression ? Object.assign({}, plan.input, { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }) : plan.input,
  }));
  return { TransactItems: items, ClientRequestToken: token };
}

/** Sends actions as one TransactWriteItems; a cancellation raises TransactionCanceledError with a typed reason per action. */
export async function sendTransaction(executor: Executor, context: OperationContext, actions: readonly TransactAction[], token: string): Promise<void> {
  const input = transactInput(actions, token);
  try {
    await executor.send(TransactWriteItemsCommand, { operation: 'TransactWriteItems', input, context });
  } catch (error) {
    if (error instanceof DynamoDBError && error.awsCode === 'TransactionCanceledException') {
      throw new TransactionCanceledError(await cancellationReasons(context, actions, error.cause), error.cause);
    }
    throw error;
  }
}

async function cancellationReasons(context: OperationContext, actions: readonly TransactAction[], cause: unknown): Promise<CancellationReason[]> {
  const reasons = (cause as { CancellationReasons?: { Code?: string; Message?: string; Item?: AttributeMap }[] }).CancellationReasons ?? [];
  return Promise.all(
    actions.map(async ({ plan, target }, index) => {
      const reason = reasons[index] ?? {};
      const awsCode = reason.Code ?? 'Unknown';
      const item = target ? await decodeForError(context, target, reason.Item) : placeholders(reason.Item);
      let error: DynamORMError | undefined;
      if (awsCode === 'None') error = undefined;
      else if (awsCode === 'ConditionalCheckFailed') error = plan.explain(item) as DynamORMError;
      else if (awsCode === 'ThrottlingError' || awsCode === 'ProvisionedThroughputExceeded') {
        error = new ThrottledError(`transaction action #${index} was throttled`);
      } else error = new DynamoDBError(awsCode, reason.Message ?? `transaction action #${index} failed`);
      return { index, model: plan.target.model, key: plan.target.key, awsCode, error, item };
    }),
  );
}

/** A stored item of no model (a companion's): its attribute names only, never its values. */
function placeholders(raw: AttributeMap | undefined): Record<string, unknown> | undefined {
  return raw && Object.fromEntries(Object.keys(raw).map((name) => [name, '(stored)']));
}
