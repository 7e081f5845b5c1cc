/**
 * Branches of feature modules the other unit tests leave out, each checked against what it should
 * do: workload files (every refusal, defaults, billing modes, price overrides, each operation kind's
 * index entries), the shard merge (empty shards, ties, no sort key, binary and number keys,
 * descending, each shard's place in a cursor, read sizes, deadlines, cursors of another shape), the
 * order of key values, guard layouts (each refusal, sort key kinds) and the circuit-breaker
 * middleware (requests without a table, transactions, circuits forgotten, listeners, reset, throttles).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import type { OperationContext } from '../../src/client/context.js';
import type { Executor } from '../../src/client/executor.js';
import type { DynamORMRequest, Middleware } from '../../src/config.js';
import { CostInputError, dollarsOf, estimateWorkload, lineUnits, parseWorkload, priceFor, SECONDS_PER_MONTH, type WorkloadLine } from '../../src/cost/index.js';
import { DeadlineExceededError } from '../../src/deadline.js';
import { ConfigurationError, InvalidCursorError, ThrottledError } from '../../src/errors.js';
import { ephemeral } from '../../src/ephemeral/index.js';
import { attr, Database, model, ModelDefinitionError, ValidationError } from '../../src/index.js';
import { CircuitOpenError, circuitBreaker, type CircuitBreaker, type StateChange } from '../../src/plugins/circuit-breaker/index.js';
import type { PluginEntries } from '../../src/plugins/plugin.js';
import { cursorCodec } from '../../src/read/cursor.js';
import type { ReadPlan } from '../../src/read/runner.js';
import { decodePlaces, encodePlaces, mergeRunner, ShardMerge, Stop, type MergeOrder, type Place } from '../../src/sharding/merge.js';
import { compareBytes, compareNumbers, compareText, compareValues } from '../../src/sharding/order.js';
import { findByUnique, uniqueValues } from '../../src/unique/index.js';
import { GUARD_ENTITY, guardKey, guardLayout, guardPartition, deleteGuard, putGuard, type GuardLayout } from '../../src/unique/guards.js';

type AttributeMap = Record<string, AttributeValue>;

// ---------------------------------------------------------------------------------------------------
// Workload files
// ---------------------------------------------------------------------------------------------------

const Ledger = model('Ledger', {
  table: 'ledger',
  attributes: {
    account: attr.string().partitionKey(),
    entry: attr.string().sortKey(),
    ref: attr.string(),
    amount: attr.integer(),
    kind: attr.string(),
  },
  indexes: {
    byRef: { name: 'gsi-ref', partitionKey: 'ref', projection: 'keys' },
    byKind: { name: 'gsi-kind', partitionKey: 'kind', projection: 'all' },
    byKindAmount: { name: 'gsi-kind-amount', partitionKey: 'kind', sortKey: 'amount', projection: ['ref'] },
    byAmount: { name: 'lsi-amount', type: 'local', partitionKey: 'account', sortKey: 'amount', projection: 'all' },
  },
});

const base = { models: './m.js', operations: [{ model: 'Ledger', operation: 'put', perSecond: 1, itemBytes: 100 }] };
const line0 = base.operations[0] as Record<string, unknown>;
const withLine = (patch: Record<string, unknown>) => ({ ...base, operations: [{ ...line0, ...patch }] });

describe('workload files: refusals', () => {
  test.each<[string, unknown, RegExp]>([
    ['a list', [], /a workload is an object/],
    ['an empty models', { ...base, models: '' }, /models must name/],
    ['a region that is no string', { ...base, region: 5 }, /region must be a string/],
    ['prices that are no list', { ...base, prices: {} }, /prices must be a list/],
    ['no operations', { models: './m.js' }, /operations must be a non-empty list/],
    ['a line that is no object', { ...base, operations: ['put'] }, /operations\[0\] must be an object/],
    ['a line without a model', withLine({ model: '' }), /operations\[0\]\.model must name a model/],
    ['a line with both rates', withLine({ perMonth: 3 }), /needs perSecond or perMonth/],
    ['a line with no rate', { ...base, operations: [{ model: 'Ledger', operation: 'put', itemBytes: 1 }] }, /needs perSecond or perMonth/],
    ['consistent as text', withLine({ consistent: 'yes' }), /operations\[0\]\.consistent must be true or false/],
    ['transactional as a number', withLine({ transactional: 1 }), /operations\[0\]\.transactional must be true or false/],
    ['a label that is no string', withLine({ label: 3 }), /operations\[0\]\.label must be a string/],
    ['an index that is no string', withLine({ index: ['x'] }), /operations\[0\]\.index must be a string/],
    ['a fractional itemBytes', withLine({ itemBytes: 1.5 }), /itemBytes must be a whole number/],
    ['itemBytes as text', withLine({ itemBytes: '100' }), /itemBytes must be a whole number/],
    ['a negative perSecond', withLine({ perSecond: -1 }), /perSecond must be a number of at least 0/],
    ['an infinite perMonth', { ...base, operations: [{ model: 'Ledger', operation: 'put', perMonth: Infinity, itemBytes: 1 }] }, /perMonth must be a number/],
    ['a fractional keyBytes', withLine({ keyBytes: 2.5 }), /keyBytes must be a whole number/],
    ['a negative indexBytes', withLine({ indexBytes: -3 }), /indexBytes must be a whole number/],
    ['NaN items', withLine({ items: Number.NaN }), /items must be a whole number/],
    ['indexes that are no list', withLine({ indexes: 'gsi-ref' }), /indexes must be a list of index names/],
    ['changesIndexKeys with a number', withLine({ changesIndexKeys: ['gsi-ref', 2] }), /changesIndexKeys must be a list of index names/],
    ['a price that is no object', { ...base, prices: [null] }, /prices\[0\] must be an object/],
    ['a price without a region', { ...base, prices: [{ billingMode: 'onDemand', read: 1, write: 1 }] }, /prices\[0\] needs a region/],
    ['a price of another billing mode', { ...base, prices: [{ region: 'x', billingMode: 'reserved', read: 1, write: 1 }] }, /prices\[0\] needs a region/],
    ['a negative read price', { ...base, prices: [{ region: 'x', billingMode: 'onDemand', read: -1, write: 1 }] }, /prices\[0\]\.read/],
    ['a write price as text', { ...base, prices: [{ region: 'x', billingMode: 'onDemand', read: 1, write: '1' }] }, /prices\[0\]\.write/],
  ])('%s is a CostInputError naming it', (_name, raw, message) => {
    expect(() => parseWorkload(raw)).toThrow(CostInputError);
    expect(() => parseWorkload(raw)).toThrow(message);
  });

  test('the problem is named at its line', () => {
    const raw = { ...base, operations: [line0, { ...line0, itemBytes: -1 }] };
    expect(() => parseWorkload(raw)).toThrow(/operations\[1\]\.itemBytes/);
  });
});

describe('workload files: what is kept', () => {
  test('defaults: us-east-1, on-demand, no prices; only the keys given are kept', () => {
    const w = parseWorkload(base);
    expect(w).toEqual({ models: './m.js', region: 'us-east-1', billingMode: 'onDemand', prices: [], operations: [{ model: 'Ledger', operation: 'put', perSecond: 1, itemBytes: 100 }] });
  });

  test('every optional key of a line is kept as given', () => {
    const full = { label: 'L', model: 'Ledger', operation: 'query', perMonth: 0, itemBytes: 0, indexes: ['gsi-ref'], changesIndexKeys: [], keyBytes: 0, indexBytes: 7, consistent: false, transactional: true, index: 'byKind', items: 3 };
    expect(parseWorkload({ ...base, operations: [full] }).operations[0]).toEqual(full);
  });

  test('a price given without source or date is marked as the file’s', () => {
    const w = parseWorkload({ ...base, prices: [{ region: 'eu-west-1', billingMode: 'provisioned', read: 0.1, write: 0.2 }, { region: 'x', billingMode: 'onDemand', read: 0, write: 0, source: 'contract', since: '2026-01-01' }] });
    expect(w.prices).toEqual([
      { region: 'eu-west-1', billingMode: 'provisioned', read: 0.1, write: 0.2, source: 'the workload file', since: 'unknown' },
      { region: 'x', billingMode: 'onDemand', read: 0, write: 0, source: 'contract', since: '2026-01-01' },
    ]);
  });
});

describe('workload estimates', () => {
  const units = (line: Partial<WorkloadLine>) => lineUnits(Ledger, { model: 'Ledger', operation: 'put', itemBytes: 1500, ...line } as WorkloadLine);

  test('provisioned billing is priced per unit-hour at the built-in provisioned price', () => {
    const estimate = estimateWorkload(parseWorkload({ ...base, billingMode: 'provisioned' }), [Ledger]);
    const price = priceFor('us-east-1', 'provisioned');
    expect(estimate.price).toEqual(price);
    const [line] = estimate.lines;
    expect(line?.perMonth).toBe(SECONDS_PER_MONTH);
    expect(line!.dollars).toBeCloseTo(dollarsOf(price, line!.readUnits, line!.writeUnits), 12);
    expect(line?.label).toBe('put Ledger');
    expect(estimate.dollars).toBeCloseTo(line!.dollars, 12);
  });

  test('a region priced in the file uses the file’s price; an unpriced region is a CostInputError', () => {
    const estimate = estimateWorkload(parseWorkload({ ...base, region: 'eu-west-1', prices: [{ region: 'eu-west-1', billingMode: 'onDemand', read: 2, write: 3 }], operations: [{ ...line0, perSecond: undefined, perMonth: 10 }] }), [Ledger]);
    expect(estimate.price).toMatchObject({ region: 'eu-west-1', read: 2, write: 3 });
    // A put of 100 B: the table 1, gsi-ref (keys, 100 B) 1, gsi-kind 1, gsi-kind-amount 1, lsi-amount (200 B) 1.
    expect(estimate.writeUnits).toBe(10 * 5);
    expect(estimate.dollars).toBe(10 * 5 * 3);
    expect(() => estimateWorkload(parseWorkload({ ...base, region: 'eu-west-1', billingMode: 'provisioned' }), [Ledger])).toThrow(CostInputError);
  });

  test('a get names no index; an unknown index is refused for reads and writes', () => {
    expect(() => units({ operation: 'get', index: 'byKind' })).toThrow(/a get reads the table/);
    expect(() => units({ operation: 'query', index: 'nope' })).toThrow(/model Ledger has no index "nope"/);
    expect(() => units({ operation: 'put', indexes: ['nope'] })).toThrow(CostInputError);
    expect(() => units({ operation: 'update', changesIndexKeys: ['nope'] })).toThrow(CostInputError);
  });

  test('reads: a keys-only index reads entries of keyBytes (default 100); the table reads items', () => {
    // 41 entries of 100 B = 4,100 B: two strongly consistent units.
    expect(units({ operation: 'query', index: 'gsi-ref', items: 41, consistent: true }).read).toBe(2);
    expect(units({ operation: 'query', index: 'byRef', items: 41, keyBytes: 50, consistent: true }).read).toBe(1);
    // An index projecting all: the item's size. Eventually consistent halves; a transaction doubles.
    expect(units({ operation: 'query', index: 'byKind', items: 3, itemBytes: 4096 }).read).toBe(1.5);
    expect(units({ operation: 'get', itemBytes: 4097, consistent: true }).read).toBe(2);
    expect(units({ operation: 'get', itemBytes: 10, transactional: true }).read).toBe(2);
    expect(units({ operation: 'query', items: undefined, itemBytes: 10 }).at[0]?.index).toBeUndefined();
  });

  test('writes: delete, put and update per index kind; a local index counts its overhead', () => {
    // Delete of 1,500 B from gsi-kind and lsi-amount (1,600 B): 2 + 2 + 2.
    expect(units({ operation: 'delete', indexes: ['byKind', 'lsi-amount'] }).write).toBe(6);
    // Delete from a keys-only index only: table 2 + 100 B entry 1.
    expect(units({ operation: 'delete', indexes: ['gsi-ref'] }).write).toBe(3);
    // Put into no index: the table alone.
    expect(units({ operation: 'put', indexes: [] }).write).toBe(2);
    expect(units({ operation: 'create', indexes: [], transactional: true }).write).toBe(4);
    // Update: a keys-only entry with its key unchanged costs nothing; with its key moved, a delete and a put.
    expect(units({ operation: 'update', indexes: ['gsi-ref'] }).write).toBe(2);
    expect(units({ operation: 'update', indexes: ['gsi-ref'], changesIndexKeys: ['byRef'] }).write).toBe(2 + 1 + 1);
    // An index projecting all is rewritten on every update (its projected attributes change).
    expect(units({ operation: 'update', indexes: ['byKind'] }).write).toBe(2 + 2);
    // Every index of the model when the line names none: table 2, gsi-ref 1, gsi-kind 2, gsi-kind-amount 2, lsi-amount 2.
    expect(units({ operation: 'put' }).write).toBe(9);
    // A listed projection: entries of indexBytes when given, else of the item's size (an upper bound).
    expect(units({ operation: 'put', indexes: ['byKindAmount'], indexBytes: 10 }).write).toBe(2 + 1);
    expect(units({ operation: 'query', index: 'byKindAmount', items: 2, itemBytes: 4096, consistent: true }).read).toBe(2);
    expect(units({ operation: 'query', index: 'byKindAmount', items: 2, itemBytes: 4096, indexBytes: 10, consistent: true }).read).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------------
// Order of key values
// ---------------------------------------------------------------------------------------------------

describe('order of key values', () => {
  test('strings: code point order, a prefix first, equal strings equal', () => {
    expect(compareText('abc', 'abc')).toBe(0);
    expect(compareText('ab', 'abc')).toBeLessThan(0);
    expect(compareText('b', 'a')).toBeGreaterThan(0);
    // U+FF5E is below U+1F600 in code points, above its UTF-16 surrogates.
    expect(compareText('\uff5e', '😀')).toBeLessThan(0);
    expect(compareText('😀', '\uff5e')).toBeGreaterThan(0);
    // Two surrogates compare as units.
    expect(compareText('😀', '😁')).toBeLessThan(0);
  });

  test('numbers: signs, zeros in every spelling, exponents, digits', () => {
    expect(compareNumbers('-1', '1')).toBeLessThan(0);
    expect(compareNumbers('0', '-5')).toBeGreaterThan(0);
    expect(compareNumbers('0', '0.000')).toBe(0);
    expect(compareNumbers('-0', '0e5')).toBe(0);
    expect(compareNumbers('100', '1e2')).toBe(0);
    expect(compareNumbers('0.01', '0.1')).toBeLessThan(0);
    expect(compareNumbers('12', '125')).toBeLessThan(0);
    expect(compareNumbers('13', '125')).toBeLessThan(0);
    expect(compareNumbers('-12', '-125')).toBeGreaterThan(0);
    expect(compareNumbers('-1e3', '-999')).toBeLessThan(0);
    expect(compareNumbers('99999999999999999999999999999999999999', '99999999999999999999999999999999999998')).toBeGreaterThan(0);
    expect(compareNumbers('+7', '7.0')).toBe(0);
    // Text that is no number compares as zero (DynamoDB never stores one).
    expect(compareNumbers('abc', '0')).toBe(0);
  });

  test('values: missing first, S/N/B each by its rule, values of different types equal', () => {
    expect(compareValues(undefined, undefined)).toBe(0);
    expect(compareValues(undefined, { S: '' })).toBeLessThan(0);
    expect(compareValues({ N: '0' }, undefined)).toBeGreaterThan(0);
    expect(compareValues({ N: '9' }, { N: '10' })).toBeLessThan(0);
    expect(compareValues({ B: new Uint8Array([1, 255]) }, { B: new Uint8Array([2]) })).toBeLessThan(0);
    expect(compareBytes(new Uint8Array([1]), new Uint8Array([1, 0]))).toBeLessThan(0);
    expect(compareValues({ S: 'a' }, { N: '1' })).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// The shard merge
// ---------------------------------------------------------------------------------------------------

const SECRET = 'a-cursor-secret-of-at-least-32-characters';
const item = (id: string, at?: AttributeValue): AttributeMap => ({ id: { S: id }, ...(at ? { at } : {}) });

/** Shards served from memory as DynamoDB pages them: Limit, ExclusiveStartKey, LastEvaluatedKey. */
function shardExecutor(shards: AttributeMap[][], options: { fail?: (shard: number) => unknown; cursorSecret?: string } = {}) {
  const sent: Record<string, unknown>[] = [];
  const executor = {
    config: { cursorSecret: options.cursorSecret },
    send: async (_command: unknown, request: { input: Record<string, unknown> }) => {
      const input = request.input;
      sent.push(input);
      const n = input.shard as number;
      const failure = options.fail?.(n);
      if (failure) throw failure;
      const shard = shards[n] as AttributeMap[];
      const after = input.ExclusiveStartKey as AttributeMap | undefined;
      const from = after ? shard.findIndex((x) => x.id?.S === after.id?.S) + 1 : 0;
      const page = shard.slice(from, from + ((input.Limit as number | undefined) ?? Infinity));
      const more = from + page.length < shard.length;
      return { Items: page, ...(more ? { LastEvaluatedKey: { id: page.at(-1)?.id as AttributeValue } } : {}) };
    },
  } as unknown as Executor;
  return { executor, sent };
}

function planOf(shards: number, extra: Record<string, unknown> = {}): ReadPlan<string> {
  return {
    inputs: Array.from({ length: shards }, (_, shard) => ({ shard })),
    accepts: () => true,
    keyAttributes: ['id'],
    filtered: false,
    pageSize: undefined,
    limit: undefined,
    operation: 'Query',
    label: 'Thing.query',
    context: {},
    binding: () => 'thing-query',
    decode: async (raws: AttributeMap[]) => raws.map((r) => r.id?.S as string),
    ...extra,
  } as unknown as ReadPlan<string>;
}

async function drain(merge: ShardMerge<unknown>, max = Infinity): Promise<string[]> {
  const out: string[] = [];
  while (out.length < max && !merge.done()) {
    await merge.refill(max - out.length);
    out.push(...merge.take(max - out.length).map((x) => x.id?.S as string));
  }
  return out;
}

const ASC: MergeOrder = { attribute: 'at', descending: false };
const DESC: MergeOrder = { attribute: 'at', descending: true };

describe('shard merge', () => {
  test('empty shards: nothing, done, every place read to the end', async () => {
    const { executor } = shardExecutor([[], [], []]);
    const merge = new ShardMerge(executor, planOf(3), ASC, [undefined, undefined, undefined]);
    expect(merge.done()).toBe(false);
    expect(await drain(merge)).toEqual([]);
    expect(merge.done()).toBe(true);
    expect(merge.places()).toEqual([null, null, null]);
  });

  test('ties go to the lower shard, ascending and descending', async () => {
    const shards = [[item('b1', { N: '1' })], [item('a1', { N: '1' })], [item('c0', { N: '0' })]];
    expect(await drain(new ShardMerge(shardExecutor(shards).executor, planOf(3), ASC, [undefined, undefined, undefined]))).toEqual(['c0', 'b1', 'a1']);
    expect(await drain(new ShardMerge(shardExecutor(shards).executor, planOf(3), DESC, [undefined, undefined, undefined]))).toEqual(['b1', 'a1', 'c0']);
  });

  test('without a sort key the shards follow one another', async () => {
    const shards = [[item('x2'), item('x1')], [item('y0')]];
    expect(await drain(new ShardMerge(shardExecutor(shards).executor, planOf(2), { attribute: undefined, descending: false }, [undefined, undefined]))).toEqual(['x2', 'x1', 'y0']);
  });

  test('binary keys by bytes, string keys by code point, number keys by value, descending too', async () => {
    const b = (...bytes: number[]) => ({ B: new Uint8Array(bytes) });
    const binary = [[item('p', b(1)), item('q', b(2, 0))], [item('r', b(1, 5)), item('s', b(255))]];
    expect(await drain(new ShardMerge(shardExecutor(binary).executor, planOf(2), ASC, [undefined, undefined]))).toEqual(['p', 'r', 'q', 's']);
    const numbers = [[item('n10', { N: '10' }), item('n2', { N: '2' })], [item('n9', { N: '9.5' }), item('m1', { N: '-1' })]];
    expect(await drain(new ShardMerge(shardExecutor(numbers).executor, planOf(2), DESC, [undefined, undefined]))).toEqual(['n10', 'n9', 'n2', 'm1']);
    const text = [[item('t1', { S: '\uff5e' })], [item('t2', { S: '😀' })]];
    expect(await drain(new ShardMerge(shardExecutor(text).executor, planOf(2), DESC, [undefined, undefined]))).toEqual(['t2', 't1']);
  });

  test('each shard’s place: not started, where its buffer was read from, after its last item, its next page, the end', async () => {
    const shards = [
      [item('a', { N: '1' }), item('c', { N: '3' }), item('e', { N: '5' })],
      [item('b', { N: '2' }), item('d', { N: '4' })],
    ];
    const plan = planOf(2, { pageSize: 2 });
    const merge = new ShardMerge(shardExecutor(shards).executor, plan, ASC, [undefined, undefined]);
    expect(merge.places()).toEqual([undefined, undefined]);
    await merge.refill(Infinity);
    // Both read (two items each); shard 0 has more on the server.
    expect(merge.take(1).map((x) => x.id?.S)).toEqual(['a']);
    expect(merge.places()).toEqual([{ id: { S: 'a' } }, undefined]);
    expect(merge.take(2).map((x) => x.id?.S)).toEqual(['b', 'c']);
    // Shard 0's buffer is spent and it is open: its place is its LastEvaluatedKey; shard 1 after 'b'.
    expect(merge.take(5)).toEqual([]);
    expect(merge.places()).toEqual([{ id: { S: 'c' } }, { id: { S: 'b' } }]);
    await merge.refill(Infinity);
    // Shard 0 re-read from 'c' (nothing taken yet): its place is where that read started.
    expect(merge.places()).toEqual([{ id: { S: 'c' } }, { id: { S: 'b' } }]);
    expect(merge.take(5).map((x) => x.id?.S)).toEqual(['d', 'e']);
    expect(merge.done()).toBe(true);
    expect(merge.places()).toEqual([null, null]);
  });

  test('resuming: a finished shard is not read; a started one from its key', async () => {
    const shards = [[item('a', { N: '1' })], [item('b', { N: '2' }), item('c', { N: '3' })]];
    const { executor, sent } = shardExecutor(shards);
    const merge = new ShardMerge(executor, planOf(2), ASC, [null, { id: { S: 'b' } }]);
    expect(await drain(merge)).toEqual(['c']);
    expect(sent).toEqual([{ shard: 1, ExclusiveStartKey: { id: { S: 'b' } } }]);
  });

  test('read sizes: an even share plus one, doubled for a shard that runs dry again; pageSize caps; a filter reads past the limit', async () => {
    const many = (p: string, n: number) => Array.from({ length: n }, (_, i) => item(`${p}${i}`, { N: String(i) }));
    // Unfiltered, 10 wanted over 2 shards: Limit min(ceil(10/2)+1, 11) = 6 each.
    const a = shardExecutor([many('a', 20), many('b', 20)]);
    const m = new ShardMerge(a.executor, planOf(2), ASC, [undefined, undefined]);
    await m.refill(10);
    expect(a.sent.map((i) => i.Limit)).toEqual([6, 6]);
    // A shard that runs dry again reads twice as much, within what is still wanted (+1).
    m.take(11);
    await m.refill(4);
    expect(a.sent.slice(2).map((i) => i.Limit)).toEqual([5]);
    // pageSize caps the read.
    const b = shardExecutor([many('a', 20), many('b', 20)]);
    await new ShardMerge(b.executor, planOf(2, { pageSize: 3 }), ASC, [undefined, undefined]).refill(10);
    expect(b.sent.map((i) => i.Limit)).toEqual([3, 3]);
    // Filtered: the growth is not cut at the limit (a filter may drop what is read).
    const c = shardExecutor([many('a', 40), many('b', 40)]);
    const f = new ShardMerge(c.executor, planOf(2, { filtered: true, accepts: (r: AttributeMap) => r.id?.S?.startsWith('b') === true }), ASC, [undefined, undefined]);
    await f.refill(2);
    expect(c.sent.map((i) => i.Limit)).toEqual([2, 2]);
    expect(f.take(2).map((x) => x.id?.S)).toEqual([]); // shard 0's buffer is empty (all dropped) and it is open
    await f.refill(2);
    expect(c.sent.slice(2).map((i) => i.Limit)).toEqual([4]);
    // Nothing wanted without a limit: no Limit sent.
    const d = shardExecutor([many('a', 2)]);
    await new ShardMerge(d.executor, planOf(1), ASC, [undefined]).refill(Infinity);
    expect(d.sent).toEqual([{ shard: 0 }]);
  });

  test('a page without Items reads as empty; a key attribute an item lacks is left out of its place', async () => {
    const executor = { send: async () => ({}) } as unknown as Executor;
    const merge = new ShardMerge(executor, planOf(1), ASC, [undefined]);
    expect(await drain(merge)).toEqual([]);
    expect(merge.places()).toEqual([null]);
    const partial = new ShardMerge(shardExecutor([[item('a', { N: '1' }), item('b', { N: '2' })]]).executor, planOf(1, { keyAttributes: ['id', 'at', 'gone'] }), ASC, [undefined]);
    await partial.refill(Infinity);
    partial.take(1);
    expect(partial.places()).toEqual([{ id: { S: 'a' }, at: { N: '1' } }]);
  });

  test('a refill with no shard dry reads nothing', async () => {
    const { executor, sent } = shardExecutor([[item('a', { N: '1' }), item('b', { N: '2' })]]);
    const merge = new ShardMerge(executor, planOf(1, { pageSize: 1 }), ASC, [undefined]);
    await merge.refill(5);
    await merge.refill(5);
    expect(sent).toHaveLength(1);
  });

  test('deadlines: no time for another round is Stop; a request aborted at the deadline is Stop; other errors pass', async () => {
    const shards = [[item('a', { N: '1' }), item('b', { N: '2' })]];
    const tight = planOf(1, { pageSize: 1, context: { deadline: { remaining: () => 0 } } });
    const merge = new ShardMerge(shardExecutor(shards).executor, tight, ASC, [undefined]);
    await merge.refill(5); // the first round always goes
    merge.take(1);
    await expect(merge.refill(5)).rejects.toBeInstanceOf(Stop);
    expect(merge.places()).toEqual([{ id: { S: 'a' } }]);

    const aborted = shardExecutor(shards, { fail: () => new DeadlineExceededError('late') });
    await expect(new ShardMerge(aborted.executor, planOf(1), ASC, [undefined]).refill(5)).rejects.toBeInstanceOf(Stop);
    const broken = shardExecutor([[], []], { fail: (n) => (n === 1 ? new Error('boom') : undefined) });
    await expect(new ShardMerge(broken.executor, planOf(2), ASC, [undefined, undefined]).refill(5)).rejects.toThrow('boom');
  });
});

describe('sharded cursors', () => {
  test('places round-trip: not started, ended, a key of each type', () => {
    const plan = planOf(4);
    const places: Place[] = [undefined, null, { id: { S: 'k' } }, { id: { N: '3' }, b: { B: new Uint8Array([1, 2]) } }];
    expect(decodePlaces(SECRET, plan, encodePlaces(SECRET, plan, places))).toEqual(places);
  });

  test('a cursor of another shard count, another query, or without places is refused', () => {
    const cursor = encodePlaces(SECRET, planOf(2), [undefined, null]);
    expect(() => decodePlaces(SECRET, planOf(3), cursor)).toThrow(InvalidCursorError);
    expect(() => decodePlaces(SECRET, planOf(2, { binding: () => 'other' }), cursor)).toThrow(InvalidCursorError);
    const notPlaces = cursorCodec(SECRET).encode('thing-query/shards:2', ['x', 1]);
    expect(() => decodePlaces(SECRET, planOf(2), notPlaces)).toThrow(/does not hold shard places/);
    const notList = cursorCodec(SECRET).encode('thing-query/shards:1', { a: 1 });
    expect(() => decodePlaces(SECRET, planOf(1), notList)).toThrow(/shard count does not match/);
  });
});

describe('mergeRunner', () => {
  const shards = () => [
    [item('a', { N: '1' }), item('c', { N: '3' })],
    [item('b', { N: '2' }), item('d', { N: '4' })],
  ];

  test('page() without a limit: one read of each shard, what can be returned, and no cursor when all is read', async () => {
    const { executor, sent } = shardExecutor(shards(), { cursorSecret: SECRET });
    const page = await mergeRunner(ASC).page(executor, planOf(2), undefined);
    expect(page).toEqual({ items: ['a', 'b', 'c', 'd'], cursor: undefined });
    expect(sent).toHaveLength(2);
  });

  test('page() with a limit: a cursor that resumes after the last item returned, then the rest', async () => {
    const { executor } = shardExecutor(shards(), { cursorSecret: SECRET });
    const plan = planOf(2, { limit: 3 });
    const first = await mergeRunner(ASC).page(executor, plan, undefined);
    expect(first.items).toEqual(['a', 'b', 'c']);
    // Shard 0 was read to its end (both its items returned); shard 1 resumes after 'b'.
    expect(decodePlaces(SECRET, plan, first.cursor)).toEqual([null, { id: { S: 'b' } }]);
    const second = await mergeRunner(ASC).page(executor, plan, first.cursor);
    expect(second).toEqual({ items: ['d'], cursor: undefined });
  });

  test('page() needs a cursor secret before it reads; out of time it returns what it took and a cursor', async () => {
    const none = shardExecutor(shards());
    await expect(mergeRunner(ASC).page(none.executor, planOf(2), undefined)).rejects.toBeInstanceOf(ConfigurationError);
    expect(none.sent).toHaveLength(0);
    const { executor } = shardExecutor(shards(), { cursorSecret: SECRET });
    const plan = planOf(2, { limit: 4, pageSize: 1, context: { deadline: { remaining: () => 0 } } });
    const page = await mergeRunner(ASC).page(executor, plan, undefined);
    expect(page.items).toEqual(['a']);
    expect(decodePlaces(SECRET, plan, page.cursor)).toEqual([{ id: { S: 'a' } }, { id: { S: 'b' } }].map((k, i) => (i === 0 ? k : undefined)));
    // An error that is not the deadline passes.
    const broken = shardExecutor(shards(), { cursorSecret: SECRET, fail: () => new Error('boom') });
    await expect(mergeRunner(ASC).page(broken.executor, planOf(2), undefined)).rejects.toThrow('boom');
    // Nothing returned: no decode, an empty page.
    const empty = shardExecutor([[], []], { cursorSecret: SECRET });
    expect(await mergeRunner(ASC).page(empty.executor, planOf(2, { decode: () => { throw new Error('decoded'); } }), undefined)).toEqual({ items: [], cursor: undefined });
  });

  test('pages(): every item in order up to the limit; resumes from a cursor', async () => {
    const descending = shardExecutor(shards().map((s) => [...s].reverse()));
    const all: string[] = [];
    for await (const page of mergeRunner(DESC).pages(descending.executor, planOf(2, { pageSize: 1 }), undefined)) all.push(...page);
    expect(all).toEqual(['d', 'c', 'b', 'a']);
    const { executor } = shardExecutor(shards(), { cursorSecret: SECRET });
    const limited: string[] = [];
    for await (const page of mergeRunner(ASC).pages(executor, planOf(2, { limit: 3 }), undefined)) limited.push(...page);
    expect(limited).toEqual(['a', 'b', 'c']);
    // A round whose reads a filter empties yields no page, and the walk goes on.
    const filtered = shardExecutor([[item('x1', { N: '1' }), item('a', { N: '2' })]]);
    const pages: string[][] = [];
    for await (const page of mergeRunner(ASC).pages(filtered.executor, planOf(1, { filtered: true, pageSize: 1, accepts: (r: AttributeMap) => r.id?.S !== 'x1' }), undefined)) pages.push(page);
    expect(pages).toEqual([['a']]);
    const cursor = encodePlaces(SECRET, planOf(2), [null, { id: { S: 'b' } }]);
    const resumed: string[] = [];
    for await (const page of mergeRunner(ASC).pages(executor, planOf(2), cursor)) resumed.push(...page);
    expect(resumed).toEqual(['d']);
  });

  test('pages() out of time: DeadlineExceededError with a cursor holding the places (none without a secret)', async () => {
    const plan = planOf(2, { pageSize: 1, context: { deadline: { remaining: () => 0 } } });
    const { executor } = shardExecutor(shards(), { cursorSecret: SECRET });
    const got: string[] = [];
    const error = await (async () => {
      for await (const page of mergeRunner(ASC).pages(executor, plan, undefined)) got.push(...page);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(got).toEqual(['a']);
    expect(decodePlaces(SECRET, plan, (error as DeadlineExceededError).cursor)).toEqual([{ id: { S: 'a' } }, undefined]);
    const bare = shardExecutor(shards());
    const noSecret = await (async () => {
      for await (const _ of mergeRunner(ASC).pages(bare.executor, plan, undefined)) void _;
    })().catch((e: unknown) => e);
    expect(noSecret).toBeInstanceOf(DeadlineExceededError);
    expect((noSecret as DeadlineExceededError).cursor).toBeUndefined();
    const broken = shardExecutor(shards(), { fail: () => new Error('boom') });
    await expect((async () => {
      for await (const _ of mergeRunner(ASC).pages(broken.executor, planOf(2), undefined)) void _;
    })()).rejects.toThrow('boom');
  });
});

// ---------------------------------------------------------------------------------------------------
// Guard layouts
// ---------------------------------------------------------------------------------------------------

describe('guard layouts', () => {
  const layoutOf = (attributes: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    guardLayout(model('G', { table: 't', ...extra, attributes: attributes as never }).compiled);

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['a unique field with a check condition', { id: attr.string().partitionKey(), e: (ephemeral(attr.string().optional()) as unknown as { unique(): unknown }).unique() }, /conditions cannot name it/],
    ['a unique key field', { id: attr.string().partitionKey().unique() }, /part of the primary key/],
    ['a field scoping itself', { id: attr.string().partitionKey(), e: attr.string().unique({ scope: ['e'] }) }, /cannot scope itself/],
    ['a scope name that is no string', { id: attr.string().partitionKey(), e: attr.string().unique({ scope: [3 as never] }) }, /names 3, which is not a field/],
    ['a scope that is a list', { id: attr.string().partitionKey(), tags: attr.list(attr.string()), e: attr.string().unique({ scope: ['tags'] }) }, /must be a scalar, unencrypted field/],
    ['a number partition key', { id: attr.number().partitionKey(), e: attr.string().unique() }, /need a string partition key/],
    ['a binary sort key', { id: attr.string().partitionKey(), at: attr.binary().sortKey(), e: attr.string().unique() }, /string or number sort key/],
  ])('%s is refused', (_name, attributes, message) => {
    expect(() => layoutOf(attributes)).toThrow(ModelDefinitionError);
    expect(() => layoutOf(attributes)).toThrow(message);
  });

  test('sort keys: a string or template sort key gets the guard entity, a number one 0; no sort key, none', () => {
    const text = layoutOf({ id: attr.string().partitionKey(), sk: attr.string().sortKey(), e: attr.string().unique() }) as GuardLayout;
    expect(text.sort).toEqual({ stored: 'sk', value: { S: GUARD_ENTITY } });
    const number = layoutOf({ id: attr.string().partitionKey(), n: attr.integer().sortKey(), e: attr.string().unique() }) as GuardLayout;
    expect(number.sort).toEqual({ stored: 'n', value: { N: '0' } });
    expect(guardKey(number, 'P')).toEqual({ id: { S: 'P' }, n: { N: '0' } });
    const bare = layoutOf({ id: attr.string().partitionKey(), e: attr.string().unique() }) as GuardLayout;
    expect(bare.sort).toBeUndefined();
    expect(guardKey(bare, 'P')).toEqual({ id: { S: 'P' } });
    const templated = layoutOf({ pk: attr.template('T#{a}').partitionKey(), a: attr.number(), sk: attr.template('S#{b}').sortKey(), b: attr.number(), e: attr.string().unique() }) as GuardLayout;
    expect(templated.sort?.value).toEqual({ S: GUARD_ENTITY });
  });

  test('guards of a model without a sort key are owned by the partition alone', () => {
    const bare = layoutOf({ id: attr.string().partitionKey(), e: attr.string().unique() }) as GuardLayout;
    const plan = deleteGuard(bare, 't', bare.unique[0]!, 'P', { id: { S: 'owner' } }, { model: 'G', table: 't' } as never, true);
    expect(plan.input).toMatchObject({ ConditionExpression: '#opk = :opk', ExpressionAttributeNames: { '#opk': '_opk' }, ExpressionAttributeValues: { ':opk': { S: 'owner' } } });
  });

  test('guards of a model with a sort key are owned by both parts of the owner’s key', () => {
    const sorted = layoutOf({ id: attr.string().partitionKey(), sk: attr.string().sortKey(), e: attr.string().unique() }) as GuardLayout;
    const owner = { id: { S: 'o' }, sk: { S: 's' } };
    const target = { model: 'G', table: 't' } as never;
    const put = putGuard(sorted, 't', sorted.unique[0]!, 'P', owner, target);
    expect(put.input).toMatchObject({
      Item: { id: { S: 'P' }, sk: { S: GUARD_ENTITY }, _opk: { S: 'o' }, _osk: { S: 's' } },
      ConditionExpression: 'attribute_not_exists(#pk) OR (#opk = :opk AND #osk = :osk)',
      ExpressionAttributeValues: { ':opk': { S: 'o' }, ':osk': { S: 's' } },
    });
    const lenient = deleteGuard(sorted, 't', sorted.unique[0]!, 'P', owner, target, false);
    expect(lenient.input).toMatchObject({ Key: { id: { S: 'P' }, sk: { S: GUARD_ENTITY } }, ConditionExpression: 'attribute_not_exists(#pk) OR (#opk = :opk AND #osk = :osk)', ExpressionAttributeNames: { '#pk': 'id', '#osk': '_osk' } });
  });

  test('guard partitions tell value types apart: binary, boolean; other attribute values are refused', () => {
    const layout = layoutOf({ id: attr.string().partitionKey(), e: attr.string().unique() }) as GuardLayout;
    const u = layout.unique[0]!;
    const keys = [{ S: 'AQI=' }, { B: new Uint8Array([1, 2]) }, { BOOL: true }, { S: 'true' }, { BOOL: false }].map((v) => guardPartition(layout, u, [v]));
    expect(new Set(keys).size).toBe(5);
    expect(guardPartition(layout, u, [{ B: new Uint8Array([1, 2]) }])).toBe(keys[1]);
    expect(() => guardPartition(layout, u, [{ NULL: true }])).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------------------------------------------
// The circuit-breaker middleware
// ---------------------------------------------------------------------------------------------------

function installed(plugin: CircuitBreaker): { mw: Middleware; name: string } {
  const host = { plugins: [] as PluginEntries, use(name: string, mw: Middleware) { host.plugins = [...host.plugins, [name, mw]]; } };
  plugin.install(host);
  const [name, mw] = host.plugins[0]!;
  return { mw, name };
}

const ctx = (table: string | undefined, partner?: string) => ({ table, partner }) as unknown as OperationContext;
const get = (table: string, partner?: string): DynamORMRequest => ({ operation: 'GetItem', input: { TableName: table }, context: ctx(table, partner) });
const fail = () => Promise.reject(new Error('down'));
const ok = () => Promise.resolve('ok');
const alwaysFailure = { classify: (e: unknown) => (e ? ('failure' as const) : ('success' as const)) };

describe('circuit breaker middleware', () => {
  test('a request that names no table goes through unguarded', async () => {
    const breaker = circuitBreaker({ failureThreshold: 1, ...alwaysFailure });
    const { mw, name } = installed(breaker);
    expect(name).toBe('circuit-breaker');
    const list: DynamORMRequest = { operation: 'ListTables', input: {}, context: ctx(undefined) };
    for (let i = 0; i < 3; i++) await expect(mw(list, fail)).rejects.toThrow('down');
    expect(breaker.circuits()).toEqual([]);
  });

  test('the table comes from the input when the context names none; the name is the one given', async () => {
    const breaker = circuitBreaker({ name: 'cb', failureThreshold: 1, ...alwaysFailure });
    const { mw, name } = installed(breaker);
    expect(name).toBe('cb');
    await expect(mw({ operation: 'PutItem', input: { TableName: 'raw' }, context: ctx(undefined) }, fail)).rejects.toThrow('down');
    expect(breaker.state({ table: 'raw' })).toBe('open');
    await expect(mw({ operation: 'PutItem', input: { TableName: 'raw' }, context: ctx(undefined) }, ok)).rejects.toBeInstanceOf(CircuitOpenError);
  });

  test('a transaction is guarded on each table it names (once each); one open circuit refuses it', async () => {
    let clock = 0;
    const breaker = circuitBreaker({ failureThreshold: 2, cooldownMs: 100, now: () => clock, ...alwaysFailure });
    const { mw } = installed(breaker);
    const tx: DynamORMRequest = {
      operation: 'TransactWriteItems',
      input: { TransactItems: [{ Put: { TableName: 'a' } }, { Update: { TableName: 'b' } }, { ConditionCheck: { TableName: 'a' } }, { Delete: { TableName: 7 } }, {}] },
      context: ctx(undefined),
    };
    await expect(mw(tx, ok)).resolves.toBe('ok');
    expect(breaker.circuits().map((c) => c.table)).toEqual(['a', 'b']);
    // Two failures of the transaction: both circuits open (each counted once per request).
    await expect(mw(tx, fail)).rejects.toThrow('down');
    expect(breaker.state({ table: 'a' })).toBe('closed');
    await expect(mw(tx, fail)).rejects.toThrow('down');
    expect([breaker.state({ table: 'a' }), breaker.state({ table: 'b' })]).toEqual(['open', 'open']);
    clock = 40;
    const refused = (await mw(get('b'), ok).catch((e: unknown) => e)) as CircuitOpenError;
    expect(refused).toMatchObject({ table: 'b', state: 'open', retryAfterMs: 60 });
    // A transaction without tables at all is not guarded.
    await expect(mw({ operation: 'TransactWriteItems', input: { TransactItems: [] }, context: ctx(undefined) }, ok)).resolves.toBe('ok');
  });

  test('beyond maxCircuits the oldest closed circuit is forgotten; open ones are kept', async () => {
    const breaker = circuitBreaker({ maxCircuits: 2, failureThreshold: 1, ...alwaysFailure });
    const { mw } = installed(breaker);
    await mw(get('t1'), ok);
    await mw(get('t2'), ok);
    await mw(get('t3'), ok);
    expect(breaker.circuits().map((c) => c.table)).toEqual(['t2', 't3']);
    await expect(mw(get('t2'), fail)).rejects.toThrow('down');
    await expect(mw(get('t3'), fail)).rejects.toThrow('down');
    // Both kept circuits are open: none is forgotten, the new one is added all the same.
    await mw(get('t4'), ok);
    expect(breaker.circuits().map((c) => [c.table, c.state])).toEqual([['t2', 'open'], ['t3', 'open'], ['t4', 'closed']]);
  });

  test('listeners: added and removed; reset() of all circuits closes each open one and tells the listeners', async () => {
    const breaker = circuitBreaker({ failureThreshold: 1, ...alwaysFailure });
    const { mw } = installed(breaker);
    const heard: StateChange[] = [];
    const stop = breaker.onStateChange((c) => heard.push(c));
    await expect(mw(get('x', 'p'), fail)).rejects.toThrow('down');
    expect(heard.map((c) => [c.table, c.partner, c.to, c.reason])).toEqual([['x', 'p', 'open', 'failures']]);
    stop();
    await expect(mw(get('y'), fail)).rejects.toThrow('down');
    expect(heard).toHaveLength(1);
    const after: StateChange[] = [];
    breaker.onStateChange((c) => after.push(c));
    breaker.reset();
    expect(after.map((c) => [c.table, c.to, c.reason]).sort()).toEqual([['x', 'closed', 'reset'], ['y', 'closed', 'reset']]);
    expect(breaker.state({ table: 'x', partner: 'p' })).toBe('closed');
    // Resetting a circuit that does not exist changes nothing.
    expect(() => breaker.reset({ table: 'nowhere' })).not.toThrow();
    expect(breaker.state({ table: 'nowhere' })).toBe('closed');
  });

  test('throttles: counted apart by default; with throttling "trip", failures that open the circuit', async () => {
    const throttled = () => Promise.reject(new ThrottledError('slow down'));
    const counting = circuitBreaker({ failureThreshold: 2 });
    const a = installed(counting).mw;
    for (let i = 0; i < 5; i++) await expect(a(get('t'), throttled)).rejects.toBeInstanceOf(ThrottledError);
    expect(counting.state({ table: 't' })).toBe('closed');
    expect(counting.circuits()[0]).toMatchObject({ table: 't', partner: undefined });
    const tripping = circuitBreaker({ failureThreshold: 2, throttling: 'trip' });
    const b = installed(tripping).mw;
    for (let i = 0; i < 2; i++) await expect(b(get('t'), throttled)).rejects.toBeInstanceOf(ThrottledError);
    expect(tripping.state({ table: 't' })).toBe('open');
  });

  test('default classification: a plain Error is neutral and never opens; an answer is a success', async () => {
    const breaker = circuitBreaker({ failureThreshold: 1 });
    const { mw } = installed(breaker);
    for (let i = 0; i < 3; i++) await expect(mw(get('t'), fail)).rejects.toThrow('down');
    expect(breaker.state({ table: 't' })).toBe('closed');
    await expect(mw(get('t'), ok)).resolves.toBe('ok');
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['a fractional failureThreshold', { failureThreshold: 1.5 }, /failureThreshold must be an integer of at least 1/],
    ['a zero closeAfter', { closeAfter: 0 }, /closeAfter/],
    ['a zero maxCircuits', { maxCircuits: 0 }, /maxCircuits/],
    ['a NaN cooldown', { cooldownMs: Number.NaN }, /cooldownMs must be a number of at least 0/],
    ['an infinite cooldown', { cooldownMs: Infinity }, /cooldownMs/],
  ])('%s is a ConfigurationError', (_name, options, message) => {
    expect(() => circuitBreaker(options)).toThrow(ConfigurationError);
    expect(() => circuitBreaker(options)).toThrow(message);
  });

  test('a cooldown of 0 lets a probe through at once', async () => {
    const breaker = circuitBreaker({ failureThreshold: 1, cooldownMs: 0, closeAfter: 1, ...alwaysFailure, now: () => 5 });
    const { mw } = installed(breaker);
    await expect(mw(get('t'), fail)).rejects.toThrow('down');
    expect(breaker.state({ table: 't' })).toBe('half-open');
    await expect(mw(get('t'), ok)).resolves.toBe('ok');
    expect(breaker.state({ table: 't' })).toBe('closed');
  });
});

// ---------------------------------------------------------------------------------------------------
// findByUnique: bad input before anything is sent
// ---------------------------------------------------------------------------------------------------

describe('findByUnique refusals (nothing sent)', () => {
  const Card = model('Card', {
    table: 'cards',
    attributes: {
      id: attr.string().partitionKey(),
      merchantId: attr.string().optional(),
      fingerprint: attr.string().unique(),
      reference: attr.string().optional().unique({ scope: ['merchantId'] }),
      note: attr.string().optional(),
    },
  });
  const Plain = model('PlainCard', { table: 'cards', attributes: { id: attr.string().partitionKey(), note: attr.string() } });
  // No server listens there: a request sent would fail with a network error, not a ValidationError.
  const db = Database.create({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, extensions: [uniqueValues()] });
  const find = findByUnique as unknown as (...args: unknown[]) => Promise<unknown>;
  const issues = async (p: Promise<unknown>) => {
    const error = await p.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map((i) => [i.path.join('.'), i.rule, i.message]);
  };

  test('a field that is not unique, or a model without unique fields', async () => {
    expect(await issues(find(db, Card, 'note', 'x'))).toEqual([['', 'not-unique', 'note is not a unique field of Card']]);
    expect(await issues(find(db, Plain, 'note', 'x'))).toEqual([['', 'not-unique', 'note is not a unique field of PlainCard']]);
    expect(await issues(find(db, Card, 7, 'x'))).toEqual([['', 'not-unique', 'the field is not a unique field of Card']]);
  });

  test('a missing value, a missing scope value, a scope that is no object, a value of the wrong type', async () => {
    expect(await issues(find(db, Card, 'fingerprint', undefined))).toEqual([['fingerprint', 'required', 'is required']]);
    expect(await issues(find(db, Card, 'reference', 'R-1', {}))).toEqual([['merchantId', 'required', 'is required: it scopes reference']]);
    expect(await issues(find(db, Card, 'reference', null, { merchantId: null }))).toEqual([
      ['merchantId', 'required', 'is required: it scopes reference'],
      ['reference', 'required', 'is required'],
    ]);
    expect((await issues(find(db, Card, 'reference', 'R-1', 5)))[0]?.slice(0, 2)).toEqual(['', 'scope']);
    const wrongType = await issues(find(db, Card, 'fingerprint', 42));
    expect(wrongType).toHaveLength(1);
    expect(wrongType[0]?.[0]).toBe('fingerprint');
  });

  test('something that is not a model is refused', async () => {
    await expect(find(db, {}, 'x', 'y')).rejects.toBeInstanceOf(ValidationError);
  });
});
