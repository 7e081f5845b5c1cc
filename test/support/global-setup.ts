/**
 * Vitest global setup for integration tests: one DynamoDB Local per test run (unless
 * DYNAMODB_ENDPOINT is set), stopped at the end even when tests fail.
 */
import type { TestProject } from 'vitest/node';
import { startLocalDynamoDB, type LocalDynamoDB } from '../../src/testing/local-dynamodb.js';

let local: LocalDynamoDB | undefined;

export async function setup(project: TestProject): Promise<void> {
  const endpoint = process.env.DYNAMODB_ENDPOINT || (local = await startLocalDynamoDB()).endpoint;
  project.provide('dynamodbEndpoint', endpoint);
}

export async function teardown(): Promise<void> {
  await local?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}
