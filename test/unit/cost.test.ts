/**
 * The cost module's pure parts: DynamoDB's unit rules for all sizes (fast-check), the estimate from
 * stored images against the same rules on sizes, index entries (keys-only, a listed projection, an
 * item without the index's key, a changed key), value equality, prices (lookup, overrides,
 * provisioned unit-hours), and workload files (checked field by field, estimated per line and in
 * total, and the CLI's size-based estimate equal to the image-based one for an item of that size).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { attr, model } from '../../src/index.js';
import { itemSize } from '../../src/marshal/item-size.js';
import {
  CostInputError,
  dollarsOf,
  estimateRead,
  estimateReadSizes,
  estimateWorkload,
  estimateWrite,
  estimateWriteSizes,
  indexWriteUnits,
  lineUnits,
  LSI_ENTRY_OVERHEAD_BYTES,
  parseWorkload,
  priceFor,
  PRICES,
  readUnits,
  SECONDS_PER_MONTH,
  sumEstimates,
  writeUnits,
  type Image,
  type Price,
} from '../../src/cost/index.js';
import { sameValue } from '../../src/cost/estimate.js';

const size = fc.integer({ min: 0, max: 400 * 1024 });

describe('unit rules', () => {
  test('a write costs one unit per started KB, at least one', () => {
    expect([0, 1, 1024, 1025, 2048, 5000].map(writeUnits)).toEqual([1, 1, 1, 2, 2, 5]);
    fc.assert(
      fc.property(size, (bytes) => {
        const units = writeUnits(bytes);
        expect(units).toBeGreaterThanOrEqual(1);
        expect(units * 1024).toBeGreaterThanOrEqual(bytes);
        if (units > 1) expect((units - 1) * 1024).toBeLessThan(bytes);
      }),
    );
  });

  test('a read costs one unit per started 4 KB strongly consistent, half eventually, twice in a transaction', () => {
    expect(readUnits(4096, { consistent: true })).toBe(1);
    expect(readUnits(4097, { consistent: true })).toBe(2);
    expect(readUnits(0)).toBe(0.5);
    fc.assert(
      fc.property(size, (bytes) => {
        const strong = readUnits(bytes, { consistent: true });
        expect(strong * 4096).toBeGreaterThanOrEqual(bytes);
        expect(readUnits(bytes)).toBe(strong / 2);
        // A transactional read is consistent whatever `consistent` says.
        expect(readUnits(bytes, { transactional: true })).toBe(strong * 2);
        expect(readUnits(bytes, { transactional: true, consistent: true })).toBe(strong * 2);
      }),
    );
  });

  test('a query sums its entries before rounding: never more than reading them one by one', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 50 }), fc.boolean(), (sizes, consistent) => {
        const query = estimateReadSizes('query', sizes, { consistent }).read;
        const oneByOne = sizes.reduce((n, s) => n + readUnits(s, { consistent }), 0);
        expect(query).toBeLessThanOrEqual(oneByOne);
        expect(query).toBe(readUnits(sizes.reduce((a, b) => a + b, 0), { consistent }));
      }),
    );
    expect(() => estimateReadSizes('get', [1, 2])).toThrow(RangeError);
  });

  test('an index: put, delete, delete and put on a key change, the larger entry on a projected change, nothing unchanged', () => {
    expect(indexWriteUnits({ name: 'i' })).toBe(0);
    expect(indexWriteUnits({ name: 'i', after: 1500 })).toBe(2);
    expect(indexWriteUnits({ name: 'i', before: 3000 })).toBe(3);
    expect(indexWriteUnits({ name: 'i', before: 1500, after: 100, keyChanged: true })).toBe(3);
    expect(indexWriteUnits({ name: 'i', before: 100, after: 3000 })).toBe(3);
    expect(indexWriteUnits({ name: 'i', before: 3000, after: 3000, changed: false })).toBe(0);
  });

  test('a transactional write costs twice, at every place; estimates sum place by place', () => {
    const entry = fc.record({ before: fc.option(size, { nil: undefined }), after: fc.option(size, { nil: undefined }), keyChanged: fc.boolean(), changed: fc.boolean() });
    fc.assert(
      fc.property(fc.option(size, { nil: undefined }), size, fc.array(entry, { maxLength: 5 }), (before, after, entries) => {
        const indexes = entries.map((e, i) => ({ name: `i${i}`, ...e }));
        const single = estimateWriteSizes({ before, after, indexes });
        const tx = estimateWriteSizes({ before, after, indexes, transactional: true });
        expect(tx.write).toBe(2 * single.write);
        expect(tx.at).toEqual(single.at.map((u) => ({ ...u, write: 2 * u.write })));
        expect(single.at.reduce((n, u) => n + u.write, 0)).toBe(single.write);
        const both = sumEstimates([single, tx]);
        expect(both.write).toBe(3 * single.write);
        expect(both.at.find((u) => u.index === undefined)?.write).toBe(3 * (single.at[0]?.write ?? 0));
      }),
    );
  });
});

const Account = model('Account', {
  table: 'accounts',
  attributes: {
    tenant: attr.string().partitionKey(),
    id: attr.string().sortKey(),
    email: attr.string().optional(),
    plan: attr.string(),
    balance: attr.integer(),
    blob: attr.string().optional(),
  },
  indexes: {
    byEmail: { name: 'gsi-email', partitionKey: 'email', projection: 'keys' },
    byPlan: { name: 'gsi-plan', partitionKey: 'plan', projection: ['balance'] },
    byBalance: { name: 'lsi-balance', type: 'local', partitionKey: 'tenant', sortKey: 'balance' },
  },
});

const image = (fields: Record<string, string | number>): Image =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'number' ? { N: String(v) } : { S: v }]));

describe('the estimate from stored images', () => {
  const base = { tenant: 't1', id: 'a1', plan: 'gold', balance: 10, blob: 'x'.repeat(3000) };
  const item = image(base);

  test('each index costs by its own entry: keys-only, a listed projection, all (a local index counts 100 bytes more)', () => {
    const at = Object.fromEntries(estimateWrite(Account, { after: item }).at.map((u) => [u.index ?? 'table', u.write]));
    const keys = image({ tenant: 't1', id: 'a1', plan: 'gold', balance: 10 });
    expect(at).toEqual({
      table: writeUnits(itemSize(item)), // 4
      'gsi-plan': writeUnits(itemSize(keys)), // keys and balance: 1
      'lsi-balance': writeUnits(itemSize(item) + LSI_ENTRY_OVERHEAD_BYTES),
    });
    // No email: no entry in gsi-email. With one, a keys-only entry.
    const withEmail = estimateWrite(Account, { after: image({ ...base, email: 'a@b.c' }) });
    expect(withEmail.at.find((u) => u.index === 'gsi-email')?.write).toBe(1);
  });

  test('an update: a changed index key is a delete and a put; an unchanged entry costs nothing', () => {
    const moved = estimateWrite(Account, { before: item, after: image({ ...base, plan: 'silver' }) });
    expect(moved.at.find((u) => u.index === 'gsi-plan')?.write).toBe(2);
    // Only `blob` changes: gsi-plan's entry (keys, plan, balance) is the same: nothing there.
    const blobOnly = estimateWrite(Account, { before: item, after: image({ ...base, blob: 'y' }) });
    expect(blobOnly.at.map((u) => u.index)).toEqual([undefined, 'lsi-balance']);
    expect(blobOnly.at[0]?.write).toBe(writeUnits(itemSize(item)));
    expect(() => estimateWrite(Account, {})).toThrow(CostInputError);
  });

  test('reads: a query on an index reads its entries; a batch or transactional get rounds each item', () => {
    const page = [item, image({ ...base, id: 'a2' })];
    expect(estimateRead(Account, { kind: 'query', items: page, index: 'byPlan' }).read).toBe(0.5);
    expect(estimateRead(Account, { kind: 'query', items: page, consistent: true }).read).toBe(readUnits(itemSize(page[0] as Image) + itemSize(page[1] as Image), { consistent: true }));
    expect(estimateRead(Account, { kind: 'get', items: page, transactional: true }).read).toBe(4);
    expect(estimateRead(Account, { kind: 'get', items: [] }).read).toBe(0.5);
    expect(() => estimateRead(Account, { kind: 'query', items: page, index: 'nope' })).toThrow(CostInputError);
  });

  test('value equality: sets as sets, maps by name, lists in order, bytes by content', () => {
    expect(sameValue({ SS: ['a', 'b'] }, { SS: ['b', 'a'] })).toBe(true);
    expect(sameValue({ M: { a: { N: '1' }, b: { S: 'x' } } }, { M: { b: { S: 'x' }, a: { N: '1' } } })).toBe(true);
    expect(sameValue({ L: [{ N: '1' }, { N: '2' }] }, { L: [{ N: '2' }, { N: '1' }] })).toBe(false);
    expect(sameValue({ B: new Uint8Array([1, 2]) }, { B: new Uint8Array([1, 2]) })).toBe(true);
    expect(sameValue({ S: '1' }, { N: '1' })).toBe(false);
    expect(sameValue(undefined, { S: '' })).toBe(false);
  });
});

describe('prices', () => {
  test('built-in figures carry their source and date; given ones win; unknown ones are a ConfigurationError', () => {
    const builtIn = priceFor('us-east-1', 'onDemand');
    expect(builtIn).toMatchObject({ write: 0.625 / 1e6, read: 0.125 / 1e6, since: '2024-11-01' });
    expect(PRICES.every((p) => p.source.length > 0 && /^\d{4}-\d{2}-\d{2}$/.test(p.since))).toBe(true);
    const mine: Price = { region: 'us-east-1', billingMode: 'onDemand', read: 1, write: 2, source: 'contract', since: '2026-01-01' };
    expect(priceFor('us-east-1', 'onDemand', [mine])).toBe(mine);
    expect(() => priceFor('eu-west-9', 'onDemand')).toThrow(ConfigurationError);
    expect(() => priceFor('us-east-1', 'onDemand', [{ ...mine, read: -1 }])).toThrow(ConfigurationError);
  });

  test('on-demand dollars are units times price; provisioned, the unit-hours of that consumption', () => {
    const onDemand = priceFor('us-east-1', 'onDemand');
    expect(dollarsOf(onDemand, 1e6, 1e6)).toBeCloseTo(0.75, 12);
    const provisioned = priceFor('us-east-1', 'provisioned');
    // One write unit a second for an hour is one WCU-hour.
    expect(dollarsOf(provisioned, 0, 3600)).toBeCloseTo(provisioned.write, 15);
  });
});

describe('workload files', () => {
  const file = {
    models: './models.js',
    region: 'us-east-1',
    billingMode: 'onDemand',
    operations: [
      { model: 'Account', operation: 'create', perSecond: 10, itemBytes: 1500 },
      { model: 'Account', operation: 'get', perMonth: 1_000_000, itemBytes: 1500, consistent: true },
      { label: 'list by plan', model: 'Account', operation: 'query', perSecond: 2, itemBytes: 1500, index: 'byPlan', indexBytes: 200, items: 25 },
      { model: 'Account', operation: 'update', perSecond: 1, itemBytes: 1500, changesIndexKeys: ['gsi-plan'], transactional: true },
    ],
  };

  test('a well-formed file is parsed; each problem is a CostInputError that names its field', () => {
    const workload = parseWorkload(file);
    expect(workload.operations).toHaveLength(4);
    const bad: [unknown, RegExp][] = [
      [null, /object/],
      [{ ...file, models: 3 }, /models/],
      [{ ...file, billingMode: 'reserved' }, /billingMode/],
      [{ ...file, operations: [] }, /operations/],
      [{ ...file, operations: [{ ...file.operations[0], perMonth: 5 }] }, /operations\[0\] needs perSecond or perMonth/],
      [{ ...file, operations: [{ ...file.operations[0], itemBytes: -1 }] }, /operations\[0\]\.itemBytes/],
      [{ ...file, operations: [{ ...file.operations[0], operation: 'scan' }] }, /operations\[0\]\.operation/],
      [{ ...file, operations: [{ ...file.operations[0], colour: 'red' }] }, /unknown key "colour"/],
      [{ ...file, prices: [{ region: 'x' }] }, /prices\[0\]/],
    ];
    for (const [raw, message] of bad) expect(() => parseWorkload(raw)).toThrow(message);
    for (const [raw] of bad) expect(() => parseWorkload(raw)).toThrow(CostInputError);
  });

  test('estimated per line and in total, at the price of the region and billing mode', () => {
    const estimate = estimateWorkload(parseWorkload(file), [Account]);
    const [create, get, query, update] = estimate.lines;
    // create 1,500 B: table 2, gsi-plan (listed projection, item size) 2, lsi-balance (1,600 B) 2; no email given → gsi-email counted as keys (1).
    expect(create?.perOperation.write).toBe(2 + 1 + 2 + 2);
    expect(create?.perMonth).toBe(10 * SECONDS_PER_MONTH);
    expect(get?.perOperation.read).toBe(1);
    // 25 entries of 200 B: 5,000 B, two 4 KB units, halved (eventually consistent).
    expect(query).toMatchObject({ label: 'list by plan', perOperation: { read: 1 } });
    // update: table 2, gsi-plan's key changes (delete + put of 1,500 B entries: 4), lsi-balance changed (2), keys-only gsi-email unchanged (0); twice in a transaction.
    expect(update?.perOperation.write).toBe(2 * (2 + 4 + 2));
    const price = priceFor('us-east-1', 'onDemand');
    for (const line of estimate.lines) expect(line.dollars).toBeCloseTo(line.readUnits * price.read + line.writeUnits * price.write, 9);
    expect(estimate.dollars).toBeCloseTo(estimate.lines.reduce((n, l) => n + l.dollars, 0), 9);
    expect(() => estimateWorkload(parseWorkload({ ...file, region: 'mars-1' }), [Account])).toThrow(CostInputError);
    expect(() => estimateWorkload(parseWorkload(file), [])).toThrow(/no model named "Account"/);
  });

  test('the size-based estimate of a line equals the image-based one for an item of that size', () => {
    const Simple = model('Simple', {
      table: 'simple',
      attributes: { id: attr.string().partitionKey(), group: attr.string(), body: attr.string() },
      indexes: { byGroup: { name: 'gsi-group', partitionKey: 'group' } },
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), fc.constantFrom('create' as const, 'delete' as const, 'get' as const), fc.boolean(), (pad, operation, flag) => {
        const item = image({ id: 'i', group: 'g', body: 'x'.repeat(pad) });
        const line = { model: 'Simple', operation, perSecond: 1, itemBytes: itemSize(item), consistent: flag, transactional: flag };
        const sized = lineUnits(Simple, line);
        const imaged =
          operation === 'get'
            ? estimateRead(Simple, { kind: 'get', items: [item], consistent: flag, transactional: flag })
            : estimateWrite(Simple, operation === 'create' ? { after: item, transactional: flag } : { before: item, transactional: flag });
        expect(sized).toEqual(imaged);
      }),
    );
  });
});
