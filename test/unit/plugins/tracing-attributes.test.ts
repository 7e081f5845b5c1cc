/**
 * Span attributes from requests, outputs and errors: the DynamoDB semantic conventions for item
 * operations, and DynamORM's per-action tables and kinds for transactions and batches, cancellation
 * codes by action index; never an item, key or expression value.
 */
import { describe, expect, test } from 'vitest';
import type { OperationContext } from '../../../src/client/context.js';
import { DynamoDBError, TransactionCanceledError } from '../../../src/errors.js';
import { cancellationCodes, outputAttributes, requestAttributes } from '../../../src/plugins/tracing/attributes.js';

const SECRET = '4111111111111111';
const ctx = (kind: OperationContext['kind'], model?: string): OperationContext => ({ kind, model, table: model ? 'orders' : undefined, now: new Date(0), deadline: undefined, tenant: undefined, actor: undefined, partner: undefined });

describe('requestAttributes', () => {
  test('a query: system, operation, table, index, read options; no value', () => {
    const attributes = requestAttributes({
      operation: 'Query',
      model: 'Order',
      context: ctx('query', 'Order'),
      input: {
        TableName: 'orders',
        IndexName: 'gsi-status',
        ConsistentRead: false,
        Limit: 11,
        ScanIndexForward: false,
        ProjectionExpression: '#a, #b',
        KeyConditionExpression: '#s = :v0',
        ExpressionAttributeValues: { ':v0': { S: SECRET } },
      },
    });
    expect(attributes).toEqual({
      'db.system.name': 'aws.dynamodb',
      'db.system': 'dynamodb',
      'db.operation.name': 'Query',
      'db.collection.name': 'orders',
      'rpc.system': 'aws-api',
      'rpc.service': 'DynamoDB',
      'rpc.method': 'Query',
      'dynamorm.operation': 'query',
      'dynamorm.model': 'Order',
      'aws.dynamodb.table_names': ['orders'],
      'aws.dynamodb.index_name': 'gsi-status',
      'aws.dynamodb.consistent_read': false,
      'aws.dynamodb.limit': 11,
      'aws.dynamodb.scan_forward': false,
      'aws.dynamodb.projection': '#a, #b',
    });
  });

  test('a scan segment', () => {
    expect(requestAttributes({ operation: 'Scan', context: ctx('scan', 'Order'), input: { TableName: 'orders', Segment: 2, TotalSegments: 4, Select: 'COUNT' } })).toMatchObject({
      'aws.dynamodb.segment': 2,
      'aws.dynamodb.total_segments': 4,
      'aws.dynamodb.select': 'COUNT',
    });
  });

  test('a transaction: distinct tables, and the kind and table of every action, in order', () => {
    const attributes = requestAttributes({
      operation: 'TransactWriteItems',
      context: ctx('transactWrite'),
      input: {
        TransactItems: [
          { Put: { TableName: 'accounts', Item: { id: { S: SECRET } } } },
          { Update: { TableName: 'accounts', Key: { id: { S: 'x' } } } },
          { ConditionCheck: { TableName: 'limits', Key: {} } },
          { Delete: { TableName: 'holds', Key: {} } },
        ],
      },
    });
    expect(attributes).toMatchObject({
      'aws.dynamodb.table_names': ['accounts', 'limits', 'holds'],
      'dynamorm.transaction.actions': 4,
      'dynamorm.transaction.action_kinds': ['Put', 'Update', 'ConditionCheck', 'Delete'],
      'dynamorm.transaction.action_tables': ['accounts', 'accounts', 'limits', 'holds'],
    });
    expect(JSON.stringify(attributes)).not.toContain(SECRET);
  });

  test('a batch write: tables, requests per table, and the kind of each request', () => {
    expect(
      requestAttributes({
        operation: 'BatchWriteItem',
        context: ctx('batchWrite'),
        input: { RequestItems: { a: [{ PutRequest: { Item: {} } }, { DeleteRequest: { Key: {} } }], b: [{ PutRequest: { Item: {} } }] } },
      }),
    ).toMatchObject({ 'aws.dynamodb.table_names': ['a', 'b'], 'dynamorm.batch.table_counts': [2, 1], 'dynamorm.batch.requests': 3, 'dynamorm.batch.request_kinds': ['PutRequest', 'DeleteRequest', 'PutRequest'] });
    expect(requestAttributes({ operation: 'BatchGetItem', context: ctx('batchGet'), input: { RequestItems: { a: { Keys: [{}, {}, {}] } } } })).toMatchObject({ 'dynamorm.batch.table_counts': [3], 'dynamorm.batch.requests': 3 });
  });
});

describe('outputAttributes', () => {
  test('consumed capacity as JSON strings, counts, unprocessed entries; items are not read', () => {
    const attributes = outputAttributes('Query', { Items: [{ card: { S: SECRET } }], Count: 1, ScannedCount: 3, ConsumedCapacity: { TableName: 'orders', CapacityUnits: 0.5, Table: { CapacityUnits: 0.5 } } });
    expect(attributes['aws.dynamodb.count']).toBe(1);
    expect(attributes['aws.dynamodb.scanned_count']).toBe(3);
    expect((attributes['aws.dynamodb.consumed_capacity'] as string[]).map((s) => JSON.parse(s))).toEqual([{ TableName: 'orders', CapacityUnits: 0.5, Table: { CapacityUnits: 0.5 } }]);
    expect(JSON.stringify(attributes)).not.toContain(SECRET);
    expect(outputAttributes('BatchWriteItem', { UnprocessedItems: { a: [{}, {}] } })['dynamorm.batch.unprocessed']).toBe(2);
  });
});

describe('cancellationCodes', () => {
  test("from the SDK's reasons kept on the cause, by index, without reading items", () => {
    const sdk = Object.assign(new Error('cancelled'), { name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: { card: { S: SECRET } } }] });
    expect(cancellationCodes(new DynamoDBError('TransactionCanceledException', 'x', sdk))).toEqual(['None', 'ConditionalCheckFailed']);
    expect(cancellationCodes(new DynamoDBError('InternalServerError', 'x'))).toBeUndefined();
  });
  test('from a TransactionCanceledError, by its reasons', () => {
    const error = new TransactionCanceledError([
      { index: 0, model: 'A', key: {}, awsCode: 'None', error: undefined, item: undefined },
      { index: 1, model: 'A', key: {}, awsCode: 'TransactionConflict', error: new DynamoDBError('TransactionConflict', 'x'), item: undefined },
    ]);
    expect(cancellationCodes(error)).toEqual(['None', 'TransactionConflict']);
  });
});
