/**
 * The fault proxy itself, through a raw SDK client with no retries: each fault kind reaches the
 * client as DynamoDB would send it, and partial batches stay consistent with what was written.
 */
import { randomUUID } from 'node:crypto';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  ScanCommand,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { endpoint, localCredentials } from '../support/db.js';

const table = `fault-proxy-${randomUUID().slice(0, 8)}`;
const clientConfig = (url: string, extra: Partial<DynamoDBClientConfig> = {}): DynamoDBClientConfig => ({
  endpoint: url,
  region: 'us-east-1',
  credentials: localCredentials,
  maxAttempts: 1,
  ...extra,
});

let proxy: FaultProxy;
let viaProxy: DynamoDBClient;
const direct = new DynamoDBClient(clientConfig(endpoint()));

beforeAll(async () => {
  await direct.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  proxy = await startFaultProxy({ target: endpoint(), seed: 42 });
  viaProxy = new DynamoDBClient(clientConfig(proxy.endpoint));
});
afterEach(() => {
  proxy.setFaults([]);
  proxy.resetStats();
});
afterAll(async () => {
  viaProxy.destroy();
  await proxy.stop();
  await direct.send(new DeleteTableCommand({ TableName: table }));
  direct.destroy();
});

const put = (id: string, client = viaProxy) => client.send(new PutItemCommand({ TableName: table, Item: { id: { S: id }, n: { N: '1' } } }));
const stored = async (id: string) => (await direct.send(new GetItemCommand({ TableName: table, Key: { id: { S: id } }, ConsistentRead: true }))).Item;
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
const catchError = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (error) {
    return error as Error & { $metadata?: { httpStatusCode?: number }; code?: string };
  }
  throw new Error('expected the request to fail');
};

test('without faults every request is forwarded and answered', async () => {
  await put('plain');
  expect(await stored('plain')).toEqual({ id: { S: 'plain' }, n: { N: '1' } });
  const got = await viaProxy.send(new GetItemCommand({ TableName: table, Key: { id: { S: 'plain' } } }));
  expect(got.Item?.id).toEqual({ S: 'plain' });
  expect(proxy.stats.requests).toBe(2);
  expect(proxy.stats.forwarded).toBe(2);
  expect(proxy.stats.byOperation).toEqual({ PutItem: { requests: 1, faults: 0 }, GetItem: { requests: 1, faults: 0 } });
});

describe('throttle', () => {
  test('answers 400 ProvisionedThroughputExceededException and does not forward', async () => {
    proxy.setFaults([{ kind: 'throttle' }]);
    const error = await catchError(put('throttled'));
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(error.name).toBe('ProvisionedThroughputExceededException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(proxy.stats.faults.throttle).toBe(1);
    expect(proxy.stats.forwarded).toBe(0);
    expect(await stored('throttled')).toBeUndefined();
  });

  test('can answer ThrottlingException, which the SDK retries as throttling', async () => {
    proxy.setFaults([{ kind: 'throttle', code: 'ThrottlingException', count: 2 }]);
    expect((await catchError(put('throttling'))).name).toBe('ThrottlingException');
    // With retries the SDK treats it as a throttle: two faults, then the third attempt goes through.
    const retrying = new DynamoDBClient(clientConfig(proxy.endpoint, { maxAttempts: 3, retryMode: 'standard' }));
    try {
      await put('throttling', retrying);
    } finally {
      retrying.destroy();
    }
    expect(proxy.stats.faults.throttle).toBe(2);
    expect(await stored('throttling')).toBeDefined();
  });
});

test('serverError answers 500 InternalServerError', async () => {
  proxy.setFaults([{ kind: 'serverError' }]);
  const error = await catchError(put('server-error'));
  expect(error).toBeInstanceOf(InternalServerError);
  expect(error.$metadata?.httpStatusCode).toBe(500);
  expect(proxy.stats.faults.serverError).toBe(1);
  expect(await stored('server-error')).toBeUndefined();
});

describe('drop', () => {
  test('before: the connection closes without an answer and nothing is applied', async () => {
    proxy.setFaults([{ kind: 'drop' }]);
    const error = await catchError(put('dropped-before'));
    expect(error.$metadata?.httpStatusCode).toBeUndefined();
    expect(error.code).toBe('ECONNRESET');
    expect(proxy.stats.faults.drop).toBe(1);
    expect(await stored('dropped-before')).toBeUndefined();
  });

  test('after: the request is applied, then the connection closes without an answer', async () => {
    proxy.setFaults([{ kind: 'drop', when: 'after' }]);
    const error = await catchError(put('dropped-after'));
    expect(error.code).toBe('ECONNRESET');
    expect(await stored('dropped-after')).toBeDefined();
  });
});

describe('delay', () => {
  test('answers late but correctly', async () => {
    proxy.setFaults([{ kind: 'delay', delayMs: 300 }]);
    const started = Date.now();
    await put('delayed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(proxy.stats.faults.delay).toBe(1);
  });

  test('makes a client with a request timeout give up, although the write was applied', async () => {
    proxy.setFaults([{ kind: 'delay', delayMs: 2000 }]);
    const impatient = new DynamoDBClient(clientConfig(proxy.endpoint, { requestHandler: { requestTimeout: 200, throwOnRequestTimeout: true } }));
    const started = Date.now();
    try {
      const error = await catchError(put('timed-out', impatient));
      expect(error.name).toBe('TimeoutError');
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      impatient.destroy();
    }
    expect(await stored('timed-out')).toBeDefined();
  });
});

describe('unprocessed', () => {
  test('BatchWriteItem: held-back writes are returned in UnprocessedItems and not written; the rest is', async () => {
    proxy.setFaults([{ kind: 'unprocessed', fraction: 0.4 }]);
    const keys = ids('bw', 25);
    const out = await viaProxy.send(
      new BatchWriteItemCommand({ RequestItems: { [table]: keys.map((id) => ({ PutRequest: { Item: { id: { S: id }, n: { N: '7' } } } })) } }),
    );
    const unprocessed = (out.UnprocessedItems?.[table] ?? []).map((w) => w.PutRequest?.Item?.id?.S);
    expect(unprocessed.length).toBeGreaterThan(0);
    expect(unprocessed.length).toBeLessThan(keys.length);
    expect(proxy.stats.unprocessedEntries).toBe(unprocessed.length);
    // Unprocessed entries are the caller's requests, unchanged, so they can be resent as they are.
    expect(out.UnprocessedItems?.[table]?.[0]?.PutRequest?.Item?.n).toEqual({ N: '7' });
    for (const id of keys) {
      if (unprocessed.includes(id)) expect(await stored(id), id).toBeUndefined();
      else expect(await stored(id), id).toBeDefined();
    }
    // Resending exactly the unprocessed items completes the batch.
    proxy.setFaults([]);
    const retry = await viaProxy.send(new BatchWriteItemCommand({ RequestItems: out.UnprocessedItems ?? {} }));
    expect(retry.UnprocessedItems ?? {}).toEqual({});
    for (const id of keys) expect(await stored(id)).toBeDefined();
  });

  test('BatchWriteItem: deletes are held back too, with nothing applied when all are held', async () => {
    const keys = ids('bwd', 4);
    for (const id of keys) await put(id, direct);
    proxy.setFaults([{ kind: 'unprocessed', fraction: 1 }]);
    const out = await viaProxy.send(new BatchWriteItemCommand({ RequestItems: { [table]: keys.map((id) => ({ DeleteRequest: { Key: { id: { S: id } } } })) } }));
    expect(out.UnprocessedItems?.[table]?.map((w) => w.DeleteRequest?.Key?.id?.S)).toEqual(keys);
    expect(proxy.stats.forwarded).toBe(0);
    for (const id of keys) expect(await stored(id)).toBeDefined();
  });

  test('BatchGetItem: Responses and UnprocessedKeys split the keys, keeping the read options', async () => {
    const keys = ids('bg', 30);
    await viaProxy.send(new BatchWriteItemCommand({ RequestItems: { [table]: keys.slice(0, 25).map((id) => ({ PutRequest: { Item: { id: { S: id }, n: { N: '1' } } } })) } }));
    await viaProxy.send(new BatchWriteItemCommand({ RequestItems: { [table]: keys.slice(25).map((id) => ({ PutRequest: { Item: { id: { S: id }, n: { N: '1' } } } })) } }));
    proxy.setFaults([{ kind: 'unprocessed', operations: ['BatchGetItem'] }]);
    const out = await viaProxy.send(
      new BatchGetItemCommand({
        RequestItems: { [table]: { Keys: keys.map((id) => ({ id: { S: id } })), ProjectionExpression: '#i', ExpressionAttributeNames: { '#i': 'id' }, ConsistentRead: true } },
      }),
    );
    const returned = (out.Responses?.[table] ?? []).map((i) => i.id?.S as string);
    const held = out.UnprocessedKeys?.[table];
    const heldIds = (held?.Keys ?? []).map((k) => k.id?.S as string);
    expect(heldIds.length).toBeGreaterThan(0);
    expect(returned.length).toBeGreaterThan(0);
    expect([...returned, ...heldIds].sort()).toEqual(keys);
    expect(out.Responses?.[table]?.[0]).toEqual({ id: { S: returned[0] } }); // projection applied
    expect(held).toMatchObject({ ProjectionExpression: '#i', ExpressionAttributeNames: { '#i': 'id' }, ConsistentRead: true });
    expect(proxy.stats.faults.unprocessed).toBe(1);
  });

  test('never applies to single-item operations', async () => {
    proxy.setFaults([{ kind: 'unprocessed' }]);
    await put('single');
    expect(proxy.stats.faults.unprocessed).toBe(0);
    expect(await stored('single')).toBeDefined();
  });
});

describe('rules', () => {
  test('apply only to the operations named', async () => {
    proxy.setFaults([{ kind: 'serverError', operations: ['GetItem'] }]);
    await put('op-filter');
    await expect(viaProxy.send(new GetItemCommand({ TableName: table, Key: { id: { S: 'op-filter' } } }))).rejects.toBeInstanceOf(InternalServerError);
    expect(proxy.stats.byOperation.PutItem).toEqual({ requests: 1, faults: 0 });
    expect(proxy.stats.byOperation.GetItem).toEqual({ requests: 1, faults: 1 });
  });

  test('stop after count faults', async () => {
    proxy.setFaults([{ kind: 'throttle', count: 2 }]);
    await expect(put('count-1')).rejects.toThrow();
    await expect(put('count-2')).rejects.toThrow();
    await put('count-3');
    expect(proxy.stats.faults.throttle).toBe(2);
  });

  test('fire at the configured rate, reproducibly for a seed', async () => {
    const run = async () => {
      const p = await startFaultProxy({ target: endpoint(), seed: 7, faults: [{ kind: 'serverError', rate: 0.3 }] });
      const client = new DynamoDBClient(clientConfig(p.endpoint));
      const outcome: boolean[] = [];
      try {
        for (let i = 0; i < 60; i++) {
          outcome.push(await client.send(new ScanCommand({ TableName: table, Limit: 1 })).then(() => true, () => false));
        }
        return { outcome, stats: p.stats };
      } finally {
        client.destroy();
        await p.stop();
      }
    };
    const first = await run();
    const second = await run();
    expect(second.outcome).toEqual(first.outcome);
    const failures = first.outcome.filter((ok) => !ok).length;
    expect(first.stats.faults.serverError).toBe(failures);
    expect(failures).toBeGreaterThanOrEqual(8);
    expect(failures).toBeLessThanOrEqual(30);
  });
});
