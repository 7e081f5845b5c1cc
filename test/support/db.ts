/**
 * Helpers for integration tests: a DynamORM pointed at the run's DynamoDB, and unique table names
 * so test files can run in parallel without seeing each other's items.
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { Database, DynamORM, type AnyModel, type DynamORMConfig, type DynamORMRequest, type Middleware } from '../../src/index.js';

/** The endpoint of the DynamoDB used by this test run. */
export const endpoint = (): string => inject('dynamodbEndpoint');

/** Local credentials: DynamoDB Local keeps one database per access key and region. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Settings for the test DynamoDB with a table prefix unique to the caller; `config` wins. Requests
 * get 10 s instead of the default 2 s: with two test files at once on two cores, DynamoDB Local
 * sometimes takes longer than 2 s (a first write to a fresh table), and a write that times out is
 * in doubt. Tests of time-outs set their own.
 */
function testConfig(config: DynamORMConfig): DynamORMConfig {
  return { endpoint: endpoint(), region: 'us-east-1', credentials: localCredentials, tablePrefix: `t${randomUUID().slice(0, 8)}-`, requestTimeoutMs: 10_000, ...config };
}

/** A DynamORM on the test DynamoDB with a table prefix unique to the caller. */
export function testDb(config: DynamORMConfig = {}): DynamORM {
  return DynamORM.create(testConfig(config));
}

/** The core Database (no feature methods) on the test DynamoDB, with a table prefix unique to the caller. */
export function testCoreDb(config: DynamORMConfig = {}): Database {
  return Database.create(testConfig(config));
}

/** Middleware that records every request into `requests` (to prove what was, or was not, sent). */
export function recordRequests(requests: DynamORMRequest[]): Middleware {
  return (request, next) => {
    requests.push(request);
    return next(request);
  };
}

/** Middleware that records the operation name of every request. */
export function recordOperations(operations: string[]): Middleware {
  return (request, next) => {
    operations.push(request.operation);
    return next(request);
  };
}

/**
 * The item as stored, read consistently with the raw SDK (the judge of what DynamORM wrote), less the
 * token of the last write (`_wt`, a random value DynamORM stores to recognise its own retried writes;
 * `rawItemWithToken` keeps it).
 */
export async function rawItem(db: Database, model: AnyModel, key: Record<string, AttributeValue>): Promise<Record<string, AttributeValue> | undefined> {
  const item = await rawItemWithToken(db, model, key);
  if (!item) return undefined;
  const { _wt, ...rest } = item;
  return rest;
}

/** The item as stored, write token included. */
export async function rawItemWithToken(db: Database, model: AnyModel, key: Record<string, AttributeValue>): Promise<Record<string, AttributeValue> | undefined> {
  const out = await db.client.send(new GetItemCommand({ TableName: db.tableName(model), Key: key, ConsistentRead: true }));
  return out.Item;
}
