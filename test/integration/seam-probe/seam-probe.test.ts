/**
 * The seams, proved by a test-only extension in this folder: a companion action on every write of one
 * model (sent with it as one TransactWriteItems, all or nothing), a hook before each page is decoded,
 * and another model in the same table that pays nothing (its writes stay single requests, its handle
 * has no hooks).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  attr,
  ItemAlreadyExistsError,
  model,
  preview,
  putItems,
  TransactionCanceledError,
  ValidationError,
  VersionConflictError,
  type DynamORMRequest,
} from '../../../src/index.js';
import { recordRequests, testDb } from '../../support/db.js';
import { echoExtension, type EchoLog } from './echo-extension.js';

const Ledger = model('Ledger', {
  table: 'seam',
  attributes: { pk: attr.template('L#{id}').partitionKey(), id: attr.string(), amount: attr.cents(), version: attr.version() },
});
const Tagged = model('Tagged', {
  table: 'seam',
  attributes: { pk: attr.template('T#{id}').partitionKey(), id: attr.string(), tag: attr.string() },
});
const Plain = model('Plain', {
  table: 'seam',
  attributes: { pk: attr.template('P#{id}').partitionKey(), id: attr.string(), note: attr.string() },
});

const log: EchoLog = { pages: [], writes: [], prepared: 0 };
const sent: DynamORMRequest[] = [];
const db = testDb({ extensions: [echoExtension([Ledger, Tagged], log)], middleware: [recordRequests(sent)] });
const ledger = db.model(Ledger);
const plain = db.model(Plain);

beforeAll(async () => {
  await db.tables.create([Ledger, Tagged, Plain]);
});
afterAll(() => db.destroy());

/** Every item in the table, raw. */
async function stored(): Promise<Record<string, unknown>[]> {
  const out = await db.client.send(new ScanCommand({ TableName: db.tableName(Ledger), ConsistentRead: true }));
  return (out.Items ?? []).map((i) => ({ pk: i.pk?.S, type: i._type?.S, kind: i.kind?.S }));
}

describe('a model with the extension', () => {
  test('each write grows its companion and goes out as one transaction', async () => {
    sent.length = 0;
    const created = await ledger.create({ id: 'a', amount: 100 });
    const updated = await ledger.update(created, { amount: 150 });
    expect(updated).toMatchObject({ id: 'a', amount: 150, version: 2 });
    const old = await ledger.delete(updated, { returnOld: true });
    expect(old).toMatchObject({ amount: 150, version: 2 });
    // TransactWriteItems returns no item: the item after an update and before a delete are read strongly consistent.
    expect(sent.map((r) => r.operation)).toEqual(['TransactWriteItems', 'TransactWriteItems', 'GetItem', 'GetItem', 'TransactWriteItems']);
    expect(sent.map((r) => r.context.kind)).toEqual(['create', 'update', 'update', 'delete', 'delete']);
    expect(log.writes.slice(-3)).toEqual(['create', 'update', 'delete']);
    const echoes = (await stored()).filter((i) => i.type === 'Echo');
    expect(echoes.map((e) => e.kind).sort()).toEqual(['create', 'delete', 'update']);
  });

  test('a failed condition still raises the primary action typed error, and nothing is written', async () => {
    await ledger.create({ id: 'dup', amount: 1 });
    const before = (await stored()).length;
    await expect(ledger.create({ id: 'dup', amount: 2 })).rejects.toBeInstanceOf(ItemAlreadyExistsError);
    await expect(ledger.update({ id: 'dup', version: 7 }, { amount: 3 })).rejects.toBeInstanceOf(VersionConflictError);
    expect((await stored()).length).toBe(before);
  });

  test('transactions carry the companions and count them against the limit of 100', async () => {
    sent.length = 0;
    await db.transaction((tx) => {
      tx.create(Ledger, { id: 't1', amount: 5 });
      tx.create(Plain, { id: 't1', note: 'plain' });
    });
    const input = sent[0]?.input as { TransactItems: unknown[] };
    expect(input.TransactItems).toHaveLength(3);
    const tooMany = db.transaction((tx) => {
      for (let i = 0; i < 51; i++) tx.create(Ledger, { id: `many${i}`, amount: i });
    });
    await expect(tooMany).rejects.toMatchObject({ rule: 'transaction-size' });
    const cancelled = await db
      .transaction((tx) => void tx.create(Ledger, { id: 't1', amount: 5 }))
      .catch((e: unknown) => e);
    expect(cancelled).toBeInstanceOf(TransactionCanceledError);
    expect((cancelled as TransactionCanceledError).reasons[0]?.error).toBeInstanceOf(ItemAlreadyExistsError);
  });

  test('pages are prepared before decoding, once per page', async () => {
    log.pages.length = 0;
    const prepared = log.prepared;
    await ledger.create({ id: 'p', amount: 9 });
    log.pages.length = 0;
    expect(await ledger.get({ id: 'p' })).toMatchObject({ amount: 9 });
    expect(await ledger.where('id', '=', 'p').all()).toHaveLength(1);
    expect(await db.model(Ledger).scan().filter('amount', '>=', 0).all()).not.toHaveLength(0);
    expect(log.pages.slice(0, 2)).toEqual([1, 1]);
    expect(log.pages.length).toBeGreaterThanOrEqual(3);
    expect(log.prepared).toBeGreaterThan(prepared);
  });

  test('batch writes refuse it before sending; previews show the transaction', async () => {
    sent.length = 0;
    const refused = await db.batchWrite([putItems(Tagged, [{ id: 'b', tag: 't' }])]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).rule).toBe('batch-refused');
    const shown = await preview(ledger).create({ id: 'shown', amount: 1 });
    expect(shown.operation).toBe('TransactWriteItems');
    expect((shown.input as { TransactItems: unknown[] }).TransactItems).toHaveLength(2);
    expect(sent).toHaveLength(0);
  });
});

describe('another model in the same table pays nothing', () => {
  test('no hooks are resolved for it', () => {
    expect(plain.hooks).toBeUndefined();
    expect(ledger.hooks?.names).toEqual(['echo']);
  });

  test('its writes stay single requests, its reads run no hook, its batches are allowed', async () => {
    sent.length = 0;
    const writes = log.writes.length;
    log.pages.length = 0;
    await plain.create({ id: 'x', note: 'n' });
    await plain.update({ id: 'x' }, { note: 'm' });
    expect(await plain.get({ id: 'x' })).toMatchObject({ note: 'm' });
    await plain.delete({ id: 'x' });
    await db.batchWrite([putItems(Plain, [{ id: 'y', note: 'batched' }])]);
    expect(sent.map((r) => r.operation)).toEqual(['PutItem', 'UpdateItem', 'GetItem', 'DeleteItem', 'BatchWriteItem']);
    expect(log.writes.length).toBe(writes);
    expect(log.pages).toEqual([]);
    expect((await preview(plain).create({ id: 'z', note: 'n' })).operation).toBe('PutItem');
  });
});
