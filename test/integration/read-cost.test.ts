/**
 * Reads cost only what they must (docs/decisions.md, "Read cost"). Read units are DynamoDB's own
 * figure (ConsumedCapacity, asked for by a middleware), requests are counted as sent.
 *
 * - A walk that stops at its limit (first, all, stream, pages) asks DynamoDB for exactly the items
 *   still wanted; only page(), which hands out a cursor, asks for one more, so that a cursor never
 *   leads to an empty page.
 * - The entity guard changes what DynamoDB sends, never what a read returns: with the filter taken
 *   off the request, a shared partition still yields only the model's own items, and `get`,
 *   `batchGet` and `transactGet` of a key holding another model's item find nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attr, getKeys, model, putItems, txGet, type DynamORMRequest, type Middleware } from '../../src/index.js';
import { recordRequests, testDb } from '../support/db.js';

const Doc = model('Doc', {
  table: 'read-cost',
  attributes: { pk: attr.string().partitionKey(), sk: attr.string().sortKey(), body: attr.string() },
});
/** Another model in the same table, with the same key fields: its items sit among Doc's. */
const Note = model('Note', {
  table: 'read-cost',
  attributes: { pk: attr.string().partitionKey(), sk: attr.string().sortKey(), body: attr.string() },
});

/** Read units per request, as DynamoDB reports them. */
const units: { operation: string; units: number }[] = [];
const consumedCapacity: Middleware = async (request, next) => {
  const output = (await next({ ...request, input: { ...request.input, ReturnConsumedCapacity: 'TOTAL' } })) as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] };
  const consumed = output.ConsumedCapacity;
  const total = Array.isArray(consumed) ? consumed.reduce((n, c) => n + (c.CapacityUnits ?? 0), 0) : (consumed?.CapacityUnits ?? 0);
  units.push({ operation: request.operation, units: total });
  return output;
};
/** Takes the entity guard off every query: what a model wrongly declared alone in its table would send. */
const withoutGuard: Middleware = (request, next) => {
  if (request.operation !== 'Query' || request.input.FilterExpression === undefined) return next(request);
  const { FilterExpression: _f, ExpressionAttributeNames: names, ExpressionAttributeValues: values, ...rest } = request.input as Record<string, Record<string, unknown> | undefined>;
  const keep = (map: Record<string, unknown> | undefined, drop: string) => Object.fromEntries(Object.entries(map ?? {}).filter(([k]) => k !== drop));
  return next({ ...request, input: { ...rest, ExpressionAttributeNames: keep(names, '#_et'), ExpressionAttributeValues: keep(values, ':_et') } });
};

const requests: DynamORMRequest[] = [];
// A long request time-out: the machine may be loaded by other test runs.
const db = testDb({ cursorSecret: 'read-cost-tests-cursor-secret-0123456789', requestTimeoutMs: 15_000, middleware: [recordRequests(requests), consumedCapacity] });
const unguarded = testDb({ tablePrefix: db.config.tablePrefix, requestTimeoutMs: 15_000, middleware: [withoutGuard, recordRequests(requests)] });

const pad = (i: number) => String(i).padStart(3, '0');
/** About 4,000 bytes stored: each item fills most of a 4 KB read unit, so one item more costs one more. */
const BIG = 'x'.repeat(3900);

beforeAll(async () => {
  await db.tables.create(Doc);
  await db.batchWrite([
    putItems(Doc, Array.from({ length: 12 }, (_, i) => ({ pk: 'big', sk: pad(i), body: BIG }))),
    // Shared: Doc and Note items alternate in one partition.
    putItems(Doc, Array.from({ length: 10 }, (_, i) => ({ pk: 'mixed', sk: pad(2 * i), body: `doc ${i}` }))),
    putItems(Note, Array.from({ length: 10 }, (_, i) => ({ pk: 'mixed', sk: pad(2 * i + 1), body: `note ${i}` }))),
  ]);
});
afterAll(() => {
  db.destroy();
  unguarded.destroy();
});

const reset = () => {
  requests.length = 0;
  units.length = 0;
};
const limits = () => requests.filter((r) => r.operation === 'Query').map((r) => r.input.Limit);
const queryUnits = () => units.filter((u) => u.operation === 'Query').reduce((n, u) => n + u.units, 0);

describe('the item past the limit is read only when a cursor needs it', () => {
  test('first() reads one item of about 4 KB: half a read unit', async () => {
    reset();
    expect((await db.model(Doc).where('pk', '=', 'big').first())?.sk).toBe('000');
    expect(limits()).toEqual([1]);
    // Two items (the old Limit of 2) would be two 4 KB units: 1 read unit.
    expect(queryUnits()).toBe(0.5);
  });

  test('all(), stream() and pages() with a limit stop at it: Limit never exceeds the items still wanted', async () => {
    reset();
    expect(await db.model(Doc).where('pk', '=', 'big').limit(4).all()).toHaveLength(4);
    expect(limits()).toEqual([4]);
    expect(queryUnits()).toBe(2);
    reset();
    const streamed: string[] = [];
    for await (const d of db.model(Doc).where('pk', '=', 'big').pageSize(3).limit(7).stream()) streamed.push(d.sk);
    expect(streamed).toEqual(['000', '001', '002', '003', '004', '005', '006']);
    expect(limits()).toEqual([3, 3, 1]);
    expect(queryUnits()).toBe(3.5);
    reset();
    const pages: number[] = [];
    for await (const page of db.model(Doc).where('pk', '=', 'big').pageSize(5).limit(5).pages()) pages.push(page.length);
    expect(pages).toEqual([5]);
    expect(limits()).toEqual([5]);
  });

  test('page() asks for one more, and pays for it: its cursor never leads to an empty page', async () => {
    const docs = db.model(Doc).where('pk', '=', 'big').limit(4);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    reset();
    do {
      const page = await docs.page(cursor);
      seen.push(...page.items.map((d) => d.sk));
      cursor = page.cursor;
      pages++;
      expect(page.items).toHaveLength(4); // 12 items, 3 full pages, no empty fourth
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => pad(i)));
    expect(pages).toBe(3);
    expect(limits()).toEqual([5, 5, 5]);
    // Five 4 KB items per request (the fifth read again as the next page's first), four in the last:
    // 2.5 + 2.5 + 2 read units, where Limit 4 would read 3 × 2 and need a fourth, empty page.
    expect(queryUnits()).toBe(7);
  });
});

describe('the entity guard changes what DynamoDB sends, never what a read returns', () => {
  const docsOf = (items: { sk: string }[]) => items.map((d) => d.sk);
  const ownSks = Array.from({ length: 10 }, (_, i) => pad(2 * i));

  test('a shared partition: with or without the filter, only Doc items come back, across pages', async () => {
    reset();
    expect(docsOf(await db.model(Doc).where('pk', '=', 'mixed').all())).toEqual(ownSks);
    expect(requests[0]?.input.FilterExpression).toBeDefined();
    const guardedUnits = queryUnits();
    reset();
    expect(docsOf(await unguarded.model(Doc).where('pk', '=', 'mixed').all())).toEqual(ownSks);
    expect(requests[0]?.input.FilterExpression).toBeUndefined();
    expect(docsOf(await unguarded.model(Doc).where('pk', '=', 'mixed').limit(3).all())).toEqual(ownSks.slice(0, 3));
    const paged: string[] = [];
    for await (const page of unguarded.model(Doc).where('pk', '=', 'mixed').pageSize(3).pages()) paged.push(...docsOf(page));
    expect(paged).toEqual(ownSks);
    expect(docsOf((await unguarded.model(Note).where('pk', '=', 'mixed').all()) as { sk: string }[])).toEqual(ownSks.map((_, i) => pad(2 * i + 1)));
    // The filter never saved a read unit: DynamoDB charges for what it reads, before filtering.
    reset();
    await db.model(Doc).where('pk', '=', 'mixed').all();
    expect(queryUnits()).toBe(guardedUnits);
  });

  test('count() keeps the guard: it is the one read that returns no items to check', async () => {
    expect(await db.model(Doc).where('pk', '=', 'mixed').count()).toBe(10);
    expect(await db.model(Note).where('pk', '=', 'mixed').count()).toBe(10);
  });

  test('get, batchGet and transactGet of a key holding another model’s item find nothing', async () => {
    const noteKey = { pk: 'mixed', sk: pad(1) };
    expect(await db.model(Note).get(noteKey)).toBeDefined();
    expect(await db.model(Doc).get(noteKey)).toBeUndefined();
    const got = await db.batchGet([getKeys(Doc, [noteKey, { pk: 'mixed', sk: pad(0) }]), getKeys(Note, [noteKey])]);
    expect(docsOf(got.items[0])).toEqual([pad(0)]);
    expect(got.missing[0]).toEqual([noteKey]);
    expect(docsOf(got.items[1])).toEqual([pad(1)]);
    const [asDoc, asNote] = await db.transactGet([txGet(Doc, noteKey), txGet(Note, { pk: 'mixed', sk: pad(3) })]);
    expect(asDoc).toBeUndefined();
    expect(asNote?.body).toBe('note 1');
  });
});
