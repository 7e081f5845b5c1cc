/**
 * No secret leaves through an error. Items hold a card number and are keyed, in part, by a card
 * fingerprint (a key field not marked `.loggable()`); every kind of error DynamORM raises is provoked
 * through the public API against DynamoDB Local (faults from the fault proxy), and rendered every way
 * a logger could: message, String(), JSON.stringify, util.inspect, enumerable properties, and the
 * same for each cause and each transaction reason. Neither the card number nor the fingerprint may
 * appear; the stored item and the key stay readable through the error's properties.
 */
import { randomUUID } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  attr,
  ConditionalCheckFailedError,
  DeadlineExceededError,
  DynamoDBError,
  ItemAlreadyExistsError,
  ItemNotFoundError,
  model,
  putItems,
  ThrottledError,
  TransactionCanceledError,
  UnprocessedItemsError,
  ValidationError,
  VersionConflictError,
  withDeadline,
  WriteInDoubtError,
  type DynamORM,
  type UnprocessedKey,
  type UnprocessedWrite,
} from '../../src/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { endpoint, testDb } from '../support/db.js';
import { causes, expectNoSecrets } from '../support/no-secrets.js';

const CARD = '4111111111111111';

/** Keyed by a card fingerprint: its key values must never be shown. */
const Card = model('Card', {
  table: 'secret-cards',
  attributes: {
    fingerprint: attr.string().partitionKey(),
    cardNumber: attr.string(),
    holder: attr.string(),
    limit: attr.cents().optional(),
    expires: attr.ttl().optional(),
    version: attr.version(),
  },
});

/** Unversioned (batches), keyed by a fingerprint too. */
const Vault = model('Vault', {
  table: 'secret-vault',
  attributes: {
    fingerprint: attr.string().partitionKey(),
    cardNumber: attr.string(),
  },
});

/** A payment id is useful in a log: its key is `.loggable()`. Its card number is not. */
const Payment = model('Payment', {
  table: 'secret-payments',
  attributes: {
    id: attr.string().partitionKey().loggable(),
    cardNumber: attr.string().validate((v) => v.length >= 12 || 'is too short for a card number', 'card'),
    amount: attr.cents(),
    status: attr.enum(['pending', 'paid']),
    rate: attr.decimal().optional(),
  },
});

/** A ledger read with all() under a deadline. */
const Entry = model('Entry', {
  table: 'secret-entries',
  attributes: {
    account: attr.string().partitionKey().loggable(),
    seq: attr.string().sortKey(),
    cardNumber: attr.string(),
  },
});

/** Never created: requests to it fail with ResourceNotFoundException. */
const Missing = model('MissingTable', {
  table: 'secret-missing',
  attributes: { fingerprint: attr.string().partitionKey(), cardNumber: attr.string() },
});

const db = testDb({ cursorSecret: 'no-secrets-test-cursor-secret-0123456789' });
let proxy: FaultProxy;
const opened: DynamORM[] = [];
/** The same tables, reached through the fault proxy, without SDK retries. */
const viaProxy = (config: Parameters<typeof testDb>[0] = {}) => {
  const d = testDb({ endpoint: proxy.endpoint, tablePrefix: db.config.tablePrefix, maxAttempts: 1, cursorSecret: db.config.cursorSecret, ...config });
  opened.push(d);
  return d;
};

const fingerprint = () => `fp_${randomUUID().replaceAll('-', '')}`;
const cards = db.model(Card);

beforeAll(async () => {
  await Promise.all([db.tables.create(Card), db.tables.create(Vault), db.tables.create(Payment), db.tables.create(Entry)]);
  proxy = await startFaultProxy({ target: endpoint(), seed: 5 });
});
afterAll(async () => {
  for (const d of opened) d.destroy();
  await proxy.stop();
  await Promise.all([Card, Vault, Payment, Entry].map((m) => db.tables.delete(m)));
  db.destroy();
});

async function rejection<E>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error('expected a rejection');
}

describe('conditional failures: the stored item is readable, never shown', () => {
  test('ItemAlreadyExistsError', async () => {
    const fp = fingerprint();
    const stored = await cards.create({ fingerprint: fp, cardNumber: CARD, holder: 'Ada' });
    const error = await rejection(cards.create({ fingerprint: fp, cardNumber: CARD, holder: 'Eve' }), ItemAlreadyExistsError);
    expectNoSecrets(error, [CARD, fp]);
    expect(error.message).toBe('Card {fingerprint=<redacted>} already exists');
    expect(error.item).toEqual(stored);
    expect(error.key).toEqual({ fingerprint: fp });
    expect(Object.keys(error)).not.toContain('item');
    // The SDK's error, kept as the cause, still carries the raw item for code that reads it.
    const sdk = causes(error)[0] as { name: string; Item?: Record<string, { S?: string }> };
    expect(sdk.name).toBe('ConditionalCheckFailedException');
    expect(sdk.Item?.cardNumber?.S).toBe(CARD);
  });

  test('VersionConflictError', async () => {
    const fp = fingerprint();
    const v1 = await cards.create({ fingerprint: fp, cardNumber: CARD, holder: 'Ada' });
    const v2 = await cards.update(v1, { holder: 'Ada L.' });
    const error = await rejection(cards.update(v1, { holder: 'Mallory' }), VersionConflictError);
    expectNoSecrets(error, [CARD, fp]);
    expect(error.message).toBe('Card {fingerprint=<redacted>}: expected version 1, found 2');
    expect(error.item).toEqual(v2);
    expect(error.actualVersion).toBe(2);
    const put = await rejection(cards.put({ fingerprint: fp, cardNumber: CARD, holder: 'x', version: 1 }), VersionConflictError);
    expectNoSecrets(put, [CARD, fp]);
    expect(put.item).toEqual(v2);
  });

  test('ConditionalCheckFailedError of your own condition', async () => {
    const fp = fingerprint();
    const stored = await cards.create({ fingerprint: fp, cardNumber: CARD, holder: 'Ada' });
    const error = await rejection(
      cards.update(stored, { holder: 'Eve' }, { condition: (c) => c.where('cardNumber', '=', '5500000000000004') }),
      ConditionalCheckFailedError,
    );
    expect(error.constructor).toBe(ConditionalCheckFailedError);
    expectNoSecrets(error, [CARD, fp, '5500000000000004']);
    expect(error.item).toEqual(stored);
    const del = await rejection(cards.delete(stored, { condition: (c) => c.where('holder', '=', CARD) }), ConditionalCheckFailedError);
    expectNoSecrets(del, [CARD, fp]);
    expect(del.item).toEqual(stored);
  });

  test('ItemNotFoundError: get required, update and delete of a missing item', async () => {
    const fp = fingerprint();
    const get = await rejection(cards.get({ fingerprint: fp }, { required: true }), ItemNotFoundError);
    expectNoSecrets(get, [fp]);
    expect(get.message).toBe('Card {fingerprint=<redacted>} not found');
    expect(get.key).toEqual({ fingerprint: fp });
    const update = await rejection(cards.update({ fingerprint: fp, version: 1 }, { cardNumber: CARD }), ItemNotFoundError);
    expectNoSecrets(update, [CARD, fp]);
    const del = await rejection(cards.delete({ fingerprint: fp }, { expectedVersion: 3 }), ItemNotFoundError);
    expectNoSecrets(del, [fp]);
  });

  test('a loggable key (a payment id) is shown; the card number of the item is not', async () => {
    const id = `pay-${randomUUID().slice(0, 8)}`;
    const stored = await db.model(Payment).create({ id, cardNumber: CARD, amount: 1250, status: 'pending' });
    const error = await rejection(db.model(Payment).create({ id, cardNumber: CARD, amount: 1, status: 'pending' }), ItemAlreadyExistsError);
    expectNoSecrets(error, [CARD]);
    expect(error.message).toBe(`Payment {id="${id}"} already exists`);
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ name: 'ItemAlreadyExistsError', code: 'ALREADY_EXISTS', model: 'Payment', message: error.message });
    expect(error.item).toEqual(stored);
    const missing = await rejection(db.model(Payment).get({ id: `${id}-x` }, { required: true }), ItemNotFoundError);
    expect(missing.message).toBe(`Payment {id="${id}-x"} not found`);
  });
});

describe('validation: messages name the field and the rule, never the value', () => {
  test('bad values in the card field and elsewhere', async () => {
    const fp = fingerprint();
    const cases: [unknown, string][] = [
      [cards.create({ fingerprint: fp, cardNumber: Number(CARD) as unknown as string, holder: 'Ada' }), 'type'],
      [cards.create({ fingerprint: fp, cardNumber: CARD, holder: 'Ada', limit: Number(CARD) + 0.5 }), 'cents'],
      [cards.create({ fingerprint: fp, cardNumber: CARD, holder: 'Ada', expires: Number(CARD) }), 'ttl'],
      [cards.create({ fingerprint: fp, cardNumber: CARD, holder: 'Ada', [CARD]: 'x' } as never), 'unknown-field'],
      [db.model(Payment).create({ id: 'v1', cardNumber: CARD.slice(0, 8), amount: 1, status: 'pending' }), 'card'],
      [db.model(Payment).create({ id: 'v1', cardNumber: CARD, amount: 1, status: CARD as 'paid' }), 'enum'],
      [db.model(Payment).create({ id: 'v1', cardNumber: CARD, amount: 1, status: 'paid', rate: `x${CARD}` }), 'number-range'],
      [db.model(Payment).create({ id: 'v1', cardNumber: CARD, amount: 1, status: 'paid', rate: `${CARD}${CARD}${CARD}` }), 'number-range'],
      [cards.update({ fingerprint: fp, version: 1 }, { fingerprint: CARD } as never), 'key-change'],
    ];
    for (const [promise, rule] of cases) {
      const error = await rejection(promise as Promise<unknown>, ValidationError);
      expect(error.rule).toBe(rule);
      // The unknown field is named by the caller: its name is shown, as a field name. No value is.
      expectNoSecrets(error, rule === 'unknown-field' ? [fp] : [CARD, CARD.slice(0, 8), fp]);
    }
  });

  test('bad keys', async () => {
    const get = await rejection(cards.get({ fingerprint: Number(CARD) as unknown as string }), ValidationError);
    expect(get.rule).toBe('type');
    expectNoSecrets(get, [CARD]);
    const update = await rejection(cards.update({ fingerprint: { card: CARD } as unknown as string, version: 1 }, { holder: 'x' }), ValidationError);
    expectNoSecrets(update, [CARD]);
    const batch = await rejection(db.model(Vault).batchGet([{ fingerprint: [CARD] as unknown as string }]), ValidationError);
    expectNoSecrets(batch, [CARD]);
  });

  test('a stored value that does not fit the model', async () => {
    const id = `raw-${randomUUID().slice(0, 8)}`;
    const unsafe = '41111111111111111111';
    await db.client.send(
      new PutItemCommand({
        TableName: db.tableName(Payment),
        Item: { id: { S: id }, _type: { S: 'Payment' }, cardNumber: { S: CARD }, amount: { N: unsafe }, status: { S: 'pending' } },
      }),
    );
    const error = await rejection(db.model(Payment).get({ id }), ValidationError);
    expect(error.rule).toBe('stored-value');
    expectNoSecrets(error, [CARD, unsafe]);
    await db.client.send(
      new PutItemCommand({
        TableName: db.tableName(Payment),
        Item: { id: { S: id }, _type: { S: 'Payment' }, cardNumber: { S: CARD }, amount: { N: '1' }, status: { S: CARD } },
      }),
    );
    const enumError = await rejection(db.model(Payment).get({ id }), ValidationError);
    expectNoSecrets(enumError, [CARD]);
  });
});

describe('transactions: reasons hold the items, logs do not', () => {
  test('every reason of a cancellation', async () => {
    const [a, b, c, d] = [fingerprint(), fingerprint(), fingerprint(), fingerprint()];
    const taken = await cards.create({ fingerprint: a, cardNumber: CARD, holder: 'Ada' });
    const v1 = await cards.create({ fingerprint: b, cardNumber: CARD, holder: 'Bob' });
    const v2 = await cards.update(v1, { holder: 'Bob B.' });
    const locked = await cards.create({ fingerprint: d, cardNumber: CARD, holder: 'Dan' });
    const error = await rejection(
      db.transaction((tx) => {
        tx.create(Card, { fingerprint: a, cardNumber: CARD, holder: 'x' });
        tx.update(Card, v1, { holder: 'y' });
        tx.update(Card, { fingerprint: c, version: 1 }, { cardNumber: CARD });
        tx.check(Card, { fingerprint: d }, (cond) => cond.where('holder', '=', CARD));
      }),
      TransactionCanceledError,
    );
    expectNoSecrets(error, [CARD, a, b, c, d]);
    expect(error.reasons.map((r) => r.item)).toEqual([taken, v2, undefined, locked]);
    expect(error.reasons.map((r) => r.key)).toEqual([{ fingerprint: a }, { fingerprint: b }, { fingerprint: c }, { fingerprint: d }]);
    expect((error.reasons[0]?.error as ItemAlreadyExistsError).item).toEqual(taken);
    expect(Object.keys(error.reasons[0] ?? {})).toEqual(['index', 'model', 'awsCode', 'error']);
  });

});

describe('batches and deadlines: what was not done is listed, not logged', () => {
  test('UnprocessedItemsError of a batch write', async () => {
    const items = Array.from({ length: 30 }, () => ({ fingerprint: fingerprint(), cardNumber: CARD }));
    const few = viaProxy({ batchRetry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } });
    proxy.setFaults([{ kind: 'unprocessed', operations: ['BatchWriteItem'], fraction: 0.5 }]);
    try {
      const error = await rejection(few.batchWrite([putItems(Vault, items)]), UnprocessedItemsError<UnprocessedWrite, { written: number }>);
      expectNoSecrets(error, [CARD, ...items.map((i) => i.fingerprint)]);
      expect(error.unprocessed.length).toBeGreaterThan(0);
      for (const w of error.unprocessed) expect(w.kind === 'put' && (w.item as { cardNumber: string }).cardNumber).toBe(CARD);
      expect(Object.keys(error)).not.toContain('unprocessed');
    } finally {
      proxy.setFaults([]);
    }
  });

  test('UnprocessedItemsError of a batch get: the keys left and the items read', async () => {
    const items = Array.from({ length: 40 }, () => ({ fingerprint: fingerprint(), cardNumber: CARD }));
    await db.model(Vault).batchPut(items);
    const few = viaProxy({ batchRetry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 5 } });
    proxy.setFaults([{ kind: 'unprocessed', operations: ['BatchGetItem'], fraction: 0.5 }]);
    try {
      const error = await rejection(few.model(Vault).batchGet(items), UnprocessedItemsError<UnprocessedKey, { items: unknown[][] }>);
      expectNoSecrets(error, [CARD, ...items.map((i) => i.fingerprint)]);
      expect(error.unprocessed.length).toBeGreaterThan(0);
      expect(error.partial.items[0]?.length).toBeGreaterThan(0);
      expect(error.partial.items[0]).toContainEqual(expect.objectContaining({ cardNumber: CARD }));
    } finally {
      proxy.setFaults([]);
    }
  });

  test('DeadlineExceededError of a batch write and of all()', async () => {
    const slow = viaProxy({ batchConcurrency: 1 });
    const reader = viaProxy({ pageSize: 10 });
    await db.model(Entry).batchPut(Array.from({ length: 300 }, (_, i) => ({ account: 'acc-1', seq: String(i).padStart(4, '0'), cardNumber: CARD })));
    // Warm clients: connections are open before the clock starts.
    await slow.model(Vault).get({ fingerprint: 'warm' });
    await reader.model(Entry).get({ account: 'acc-1', seq: '0000' });
    proxy.setFaults([{ kind: 'delay', delayMs: 60, operations: ['BatchWriteItem', 'Query'] }]);
    try {
      const items = Array.from({ length: 200 }, () => ({ fingerprint: fingerprint(), cardNumber: CARD }));
      const error = await rejection(
        withDeadline(Date.now() + 250, () => slow.batchWrite([putItems(Vault, items)])),
        DeadlineExceededError,
      );
      expectNoSecrets(error, [CARD, ...items.map((i) => i.fingerprint)]);
      expect(error.unprocessed.length).toBeGreaterThan(0);

      const read = await rejection(
        withDeadline(Date.now() + 400, () => reader.model(Entry).where('account', '=', 'acc-1').all()),
        DeadlineExceededError,
      );
      expectNoSecrets(read, [CARD]);
      expect(read.items.length).toBeGreaterThan(0);
      expect(read.items[0]).toMatchObject({ cardNumber: CARD });
    } finally {
      proxy.setFaults([]);
    }
  });
});

describe('errors from DynamoDB and from the wire', () => {
  test('a missing table: DynamoDBError', async () => {
    const fp = fingerprint();
    const get = await rejection(db.model(Missing).get({ fingerprint: fp }), DynamoDBError);
    expect(get.awsCode).toBe('ResourceNotFoundException');
    expectNoSecrets(get, [fp]);
    const create = await rejection(db.model(Missing).create({ fingerprint: fp, cardNumber: CARD }), DynamoDBError);
    expectNoSecrets(create, [CARD, fp]);
  });

  test('throttled: ThrottledError', async () => {
    const fp = fingerprint();
    proxy.setFaults([{ kind: 'throttle', operations: ['PutItem'] }]);
    try {
      const error = await rejection(viaProxy().model(Card).create({ fingerprint: fp, cardNumber: CARD, holder: 'Ada' }), ThrottledError);
      expectNoSecrets(error, [CARD, fp]);
    } finally {
      proxy.setFaults([]);
    }
  });

  test('a lost answer that cannot be settled: WriteInDoubtError', async () => {
    const fp = fingerprint();
    proxy.setFaults([{ kind: 'drop', when: 'after' }]);
    try {
      const error = await rejection(viaProxy().model(Card).create({ fingerprint: fp, cardNumber: CARD, holder: 'Ada' }), WriteInDoubtError);
      expectNoSecrets(error, [CARD, fp]);
      expect(error.message).toContain('Card {fingerprint=<redacted>}');
      expect(error.key).toEqual({ fingerprint: fp });
    } finally {
      proxy.setFaults([]);
    }
    expect(await cards.get({ fingerprint: fp }, { consistent: true })).toMatchObject({ cardNumber: CARD });
  });
});
