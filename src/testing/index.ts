/**
 * `dynamorm/testing`: helpers for tests and local development.
 * @packageDocumentation
 */
export { assertJava, LocalDynamoDBError, startLocalDynamoDB } from './local-dynamodb.js';
export type { LocalDynamoDB, StartOptions } from './local-dynamodb.js';
