/**
 * Several models in one table: every item records its model, a key taken by another model is still
 * reported as taken, and each model only ever reads back its own items.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { attr, ItemAlreadyExistsError, model, TransactionCanceledError } from '../../src/index.js';
import { testDb } from '../support/db.js';

const Card = model('Card', {
  table: 'shared',
  attributes: { pk: attr.template('ID#{id}').partitionKey(), id: attr.string(), last4: attr.string() },
});
const Wallet = model('Wallet', {
  table: 'shared',
  attributes: { pk: attr.template('ID#{id}').partitionKey(), id: attr.string(), balance: attr.cents(), version: attr.version() },
});

const db = testDb();
beforeAll(async () => {
  await db.tables.create([Card, Wallet]);
});
afterAll(() => db.destroy());

test('items carry their entity type', async () => {
  await db.model(Card).create({ id: 'e1', last4: '4242' });
  const raw = await db.client.send(
    new (await import('@aws-sdk/client-dynamodb')).GetItemCommand({ TableName: db.tableName(Card), Key: { pk: { S: 'ID#e1' } } }),
  );
  expect(raw.Item?._type).toEqual({ S: 'Card' });
});

test('a key taken by another model is reported as taken, without failing to decode it', async () => {
  await db.model(Card).create({ id: 'k1', last4: '1111' });
  const error = await db
    .model(Wallet)
    .create({ id: 'k1', balance: 5 })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ItemAlreadyExistsError);
  expect(JSON.stringify((error as ItemAlreadyExistsError).item)).not.toContain('1111');
  const tx = await db.transaction((t) => void t.create(Wallet, { id: 'k1', balance: 5 })).catch((e: unknown) => e);
  expect(tx).toBeInstanceOf(TransactionCanceledError);
  expect((tx as TransactionCanceledError).reasons[0]?.error).toBeInstanceOf(ItemAlreadyExistsError);
});

test('a model reads only its own items, even at the same key', async () => {
  await db.model(Card).create({ id: 'k2', last4: '2222' });
  expect(await db.model(Wallet).where('id', '=', 'k2').first()).toBeUndefined();
  expect(await db.model(Card).where('id', '=', 'k2').first()).toMatchObject({ last4: '2222' });
  expect((await db.model(Wallet).scan().all()).every((w) => typeof w.balance === 'number')).toBe(true);
});
