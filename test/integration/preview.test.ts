/**
 * Requests without sending: every write, transaction and batch previews the exact request it then
 * sends (the recorded request is the judge), validates as the real call does, and sends nothing.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  attr,
  batchGetParams,
  batchWriteParams,
  deleteKeys,
  getKeys,
  model,
  preview,
  putItems,
  transactionParams,
  ValidationError,
  type DynamORMRequest,
} from '../../src/index.js';
import { recordRequests, testDb } from '../support/db.js';

const Invoice = model('Invoice', {
  table: 'preview',
  attributes: {
    id: attr.string().partitionKey(),
    amount: attr.cents(),
    status: attr.enum(['open', 'paid']),
    updatedAt: attr.updatedAt(),
    version: attr.version(),
  },
});
const Tag = model('Tag', { table: 'preview-tags', attributes: { name: attr.string().partitionKey(), uses: attr.integer() } });

const sent: DynamORMRequest[] = [];
const db = testDb({ middleware: [recordRequests(sent)], clock: () => new Date('2026-05-06T07:08:09.000Z') });
const invoices = db.model(Invoice);

beforeAll(async () => {
  await db.tables.create(Invoice);
  await db.tables.create(Tag);
});
afterAll(() => db.destroy());

/** A request with its write token (a new random UUID per write call) replaced, so two calls compare. */
function sameShape(request: { operation: string; input: Record<string, unknown> }): unknown {
  return JSON.parse(JSON.stringify({ operation: request.operation, input: request.input }).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'TOKEN'));
}

/** The request the next real call sends. */
async function sentBy(call: () => Promise<unknown>): Promise<DynamORMRequest> {
  sent.length = 0;
  await call();
  return sent[0] as DynamORMRequest;
}

test('create, put, update and delete preview the request they send', async () => {
  sent.length = 0;
  const shown = await preview(invoices).create({ id: 'i1', amount: 100, status: 'open' });
  expect(sent).toHaveLength(0);
  const real = await sentBy(() => invoices.create({ id: 'i1', amount: 100, status: 'open' }));
  expect(sameShape(shown)).toEqual(sameShape(real));
  expect(JSON.stringify(shown)).toContain('_wt');

  const put = await preview(invoices).put({ id: 'i1', amount: 120, status: 'open', version: 1 });
  expect(sameShape(put)).toEqual(sameShape(await sentBy(() => invoices.put({ id: 'i1', amount: 120, status: 'open', version: 1 }))));

  const update = await preview(invoices).update({ id: 'i1', version: 2 }, { status: 'paid' });
  expect(update.operation).toBe('UpdateItem');
  expect(sameShape(update)).toEqual(sameShape(await sentBy(() => invoices.update({ id: 'i1', version: 2 }, { status: 'paid' }))));

  const del = await preview(invoices).delete({ id: 'i1', version: 3 }, { returnOld: true });
  expect(sameShape(del)).toEqual(sameShape(await sentBy(() => invoices.delete({ id: 'i1', version: 3 }, { returnOld: true }))));
});

test('a preview validates like the write: bad input throws before anything is sent', async () => {
  sent.length = 0;
  await expect(preview(invoices).create({ id: 'i2', amount: 1.5, status: 'open' })).rejects.toBeInstanceOf(ValidationError);
  await expect(preview(invoices).update({ id: 'i2' }, { status: 'paid' })).rejects.toMatchObject({ rule: 'version-required' });
  expect(sent).toHaveLength(0);
});

test('a transaction previews its TransactWriteItems, token included', async () => {
  const fn = (tx: Parameters<Parameters<typeof db.transaction>[0]>[0]) => {
    tx.create(Invoice, { id: 't1', amount: 5, status: 'open' });
    tx.create(Tag, { name: 'tx', uses: 1 });
  };
  const shown = await transactionParams(db, fn, { token: 'preview-token-1' });
  expect(sent.length).toBe(0);
  const real = await sentBy(() => db.transaction(fn, { token: 'preview-token-1' }));
  expect(shown).toEqual({ operation: 'TransactWriteItems', input: real.input });
});

test('batches preview their chunks: 25 writes, 100 keys a request', async () => {
  const tags = Array.from({ length: 30 }, (_, i) => ({ name: `t${String(i).padStart(2, '0')}`, uses: i }));
  const writes = await batchWriteParams(db, [putItems(Tag, tags), deleteKeys(Tag, [{ name: 'gone' }])]);
  expect(writes.map((w) => Object.values(w.input.RequestItems as Record<string, unknown[]>)[0]?.length)).toEqual([25, 6]);
  sent.length = 0;
  await db.batchWrite([putItems(Tag, tags), deleteKeys(Tag, [{ name: 'gone' }])]);
  expect(sent.map((r) => ({ operation: r.operation, input: r.input }))).toEqual(writes);

  const keys = Array.from({ length: 120 }, (_, i) => ({ name: `k${i}` }));
  const reads = batchGetParams(db, [getKeys(Tag, [...keys, { name: 'k0' }], { consistent: true })]);
  expect(reads.map((r) => (Object.values(r.input.RequestItems as Record<string, { Keys: unknown[] }>)[0]?.Keys.length))).toEqual([100, 20]);
  sent.length = 0;
  await db.batchGet([getKeys(Tag, [...keys, { name: 'k0' }], { consistent: true })]);
  expect(sent.map((r) => ({ operation: r.operation, input: r.input }))).toEqual(reads);
});
