/**
 * The baseline: the same handler written by hand with the AWS SDK v3 DocumentClient. Every other
 * variant is compared with this one.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { clientConfig, pk, runFlow, sk, TABLE, type Order, type OrderKey, type Ops, type RequestHandler } from './shared.js';

export function createOps(requestHandler?: RequestHandler): Ops {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(requestHandler)));
  const byCustomer = (customerId: string): QueryCommandInput => ({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
    ExpressionAttributeValues: { ':pk': pk(customerId), ':sk': 'ORDER#' },
  });
  return {
    async put(order) {
      await doc.send(
        new PutCommand({
          TableName: TABLE,
          Item: { pk: pk(order.customerId), sk: sk(order.orderId), _type: 'Order', ...order },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },
    async get(key) {
      const out = await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: pk(key.customerId), sk: sk(key.orderId) } }));
      return out.Item as Order | undefined; // the stored item carries pk, sk and _type too, as hand-written code returns it
    },
    async query(customerId, limit) {
      const out = await doc.send(new QueryCommand({ ...byCustomer(customerId), Limit: limit }));
      return (out.Items ?? []) as Order[];
    },
    async update(key, status) {
      const out = await doc.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { pk: pk(key.customerId), sk: sk(key.orderId) },
          UpdateExpression: 'SET #status = :status',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes as Order;
    },
    async readAll(customerId) {
      const items: Order[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await doc.send(new QueryCommand({ ...byCustomer(customerId), ...(start ? { ExclusiveStartKey: start } : {}) }));
        for (const item of out.Items ?? []) items.push(item as Order);
        start = out.LastEvaluatedKey;
      } while (start);
      return items;
    },
  };
}

let ops: Ops | undefined;
/** The Lambda handler. */
export const handler = (event: OrderKey) => runFlow((ops ??= createOps()), event);
/** The cold-start benchmark's first request: one GetItem. */
export const getItem = (key: OrderKey): Promise<Order | undefined> => (ops ??= createOps()).get(key);
