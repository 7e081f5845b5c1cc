/**
 * Transactions against DynamoDB Local: create/put/update/delete/check across models, all or nothing,
 * the 100-action limit, one action per item, versions checked and bumped, a typed reason per action
 * when cancelled, concurrent transactions that never write half, idempotent retries with a token, and
 * `transactGet` returning a typed tuple.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, test } from 'vitest';
import {
  add,
  attr,
  ConditionalCheckFailedError,
  DynamoDBError,
  DynamORMError,
  ItemAlreadyExistsError,
  ItemNotFoundError,
  MAX_TRANSACTION_ACTIONS,
  model,
  TransactionCanceledError,
  txGet,
  ValidationError,
  VersionConflictError,
  type DynamORMRequest,
  type Item,
} from '../../src/index.js';
import { recordRequests, testDb } from '../support/db.js';
import { failure } from '../support/failure.js';

const Account = model('Account', {
  table: 'tx-accounts',
  attributes: {
    id: attr.string().partitionKey(),
    owner: attr.string(),
    balance: attr.cents(),
    updatedAt: attr.updatedAt(),
    version: attr.version(),
  },
});
type Account = Item<typeof Account>;

const Transfer = model('Transfer', {
  table: 'tx-transfers',
  attributes: {
    id: attr.string().partitionKey(),
    from: attr.string(),
    to: attr.string(),
    amount: attr.cents(),
    status: attr.enum(['pending', 'done']),
  },
});
type Transfer = Item<typeof Transfer>;

// Composite key; no version, no timestamps.
const Counter = model('Counter', {
  table: 'tx-counters',
  attributes: {
    scope: attr.string().partitionKey(),
    name: attr.string().sortKey(),
    n: attr.integer(),
    frozen: attr.boolean().default(false),
  },
});
type Counter = Item<typeof Counter>;

const seen: DynamORMRequest[] = [];
const db = testDb({
  middleware: [recordRequests(seen)],
});
const accounts = db.model(Account);
const transfers = db.model(Transfer);
const counters = db.model(Counter);

beforeAll(async () => {
  await Promise.all([db.tables.create(Account), db.tables.create(Transfer), db.tables.create(Counter)]);
});
afterAll(() => db.destroy());
beforeEach(() => {
  seen.length = 0;
});

const sentTransactions = () => seen.filter((r) => r.operation === 'TransactWriteItems');
const account = (id: string) => accounts.get({ id }, { consistent: true });
const transfer = (id: string) => transfers.get({ id }, { consistent: true });
const counter = (scope: string, name: string) => counters.get({ scope, name }, { consistent: true });

async function cancelled(promise: Promise<unknown>): Promise<TransactionCanceledError> {
  const error = await failure(promise);
  expect(error).toBeInstanceOf(TransactionCanceledError);
  return error as TransactionCanceledError;
}

describe('commit', () => {
  test('create, put, update, delete and check across models are applied together', async () => {
    const a = await accounts.create({ id: 'c-a', owner: 'ann', balance: 1000 });
    const b = await accounts.create({ id: 'c-b', owner: 'bob', balance: 0 });
    await transfers.create({ id: 'c-old', from: 'x', to: 'y', amount: 1, status: 'done' });
    await counters.create({ scope: 'c', name: 'open', n: 1 });

    const result = await db.transaction((tx) => {
      tx.update(Account, a, { balance: 750 });
      tx.update(Account, b, { balance: add(250) });
      tx.create(Transfer, { id: 'c-t1', from: 'c-a', to: 'c-b', amount: 250, status: 'done' });
      tx.put(Counter, { scope: 'c', name: 'transfers', n: 1 });
      tx.delete(Transfer, { id: 'c-old' });
      tx.check(Counter, { scope: 'c', name: 'open' }, (c) => c.where('n', '=', 1));
    });
    expect(result.actions).toBe(6);
    expect(result.token).toMatch(/^[0-9a-f-]{36}$/);
    expect(sentTransactions()).toHaveLength(1);

    expect(await account('c-a')).toMatchObject({ balance: 750, version: 2 });
    expect(await account('c-b')).toMatchObject({ balance: 250, version: 2 });
    expect(await transfer('c-t1')).toEqual({ id: 'c-t1', from: 'c-a', to: 'c-b', amount: 250, status: 'done' });
    expect(await counter('c', 'transfers')).toEqual({ scope: 'c', name: 'transfers', n: 1, frozen: false });
    expect(await transfer('c-old')).toBeUndefined();
    expect(await counter('c', 'open')).toMatchObject({ n: 1 }); // a check changes nothing
  });

  test('up to 100 actions go in one request', async () => {
    await db.transaction((tx) => {
      for (let i = 0; i < MAX_TRANSACTION_ACTIONS; i++) tx.create(Counter, { scope: 'hundred', name: String(i), n: i });
    });
    expect(MAX_TRANSACTION_ACTIONS).toBe(100);
    expect(sentTransactions()).toHaveLength(1);
    expect(await counters.where('scope', '=', 'hundred').count()).toBe(100);
  });

  test('versions are checked and bumped inside a transaction', async () => {
    const a = await accounts.create({ id: 'v-a', owner: 'ann', balance: 10 });
    const b = await accounts.create({ id: 'v-b', owner: 'bob', balance: 10 });
    const c = await accounts.create({ id: 'v-c', owner: 'cat', balance: 10 });
    await db.transaction((tx) => {
      tx.update(Account, a, { balance: 20 }); // version 1 -> 2
      tx.put(Account, { ...b, owner: 'bobby' }); // put with the version read: compare-and-swap, 1 -> 2
      tx.delete(Account, c); // delete at version 1
    });
    expect(await account('v-a')).toMatchObject({ balance: 20, version: 2 });
    expect(await account('v-b')).toMatchObject({ owner: 'bobby', version: 2 });
    expect(await account('v-c')).toBeUndefined();

    // The same stale reads again: every versioned action conflicts, and nothing changes.
    const a2 = await account('v-a');
    const error = await cancelled(
      db.transaction((tx) => {
        tx.update(Account, a, { balance: 99 });
        tx.put(Account, { ...b, owner: 'stale' });
      }),
    );
    for (const [i, stored] of [a2, await account('v-b')].entries()) {
      const reason = error.reasons[i];
      expect(reason?.error).toBeInstanceOf(VersionConflictError);
      expect(reason?.error).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
      expect(reason?.item).toEqual(stored);
    }
    expect(await account('v-a')).toEqual(a2);
    expect(await account('v-b')).toMatchObject({ owner: 'bobby', version: 2 });

    // expectedVersion 'any' skips the check and still bumps.
    await db.transaction((tx) => void tx.update(Account, { id: 'v-a' }, { balance: 5 }, { expectedVersion: 'any' }));
    expect(await account('v-a')).toMatchObject({ balance: 5, version: 3 });
  });
});

describe('all or nothing', () => {
  test('one failing action leaves every other item exactly as it was', async () => {
    const a = await accounts.create({ id: 'an-a', owner: 'ann', balance: 500 });
    const b = await accounts.create({ id: 'an-b', owner: 'bob', balance: 500 });
    await transfers.create({ id: 'an-t', from: 'an-a', to: 'an-b', amount: 1, status: 'pending' });
    await counters.create({ scope: 'an', name: 'keep', n: 3 });
    const before = [await account('an-a'), await account('an-b'), await transfer('an-t'), await counter('an', 'keep')];

    await accounts.create({ id: 'an-taken', owner: 'zed', balance: 7 });
    // Five actions that would succeed, and a create of a key that is taken, last of six.
    const error = await cancelled(
      db.transaction((tx) => {
        tx.update(Account, a, { balance: 0 });
        tx.update(Account, b, { balance: 1000 });
        tx.delete(Transfer, { id: 'an-t' });
        tx.put(Counter, { scope: 'an', name: 'keep', n: 99 });
        tx.create(Counter, { scope: 'an', name: 'new', n: 1 });
        tx.create(Account, { id: 'an-taken', owner: 'dup', balance: 1 });
      }),
    );
    expect(error.failures.map((r) => r.index)).toEqual([5]);
    expect(error.reasons[5]?.error).toBeInstanceOf(ItemAlreadyExistsError);
    expect([await account('an-a'), await account('an-b'), await transfer('an-t'), await counter('an', 'keep')]).toEqual(before);
    expect(await counter('an', 'new')).toBeUndefined();
    expect((await account('an-taken'))?.owner).toBe('zed');
  });
});

describe('refused before sending', () => {
  test('101 actions: ValidationError, nothing sent, nothing written', async () => {
    const error = await failure(
      db.transaction((tx) => {
        for (let i = 0; i <= MAX_TRANSACTION_ACTIONS; i++) tx.create(Counter, { scope: 'too-many', name: String(i), n: i });
      }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).rule).toBe('transaction-size');
    expect(error.message).toContain('101');
    expect(seen).toHaveLength(0);
    expect(await counters.where('scope', '=', 'too-many').count()).toBe(0);
  });

  test('two actions on one item: ValidationError, whatever the kinds of action', async () => {
    const cases: [string, Parameters<typeof db.transaction>[0]][] = [
      ['update + check', (tx) => void tx.update(Counter, { scope: 'two', name: 'a' }, { n: 1 }).check(Counter, { scope: 'two', name: 'a' }, (c) => c.where('n', '=', 0))],
      ['create + delete', (tx) => void tx.create(Transfer, { id: 'two-t', from: 'a', to: 'b', amount: 1, status: 'done' }).delete(Transfer, { id: 'two-t' })],
      ['put + put, far apart', (tx) => {
        tx.put(Counter, { scope: 'two', name: 'p', n: 1 });
        for (let i = 0; i < 20; i++) tx.create(Counter, { scope: 'two', name: `x${i}`, n: i });
        tx.put(Counter, { scope: 'two', name: 'p', n: 2 });
      }],
    ];
    for (const [name, fn] of cases) {
      const error = await failure(db.transaction(fn));
      expect(error, name).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).rule, name).toBe('duplicate-item');
    }
    expect(seen).toHaveLength(0);
    expect(await counters.where('scope', '=', 'two').count()).toBe(0);
    // Same partition key, other sort key: two items, accepted.
    await db.transaction((tx) => void tx.create(Counter, { scope: 'two', name: 'a', n: 1 }).create(Counter, { scope: 'two', name: 'b', n: 2 }));
    expect(await counters.where('scope', '=', 'two').count()).toBe(2);
  });

  test('invalid input anywhere, and empty transactions: ValidationError, nothing sent', async () => {
    const bad = await failure(
      db.transaction((tx) => {
        tx.create(Counter, { scope: 'bad', name: 'ok', n: 1 });
        tx.create(Transfer, { id: 'bad-t', from: 'a', to: 'b', amount: 1.25, status: 'done' });
      }),
    );
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as ValidationError).path).toEqual(['amount']);
    const versionless = await failure(db.transaction((tx) => void tx.update(Account, { id: 'bad-a' }, { balance: 1 })));
    expect((versionless as ValidationError).rule).toBe('version-required');
    expect(((await failure(db.transaction(() => undefined))) as ValidationError).rule).toBe('empty-transaction');
    expect(((await failure(db.transaction((tx) => void tx.put(Counter, { scope: 'bad', name: 't', n: 1 }), { token: 'x'.repeat(37) }))) as ValidationError).rule).toBe('token');
    for (const token of [42, { id: 'x' }, '']) {
      const error = await failure(db.transaction((tx) => void tx.put(Counter, { scope: 'bad', name: 't', n: 1 }), { token: token as never }));
      expect((error as ValidationError).rule).toBe('token');
    }
    expect(seen).toHaveLength(0);
    expect(await counter('bad', 'ok')).toBeUndefined();
  });
});

describe('cancellation reasons', () => {
  test('one reason per action: model, key, typed error and stored item; undefined for the rest', async () => {
    const stale = await accounts.create({ id: 'r-stale', owner: 'ann', balance: 1 });
    const current = await accounts.update(stale, { balance: 2 });
    const taken = await transfers.create({ id: 'r-taken', from: 'a', to: 'b', amount: 3, status: 'done' });
    const locked = await counters.create({ scope: 'r', name: 'lock', n: 1, frozen: true });
    await counters.create({ scope: 'r', name: 'fine', n: 1 });

    const error = await cancelled(
      db.transaction((tx) => {
        tx.put(Counter, { scope: 'r', name: 'fine', n: 2 }); // #0 would succeed
        tx.create(Transfer, { id: 'r-taken', from: 'x', to: 'y', amount: 9, status: 'pending' }); // #1 exists
        tx.update(Account, stale, { balance: 100 }); // #2 stale version
        tx.update(Account, { id: 'r-gone', version: 1 }, { balance: 5 }); // #3 no such item
        tx.check(Counter, { scope: 'r', name: 'lock' }, (c) => c.where('frozen', '=', false)); // #4 condition fails
        tx.delete(Transfer, { id: 'r-other' }); // #5 would succeed
      }),
    );
    const { reasons } = error;
    expect(reasons).toHaveLength(6);
    expect(reasons.map((r) => [r.index, r.model])).toEqual([
      [0, 'Counter'],
      [1, 'Transfer'],
      [2, 'Account'],
      [3, 'Account'],
      [4, 'Counter'],
      [5, 'Transfer'],
    ]);
    expect(reasons.map((r) => r.key)).toEqual([
      { scope: 'r', name: 'fine' },
      { id: 'r-taken' },
      { id: 'r-stale' },
      { id: 'r-gone' },
      { scope: 'r', name: 'lock' },
      { id: 'r-other' },
    ]);
    expect(reasons[0]?.error).toBeUndefined();
    expect(reasons[5]?.error).toBeUndefined();

    expect(reasons[1]?.error).toBeInstanceOf(ItemAlreadyExistsError);
    expect(reasons[1]?.item).toEqual(taken);

    const conflict = reasons[2]?.error as VersionConflictError;
    expect(conflict).toBeInstanceOf(VersionConflictError);
    expect([conflict.expectedVersion, conflict.actualVersion]).toEqual([1, 2]);
    expect(reasons[2]?.item).toEqual(current);

    expect(reasons[3]?.error).toBeInstanceOf(ItemNotFoundError);
    expect(reasons[3]?.item).toBeUndefined();

    const check = reasons[4]?.error as ConditionalCheckFailedError;
    expect(check.constructor).toBe(ConditionalCheckFailedError); // not a subclass: the item is there
    expect(check.item).toEqual(locked);
    expect(reasons[4]?.item).toEqual(locked);

    expect(reasons.map((r) => r.awsCode)).toEqual(['None', 'ConditionalCheckFailed', 'ConditionalCheckFailed', 'ConditionalCheckFailed', 'ConditionalCheckFailed', 'None']);
    expect(error.failures.map((r) => r.index)).toEqual([1, 2, 3, 4]);
    expect(error.message).toContain('Transfer');
    // Nothing changed.
    expect(await counter('r', 'fine')).toMatchObject({ n: 1 });
    expect(await account('r-stale')).toEqual(current);
  });

  test('a check on a missing item is reported as ItemNotFoundError', async () => {
    const error = await cancelled(
      db.transaction((tx) => {
        tx.create(Counter, { scope: 'nf', name: 'new', n: 1 });
        tx.check(Transfer, { id: 'nf-none' }, (c) => c.where('status', '=', 'done'));
      }),
    );
    expect(error.reasons[0]?.error).toBeUndefined();
    expect(error.reasons[1]?.error).toBeInstanceOf(ItemNotFoundError);
    expect(error.reasons[1]?.key).toEqual({ id: 'nf-none' });
    expect(await counter('nf', 'new')).toBeUndefined();
  });
});

describe('concurrency and idempotency', () => {
  test('concurrent version-checked transactions on one item: one wins, the others get a typed reason and write nothing', async () => {
    const read = await accounts.create({ id: 'race-v', owner: 'ann', balance: 0 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        db.transaction((tx) => {
          tx.update(Account, read, { balance: add(i + 1) });
          tx.create(Counter, { scope: 'race-v', name: `log-${i}`, n: i });
        }),
      ),
    );
    const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
    // DynamoDB Local runs them one by one: exactly one wins. (On AWS all may also lose to conflicts.)
    expect(won.length).toBeLessThanOrEqual(1);
    if (!process.env.DYNAMODB_ENDPOINT) expect(won).toHaveLength(1);
    for (const o of outcomes) {
      if (o.status === 'fulfilled') continue;
      expect(o.reason).toBeInstanceOf(TransactionCanceledError);
      const error = o.reason as TransactionCanceledError;
      // Lost to the winner's version bump, or (on real DynamoDB) to its transaction in flight.
      if (error.reasons[0]?.awsCode === 'TransactionConflict') expect(error.reasons[0].error).toBeInstanceOf(DynamORMError);
      else expect(error.reasons[0]?.error).toBeInstanceOf(VersionConflictError);
      expect(error.reasons[1]?.error === undefined || error.reasons[1]?.awsCode === 'TransactionConflict').toBe(true);
    }
    const logs = await counters.where('scope', '=', 'race-v').consistent().all();
    expect(logs.map((c) => c.n)).toEqual(won);
    const winner = won[0];
    expect(await account('race-v')).toEqual(winner === undefined ? read : expect.objectContaining({ balance: winner + 1, version: 2 }));
  });

  test('concurrent unconditional transactions on one item: each one all in or all out, failures typed', async () => {
    await counters.create({ scope: 'race', name: 'total', n: 0 });
    const runs = 12;
    const outcomes = await Promise.allSettled(
      Array.from({ length: runs }, (_, i) =>
        db.transaction((tx) => {
          tx.update(Counter, { scope: 'race', name: 'total' }, { n: add(1) });
          tx.create(Counter, { scope: 'race', name: `log-${i}`, n: i });
        }),
      ),
    );
    const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
    for (const o of outcomes) {
      if (o.status === 'fulfilled') continue;
      // A conflict is a typed cancellation (or a typed error after the SDK's retries), never a bare error.
      expect(o.reason).toBeInstanceOf(DynamORMError);
      if (o.reason instanceof TransactionCanceledError) {
        expect(o.reason.failures.length).toBeGreaterThan(0);
        for (const f of o.reason.failures) {
          expect(f.error).toBeInstanceOf(DynamORMError);
          expect(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']).toContain(f.awsCode);
        }
      }
    }
    expect(won.length).toBeGreaterThan(0);
    // Never a partial write: the counter moved once per committed transaction, and each log item
    // exists exactly when its transaction committed.
    expect(await counter('race', 'total')).toMatchObject({ n: won.length });
    const logs = (await counters.where('scope', '=', 'race').where('name', 'begins_with', 'log-').consistent().all()).map((c) => c.n);
    expect(logs.sort((x, y) => x - y)).toEqual(won);
  });

  test('the same token sent twice applies once', async () => {
    await counters.create({ scope: 'idem', name: 'n', n: 10 });
    const token = `tok-${Date.now()}`;
    const send = () =>
      db.transaction(
        (tx) => {
          tx.update(Counter, { scope: 'idem', name: 'n' }, { n: add(1) });
          tx.create(Counter, { scope: 'idem', name: 'once', n: 1 }); // would fail if applied twice
        },
        { token },
      );
    expect(await send()).toEqual({ token, actions: 2 });
    expect(await send()).toEqual({ token, actions: 2 });
    const requests = sentTransactions();
    expect(requests).toHaveLength(2);
    expect(requests.map((r) => r.input.ClientRequestToken)).toEqual([token, token]);
    expect(await counter('idem', 'n')).toMatchObject({ n: 11 });

    // Without a token, each call gets its own and applies again.
    const first = await db.transaction((tx) => void tx.update(Counter, { scope: 'idem', name: 'n' }, { n: add(1) }));
    const second = await db.transaction((tx) => void tx.update(Counter, { scope: 'idem', name: 'n' }, { n: add(1) }));
    expect(first.token).not.toBe(second.token);
    expect(await counter('idem', 'n')).toMatchObject({ n: 13 });
  });
  test('a versioned, timestamped update retried with its token applies once (with the clock unchanged)', async () => {
    // The retry rebuilds the request: DynamoDB only accepts the token again for identical parameters,
    // so updatedAt must not move between the two calls (here: a frozen clock).
    const frozen = testDb({ tablePrefix: db.config.tablePrefix, clock: () => new Date('2030-01-01T00:00:00Z') });
    try {
      const read = await frozen.model(Account).create({ id: 'idem-v', owner: 'ann', balance: 100 });
      const token = `tokv-${Date.now()}`;
      for (let i = 0; i < 2; i++) await frozen.transaction((tx) => void tx.update(Account, read, { balance: add(5) }), { token });
      expect(await account('idem-v')).toMatchObject({ balance: 105, version: 2 });
    } finally {
      frozen.destroy();
    }
  });
  test('with a real clock too: the retry reuses the clock reading of its token', async () => {
    const read = await accounts.create({ id: 'idem-clock', owner: 'ann', balance: 100 });
    const token = `tokc-${Date.now()}`;
    await db.transaction((tx) => void tx.update(Account, read, { balance: add(5) }), { token });
    await new Promise((r) => setTimeout(r, 5)); // the clock moves on
    await db.transaction((tx) => void tx.update(Account, read, { balance: add(5) }), { token });
    expect(await account('idem-clock')).toMatchObject({ balance: 105, version: 2 });
    const [first, second] = sentTransactions().slice(-2);
    expect(JSON.stringify(second?.input)).toBe(JSON.stringify(first?.input));
  });

  test('a token reused for another transaction is a clear, typed error and writes nothing', async () => {
    const token = `tokm-${Date.now()}`;
    await db.transaction((tx) => void tx.update(Counter, { scope: 'idem', name: 'n' }, { n: add(1) }), { token });
    const before = await counter('idem', 'n');
    const error = await failure(db.transaction((tx) => void tx.update(Counter, { scope: 'idem', name: 'n' }, { n: add(2) }), { token }));
    expect(error).toBeInstanceOf(DynamoDBError);
    expect(error).toMatchObject({ awsCode: 'IdempotentParameterMismatchException' });
    expect((error as Error).message).toContain('different transaction');
    expect(await counter('idem', 'n')).toEqual(before);
  });
});

describe('transactGet', () => {
  test('a typed tuple in request order, undefined for missing items', async () => {
    const a = await accounts.create({ id: 'tg-a', owner: 'ann', balance: 42 });
    const c = await counters.create({ scope: 'tg', name: 'x', n: 7 });
    const result = await db.transactGet([txGet(Account, { id: 'tg-a' }), txGet(Transfer, { id: 'tg-none' }), txGet(Counter, c)]);
    expectTypeOf(result).toEqualTypeOf<[Account | undefined, Transfer | undefined, Counter | undefined]>();
    expect(result).toEqual([a, undefined, c]);
    const [acc] = result;
    expect(acc?.balance).toBe(42);
    expect(seen.filter((r) => r.operation === 'TransactGetItems')).toHaveLength(1);
  });

  test('more than 100 items, none, or a bad key: ValidationError before sending', async () => {
    const many = Array.from({ length: 101 }, (_, i) => txGet(Transfer, { id: `tg-${i}` }));
    expect(((await failure(db.transactGet(many))) as ValidationError).rule).toBe('transaction-size');
    expect(await failure(db.transactGet([]))).toBeInstanceOf(ValidationError);
    expect(await failure(db.transactGet([txGet(Counter, { scope: 'tg' } as never)]))).toBeInstanceOf(ValidationError);
    expect(seen).toHaveLength(0);
    const hundred = await db.transactGet(many.slice(0, 100));
    expect(hundred).toHaveLength(100);
    expect(hundred.every((x) => x === undefined)).toBe(true);
  });
});
