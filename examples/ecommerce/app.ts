/**
 * The shop service: three Lambda handlers over one table.
 * - cart: puts a line in the customer's cart (the product must exist);
 * - checkout: idempotent (an Idempotency-Key per request). In ONE transaction: each product's stock
 *   taken with a conditional `add(-n)` (never below zero, so never oversold), the order created, the
 *   cart lines deleted (only if still there: two checkouts of one cart cannot both order it), and the
 *   stored answer for the key (`dynamorm/idempotency`). A retry with the same key gets the same order;
 *   a refusal stores nothing, so nothing is half done;
 * - orders: the customer's order history, newest first, a page at a time.
 * The customer comes from the authorizer (`customerId` on the event), never from the body.
 */
import { randomBytes } from 'node:crypto';
import { add, getKeys, ItemNotFoundError, TimeoutError, TransactionCanceledError, ValidationError, WriteInDoubtError, type DynamORM } from '../../src/index.js';
import { idempotencyHttpStatus, IdempotencyInProgressError, idempotencyStore, idempotentHandler } from '../../src/idempotency/index.js';
import { withDynamORM, type LambdaContext } from '../../src/lambda/index.js';
import { CartLine, Order, Product } from './models.js';

/** An API Gateway-like event: the authorizer's customer, the headers, the body as an object. */
export interface ShopEvent<B = Record<string, never>> {
  readonly customerId: string;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body: B;
}

/** What each handler answers. */
export interface ShopResponse {
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly body: Record<string, unknown>;
}

/** A checkout refused for the customer's own reason; nothing was written and the key is free again. */
class CheckoutRefused extends Error {
  constructor(readonly response: ShopResponse) {
    super(String(response.body.error));
  }
}

/** Most lines an order may have (two transaction actions each, plus the order and the stored answer). */
export const MAX_LINES = 45;

/** Maps an error to the status a client should act on; anything unknown is a 500 without details. */
export function statusOf(error: unknown): ShopResponse {
  if (error instanceof CheckoutRefused) return error.response;
  const idempotency = idempotencyHttpStatus(error);
  if (idempotency !== undefined) {
    const retryAfter = error instanceof IdempotencyInProgressError ? { 'retry-after-ms': String(error.retryAfterMs) } : undefined;
    return { statusCode: idempotency, ...(retryAfter ? { headers: retryAfter } : {}), body: { error: (error as Error).name } };
  }
  if (error instanceof ValidationError) return { statusCode: 400, body: { error: 'ValidationError', issues: error.issues.map((i) => ({ path: i.path, rule: i.rule })) } };
  if (error instanceof ItemNotFoundError) return { statusCode: 404, body: { error: 'NotFound' } };
  if (error instanceof TransactionCanceledError) {
    // Each failed action is named: a product's stock condition is "out of stock", a cart line gone is a changed cart.
    const failure = error.failures[0];
    if (failure?.model === 'Product' && failure.awsCode === 'ConditionalCheckFailed') return { statusCode: 409, body: { error: 'OutOfStock', sku: failure.key.sku } };
    if (failure?.model === 'CartLine' && failure.awsCode === 'ConditionalCheckFailed') return { statusCode: 409, body: { error: 'CartChanged' } };
    return { statusCode: 503, body: { error: 'TryAgain' } };
  }
  // Out of time, or an answer lost: the checkout may or may not have happened. The key settles it: retry with it.
  if (error instanceof TimeoutError || error instanceof WriteInDoubtError) return { statusCode: 503, body: { error: 'TryAgain' } };
  return { statusCode: 500, body: { error: 'InternalError' } };
}

/** Order ids that sort by time (strictly, within a container), then random. */
let lastMs = 0;
function newOrderId(): string {
  lastMs = Math.max(Date.now(), lastMs + 1);
  return `ord_${lastMs.toString(36).padStart(9, '0')}${randomBytes(4).toString('hex')}`;
}

/** Builds the service on `db` (a DynamORM with a `cursorSecret`). */
export function shop(db: DynamORM) {
  const store = idempotencyStore(db, { table: 'shop-idempotency' });
  const products = db.model(Product);
  const cart = db.model(CartLine);
  const orders = db.model(Order);
  const answer = async (fn: () => Promise<ShopResponse>): Promise<ShopResponse> => {
    try {
      return await fn();
    } catch (error) {
      return statusOf(error);
    }
  };

  const checkoutOnce = idempotentHandler<ShopEvent, ShopResponse>(
    async (event, _context, { tx }) => {
      const lines = await cart.where('customerId', '=', event.customerId).consistent().all();
      if (lines.length === 0) throw new CheckoutRefused({ statusCode: 400, body: { error: 'EmptyCart' } });
      if (lines.length > MAX_LINES) throw new CheckoutRefused({ statusCode: 400, body: { error: 'TooManyLines', max: MAX_LINES } });
      // Prices of the moment; stock is checked by the transaction itself, not here (it may change meanwhile).
      const { items } = await db.batchGet([getKeys(Product, lines.map((l) => ({ sku: l.sku })), { consistent: true })]);
      const price = new Map(items[0].map((p) => [p.sku, p.price]));
      const bought = lines.map((l) => ({ sku: l.sku, quantity: l.quantity, price: price.get(l.sku) ?? NaN }));
      const gone = bought.find((l) => Number.isNaN(l.price));
      if (gone) throw new CheckoutRefused({ statusCode: 409, body: { error: 'ProductGone', sku: gone.sku } });
      const orderId = newOrderId();
      const total = bought.reduce((sum, l) => sum + l.price * l.quantity, 0);
      // Collected, not sent: written with the stored answer for the key, all or nothing.
      for (const l of bought) {
        tx.update(Product, { sku: l.sku }, { stock: add(-l.quantity) }, { condition: (c) => c.where('stock', '>=', l.quantity) });
        tx.delete(CartLine, { customerId: event.customerId, sku: l.sku }, { condition: (c) => c.where('quantity', '=', l.quantity) });
      }
      tx.create(Order, { customerId: event.customerId, orderId, lines: bought, total, status: 'placed' });
      return { statusCode: 201, body: { orderId, total } };
    },
    {
      store,
      name: 'checkout',
      key: (event) => event.headers?.['idempotency-key'],
      // The same key from another customer is another request: refused, never answered with this order.
      payload: (event) => ({ customerId: event.customerId }),
    },
  );

  return {
    store,
    /** Creates the tables (once, as a deployment would). */
    async createTables(): Promise<void> {
      await db.tables.create([Product, CartLine, Order], { ifNotExists: true });
      await db.tables.create(store.model, { ifNotExists: true });
    },
    /** PUT /cart/{sku} with `{ quantity }`. */
    cart: withDynamORM((event: ShopEvent<{ sku: string; quantity: number }>, _context: LambdaContext) =>
      answer(async () => {
        await products.get({ sku: event.body.sku }, { required: true });
        const line = await cart.put({ customerId: event.customerId, sku: event.body.sku, quantity: event.body.quantity });
        return { statusCode: 200, body: { sku: line.sku, quantity: line.quantity } };
      }),
    ),
    /** POST /checkout (Idempotency-Key header required). */
    checkout: (event: ShopEvent, context: LambdaContext): Promise<ShopResponse> => answer(() => checkoutOnce(event, context)),
    /** GET /orders?limit=&cursor=: the customer's orders, newest first, `limit` (default 10) a page. */
    orders: withDynamORM((event: ShopEvent<{ limit?: number; cursor?: string }>, _context: LambdaContext) =>
      answer(async () => {
        let query = orders.where('customerId', '=', event.customerId).order('desc').limit(event.body.limit ?? 10);
        if (event.body.cursor) query = query.resume(event.body.cursor);
        const page = await query.page();
        return { statusCode: 200, body: { orders: page.items.map((o) => ({ orderId: o.orderId, total: o.total, lines: o.lines.length })), ...(page.cursor ? { cursor: page.cursor } : {}) } };
      }),
    ),
  };
}
export type Shop = ReturnType<typeof shop>;
