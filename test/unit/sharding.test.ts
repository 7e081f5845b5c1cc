/**
 * The pure parts of write sharding: the shard function (fixed, spread evenly, only the primary key
 * counts), DynamoDB's sort order used to merge shards (checked against byte and exact decimal order
 * with fast-check), the merge itself against a sort of the same items, the checks of `sharded()` and
 * `model()`, stored keys on create and update, decoding a projection, and table definitions.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { attr, model, ModelDefinitionError, ValidationError } from '../../src/index.js';
import { decodeItem, encodeItem } from '../../src/model/item-codec.js';
import { Placeholders } from '../../src/expr/placeholders.js';
import { compileUpdate } from '../../src/expr/update.js';
import { hash32, keyText, shardOf } from '../../src/sharding/hash.js';
import { sharded } from '../../src/sharding/index.js';
import { compareNumbers, compareText, compareValues } from '../../src/sharding/order.js';
import { ShardMerge } from '../../src/sharding/merge.js';
import { tableDefinition } from '../../src/tables/table.js';
import type { Executor } from '../../src/client/executor.js';
import type { ReadPlan } from '../../src/read/runner.js';

const Payment = model('SPayment', {
  table: 'payments',
  attributes: {
    id: attr.string().partitionKey(),
    status: attr.enum(['pending', 'settled'] as const),
    createdAt: attr.createdAt(),
    statusKey: attr.template('S#{status}'),
  },
  indexes: { byStatus: sharded({ name: 'gsi-status-created', partitionKey: 'statusKey', sortKey: 'createdAt', shards: 8 }) },
});

describe('the shard function', () => {
  test('is fixed: these values never change (stored keys depend on them)', () => {
    expect(keyText({ id: { S: 'pay-1' } })).toBe('S5:pay-1');
    expect(keyText({ sk: { N: '10' }, pk: { S: 'a' } })).toBe('S1:aN2:10');
    // Pinned when the function was written: if these change, every stored sharded key is in the wrong shard.
    expect([hash32('S5:pay-1'), hash32('S5:pay-2')]).toEqual([4284179218, 3529206952]);
    expect([shardOf({ id: { S: 'pay-1' } }, 16), shardOf({ id: { S: 'pay-2' } }, 16)]).toEqual([4284179218 % 16, 3529206952 % 16]);
  });

  test('depends on the key values only, not on attribute order', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: 2, max: 256 }), (a, b, n) => {
        const s = shardOf({ pk: { S: a }, sk: { S: b } }, n);
        expect(shardOf({ sk: { S: b }, pk: { S: a } }, n)).toBe(s);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThan(n);
      }),
    );
  });

  test('spreads sequential ids evenly over the shards', () => {
    for (const shards of [2, 7, 16, 64]) {
      const counts = new Array<number>(shards).fill(0);
      const total = 200 * shards;
      for (let i = 0; i < total; i++) counts[shardOf({ id: { S: `pay-${i}` } }, shards)] = (counts[shardOf({ id: { S: `pay-${i}` } }, shards)] ?? 0) + 1;
      for (const c of counts) expect(Math.abs(c - 200)).toBeLessThan(200 * 0.3);
    }
  });
});

describe("DynamoDB's sort order", () => {
  test('strings compare as their UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(Math.sign(compareText(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))));
      }),
    );
    // JavaScript's own order puts U+FFFD after U+1F600 (a surrogate pair); bytes do not.
    expect('\u{1F600}' < '\uFFFD').toBe(true);
    expect(compareText('\u{1F600}', '\uFFFD')).toBeGreaterThan(0);
  }, 60_000);

  test('numbers compare by exact value, whatever their text', () => {
    const decimal = fc.record({ units: fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), scale: fc.integer({ min: 0, max: 20 }) });
    const text = ({ units, scale }: { units: bigint; scale: number }, style: number) => {
      const negative = units < 0n;
      const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
      const plain = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
      const body = style === 0 ? plain : style === 1 ? `${digits}E-${scale}` : `0${plain}`;
      return negative ? `-${body}` : body;
    };
    fc.assert(
      fc.property(decimal, decimal, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), (a, b, sa, sb) => {
        // Compare a.units / 10^a.scale with b.units / 10^b.scale exactly.
        const scale = Math.max(a.scale, b.scale);
        const x = a.units * 10n ** BigInt(scale - a.scale);
        const y = b.units * 10n ** BigInt(scale - b.scale);
        expect(Math.sign(compareNumbers(text(a, sa), text(b, sb)))).toBe(x < y ? -1 : x > y ? 1 : 0);
      }),
    );
    expect(compareNumbers('9', '10')).toBeLessThan(0);
    expect(compareNumbers('-0.5', '-0.05')).toBeLessThan(0);
    expect(compareNumbers('0', '-0')).toBe(0);
  }, 60_000);

  test('binary compares by bytes; values of one attribute only', () => {
    expect(compareValues({ B: new Uint8Array([1, 2]) }, { B: new Uint8Array([1, 3]) })).toBeLessThan(0);
    expect(compareValues(undefined, { S: 'a' })).toBeLessThan(0);
  });
});

describe('merging shards', () => {
  /** Shards served from memory as DynamoDB pages them (Limit, LastEvaluatedKey), to check the merge alone. */
  function fakeExecutor(shards: Record<string, number>[][]): Executor {
    return {
      send: async (_command: unknown, request: { input: Record<string, unknown> }) => {
        const input = request.input;
        const shard = shards[input.shard as number] as Record<string, number>[];
        const after = input.ExclusiveStartKey as { id: { S: string } } | undefined;
        const from = after ? shard.findIndex((x) => `i${x.id}` === after.id.S) + 1 : 0;
        const limit = (input.Limit as number | undefined) ?? Infinity;
        const page = shard.slice(from, from + limit);
        const more = from + page.length < shard.length;
        return {
          Items: page.map((x) => ({ id: { S: `i${x.id}` }, at: { N: String(x.at) } })),
          ...(more && page.length > 0 ? { LastEvaluatedKey: { id: { S: `i${(page.at(-1) as { id: number }).id}` } } } : {}),
        };
      },
    } as unknown as Executor;
  }

  test('every item once, in order, whatever the spread, page sizes and order', () => {
    fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 0, maxLength: 120 }),
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        async (ats, count, take, descending) => {
          const items = ats.map((at, id) => ({ id, at }));
          const shards = Array.from({ length: count }, (_, s) =>
            items.filter((x) => x.id % count === s).sort((a, b) => (descending ? b.at - a.at : a.at - b.at) || a.id - b.id),
          );
          const plan = {
            inputs: shards.map((_, s) => ({ shard: s })),
            accepts: () => true,
            keyAttributes: ['id'],
            filtered: false,
            pageSize: undefined,
            operation: 'Query',
            context: {},
          } as unknown as ReadPlan<unknown>;
          const executor = fakeExecutor(shards);
          const out: { id: { S: string }; at: { N: string } }[] = [];
          // Pages of `take`, each from a new merge opened at the places the last one left.
          let places: ReturnType<ShardMerge<unknown>['places']> = shards.map(() => undefined);
          for (let guard = 0; guard < 1000; guard++) {
            const merge = new ShardMerge(executor, plan, { attribute: 'at', descending }, places);
            const page: typeof out = [];
            while (page.length < take && !merge.done()) {
              await merge.refill(take - page.length);
              page.push(...(merge.take(take - page.length) as typeof out));
            }
            out.push(...page);
            places = merge.places();
            if (merge.done()) break;
          }
          expect(out.map((x) => x.id.S).sort()).toEqual(items.map((x) => `i${x.id}`).sort());
          const order = out.map((x) => Number(x.at.N));
          for (let i = 1; i < order.length; i++) expect(descending ? order[i - 1]! >= order[i]! : order[i - 1]! <= order[i]!).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);
});

describe('definitions', () => {
  test('sharded() checks the count', () => {
    expect(() => sharded({ name: 'gsi', partitionKey: 'k', shards: 1 })).toThrow(ModelDefinitionError);
    expect(() => sharded({ name: 'gsi', partitionKey: 'k', shards: 257 })).toThrow(ModelDefinitionError);
    expect(() => sharded({ name: 'gsi', partitionKey: 'k', shards: 2.5 })).toThrow(ModelDefinitionError);
    expect(() => sharded({ name: 'gsi', partitionKey: 'k', shards: 8, readShards: 4 })).toThrow(ModelDefinitionError);
    expect(() => sharded({ name: 'gsi', partitionKey: 'k', shards: 8, type: 'local' })).toThrow(ModelDefinitionError);
  });

  test('model() refuses a sharded key that is not a template of its own, and shards without sharded()', () => {
    const attributes = { id: attr.string().partitionKey(), status: attr.string(), statusKey: attr.template('S#{status}'), other: attr.string() };
    expect(() => model('A', { table: 't', attributes, indexes: { s: sharded({ name: 'gsi', partitionKey: 'status', shards: 4 }) } })).toThrow(/key template field of its own/);
    expect(() =>
      model('B', { table: 't', attributes, indexes: { s: sharded({ name: 'gsi', partitionKey: 'statusKey', shards: 4 }), o: { name: 'gsi2', partitionKey: 'other', sortKey: 'statusKey' } } }),
    ).toThrow(/also a key of index o/);
    expect(() => model('C', { table: 't', attributes, indexes: { s: { name: 'gsi', partitionKey: 'statusKey', shards: 4 } } })).toThrow(/sharded\(\) from dynamorm\/sharding/);
  });

  test('create stores the suffix; update keeps the shard and moves the status; a read-back put matches', () => {
    const item = encodeItem(Payment.compiled, { id: 'p1', status: 'pending' }, { now: new Date(0), label: 'x' });
    const shard = shardOf({ id: { S: 'p1' } }, 8);
    expect(item.statusKey).toEqual({ S: `S#pending#${shard}` });
    expect(item.status).toEqual({ S: 'pending' });
    // An item read back (suffix included) is accepted by a put; another template text is not.
    expect(() => encodeItem(Payment.compiled, { id: 'p1', status: 'pending', statusKey: `S#pending#${(shard + 1) % 8}` } as never, { now: new Date(0), label: 'x' })).not.toThrow();
    expect(() => encodeItem(Payment.compiled, { id: 'p1', status: 'pending', statusKey: `S#settled#${shard}` } as never, { now: new Date(0), label: 'x' })).toThrow(ValidationError);
    const ph = new Placeholders();
    compileUpdate(Payment.compiled, { status: 'settled' }, { now: new Date(0), keyFields: { id: 'p1' }, place: { table: 'payments', key: { id: { S: 'p1' } } } }, ph, 'x');
    expect(Object.values(ph.values)).toContainEqual({ S: `S#settled#${shard}` });
  });

  test('a projection without the status reads it back from the sharded key', () => {
    expect(decodeItem(Payment.compiled, { id: { S: 'p1' }, statusKey: { S: 'S#settled#5' } })).toEqual({ id: 'p1', statusKey: 'S#settled#5', status: 'settled' });
  });

  test('tables: the generated key is a string attribute; models sharing an index must agree on its shards', () => {
    const definition = tableDefinition('payments', [Payment]);
    expect(definition.AttributeDefinitions).toContainEqual({ AttributeName: 'statusKey', AttributeType: 'S' });
    expect(definition.GlobalSecondaryIndexes?.[0]?.KeySchema).toEqual([
      { AttributeName: 'statusKey', KeyType: 'HASH' },
      { AttributeName: 'createdAt', KeyType: 'RANGE' },
    ]);
    const Other = model('SOther', {
      table: 'payments',
      attributes: { id: attr.string().partitionKey(), status: attr.string(), createdAt: attr.createdAt(), statusKey: attr.template('S#{status}') },
      indexes: { byStatus: sharded({ name: 'gsi-status-created', partitionKey: 'statusKey', sortKey: 'createdAt', shards: 4 }) },
    });
    expect(() => tableDefinition('payments', [Payment, Other])).toThrow(/different shard counts/);
  });
});
