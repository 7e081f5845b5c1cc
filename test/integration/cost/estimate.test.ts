/**
 * The pre-flight estimate against DynamoDB Local, on the documented workload (./workload.ts, the
 * table in docs/guides/cost.md): for every row, three figures agree, by table and by index:
 * - what DynamoDB's published unit rules give by hand (the row's `write` / `read`),
 * - what `estimateWrite` / `estimateRead` compute before the request is sent (from the preview of a
 *   write, the stored images of a read), and
 * - what DynamoDB Local reports for the request (`ReturnConsumedCapacity: INDEXES`).
 * The item sizes the rows name are checked too, with the size function of the 400 KB check.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { preview, txGet, type DynamORMRequest, type Middleware } from '../../../src/index.js';
import { itemSize } from '../../../src/marshal/item-size.js';
import { capacityOf } from '../../../src/plugins/metrics/facts.js';
import { costPlugin, estimateRead, estimateWrite, type CapacityEstimate, type Image } from '../../../src/cost/index.js';
import { rawItemWithToken, testDb } from '../../support/db.js';
import { Note, Order, ROWS, type Row, type Units } from './workload.js';

/** The requests sent and DynamoDB's answers, innermost (after the plugin asked for capacity). */
const answers: { request: DynamORMRequest; output: unknown }[] = [];
const capture: Middleware = async (request, next) => {
  const output = await next(request);
  answers.push({ request, output });
  return output;
};
const db = testDb({ requestTimeoutMs: 60_000, plugins: [costPlugin()] }).use('capture', capture);
const orders = db.model(Order);
const notes = db.model(Note);

beforeAll(async () => {
  await db.tables.create(Order);
  await db.tables.create(Note);
});
afterAll(() => db.destroy());

/** Units by place of what DynamoDB reported for the requests `fn` sent (zeros left out). */
async function reported(fn: () => Promise<unknown>): Promise<Units> {
  answers.length = 0;
  await fn();
  const units: Record<string, number> = {};
  for (const { request, output } of answers) {
    expect(request.input.ReturnConsumedCapacity).toBe('INDEXES');
    for (const use of capacityOf(request.operation, output)) {
      const figure = use.read + use.write;
      if (figure > 0) units[use.index ?? 'table'] = (units[use.index ?? 'table'] ?? 0) + figure;
    }
  }
  return units;
}

/** Units by place of an estimate (zeros left out). */
function byPlace(estimate: CapacityEstimate): Units {
  const units: Record<string, number> = {};
  for (const use of estimate.at) {
    const figure = use.read + use.write;
    if (figure > 0) units[use.index ?? 'table'] = (units[use.index ?? 'table'] ?? 0) + figure;
  }
  return units;
}

const row = (id: string): Row => ROWS.find((r) => r.id === id) as Row;
const KEY = { customerId: 'c1' };
const pad = (n: number) => 'x'.repeat(n);

/** The padding that makes the previewed item exactly `bytes` (ASCII: one byte a character). */
async function padded<T>(bytes: number, build: (notes: string) => T, size: (input: T) => Promise<number>): Promise<T> {
  const one = await size(build('x'));
  const input = build(pad(bytes - one + 1));
  expect(await size(input)).toBe(bytes);
  return input;
}
const orderSize = async (input: Parameters<typeof orders.create>[0]) => itemSize((await preview(orders).create(input)).input.Item as Image);
const noteSize = async (input: Parameters<typeof notes.create>[0]) => itemSize((await preview(notes).create(input)).input.Item as Image);

const stored = async (model: typeof Order | typeof Note, key: Record<string, AttributeValue>): Promise<Image> => (await rawItemWithToken(db, model, key)) as Image;
const orderKey = (orderId: string) => ({ customerId: { S: 'c1' }, orderId: { S: orderId } });

/** Checks one row: rule = estimate = DynamoDB Local. */
async function check(id: string, estimate: CapacityEstimate, local: Units, bytes: number): Promise<void> {
  const r = row(id);
  expect(bytes, `${id}: item size`).toBe(r.bytes);
  const rule = (r.write ?? r.read) as Units;
  expect(byPlace(estimate), `${id}: estimate`).toEqual(rule);
  expect(local, `${id}: DynamoDB Local`).toEqual(rule);
}

describe('writes: the rules, the estimate and DynamoDB Local agree', () => {
  test('creates of several sizes, with and without indexes, single and transactional', async () => {
    for (const [id, bytes] of [['W1', 200], ['W2', 5000]] as const) {
      const input = await padded(bytes, (body) => ({ id, body }), noteSize);
      const { input: request } = await preview(notes).create(input);
      const estimate = estimateWrite(Note, { after: request.Item as Image });
      await check(id, estimate, await reported(() => notes.create(input)), itemSize(request.Item as Image));
    }
    const creates = [
      ['W3', 400, { orderId: 'W3', status: 'open', amount: 100, ref: 'R-W3' }],
      ['W4', 1000, { orderId: 'W4', status: 'open', amount: 300 }],
      ['W5', 1500, { orderId: 'W5', status: 'open', amount: 500, ref: 'R-W5' }],
    ] as const;
    for (const [id, bytes, fields] of creates) {
      const input = await padded(bytes, (notes) => ({ ...KEY, ...fields, notes }), orderSize);
      const { input: request } = await preview(orders).create(input);
      const estimate = estimateWrite(Order, { after: request.Item as Image });
      await check(id, estimate, await reported(() => orders.create(input)), itemSize(request.Item as Image));
    }
    // W6: the same create inside a transaction (TransactWriteItems): every unit twice.
    const input = await padded(1500, (notes) => ({ ...KEY, orderId: 'W6', status: 'open' as const, amount: 700, ref: 'R-W6', notes }), orderSize);
    const { input: request } = await preview(orders).create(input);
    const estimate = estimateWrite(Order, { after: request.Item as Image, transactional: true });
    await check('W6', estimate, await reported(() => db.transaction((tx) => void tx.create(Order, input))), itemSize(request.Item as Image));
  });

  test('updates that change an index key: a delete and a put on that index', async () => {
    for (const [id, orderId, patch] of [['W7', 'W5', { status: 'paid' }], ['W8', 'W3', { amount: 200 }]] as const) {
      const before = await stored(Order, orderKey(orderId));
      const local = await reported(() => orders.update({ ...KEY, orderId }, patch));
      const after = await stored(Order, orderKey(orderId));
      expect(itemSize(after)).toBe(itemSize(before));
      await check(id, estimateWrite(Order, { before, after }), local, itemSize(before));
    }
  });

  test('a delete removes the item and its index entries', async () => {
    const before = await stored(Order, orderKey('W4'));
    await check('W9', estimateWrite(Order, { before }), await reported(() => orders.delete({ ...KEY, orderId: 'W4' })), itemSize(before));
  });
});

describe('reads: the rules, the estimate and DynamoDB Local agree', () => {
  test('gets: strongly and eventually consistent, large, missing', async () => {
    const w5 = await stored(Order, orderKey('W5'));
    const w2 = await stored(Note, { id: { S: 'W2' } });
    for (const [id, consistent] of [['R1', true], ['R2', false]] as const) {
      const local = await reported(() => orders.get({ ...KEY, orderId: 'W5' }, { consistent }));
      await check(id, estimateRead(Order, { kind: 'get', items: [w5], consistent }), local, itemSize(w5));
    }
    for (const [id, consistent] of [['R3', true], ['R4', false]] as const) {
      const local = await reported(() => notes.get({ id: 'W2' }, { consistent }));
      await check(id, estimateRead(Note, { kind: 'get', items: [w2], consistent }), local, itemSize(w2));
    }
    const local = await reported(() => orders.get({ ...KEY, orderId: 'nothing' }));
    await check('R5', estimateRead(Order, { kind: 'get', items: [] }), local, 0);
  });

  test('queries sum the entries they read, then round up once; on the table, an LSI and a GSI', async () => {
    const page = await Promise.all(['W3', 'W5', 'W6'].map((id) => stored(Order, orderKey(id))));
    const bytes = page.reduce((n, item) => n + itemSize(item), 0);
    for (const [id, consistent] of [['R6', true], ['R7', false]] as const) {
      const local = await reported(async () => expect(await orders.where('customerId', '=', 'c1').consistent(consistent).all()).toHaveLength(3));
      await check(id, estimateRead(Order, { kind: 'query', items: page, consistent }), local, bytes);
    }
    const lsi = await reported(async () => expect(await orders.where('customerId', '=', 'c1').index('byAmount').consistent().all()).toHaveLength(3));
    await check('R8', estimateRead(Order, { kind: 'query', items: page, index: 'byAmount', consistent: true }), lsi, bytes);
    const paid = [await stored(Order, orderKey('W5'))];
    const gsi = await reported(async () => expect(await orders.where('status', '=', 'paid').all()).toHaveLength(1));
    await check('R9', estimateRead(Order, { kind: 'query', items: paid, index: 'gsi-status' }), gsi, itemSize(paid[0] as Image));
  });

  test('a transactional get: each item rounded up, twice', async () => {
    const items = [await stored(Order, orderKey('W5')), await stored(Note, { id: { S: 'W2' } })];
    const local = await reported(() => db.transactGet([txGet(Order, { ...KEY, orderId: 'W5' }), txGet(Note, { id: 'W2' })]));
    const estimate = estimateRead([Order, Note], { kind: 'get', items, transactional: true });
    await check('R10', estimate, local, items.reduce((n, item) => n + itemSize(item), 0));
  });
});
