/**
 * examples/ecommerce on DynamoDB Local: the story of main() checked against the raw table (stock,
 * orders, carts), then an order that cannot be filled in full: nothing of it is taken.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, expect, test } from 'vitest';
import { invokeLocally } from '../../src/lambda/index.js';
import { rawItem, testDb } from '../../test/support/db.js';
import { checkoutWithRetry, main } from './index.js';
import { CartLine, Product } from './models.js';

// Concurrent transactions on one item: give DynamoDB Local time under load.
const db = testDb({ cursorSecret: 'test-secret-for-the-shop-example-00000', requestTimeoutMs: 10_000 });
afterAll(() => db.destroy());

const stockOf = async (sku: string) => Number((await rawItem(db, Product, { pk: { S: `PRODUCT#${sku}` }, sk: { S: 'PRODUCT' } }))?.stock?.N);
const scanAll = async () => (await db.client.send(new ScanCommand({ TableName: db.tableName(Product), ConsistentRead: true }))).Items ?? [];

test('examples/ecommerce: idempotent checkout, no overselling, order history', { timeout: 120_000 }, async () => {
  const lines: string[] = [];
  const r = await main(db, (line) => lines.push(line), { buyers: 12, stock: 5 });
  expect(r.missing).toMatchObject({ statusCode: 404 });
  expect(r.placed).toMatchObject({ statusCode: 201, body: { total: 2 * 1200 + 3 * 650 } });
  expect(r.retried.body).toEqual(r.placed.body);
  expect(r.stolenKey).toMatchObject({ statusCode: 422, body: { error: 'IdempotencyPayloadMismatchError' } });
  expect(r.empty).toMatchObject({ statusCode: 400, body: { error: 'EmptyCart' } });
  // The flash sale: exactly five orders, seven refusals, and the table agrees.
  expect(r.outcomes.map((o) => o.statusCode).sort()).toEqual([...Array(5).fill(201), ...Array(7).fill(409)]);
  expect(r.sold).toBe(5);
  expect(r.refused).toBe(7);
  expect(r.left).toBe(0);
  expect(await stockOf(r.skus.lamp)).toBe(0);
  const items = await scanAll();
  const lampOrders = items.filter((i) => i._type?.S === 'Order' && JSON.stringify(i.lines).includes(r.skus.lamp));
  expect(lampOrders).toHaveLength(5);
  // The refused buyers keep their cart; the served ones have none.
  const lampCarts = items.filter((i) => i._type?.S === 'CartLine' && i.sku?.S === r.skus.lamp);
  expect(lampCarts).toHaveLength(7);
  // Ada's first checkout took its stock once, though she sent it twice.
  expect(await stockOf(r.skus.mug)).toBe(98);
  expect(await stockOf(r.skus.tea)).toBe(100 - 3 - 3 - 4);
  // Three orders, newest first, in pages of two.
  expect(r.history.map((p) => p.length)).toEqual([2, 1]);
  expect(r.history.flat().at(-1)).toBe(r.placed.body.orderId);
  const adasOrders = items.filter((i) => i._type?.S === 'Order' && i.customerId?.S === r.ada).map((i) => i.orderId?.S).sort().reverse();
  expect(r.history.flat()).toEqual(adasOrders);
  expect(lines).toHaveLength(7);
});

test('a cart that cannot be filled in full takes nothing: stock, cart and orders unchanged', { timeout: 120_000 }, async () => {
  const { app, skus } = await main(db, () => undefined, { buyers: 2, stock: 1 }); // the lamp is now sold out
  const customer = `late-${Date.now().toString(36)}`;
  const put = (sku: string, quantity: number) => invokeLocally(app.cart, { customerId: customer, body: { sku, quantity } });
  await put(skus.mug, 1);
  await put(skus.lamp, 1);
  const mugBefore = await stockOf(skus.mug);
  const refused = await checkoutWithRetry(app, customer, `late-${customer}`);
  expect(refused).toMatchObject({ statusCode: 409, body: { error: 'OutOfStock', sku: skus.lamp } });
  expect(await stockOf(skus.mug)).toBe(mugBefore);
  expect(await stockOf(skus.lamp)).toBe(0);
  const cart = await db.model(CartLine).where('customerId', '=', customer).consistent().all();
  expect(cart.map((l) => l.sku).sort()).toEqual([skus.lamp, skus.mug].sort());
  // The refusal was not stored as the key's answer: with the lamp removed, the same key checks out.
  await db.model(CartLine).delete({ customerId: customer, sku: skus.lamp });
  const placed = await checkoutWithRetry(app, customer, `late-${customer}`);
  expect(placed).toMatchObject({ statusCode: 201, body: { total: 1200 } });
  expect(await stockOf(skus.mug)).toBe(mugBefore - 1);
});
