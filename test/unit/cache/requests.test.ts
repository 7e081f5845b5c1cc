/**
 * What requests mean to the cache: which reads it may answer and under which entry key, and what
 * every kind of write invalidates.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { OperationContext, OperationKind } from '../../../src/client/context.js';
import type { DynamORMRequest } from '../../../src/config.js';
import { cachedRead, canonicalKey, globalDep, invalidatedBy, itemDep, queryDep, tableDep } from '../../../src/plugins/cache/requests.js';
import { deserialize, serialize } from '../../../src/plugins/cache/serialize.js';

function request(operation: string, input: Record<string, unknown>, kind: OperationKind, scope: { tenant?: string; partner?: string } = {}): DynamORMRequest {
  const context: OperationContext = { kind, model: 'Payment', table: 'T', now: new Date(0), deadline: undefined, tenant: scope.tenant, actor: undefined, partner: scope.partner };
  return { operation, input, model: 'Payment', context };
}

const key = { pk: { S: 'p1' }, sk: { S: 's1' } };
const get = (scope = {}, extra = {}) => request('GetItem', { TableName: 'T', Key: key, ...extra }, 'get', scope);
const noKeys = () => undefined;

describe('cachedRead', () => {
  test('GetItem depends on its item; the entry key differs by tenant and by partner, never by capacity asked', () => {
    const plain = cachedRead(get(), false);
    expect(plain?.deps).toEqual([globalDep(null), tableDep(null, 'T'), itemDep(null, 'T', key)]);
    const keys = [get(), get({ tenant: 'a' }), get({ tenant: 'b' }), get({ partner: 'a' }), get({ tenant: 'a', partner: 'a' })].map((r) => cachedRead(r, false)?.key);
    expect(new Set(keys).size).toBe(5);
    expect(cachedRead(get({}, { ReturnConsumedCapacity: 'INDEXES' }), false)?.key).toBe(plain?.key);
    expect(cachedRead(get({}, { ProjectionExpression: '#a' }), false)?.key).not.toBe(plain?.key);
  });

  test('a strongly consistent read is answered only when allowed', () => {
    expect(cachedRead(get({}, { ConsistentRead: true }), false)).toBeUndefined();
    expect(cachedRead(get({}, { ConsistentRead: true }), true)).toBeDefined();
  });

  test('Query: count (Select COUNT, every page) and first (a first page of at most two items) only', () => {
    const q = (input: Record<string, unknown>) => cachedRead(request('Query', { TableName: 'T', KeyConditionExpression: '#k = :v', ...input }, 'query'), false);
    expect(q({ Select: 'COUNT' })?.deps).toEqual([globalDep(null), tableDep(null, 'T'), queryDep(null, 'T')]);
    expect(q({ Select: 'COUNT', ExclusiveStartKey: key })).toBeDefined();
    expect(q({ Limit: 2 })).toBeDefined();
    expect(q({ Limit: 2, ExclusiveStartKey: key })).toBeUndefined();
    expect(q({ Limit: 3 })).toBeUndefined();
    expect(q({})).toBeUndefined();
    expect(cachedRead(request('Scan', { TableName: 'T', Select: 'COUNT' }, 'scan'), false)).toBeUndefined();
    expect(cachedRead(request('BatchGetItem', { RequestItems: {} }, 'batchGet'), false)).toBeUndefined();
  });
});

describe('invalidatedBy', () => {
  const item = (table: string, k: Record<string, unknown>, partner: string | null = null) => [queryDep(partner, table), itemDep(partner, table, k)];

  test('reads invalidate nothing', () => {
    for (const op of ['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems', 'DescribeTable', 'ListTables']) {
      expect(invalidatedBy(request(op, { TableName: 'T' }, 'get'), noKeys)).toEqual([]);
    }
  });

  test('UpdateItem and DeleteItem: their item and the table for queries, within the partner', () => {
    expect(invalidatedBy(request('UpdateItem', { TableName: 'T', Key: key }, 'update'), noKeys)).toEqual(item('T', key));
    expect(invalidatedBy(request('DeleteItem', { TableName: 'T', Key: key }, 'delete', { partner: 'p' }), noKeys)).toEqual(item('T', key, 'p'));
  });

  test('PutItem: its item when the table key is known, else the whole table', () => {
    const put = request('PutItem', { TableName: 'T', Item: { ...key, amount: { N: '1' } } }, 'create');
    expect(invalidatedBy(put, () => ['pk', 'sk'])).toEqual(item('T', key));
    expect(invalidatedBy(put, noKeys)).toEqual([queryDep(null, 'T'), tableDep(null, 'T')]);
  });

  test('BatchWriteItem and TransactWriteItems: every item written, in every table; condition checks nothing', () => {
    const other = { id: { S: 'x' } };
    const batch = request('BatchWriteItem', { RequestItems: { T: [{ PutRequest: { Item: { ...key, a: { S: '1' } } } }], U: [{ DeleteRequest: { Key: other } }] } }, 'batchWrite');
    expect(new Set(invalidatedBy(batch, (t) => (t === 'T' ? ['pk', 'sk'] : undefined)))).toEqual(new Set([...item('T', key), ...item('U', other)]));
    const transact = request(
      'TransactWriteItems',
      { TransactItems: [{ Update: { TableName: 'T', Key: key } }, { ConditionCheck: { TableName: 'V', Key: other } }, { Delete: { TableName: 'U', Key: other } }] },
      'transactWrite',
    );
    expect(new Set(invalidatedBy(transact, noKeys))).toEqual(new Set([...item('T', key), ...item('U', other)]));
  });

  test('table management invalidates the table; a statement without a table, everything of the partner', () => {
    expect(invalidatedBy(request('DeleteTable', { TableName: 'T' }, 'table'), noKeys)).toEqual([queryDep(null, 'T'), tableDep(null, 'T')]);
    expect(invalidatedBy(request('ExecuteStatement', { Statement: 'UPDATE ...' }, 'update', { partner: 'p' }), noKeys)).toEqual([globalDep('p')]);
  });

  test('the item key is the same whatever the order of its attributes', () => {
    expect(canonicalKey({ pk: { S: 'a' }, sk: { N: '1' } })).toBe(canonicalKey({ sk: { N: '1' }, pk: { S: 'a' } }));
  });
});

describe('serialize', () => {
  const attribute: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.record({ S: fc.string() }),
      fc.record({ N: fc.integer().map(String) }),
      fc.record({ B: fc.uint8Array() }),
      fc.record({ BS: fc.array(fc.uint8Array(), { minLength: 1, maxLength: 3 }) }),
      fc.record({ BOOL: fc.boolean() }),
      fc.record({ L: fc.array(tie('value'), { maxLength: 3 }) }),
      fc.record({ M: fc.dictionary(fc.string(), tie('value'), { maxKeys: 3 }) }),
    ),
  })).value;

  test('raw outputs come back as they were, binary values included (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), attribute, { maxKeys: 5 }), (item) => {
        expect(deserialize(serialize({ Item: item, Count: 1 }))).toEqual({ Item: item, Count: 1 });
      }),
    );
  });

  test('a Buffer comes back as its bytes', () => {
    expect(deserialize(serialize({ B: Buffer.from([1, 2, 3]) }))).toEqual({ B: new Uint8Array([1, 2, 3]) });
  });
});
