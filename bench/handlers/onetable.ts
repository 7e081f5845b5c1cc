/** The handler with OneTable (dynamodb-onetable), on the SDK v3 client. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Table } from 'dynamodb-onetable';
import { clientConfig, runFlow, TABLE, type Order, type OrderKey, type Ops, type RequestHandler } from './shared.js';

const schema = {
  format: 'onetable:1.1.0',
  version: '0.0.1',
  indexes: { primary: { hash: 'pk', sort: 'sk' } },
  models: {
    Order: {
      pk: { type: String, value: 'CUST#${customerId}' },
      sk: { type: String, value: 'ORDER#${orderId}' },
      customerId: { type: String, required: true },
      orderId: { type: String, required: true },
      amount: { type: Number, required: true },
      currency: { type: String, required: true },
      status: { type: String, required: true, enum: ['pending', 'paid', 'shipped'] },
      createdAt: { type: String, required: true },
    },
  } as const,
  // Timestamps off: the other variants write none either. `_type` stays, as in DynamORM and the raw variant.
  params: { typeField: '_type', timestamps: false },
};

export function createOps(requestHandler?: RequestHandler): Ops {
  const table = new Table({ client: new DynamoDBClient(clientConfig(requestHandler)), name: TABLE, schema, partial: false });
  const orders = table.getModel('Order');
  const byCustomer = (customerId: string) => ({ customerId, sk: { begins: 'ORDER#' } }) as never;
  return {
    async put(order) {
      await orders.create(order); // create = put with attribute_not_exists
    },
    get: async (key) => (await orders.get(key)) as Order | undefined,
    query: async (customerId, limit) => (await orders.find(byCustomer(customerId), { limit })) as Order[],
    update: async (key, status) => (await orders.update({ ...key, status })) as Order, // exists: true by default
    async readAll(customerId) {
      const items: Order[] = [];
      let next: object | undefined;
      do {
        const page = await orders.find(byCustomer(customerId), next ? { next } : {});
        items.push(...(page as Order[]));
        next = page.next;
      } while (next);
      return items;
    },
  };
}

let ops: Ops | undefined;
/** The Lambda handler. */
export const handler = (event: OrderKey) => runFlow((ops ??= createOps()), event);
/** The cold-start benchmark's first request: one GetItem. */
export const getItem = (key: OrderKey): Promise<Order | undefined> => (ops ??= createOps()).get(key);
