/**
 * DynamoDB failures reach the caller as DynamORM's typed errors, through the public API. Throttling,
 * timeouts and dropped connections come from the fault proxy in front of DynamoDB Local.
 */
import { randomUUID } from 'node:crypto';
import {
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { attr, DynamoDBError, DynamORM, DynamORMError, model, ThrottledError, TimeoutError, WriteInDoubtError, type DynamORMConfig } from '../../src/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { endpoint, localCredentials, testDb } from '../support/db.js';

const Account = model('Account', {
  table: 'accounts',
  attributes: {
    id: attr.string().partitionKey(),
    balance: attr.cents(),
    version: attr.version(),
  },
});

const direct = testDb();
let proxy: FaultProxy;
const opened: DynamORM[] = [];
/** A DynamORM on the same tables as `direct`, but reaching DynamoDB Local through the proxy. */
const viaProxy = (config: DynamORMConfig = {}) => {
  const db = testDb({ endpoint: proxy.endpoint, tablePrefix: direct.config.tablePrefix, maxAttempts: 1, ...config });
  opened.push(db);
  return db;
};
const stored = (id: string) => direct.model(Account).get({ id }, { consistent: true });
const newId = () => `acc-${randomUUID().slice(0, 8)}`;

/** The error a promise rejects with; fails the test when it resolves. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  await direct.tables.create(Account);
  proxy = await startFaultProxy({ target: endpoint(), seed: 3 });
});
afterEach(() => {
  proxy.setFaults([]);
  proxy.resetStats();
});
afterAll(async () => {
  for (const db of opened) db.destroy();
  await proxy.stop();
  await direct.tables.delete(Account);
  direct.destroy();
});

describe('throttling -> ThrottledError', () => {
  test('ProvisionedThroughputExceededException, with nothing written', async () => {
    proxy.setFaults([{ kind: 'throttle', operations: ['PutItem'] }]);
    const id = newId();
    const error = await rejection(viaProxy().model(Account).create({ id, balance: 100 }));
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).toBeInstanceOf(DynamORMError);
    expect(error).toMatchObject({ code: 'THROTTLED', name: 'ThrottledError' });
    expect((error as Error).message).toContain('PutItem');
    expect((error as Error).cause).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(await stored(id)).toBeUndefined();
  });

  test('middleware already sees the typed error (so a retry middleware needs no SDK error names)', async () => {
    proxy.setFaults([{ kind: 'throttle' }]);
    const seen: unknown[] = [];
    const db = viaProxy({
      middleware: [
        (request, next) =>
          next(request).catch((error: unknown) => {
            seen.push(error);
            throw error;
          }),
      ],
    });
    const error = await rejection(db.model(Account).create({ id: newId(), balance: 1 }));
    expect(error).toBeInstanceOf(ThrottledError);
    expect(seen).toEqual([error]);
  });

  test.each(['ThrottlingException', 'RequestLimitExceeded'])('%s', async (code) => {
    proxy.setFaults([{ kind: 'throttle', code, operations: ['GetItem'] }]);
    const error = await rejection(viaProxy().model(Account).get({ id: newId() }));
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as Error & { cause: { name: string } }).cause.name).toBe(code);
  });

  test('only after the SDK retries run out (maxAttempts)', async () => {
    const db = viaProxy({ maxAttempts: 2 });
    const id = newId();
    proxy.setFaults([{ kind: 'throttle', operations: ['PutItem'], count: 1 }]);
    await db.model(Account).create({ id, balance: 1 });
    expect(proxy.stats.faults.throttle).toBe(1);
    expect((await stored(id))?.balance).toBe(1);

    proxy.resetStats();
    proxy.setFaults([{ kind: 'throttle', operations: ['PutItem'] }]);
    await expect(db.model(Account).put({ id, balance: 2 })).rejects.toBeInstanceOf(ThrottledError);
    expect(proxy.stats.faults.throttle).toBe(2);
    expect((await stored(id))?.balance).toBe(1);
  });
});

describe('timeouts and dropped connections -> TimeoutError', () => {
  test('a read that gets no answer within requestTimeoutMs', async () => {
    const id = newId();
    await direct.model(Account).create({ id, balance: 5 });
    proxy.setFaults([{ kind: 'delay', delayMs: 3000, operations: ['GetItem'] }]);
    const started = Date.now();
    const error = await rejection(viaProxy({ requestTimeoutMs: 250 }).model(Account).get({ id }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(DynamORMError);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect((error as Error & { cause: { name: string } }).cause.name).toBe('TimeoutError');
  });

  test('a write that timed out but was applied is reported applied (its token is on the stored item)', async () => {
    const id = newId();
    proxy.setFaults([{ kind: 'delay', delayMs: 3000, operations: ['PutItem'] }]);
    const created = await viaProxy({ requestTimeoutMs: 250 }).model(Account).create({ id, balance: 7 });
    expect(created).toMatchObject({ id, balance: 7, version: 1 });
    expect((await stored(id))?.balance).toBe(7);
  });

  test('without requestTimeoutMs a slow answer is waited for', async () => {
    const id = newId();
    proxy.setFaults([{ kind: 'delay', delayMs: 400, operations: ['PutItem'] }]);
    const created = await viaProxy().model(Account).create({ id, balance: 9 });
    expect(created.version).toBe(1);
    expect(proxy.stats.faults.delay).toBe(1);
  });

  test('a connection dropped before the request arrived: in doubt (the client cannot tell before from after), and isStored() says not applied', async () => {
    const id = newId();
    proxy.setFaults([{ kind: 'drop', operations: ['PutItem'] }]);
    const error = await rejection(viaProxy().model(Account).create({ id, balance: 3 }));
    // A reset connection may have carried the request to DynamoDB, which may apply it after any read
    // made now: only WriteInDoubtError is true to the caller.
    expect(error).toBeInstanceOf(WriteInDoubtError);
    expect((error as WriteInDoubtError).cause).toBeInstanceOf(TimeoutError);
    expect((error as Error & { cause: { cause: { code: string } } }).cause.cause.code).toBe('ECONNRESET');
    await proxy.settled();
    expect(await stored(id)).toBeUndefined();
    await expect((error as WriteInDoubtError).isStored()).resolves.toBe(false);
  });

  test('a connection dropped after the write was applied: the write is reported applied, never as failed', async () => {
    const id = newId();
    proxy.setFaults([{ kind: 'drop', when: 'after', operations: ['PutItem'] }]);
    expect(await viaProxy().model(Account).create({ id, balance: 4 })).toMatchObject({ id, balance: 4 });
    expect((await stored(id))?.balance).toBe(4);
  });
});

describe('other errors -> DynamoDBError with awsCode and cause', () => {
  test('a 500 from DynamoDB', async () => {
    proxy.setFaults([{ kind: 'serverError', operations: ['GetItem'] }]);
    const error = await rejection(viaProxy().model(Account).get({ id: newId() }));
    expect(error).toBeInstanceOf(DynamoDBError);
    expect(error).toBeInstanceOf(DynamORMError);
    expect(error).toMatchObject({ code: 'DYNAMODB', awsCode: 'InternalServerError' });
    expect((error as Error).cause).toBeInstanceOf(InternalServerError);
  });

  test('a table that does not exist', async () => {
    const Missing = model('Missing', { table: 'no-such-table', attributes: { id: attr.string().partitionKey() } });
    const error = await rejection(direct.model(Missing).get({ id: 'x' }));
    expect(error).toBeInstanceOf(DynamoDBError);
    expect(error).toBeInstanceOf(DynamORMError);
    expect(error).toMatchObject({ awsCode: 'ResourceNotFoundException' });
    expect((error as Error).cause).toBeInstanceOf(ResourceNotFoundException);
    expect((error as Error).message).toContain('GetItem');
    // The message says which operation, model and table: "Cannot do operations on a non-existent table" alone does not.
    expect((error as Error).message).toContain(`GetItem (get of Missing, table ${direct.tableName(Missing)})`);
    expect((error as Error).message).not.toContain('"x"');
    // And which item: the key field by name, its value redacted unless the field is .loggable().
    expect((error as Error).message).toContain('item Missing {id=<redacted>}');
    const created = await rejection(direct.model(Missing).create({ id: 'x' }));
    expect((created as Error).message).toContain(`PutItem (create of Missing, table ${direct.tableName(Missing)})`);
    expect((created as Error).message).toContain('item Missing {id=<redacted>}');
    await expect(direct.model(Missing).create({ id: 'x' })).rejects.toMatchObject({ awsCode: 'ResourceNotFoundException' });
  });

  test('creating a table that exists', async () => {
    const error = await rejection(direct.tables.create(Account));
    expect(error).toBeInstanceOf(DynamoDBError);
    expect(error).toMatchObject({ awsCode: 'ResourceInUseException' });
    expect((error as Error).cause).toBeInstanceOf(ResourceInUseException);
  });

  test('a request DynamoDB rejects as invalid', async () => {
    // DynamORM cannot know the key types of an existing table: a model that disagrees with it is
    // refused by DynamoDB. (Table names outside DynamoDB's rules are refused by model() itself.)
    const Mismatch = model('Mismatch', { table: 'accounts', attributes: { id: attr.integer().partitionKey() } });
    const error = await rejection(direct.model(Mismatch).get({ id: 1 }));
    expect(error).toBeInstanceOf(DynamoDBError);
    expect(error).toMatchObject({ awsCode: 'ValidationException' });
    expect((error as Error).message).toMatch(/type mismatch/i);
  });

  test('an endpoint that refuses connections', async () => {
    const closed = await startFaultProxy({ target: endpoint() });
    const url = closed.endpoint;
    await closed.stop();
    const db = testDb({ endpoint: url, maxAttempts: 1 });
    opened.push(db);
    const error = await rejection(db.model(Account).get({ id: 'x' }));
    expect(error).toBeInstanceOf(DynamoDBError);
    expect(error).toMatchObject({ awsCode: 'ECONNREFUSED' });
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('client settings', () => {
  test('a client passed in keeps its own settings', async () => {
    const client = new DynamoDBClient({ endpoint: proxy.endpoint, region: 'us-east-1', credentials: localCredentials, maxAttempts: 1 });
    const db = DynamORM.create({ client, tablePrefix: direct.config.tablePrefix });
    expect(db.client).toBe(client);
    proxy.setFaults([{ kind: 'throttle', operations: ['GetItem'], count: 1 }]);
    await expect(db.model(Account).get({ id: newId() })).rejects.toBeInstanceOf(ThrottledError);
    expect(proxy.stats.byOperation.GetItem?.requests).toBe(1);
    client.destroy();
  });
});
