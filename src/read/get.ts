/**
 * GetItem, built in one place: reads by key (`get()`), queries that name a whole primary key, and the
 * stored item a write's extensions ask for all read one item through here.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import type { ModelTarget } from '../client/executor.js';
import type { Placeholders } from '../expr/placeholders.js';
import type { AttributeMap } from '../model/item-codec.js';

/** The GetItem input of one key; `projection` is an expression compiled into `ph`. */
export function getItemInput(table: string, key: AttributeMap, consistent: boolean | undefined, projection?: string, ph?: Placeholders | undefined): Record<string, unknown> {
  const input: Record<string, unknown> = { TableName: table, Key: key };
  if (consistent) input.ConsistentRead = true;
  if (projection) {
    input.ProjectionExpression = projection;
    input.ExpressionAttributeNames = (ph as Placeholders).names;
  }
  return input;
}

/** Sends one GetItem for an operation; the stored item, if any. */
export async function fetchItem(target: ModelTarget, context: OperationContext, input: Record<string, unknown>): Promise<AttributeMap | undefined> {
  const output = await target.executor.send<{ Item?: AttributeMap }>(GetItemCommand, { operation: 'GetItem', input, model: target.meta.name, context });
  return output.Item;
}
