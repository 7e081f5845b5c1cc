/** The handler with DynamoDB-Toolbox v2, on the SDK v3 DocumentClient. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Entity, GetItemCommand, item, number, PutItemCommand, QueryCommand, string, Table, UpdateItemCommand } from 'dynamodb-toolbox';
import { clientConfig, pk, runFlow, sk, TABLE, type Order, type OrderKey, type Ops, type RequestHandler } from './shared.js';

function model(documentClient: DynamoDBDocumentClient) {
  const table = new Table({
    name: TABLE,
    partitionKey: { name: 'pk', type: 'string' },
    sortKey: { name: 'sk', type: 'string' },
    documentClient,
  });
  const entity = new Entity({
    name: 'Order',
    table,
    schema: item({
      customerId: string().key(),
      orderId: string().key(),
      amount: number(),
      currency: string(),
      status: string().enum('pending', 'paid', 'shipped'),
      createdAt: string(),
    }),
    computeKey: ({ customerId, orderId }) => ({ pk: pk(customerId), sk: sk(orderId) }),
    timestamps: false, // the other variants write none either; the `_et` entity attribute stays
  });
  return { table, entity };
}

export function createOps(requestHandler?: RequestHandler): Ops {
  const { table, entity } = model(DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(requestHandler))));
  const byCustomer = (customerId: string) => table.build(QueryCommand).entities(entity).query({ partition: pk(customerId), range: { beginsWith: 'ORDER#' } });
  return {
    async put(order) {
      await entity.build(PutItemCommand).item(order).options({ condition: { attr: 'customerId', exists: false } }).send();
    },
    get: async (key) => (await entity.build(GetItemCommand).key(key).send()).Item as Order | undefined,
    query: async (customerId, limit) => ((await byCustomer(customerId).options({ limit }).send()).Items ?? []) as Order[],
    update: async (key, status) =>
      (
        await entity
          .build(UpdateItemCommand)
          .item({ ...key, status })
          .options({ condition: { attr: 'customerId', exists: true }, returnValues: 'ALL_NEW' })
          .send()
      ).Attributes as Order,
    readAll: async (customerId) => ((await byCustomer(customerId).options({ maxPages: Infinity }).send()).Items ?? []) as Order[],
  };
}

let ops: Ops | undefined;
/** The Lambda handler. */
export const handler = (event: OrderKey) => runFlow((ops ??= createOps()), event);
/** The cold-start benchmark's first request: one GetItem. */
export const getItem = (key: OrderKey): Promise<Order | undefined> => (ops ??= createOps()).get(key);
