/**
 * Sending several write actions as one TransactWriteItems (a transaction, or a single write that
 * grew companion actions), and explaining a cancellation action by action with typed errors.
 */
import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import type { Executor } from '../client/executor.js';
import { DynamoDBError, DynamORMError, ThrottledError, TransactionCanceledError, ValidationError, type CancellationReason } from '../errors.js';
import type { AttributeMap } from '../model/item-codec.js';
import { attributeNames, decodeForError, type DecodeTarget } from '../read/decode.js';
import type { WritePlan } from './plans.js';

/** DynamoDB's limit of actions in one transaction. */
export const MAX_TRANSACTION_ACTIONS = 100;

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
      const item = target ? await decodeForError(context, target, reason.Item) : reason.Item && attributeNames(reason.Item, '(stored)');
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
