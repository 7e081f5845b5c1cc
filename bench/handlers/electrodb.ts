/** The handler with ElectroDB, on the SDK v3 DocumentClient. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Entity } from 'electrodb';
import { clientConfig, runFlow, TABLE, type Order, type OrderKey, type Ops, type RequestHandler } from './shared.js';

function orderEntity(client: DynamoDBDocumentClient) {
  return new Entity(
    {
      model: { entity: 'Order', version: '1', service: 'bench' },
      attributes: {
        customerId: { type: 'string', required: true },
        orderId: { type: 'string', required: true },
        amount: { type: 'number', required: true },
        currency: { type: 'string', required: true },
        status: { type: ['pending', 'paid', 'shipped'] as const, required: true },
        createdAt: { type: 'string', required: true },
      },
      indexes: {
        // Same keys as the other variants: `CUST#id` / `ORDER#id`, case kept.
        primary: {
          pk: { field: 'pk', composite: ['customerId'], template: 'CUST#${customerId}', casing: 'none' },
          sk: { field: 'sk', composite: ['orderId'], template: 'ORDER#${orderId}', casing: 'none' },
        },
      },
    },
    { client, table: TABLE },
  );
}

export function createOps(requestHandler?: RequestHandler): Ops {
  const orders = orderEntity(DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(requestHandler))));
  return {
    async put(order) {
      await orders.create(order).go(); // create = put with attribute_not_exists
    },
    get: async (key) => ((await orders.get(key).go()).data ?? undefined) as Order | undefined,
    query: async (customerId, limit) => (await orders.query.primary({ customerId }).go({ limit })).data as Order[],
    update: async (key, status) => (await orders.patch(key).set({ status }).go({ response: 'all_new' })).data as Order, // patch: must exist
    readAll: async (customerId) => (await orders.query.primary({ customerId }).go({ pages: 'all' })).data as Order[],
  };
}

let ops: Ops | undefined;
/** The Lambda handler. */
export const handler = (event: OrderKey) => runFlow((ops ??= createOps()), event);
/** The cold-start benchmark's first request: one GetItem. */
export const getItem = (key: OrderKey): Promise<Order | undefined> => (ops ??= createOps()).get(key);
