/**
 * The core Database with the standalone feature functions: the same behaviour as DynamORM's methods
 * (which delegate to them), reached without the methods so a bundle carries only what it imports.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  attr,
  batchGet,
  batchWrite,
  collection,
  Database,
  DynamORM,
  getKeys,
  model,
  ModelClient,
  FullModelClient,
  putItems,
  scan,
  tables,
  transactGet,
  transaction,
  TransactionCanceledError,
  txGet,
  VersionConflictError,
} from '../../src/index.js';
import { testCoreDb } from '../support/db.js';

const Account = model('Account', {
  table: 'core-ledger',
  attributes: {
    pk: attr.template('ACC#{accountId}').partitionKey(),
    sk: attr.template('META').sortKey(),
    accountId: attr.string(),
    balance: attr.cents(),
    version: attr.version(),
  },
});
const Entry = model('Entry', {
  table: 'core-ledger',
  attributes: {
    pk: attr.template('ACC#{accountId}').partitionKey(),
    sk: attr.template('ENTRY#{entryId}').sortKey(),
    accountId: attr.string(),
    entryId: attr.string(),
    amount: attr.cents(),
  },
});

const db = testCoreDb();

beforeAll(async () => {
  await tables(db).create([Account, Entry]);
});
afterAll(async () => {
  await tables(db).delete(Account);
  db.destroy();
});

describe('the core Database', () => {
  test('is not a DynamORM and its model handles have no batch methods', () => {
    expect(db).toBeInstanceOf(Database);
    expect(db).not.toBeInstanceOf(DynamORM);
    expect(db.model(Account)).toBeInstanceOf(ModelClient);
    expect(db.model(Account)).not.toBeInstanceOf(FullModelClient);
    expect('scan' in db.model(Account)).toBe(false);
    expect('transaction' in db).toBe(false);
  });

  test('transaction(db, …) and transactGet(db, …) write and read atomically', async () => {
    await transaction(db, (tx) => {
      tx.create(Account, { accountId: 'a1', balance: 1000 });
      tx.create(Entry, { accountId: 'a1', entryId: 'e1', amount: 1000 });
    });
    const [account, entry] = await transactGet(db, [txGet(Account, { accountId: 'a1' }), txGet(Entry, { accountId: 'a1', entryId: 'e1' })]);
    expect(account).toMatchObject({ balance: 1000, version: 1 });
    expect(entry?.amount).toBe(1000);

    const failed = await transaction(db, (tx) => {
      tx.update(Account, { accountId: 'a1' }, { balance: 0 }, { expectedVersion: 7 });
      tx.create(Entry, { accountId: 'a1', entryId: 'e2', amount: -1000 });
    }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(TransactionCanceledError);
    expect((failed as TransactionCanceledError).reasons[0]?.error).toBeInstanceOf(VersionConflictError);
    expect(await db.model(Entry).get({ accountId: 'a1', entryId: 'e2' })).toBeUndefined();
  });

  test('batchWrite(db, …), batchGet(db, …) and collection(db, …) read what was written', async () => {
    const entries = Array.from({ length: 30 }, (_, i) => ({ accountId: 'a2', entryId: `e${String(i).padStart(2, '0')}`, amount: i }));
    expect(await batchWrite(db, [putItems(Entry, entries)])).toEqual({ written: 30 });
    const read = await batchGet(db, [getKeys(Entry, [...entries.map((e) => ({ accountId: 'a2', entryId: e.entryId })), { accountId: 'a2', entryId: 'none' }])]);
    expect(read.items[0].map((e) => e.amount).sort((a, b) => a - b)).toEqual(entries.map((e) => e.amount));
    expect(read.missing[0]).toEqual([{ accountId: 'a2', entryId: 'none' }]);

    await db.model(Account).create({ accountId: 'a2', balance: 435 });
    const groups = await collection(db, [Account, Entry]).grouped({ accountId: 'a2' });
    expect(groups.Account).toHaveLength(1);
    expect(groups.Entry).toHaveLength(30);
  });

  test('scan(db, Model) reads every item of the model, and only of that model', async () => {
    await db.model(Account).create({ accountId: 'a3', balance: 1 });
    const entries = await scan(db, Entry).filter('accountId', '=', 'a2').all();
    expect(entries).toHaveLength(30);
    expect(await scan(db, Account).parallel(2).count()).toBeGreaterThanOrEqual(3);
  });

  test('tables(db) compares models with the table it created', async () => {
    expect(await tables(db).diff([Account, Entry])).toEqual([]);
  });
});
