/**
 * Unique values under contention and faults, on DynamoDB Local:
 * - 50 concurrent creates racing for one value, ten rounds: exactly one wins each round, and every
 *   loser is told that nothing was written (the guard and the table agree);
 * - writes whose answer is dropped after DynamoDB applied them (fault proxy): the SDK's retry must
 *   not report the write's own guard as a duplicate; the caller is told it applied, and the table
 *   holds the item and exactly its guards.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { attr, DynamORMError, model, TransactionCanceledError, WriteInDoubtError } from '../../../src/index.js';
import { findByUnique, uniqueValues, UniqueConstraintError } from '../../../src/unique/index.js';
import { endpoint, testDb } from '../../support/db.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';

const Account = model('UniqAccount', {
  table: 'uniq-race',
  attributes: { pk: attr.template('ACCOUNT#{id}').partitionKey(), id: attr.string(), email: attr.string().unique(), note: attr.string().optional() },
});
const Ledger = model('UniqLedger', {
  table: 'uniq-race',
  attributes: { pk: attr.template('LEDGER#{id}').partitionKey(), id: attr.string(), code: attr.string().unique(), version: attr.version() },
});

// DynamoDB Local on a shared two-core machine takes seconds to serve 50 transactions at once: a long
// time-out keeps the race about the guard (a timed-out write is, rightly, reported in doubt).
const db = testDb({ extensions: [uniqueValues()], requestTimeoutMs: 30_000 });
let proxy: FaultProxy;
let faulty: ReturnType<typeof testDb>;

beforeAll(async () => {
  await db.tables.create([Account, Ledger], { ifNotExists: true });
  proxy = await startFaultProxy({ target: endpoint(), seed: 9 });
  faulty = testDb({ endpoint: proxy.endpoint, tablePrefix: db.config.tablePrefix, extensions: [uniqueValues()] });
});
afterAll(async () => {
  faulty.destroy();
  await proxy.stop();
  db.destroy();
});

async function scanAll(): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await db.client.send(new ScanCommand({ TableName: db.tableName(Account), ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The owners of every guard of a field (one entry per guard). */
async function guardOwners(model: string, field: string): Promise<string[]> {
  return (await scanAll()).filter((i) => i.pk?.S?.startsWith(`_unique#${model}#${field}#`)).map((i) => i._opk?.S as string);
}

describe('50 concurrent creates racing for one value', () => {
  test('exactly one wins, every round (ten rounds); every loser is told nothing was written', async () => {
    const tallies: { won: number; duplicate: number; conflict: number }[] = [];
    for (let round = 0; round < 10; round++) {
      const email = `race-${round}@example.com`;
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => db.model(Account).create({ id: `r${round}-${i}`, email })));
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [`r${round}-${i}`] : []));
      const losers = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      // Every loser's error says nothing changed: the value is taken, or its transaction was cancelled by a conflict.
      for (const error of losers) {
        expect(error).toBeInstanceOf(DynamORMError);
        expect(error).not.toBeInstanceOf(WriteInDoubtError);
        if (!(error instanceof UniqueConstraintError)) {
          expect(error).toBeInstanceOf(TransactionCanceledError);
          expect((error as TransactionCanceledError).failures.map((f) => f.awsCode)).not.toContain('ConditionalCheckFailed');
        }
      }
      tallies.push({
        won: winners.length,
        duplicate: losers.filter((e) => e instanceof UniqueConstraintError).length,
        conflict: losers.filter((e) => !(e instanceof UniqueConstraintError)).length,
      });
      expect(winners).toHaveLength(1);
      // The table agrees: one item of the round, which owns the one guard of the value.
      const items = (await scanAll()).filter((i) => i.id?.S?.startsWith(`r${round}-`) && i._type?.S === 'UniqAccount');
      expect(items.map((i) => i.id?.S)).toEqual(winners);
      expect((await findByUnique(db, Account, 'email', email))?.id).toBe(winners[0]);
    }
    const owners = await guardOwners('UniqAccount', 'email');
    expect(owners).toHaveLength(10);
    console.log('unique race (per round: winners, told duplicate, told conflict):', JSON.stringify(tallies));
  }, 300_000);
});

describe('answers dropped after DynamoDB applied the write', () => {
  const dropNextTransaction = () => proxy.setFaults([{ kind: 'drop', when: 'after', operations: ['TransactWriteItems'], count: 1 }]);

  test('create: reported applied, not as a duplicate of its own guard', async () => {
    dropNextTransaction();
    proxy.resetStats();
    const created = await faulty.model(Account).create({ id: 'f1', email: 'f1@example.com' });
    // The SDK sent the transaction again with the same ClientRequestToken: DynamoDB answered the retry
    // with the first attempt's success instead of running it again (and failing on its own guard).
    expect(proxy.stats.faults.drop).toBe(1);
    expect(proxy.stats.byOperation.TransactWriteItems?.requests).toBe(2);
    expect(created.email).toBe('f1@example.com');
    expect(await guardOwners('UniqAccount', 'email').then((o) => o.filter((x) => x === 'ACCOUNT#f1'))).toHaveLength(1);
    expect((await findByUnique(db, Account, 'email', 'f1@example.com'))?.id).toBe('f1');
  });

  test('update moving a value: reported applied; the guard moved once', async () => {
    await db.model(Account).create({ id: 'f2', email: 'f2@example.com' });
    dropNextTransaction();
    const before = proxy.stats.faults.drop;
    const updated = await faulty.model(Account).update({ id: 'f2' }, { email: 'f2b@example.com' });
    expect(proxy.stats.faults.drop).toBe(before + 1);
    expect(updated.email).toBe('f2b@example.com');
    expect(await guardOwners('UniqAccount', 'email').then((o) => o.filter((x) => x === 'ACCOUNT#f2'))).toHaveLength(1);
    expect((await findByUnique(db, Account, 'email', 'f2b@example.com'))?.id).toBe('f2');
    expect(await findByUnique(db, Account, 'email', 'f2@example.com')).toBeUndefined();
  });

  test('versioned update moving a value: reported applied at the next version', async () => {
    const l = await db.model(Ledger).create({ id: 'f3', code: 'C-1' });
    dropNextTransaction();
    const before = proxy.stats.faults.drop;
    const updated = await faulty.model(Ledger).update(l, { code: 'C-2' });
    expect(proxy.stats.faults.drop).toBe(before + 1);
    expect(updated).toMatchObject({ code: 'C-2', version: 2 });
    expect((await findByUnique(db, Ledger, 'code', 'C-2'))?.id).toBe('f3');
    expect(await guardOwners('UniqLedger', 'code').then((o) => o.filter((x) => x === 'LEDGER#f3'))).toHaveLength(1);
  });

  test('put replacing an item: reported applied', async () => {
    await db.model(Account).create({ id: 'f4', email: 'f4@example.com' });
    dropNextTransaction();
    const before = proxy.stats.faults.drop;
    await faulty.model(Account).put({ id: 'f4', email: 'f4b@example.com' });
    expect(proxy.stats.faults.drop).toBe(before + 1);
    expect((await findByUnique(db, Account, 'email', 'f4b@example.com'))?.id).toBe('f4');
    expect(await guardOwners('UniqAccount', 'email').then((o) => o.filter((x) => x === 'ACCOUNT#f4'))).toHaveLength(1);
  });

  test('every attempt of a create dropped: settled by the write token, reported applied', async () => {
    proxy.setFaults([{ kind: 'drop', when: 'after', operations: ['TransactWriteItems'], count: 3 }]);
    proxy.resetStats();
    const created = await faulty.model(Account).create({ id: 'f6', email: 'f6@example.com' });
    expect(proxy.stats.faults.drop).toBe(3);
    expect(created.id).toBe('f6');
    expect((await findByUnique(db, Account, 'email', 'f6@example.com'))?.id).toBe('f6');
    expect(await guardOwners('UniqAccount', 'email').then((o) => o.filter((x) => x === 'ACCOUNT#f6'))).toHaveLength(1);
  });

  test('every attempt of a create that lost the race dropped: reported not applied, not in doubt', async () => {
    await db.model(Account).create({ id: 'f7', email: 'f7@example.com' });
    proxy.setFaults([{ kind: 'drop', when: 'after', operations: ['TransactWriteItems'], count: 3 }]);
    const error = await faulty.model(Account).create({ id: 'f8', email: 'f7@example.com' }).catch((e: unknown) => e);
    proxy.setFaults([]);
    // Each attempt was cancelled (the value is taken) and its answer lost: the item is not there,
    // which proves a create did not apply; the caller learns nothing was written.
    expect(error).toBeInstanceOf(DynamORMError);
    expect(error).not.toBeInstanceOf(WriteInDoubtError);
    expect(await db.model(Account).get({ id: 'f8' }, { consistent: true })).toBeUndefined();
  });

  test('delete: reported applied; the item and its guard are gone', async () => {
    await db.model(Account).create({ id: 'f5', email: 'f5@example.com' });
    dropNextTransaction();
    const before = proxy.stats.faults.drop;
    await faulty.model(Account).delete({ id: 'f5' });
    expect(proxy.stats.faults.drop).toBe(before + 1);
    expect(await guardOwners('UniqAccount', 'email').then((o) => o.filter((x) => x === 'ACCOUNT#f5'))).toEqual([]);
    expect(await db.model(Account).get({ id: 'f5' }, { consistent: true })).toBeUndefined();
  });
});
