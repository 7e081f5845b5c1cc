/**
 * The handler with DynamORM, imported from src/ (the code `npm run build` compiles) so the benchmarks
 * need no build step and measure the working tree.
 */
import { Database, model } from '../../src/index.js';
import * as attr from '../../src/attr.js';
import { clientConfig, runFlow, TABLE, type Order, type OrderKey, type Ops, type RequestHandler } from './shared.js';

export const OrderModel = model('Order', {
  table: TABLE,
  attributes: {
    pk: attr.template('CUST#{customerId}').partitionKey(),
    sk: attr.template('ORDER#{orderId}').sortKey(),
    customerId: attr.string(),
    orderId: attr.string(),
    amount: attr.integer(),
    currency: attr.string(),
    status: attr.enum(['pending', 'paid', 'shipped']),
    createdAt: attr.string(),
  },
});

/** The operations on a given database (the warm benchmark also passes one with a stub middleware). */
export function opsFor(db: Database): Ops {
  const orders = db.model(OrderModel);
  return {
    async put(order) {
      await orders.create(order);
    },
    get: (key) => orders.get(key),
    query: (customerId, limit) => orders.where('customerId', '=', customerId).limit(limit).all(),
    update: (key, status) => orders.update(key, { status }),
    readAll: (customerId) => orders.where('customerId', '=', customerId).all(),
  };
}

export function createOps(requestHandler?: RequestHandler): Ops {
  // Without a request handler this is what a function writes: config from the environment, lazy client.
  // With a recording/replaying request handler, DynamORM still builds its own client (and its defaults).
  return opsFor(Database.create(requestHandler ? { clientConfig: clientConfig(requestHandler) } : {}));
}

let ops: Ops | undefined;
/** The Lambda handler. */
export const handler = (event: OrderKey) => runFlow((ops ??= createOps()), event);
/** The cold-start benchmark's first request: one GetItem. */
export const getItem = (key: OrderKey): Promise<Order | undefined> => (ops ??= createOps()).get(key);
