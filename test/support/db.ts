/**
 * Helpers for integration tests: a DynamORM pointed at the run's DynamoDB, and unique table names
 * so test files can run in parallel without seeing each other's items.
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { DynamORM, type DynamORMConfig } from '../../src/index.js';

/** The endpoint of the DynamoDB used by this test run. */
export const endpoint = (): string => inject('dynamodbEndpoint');

/** Local credentials: DynamoDB Local keeps one database per access key and region. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A DynamORM on the test DynamoDB with a table prefix unique to the caller. */
export function testDb(config: DynamORMConfig = {}): DynamORM {
  return DynamORM.create({
    endpoint: endpoint(),
    region: 'us-east-1',
    credentials: localCredentials,
    tablePrefix: `t${randomUUID().slice(0, 8)}-`,
    ...config,
  });
}
