/**
 * Scans against DynamoDB Local: filters, limit after filtering, select, count, page(cursor) walks,
 * parallel scans (stream, all, count and page walks return every item exactly once), scans of an
 * index, and a model in a shared table only seeing its own items.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, test } from 'vitest';
import { attr, InvalidCursorError, model, putItems, ValidationError, type DynamORMRequest, type Item, type Page } from '../../src/index.js';
import { recordRequests, testDb } from '../support/db.js';

const Product = model('Product', {
  table: 'catalog',
  attributes: {
    sku: attr.string().partitionKey(),
    category: attr.enum(['a', 'b', 'c', 'd']),
    price: attr.integer(),
    stock: attr.integer(),
    name: attr.string(),
    // Only some products have a tag: the index on it is sparse.
    tag: attr.string().optional(),
  },
  indexes: {
    byTag: { name: 'gsi-tag-price', partitionKey: 'tag', sortKey: 'price' },
  },
});
type Product = Item<typeof Product>;
/** Another model in the same table: a scan of Product never returns its items. */
const Banner = model('Banner', {
  table: 'catalog',
  attributes: { sku: attr.string().partitionKey(), text: attr.string(), price: attr.integer() },
});

const requests: DynamORMRequest[] = [];
const db = testDb({
  cursorSecret: 'scan-tests-cursor-secret-0123456789ab',
  middleware: [recordRequests(requests)],
});
const products = db.model(Product);

const N = 120;
const CATEGORIES = ['a', 'b', 'c', 'd'] as const;
const inputs = Array.from({ length: N }, (_, i) => ({
  sku: `sku-${String(i).padStart(4, '0')}`,
  category: CATEGORIES[i % 4] as Product['category'],
  price: (i * 7919) % 1000,
  stock: i % 9,
  name: `Product ${i}`,
  ...(i % 5 === 0 ? { tag: i % 10 === 0 ? 'sale' : 'new' } : {}),
}));
const banners = Array.from({ length: 10 }, (_, i) => ({ sku: `banner-${i}`, text: `Banner ${i}`, price: 1 }));
const skus = (items: readonly { sku: string }[]) => items.map((x) => x.sku).sort();
const expectOnce = (items: readonly { sku: string }[], expected: readonly { sku: string }[]) => {
  expect(new Set(items.map((x) => x.sku)).size).toBe(items.length);
  expect(skus(items)).toEqual(skus(expected));
};

async function walk<T>(query: { page(cursor?: string): Promise<Page<T>> }): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  do {
    const page = await query.page(cursor);
    pages.push(page.items);
    cursor = page.cursor;
  } while (cursor !== undefined && pages.length < 1000);
  expect(cursor).toBeUndefined();
  return pages;
}

beforeAll(async () => {
  await db.tables.create([Product, Banner]);
  await db.batchWrite([putItems(Product, inputs), putItems(Banner, banners)]);
});
afterAll(() => db.destroy());
beforeEach(() => {
  requests.length = 0;
});

describe('scan', () => {
  test('all(), stream() and count() see every item of the model once, and only the model', async () => {
    const items = await products.scan().pageSize(25).all();
    expectOnce(items, inputs);
    expect(items.find((p) => p.sku === 'sku-0005')).toEqual({ ...inputs[5] });
    expect(requests.length).toBeGreaterThanOrEqual(5);
    expect(requests.every((r) => r.operation === 'Scan')).toBe(true);
    const streamed: Product[] = [];
    for await (const p of products.scan().pageSize(40).stream()) streamed.push(p);
    expectOnce(streamed, inputs);
    expect(await products.scan().count()).toBe(N);
    expect(await db.model(Banner).scan().count()).toBe(10);
    expect((await db.model(Banner).scan().all()).map((b) => b.text).sort()).toEqual(banners.map((b) => b.text).sort());
  });

  test('filters, with and/or/not', async () => {
    expectOnce(await products.scan().filter('category', '=', 'b').all(), inputs.filter((p) => p.category === 'b'));
    expectOnce(
      await products.scan().filter('price', 'between', [100, 300]).filter('stock', '>', 4).all(),
      inputs.filter((p) => p.price >= 100 && p.price <= 300 && p.stock > 4),
    );
    const complex = await products
      .scan()
      .filter((c) => c.or(c.and(c.where('category', 'in', ['a', 'c']), c.exists('tag')), c.not(c.where('stock', '<', 8))))
      .pageSize(17)
      .all();
    const expected = inputs.filter((p) => (['a', 'c'].includes(p.category) && p.tag !== undefined) || !(p.stock < 8));
    expect(expected.length).toBeGreaterThan(5);
    expectOnce(complex, expected);
  });

  test('limit(n) returns n items after filtering, across pages, and stops reading', async () => {
    const got = await products.scan().filter('category', '=', 'd').pageSize(10).limit(6).all();
    expect(got).toHaveLength(6);
    expect(got.every((p) => p.category === 'd')).toBe(true);
    expect(new Set(got.map((p) => p.sku)).size).toBe(6);
    // 6 of every 4th item: about 24 items evaluated, far from the 12+ pages of a full scan.
    expect(requests.length).toBeLessThan(8);
    expect(requests.every((r) => r.input.Limit === 10)).toBe(true);
    expect(await products.scan().limit(3).all()).toHaveLength(3);
    expect(await products.scan().filter('price', '>', 10_000).limit(3).all()).toEqual([]);
  });

  test('select() returns only those fields', async () => {
    const got = await products.scan().select('sku', 'price').all();
    expectTypeOf(got).toEqualTypeOf<Pick<Product, 'sku' | 'price'>[]>();
    expect(got.sort((x, y) => (x.sku < y.sku ? -1 : 1))).toEqual(inputs.map((p) => ({ sku: p.sku, price: p.price })));
    const tags = await products.scan().select('tag').filter((c) => c.exists('tag')).all();
    expect(tags.every((t) => Object.keys(t).join() === 'tag')).toBe(true);
    expect(tags).toHaveLength(N / 5);
  });

  test('count() with filters, over small pages', async () => {
    expect(await products.scan().filter('category', '=', 'a').pageSize(20).count()).toBe(N / 4);
    expect(requests.length).toBeGreaterThanOrEqual(6);
    expect(requests.every((r) => r.input.Select === 'COUNT')).toBe(true);
    expect(await products.scan().filter('stock', '=', 0).count()).toBe(inputs.filter((p) => p.stock === 0).length);
  });

  test('page(cursor) walks everything exactly once, with filter and limit', async () => {
    const cases = [
      { q: products.scan().pageSize(25), expected: inputs, max: 25 },
      { q: products.scan().limit(11), expected: inputs, max: 11 },
      { q: products.scan().filter('category', '<>', 'a').limit(7).pageSize(5), expected: inputs.filter((p) => p.category !== 'a'), max: 7 },
      { q: products.scan().filter('stock', '>=', 5).pageSize(9), expected: inputs.filter((p) => p.stock >= 5), max: 9 },
    ];
    for (const { q, expected, max } of cases) {
      const pages = await walk(q);
      expect(pages.length).toBeGreaterThan(1);
      expect(pages.every((p) => p.length <= max)).toBe(true);
      expectOnce(pages.flat(), expected);
    }
  });

  test('a tampered scan cursor is refused before sending', async () => {
    const { cursor } = await products.scan().limit(5).page();
    requests.length = 0;
    const bad = [`${cursor}x`, (cursor as string).slice(0, -2), 'garbage', ''];
    for (const c of bad) await expect(products.scan().limit(5).page(c)).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(products.scan().filter('stock', '=', 1).limit(5).page(cursor)).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(products.scan().index('byTag').limit(5).page(cursor)).rejects.toBeInstanceOf(InvalidCursorError);
    expect(requests).toHaveLength(0);
  });
});

describe('parallel scan', () => {
  test('stream(), all() and count() return every item exactly once, from every segment', async () => {
    const all = await products.scan().parallel(4).pageSize(7).all();
    expectOnce(all, inputs);
    expect(new Set(requests.map((r) => r.input.Segment))).toEqual(new Set([0, 1, 2, 3]));
    expect(requests.every((r) => r.input.TotalSegments === 4)).toBe(true);

    const streamed: Product[] = [];
    for await (const p of products.scan().parallel(3).pageSize(10).stream()) streamed.push(p);
    expectOnce(streamed, inputs);

    const pages: Product[][] = [];
    for await (const page of products.scan().parallel(5).pageSize(6).pages()) pages.push(page);
    expect(pages.length).toBeGreaterThan(5);
    expect(pages.every((p) => p.length <= 6)).toBe(true);
    expectOnce(pages.flat(), inputs);

    requests.length = 0;
    expect(await products.scan().parallel(4).count()).toBe(N);
    expect(new Set(requests.map((r) => r.input.Segment))).toEqual(new Set([0, 1, 2, 3]));
    expect(await products.scan().parallel(3).filter('category', '=', 'c').pageSize(8).count()).toBe(N / 4);
    // One segment is a plain scan.
    expectOnce(await products.scan().parallel(1).all(), inputs);
  });

  test('filters and limits apply across segments', async () => {
    const got = await products.scan().parallel(4).filter('tag', '=', 'new').all();
    expectOnce(got, inputs.filter((p) => p.tag === 'new'));
    const limited = await products.scan().parallel(4).filter('category', '=', 'b').pageSize(5).limit(9).all();
    expect(limited).toHaveLength(9);
    expect(new Set(limited.map((p) => p.sku)).size).toBe(9);
    expect(limited.every((p) => p.category === 'b')).toBe(true);
    const first = await products.scan().parallel(3).filter('stock', '=', 8).first();
    expect(first?.stock).toBe(8);
  });

  test('page() walks cover everything exactly once; a page never holds more than the limit', async () => {
    const cases = [
      { q: products.scan().parallel(4).pageSize(9), expected: inputs, max: 36 },
      { q: products.scan().parallel(3).limit(12), expected: inputs, max: 12 },
      { q: products.scan().parallel(4).limit(2), expected: inputs, max: 2 },
      { q: products.scan().parallel(3).filter('category', '=', 'a').limit(5).pageSize(4), expected: inputs.filter((p) => p.category === 'a'), max: 5 },
      { q: products.scan().parallel(2).filter('price', '<', 500), expected: inputs.filter((p) => p.price < 500), max: N },
    ];
    for (const [i, { q, expected, max }] of cases.entries()) {
      const pages = await walk(q);
      expect(Math.max(...pages.map((p) => p.length)), `case ${i}`).toBeLessThanOrEqual(max);
      expectOnce(pages.flat(), expected);
    }
  });

  test('a parallel cursor only fits the same scan with the same number of segments', async () => {
    const { cursor } = await products.scan().parallel(3).limit(6).page();
    expect(cursor).toBeTypeOf('string');
    requests.length = 0;
    await expect(products.scan().parallel(4).limit(6).page(cursor)).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(products.scan().limit(6).page(cursor)).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(products.scan().parallel(3).filter('stock', '=', 1).limit(6).page(cursor)).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(products.scan().parallel(3).limit(6).page(`${cursor}A`)).rejects.toBeInstanceOf(InvalidCursorError);
    expect(requests).toHaveLength(0);
    expect((await products.scan().parallel(3).limit(6).page(cursor)).items.length).toBeGreaterThan(0);
  });

  test('segments must be 1 to 1,000,000', () => {
    for (const n of [0, -1, 1.5, 1_000_001]) expect(() => products.scan().parallel(n)).toThrow(ValidationError);
  });
});

describe('scan of an index', () => {
  test('a sparse GSI holds only the items with its key', async () => {
    const tagged = inputs.filter((p) => p.tag !== undefined);
    const got = await products.scan().index('byTag').pageSize(5).all();
    expectOnce(got, tagged);
    expect(requests.every((r) => r.input.IndexName === 'gsi-tag-price')).toBe(true);
    expect(await products.scan().index('byTag').count()).toBe(tagged.length);
    expectOnce(await products.scan().index('byTag').parallel(3).all(), tagged);
    expectOnce(await products.scan().index('byTag').filter('tag', '=', 'sale').all(), inputs.filter((p) => p.tag === 'sale'));
    const pages = await walk(products.scan().index('byTag').limit(4));
    expectOnce(pages.flat(), tagged);
  });

  test('consistent reads: fine on the table, a ValidationError on a GSI; unknown indexes are refused', async () => {
    expect(await products.scan().consistent().count()).toBe(N);
    expect(requests.at(-1)?.input.ConsistentRead).toBe(true);
    requests.length = 0;
    const error = await products.scan().index('byTag').consistent().all().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.rule).toBe('consistent-read');
    expect(() => products.scan().index('nope' as 'byTag')).toThrow(ValidationError);
    expect(requests).toHaveLength(0);
  });
});
