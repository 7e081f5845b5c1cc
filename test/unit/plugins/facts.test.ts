/**
 * What the observability plugins read from a request, its output or its error: the capacity request
 * added only where it applies and never over the caller's choice, capacity by table and index,
 * attempts from outputs and from errors' causes, unprocessed batch entries.
 */
import { describe, expect, test } from 'vitest';
import type { OperationContext } from '../../../src/client/context.js';
import type { DynamORMRequest } from '../../../src/config.js';
import { DynamoDBError, ThrottledError } from '../../../src/errors.js';
import { askForCapacity, attemptsOf, capacityOf, isConditionFailure, isThrottle, safely, totalCapacity, unprocessedOf } from '../../../src/plugins/metrics/facts.js';

const context: OperationContext = { kind: 'get', model: 'Payment', table: 'payments', now: new Date(0), deadline: undefined, tenant: undefined, actor: undefined, partner: undefined };
const request = (operation: string, input: Record<string, unknown>): DynamORMRequest => ({ operation, input, model: 'Payment', context });

describe('askForCapacity', () => {
  test('adds INDEXES to item and batch operations, on a copy', () => {
    const original = request('GetItem', { TableName: 'payments' });
    const sent = askForCapacity(original);
    expect(sent.input).toEqual({ TableName: 'payments', ReturnConsumedCapacity: 'INDEXES' });
    expect(original.input).toEqual({ TableName: 'payments' });
    expect(sent.context).toBe(context);
    for (const op of ['PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem', 'TransactGetItems', 'TransactWriteItems']) {
      expect(askForCapacity(request(op, {})).input.ReturnConsumedCapacity).toBe('INDEXES');
    }
  });
  test("keeps the caller's own choice, and leaves table operations alone", () => {
    for (const choice of ['NONE', 'TOTAL', 'INDEXES']) {
      const r = request('Query', { ReturnConsumedCapacity: choice });
      expect(askForCapacity(r)).toBe(r);
    }
    const table = request('CreateTable', { TableName: 'x' });
    expect(askForCapacity(table)).toBe(table);
  });
});

describe('capacityOf', () => {
  test('INDEXES: the table share and each index, read or write by the figures given', () => {
    const output = {
      ConsumedCapacity: {
        TableName: 'payments',
        CapacityUnits: 3,
        Table: { CapacityUnits: 1, WriteCapacityUnits: 1 },
        GlobalSecondaryIndexes: { 'gsi-status': { CapacityUnits: 1, WriteCapacityUnits: 1 } },
        LocalSecondaryIndexes: { 'lsi-date': { CapacityUnits: 1 } },
      },
    };
    expect(capacityOf('PutItem', output)).toEqual([
      { table: 'payments', index: undefined, read: 0, write: 1 },
      { table: 'payments', index: 'gsi-status', read: 0, write: 1 },
      { table: 'payments', index: 'lsi-date', read: 0, write: 1 },
    ]);
    expect(totalCapacity('PutItem', output)).toBe(3);
  });
  test('a bare total counts as read for reads and write for writes; arrays (batches) per table', () => {
    expect(capacityOf('Query', { ConsumedCapacity: { TableName: 't', CapacityUnits: 0.5 } })).toEqual([{ table: 't', index: undefined, read: 0.5, write: 0 }]);
    expect(capacityOf('BatchWriteItem', { ConsumedCapacity: [{ TableName: 'a', CapacityUnits: 2 }, { TableName: 'b', CapacityUnits: 1 }] })).toEqual([
      { table: 'a', index: undefined, read: 0, write: 2 },
      { table: 'b', index: undefined, read: 0, write: 1 },
    ]);
    expect(capacityOf('GetItem', {})).toEqual([]);
    expect(totalCapacity('GetItem', undefined)).toBeUndefined();
  });
});

describe('attemptsOf', () => {
  test('from an output, from a mapped error through its cause, else 1', () => {
    expect(attemptsOf({ $metadata: { attempts: 3 } })).toBe(3);
    const sdk = Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException', $metadata: { attempts: 4 } });
    expect(attemptsOf(new ThrottledError('throttled', sdk))).toBe(4);
    expect(attemptsOf(new Error('no metadata'))).toBe(1);
    expect(attemptsOf(undefined)).toBe(1);
    expect(attemptsOf({ $metadata: {} })).toBe(1);
  });
});

describe('error kinds', () => {
  test('throttles and failed conditions, by name', () => {
    expect(isThrottle(new ThrottledError('x'))).toBe(true);
    expect(isThrottle(new DynamoDBError('InternalServerError', 'x'))).toBe(false);
    expect(isConditionFailure(Object.assign(new Error('c'), { name: 'ConditionalCheckFailedException' }))).toBe(true);
    expect(isConditionFailure(new DynamoDBError('TransactionCanceledException', 'x'))).toBe(true);
    expect(isConditionFailure(new ThrottledError('x'))).toBe(false);
  });
});

describe('unprocessedOf', () => {
  test('counts write requests and keys handed back, per table', () => {
    expect(unprocessedOf('BatchWriteItem', { UnprocessedItems: { a: [{}, {}], b: [{}] } })).toBe(3);
    expect(unprocessedOf('BatchGetItem', { UnprocessedKeys: { a: { Keys: [{}, {}] } } })).toBe(2);
    expect(unprocessedOf('Query', { UnprocessedItems: { a: [{}] } })).toBe(0);
    expect(unprocessedOf('BatchWriteItem', {})).toBe(0);
  });
});

describe('safely', () => {
  test('swallows what the function throws, and what the error handler throws', () => {
    const seen: unknown[] = [];
    expect(() => safely(() => { throw new Error('observer'); }, (e) => seen.push(e))).not.toThrow();
    expect(seen).toHaveLength(1);
    expect(() => safely(() => { throw new Error('observer'); }, () => { throw new Error('handler'); })).not.toThrow();
  });
});
