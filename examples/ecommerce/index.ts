/**
 * The shop example, end to end: products, carts, an idempotent checkout (a retry gets the same order,
 * the key reused by another customer is refused), an empty cart refused, a flash sale with more
 * buyers than stock (exactly as many orders as units, stock ends at zero, never below), and a
 * customer's order history a page at a time. Each handler is invoked locally with a simulated Lambda
 * context. `main(db)` runs it on the demo's database (it needs a `cursorSecret`).
 * Run it alone with `npx tsx scripts/with-local-dynamodb.ts tsx examples/ecommerce/index.ts`.
 */
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamORM, putItems } from '../../src/index.js';
import { invokeLocally, type LambdaContext } from '../../src/lambda/index.js';
import { shop, type Shop, type ShopEvent, type ShopResponse } from './app.js';
import { Product } from './models.js';

type Handler<B> = (event: ShopEvent<B>, context: LambdaContext) => Promise<ShopResponse>;
const call = <B>(handler: Handler<B>, customerId: string, body: B, headers: Record<string, string> = {}) =>
  invokeLocally(handler as (e: ShopEvent<B>, c: LambdaContext & { awsRequestId: string; functionName: string }) => Promise<ShopResponse>, { customerId, headers, body }, { remainingMs: 8000 });

/**
 * What a client does: checkout with its key, and while the answer says "not settled yet" (another
 * attempt holds the key, or the outcome could not be confirmed), wait and ask again with the SAME key.
 */
export async function checkoutWithRetry(app: Shop, customerId: string, key: string): Promise<ShopResponse & { attempts: number }> {
  for (let attempts = 1; ; attempts++) {
    const r = await call(app.checkout, customerId, {}, { 'idempotency-key': key });
    const unsettled = r.statusCode === 503 || (r.statusCode === 409 && r.body.error === 'IdempotencyInProgressError');
    if (!unsettled || attempts >= 20) return { ...r, attempts };
    await sleep(Number(r.headers?.['retry-after-ms'] ?? 50 * attempts) + Math.random() * 50);
  }
}

/** Runs the story, printing each step; returns what the test checks. */
export async function main(db: DynamORM, log: (line: string) => void = console.log, options: { buyers?: number; stock?: number } = {}) {
  const { buyers = 12, stock = 5 } = options;
  const app = shop(db);
  await app.createTables();
  const run = Date.now().toString(36);
  const [mug, tea, lamp] = [`mug-${run}`, `tea-${run}`, `lamp-${run}`];
  await db.batchWrite([
    putItems(Product, [
      { sku: mug, name: 'Mug', price: 1200, stock: 100 },
      { sku: tea, name: 'Tea', price: 650, stock: 100 },
      { sku: lamp, name: 'Lamp (flash sale)', price: 4900, stock },
    ]),
  ]);
  log(`products: ${mug} (100), ${tea} (100), ${lamp} (${stock} in stock)`);

  const ada = `ada-${run}`;
  await call(app.cart, ada, { sku: mug, quantity: 2 });
  await call(app.cart, ada, { sku: tea, quantity: 3 });
  const missing = await call(app.cart, ada, { sku: `nothing-${run}`, quantity: 1 });
  const key = `checkout-${ada}-1`;
  const placed = await checkoutWithRetry(app, ada, key);
  log(`checkout: ${placed.statusCode} ${JSON.stringify(placed.body)}`);
  const retried = await checkoutWithRetry(app, ada, key);
  log(`checkout again with the same Idempotency-Key: ${retried.statusCode}, same order: ${retried.body.orderId === placed.body.orderId}`);
  const stolenKey = await call(app.checkout, `eve-${run}`, {}, { 'idempotency-key': key });
  log(`another customer with that key: ${stolenKey.statusCode} ${stolenKey.body.error}`);
  const empty = await checkoutWithRetry(app, ada, `checkout-${ada}-2`);
  log(`checkout of an empty cart: ${empty.statusCode} ${empty.body.error}`);

  // The flash sale: every buyer has the lamp in the cart and checks out at the same moment.
  const sale = Array.from({ length: buyers }, (_, i) => `buyer-${i}-${run}`);
  await Promise.all(sale.map((b) => call(app.cart, b, { sku: lamp, quantity: 1 })));
  const outcomes = await Promise.all(sale.map((b) => checkoutWithRetry(app, b, `sale-${b}`)));
  const sold = outcomes.filter((o) => o.statusCode === 201).length;
  const refused = outcomes.filter((o) => o.statusCode === 409 && o.body.error === 'OutOfStock').length;
  const left = (await db.model(Product).get({ sku: lamp }, { consistent: true, required: true })).stock;
  log(`flash sale: ${buyers} buyers for ${stock} lamps: ${sold} orders, ${refused} out of stock, ${left} left`);

  // Two more orders for Ada, then her history, two a page.
  for (const n of [3, 4]) {
    await call(app.cart, ada, { sku: tea, quantity: n });
    await checkoutWithRetry(app, ada, `checkout-${ada}-${n}`);
  }
  const history: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await call(app.orders, ada, { limit: 2, ...(cursor ? { cursor } : {}) });
    history.push((page.body.orders as { orderId: string }[]).map((o) => o.orderId));
    cursor = page.body.cursor as string | undefined;
  } while (cursor);
  log(`${ada}'s orders, newest first, 2 a page: ${history.map((p) => p.length).join(' + ')}`);
  return { app, skus: { mug, tea, lamp }, ada, missing, placed, retried, stolenKey, empty, outcomes, sold, refused, left, history };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const db = DynamORM.create({ cursorSecret: process.env.DYNAMORM_CURSOR_SECRET ?? 'example-only-secret-change-me-0123456789' });
  try {
    await main(db);
  } finally {
    db.destroy();
  }
}
