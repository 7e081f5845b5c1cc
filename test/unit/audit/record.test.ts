/**
 * Records and their hashes: any change to any stored attribute of a record changes its hash, the
 * hash survives DynamoDB's renormalisation of numbers and sets, and chain ids depend on the model
 * and the key only.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { chainId, GENESIS, headShard, recordHash, recordItem, type RecordContent } from '../../../src/audit/record.js';
import { HEAD_SHARDS } from '../../../src/audit/table.js';

const content = fc.record({
  chain: fc.string({ minLength: 1 }),
  seq: fc.integer({ min: 1, max: 1e6 }),
  prev: fc.constant(GENESIS),
  model: fc.string({ minLength: 1 }),
  key: fc.constant({ id: { S: 'p1' } } as Record<string, AttributeValue>),
  op: fc.constantFrom('create' as const, 'put' as const, 'update' as const, 'delete' as const),
  at: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
  actor: fc.option(fc.string(), { nil: undefined }),
  after: fc.option(fc.dictionary(fc.string(), fc.integer().map((n) => ({ N: String(n) }) as AttributeValue)), { nil: undefined }),
  changed: fc.option(fc.uniqueArray(fc.string({ minLength: 1 }), { maxLength: 3 }), { nil: undefined }),
  version: fc.option(fc.integer({ min: 1 }), { nil: undefined }),
}) as fc.Arbitrary<RecordContent>;

describe('recordItem and recordHash', () => {
  test('the stored hash is the hash of the rest', () => {
    fc.assert(fc.property(content, (c) => {
      const item = recordItem(c);
      expect(item.hash?.S).toBe(recordHash(item));
    }));
  });

  test('changing, adding or removing any attribute changes the hash', () => {
    fc.assert(
      fc.property(content, fc.nat(), fc.string(), (c, pick, extra) => {
        const item = recordItem(c);
        const names = Object.keys(item).filter((k) => k !== 'hash');
        const name = names[pick % names.length] as string;
        const edited = { ...item, [name]: { S: `${JSON.stringify(item[name])}${extra}` } };
        expect(recordHash(edited)).not.toBe(item.hash?.S);
        const { [name]: _gone, ...removed } = item;
        expect(recordHash(removed)).not.toBe(item.hash?.S);
        expect(recordHash({ ...item, [`x${extra}`]: { S: '' } })).not.toBe(item.hash?.S);
      }),
    );
  });

  test('numbers and sets as DynamoDB returns them keep the hash', () => {
    const item = recordItem({ chain: 'c', seq: 1, prev: GENESIS, model: 'M', key: { id: { N: '10' } }, op: 'create', at: new Date(0), after: { n: { N: '1.50' } }, changed: ['b', 'a'] });
    const asRead = { ...item, key: { M: { id: { N: '1E1' } } }, after: { M: { n: { N: '1.5' } } }, changed: { SS: ['a', 'b'] } };
    expect(recordHash(asRead)).toBe(item.hash?.S);
  });
});

describe('chains', () => {
  test('a chain id depends on the model and the key, not on key attribute order', () => {
    const key = { pk: { S: 'A' }, sk: { S: 'B' } };
    expect(chainId('M', key)).toBe(chainId('M', { sk: { S: 'B' }, pk: { S: 'A' } }));
    expect(chainId('M', key)).not.toBe(chainId('N', key));
    expect(chainId('M', key)).not.toBe(chainId('M', { pk: { S: 'A' }, sk: { S: 'C' } }));
    // The key's value is not readable from the chain id (keys may be secret).
    expect(chainId('M', { pk: { S: 'card-4111' } })).not.toContain('4111');
  });

  test('heads spread over every shard', () => {
    const shards = new Set(Array.from({ length: 400 }, (_, i) => headShard(chainId('M', { id: { S: String(i) } }))));
    expect(shards.size).toBe(HEAD_SHARDS);
  });
});
