/**
 * `dynamorm/testing`: helpers for tests and local development: DynamoDB Local, a database per test file,
 * fixtures, a frozen clock, eventual assertions, spies and the fault proxy.
 * @packageDocumentation
 */
export { assertJava, LocalDynamoDBError, startLocalDynamoDB } from './local-dynamodb.js';
export type { LocalDynamoDB, StartOptions } from './local-dynamodb.js';
export { createTestDB, LOCAL_CREDENTIALS } from './test-db.js';
export type { TestDB, TestDBOptions } from './test-db.js';
export { loadFixture } from './fixtures.js';
export type { FixtureItems } from './fixtures.js';
export { freezeTime } from './time.js';
export type { FrozenTime } from './time.js';
export { assertEventually } from './eventually.js';
export type { EventuallyOptions } from './eventually.js';
export { spyOn, UnansweredRequestError } from './spy.js';
export type { ModelSpy, SpiedEntry, SpiedRequest, Spy, SpyOptions } from './spy.js';
export { startFaultProxy } from './fault-proxy.js';
export type { FaultKind, FaultProxy, FaultProxyOptions, FaultRule, FaultStats } from './fault-proxy.js';
