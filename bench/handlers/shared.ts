/**
 * What the five handler variants share: the table design, the item, the operations each variant
 * implements, and the handler flow itself (create, get, query 10, update one field). Keeping the flow
 * here means the variants differ only in how they talk to DynamoDB.
 */
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/** One table for every variant: string `pk` and `sk`, no index needed by the handler. */
export const TABLE = 'bench-orders';

export type Status = 'pending' | 'paid' | 'shipped';

/** The item, as every variant hands it to the caller. Stored as pk `CUST#{customerId}`, sk `ORDER#{orderId}`. */
export interface Order {
  customerId: string;
  orderId: string;
  amount: number;
  currency: string;
  status: Status;
  createdAt: string;
}

export interface OrderKey {
  customerId: string;
  orderId: string;
}

/** The operations measured; each variant implements them with its library's idiomatic calls. */
export interface Ops {
  /** Creates the item; fails if the key is taken (a conditional put). */
  put(order: Order): Promise<void>;
  get(key: OrderKey): Promise<Order | undefined>;
  /** The first `limit` orders of a customer (Query on the partition, sk begins_with `ORDER#`). */
  query(customerId: string, limit: number): Promise<Order[]>;
  /** Sets `status` on an existing item and returns the new item. */
  update(key: OrderKey, status: Status): Promise<Order>;
  /** Every order of a customer, following pages. */
  readAll(customerId: string): Promise<Order[]>;
}

/** The SDK's `requestHandler` option: the benchmarks pass a recorder or a replayer here. */
export type RequestHandler = DynamoDBClientConfig['requestHandler'];

/**
 * Client settings as a Lambda function would have them: region and endpoint from the environment,
 * credentials from the SDK's default chain (environment variables in Lambda and in the benchmarks).
 */
export function clientConfig(requestHandler?: RequestHandler): DynamoDBClientConfig {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  return {
    region: process.env.AWS_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    ...(requestHandler ? { requestHandler } : {}),
  };
}

export const pk = (customerId: string): string => `CUST#${customerId}`;
export const sk = (orderId: string): string => `ORDER#${orderId}`;

/** An order for the handler and the benchmarks. */
export function newOrder(customerId: string, orderId: string): Order {
  return { customerId, orderId, amount: 1250, currency: 'EUR', status: 'pending', createdAt: new Date().toISOString() };
}

/** The handler's work: create an order, read it back, list the customer's latest 10, mark it paid. */
export async function runFlow(ops: Ops, event: OrderKey): Promise<{ created: string; found: boolean; recent: number; status: Status }> {
  const order = newOrder(event.customerId, event.orderId);
  await ops.put(order);
  const read = await ops.get(event);
  const recent = await ops.query(event.customerId, 10);
  const updated = await ops.update(event, 'paid');
  return { created: order.orderId, found: read !== undefined, recent: recent.length, status: updated.status };
}
