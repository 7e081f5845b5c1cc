/**
 * Cursor pagination against DynamoDB Local: page(cursor) walks every item exactly once (table and
 * GSI, both orders, with and without filters, limits and page sizes); cursors are opaque (encrypted,
 * no key value in clear) and bound to their query; tampered or foreign cursors raise
 * InvalidCursorError without any request reaching DynamoDB; a missing secret is a ConfigurationError.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import {
  attr,
  ConfigurationError,
  InvalidCursorError,
  model,
  putItems,
  type DynamORMRequest,
  type Item,
  type Page,
} from '../../src/index.js';
import { testDb } from '../support/db.js';

const SECRET = 'cursor-test-secret-0123456789-abcdef';
const ACCOUNT = 'ACCOUNT-SECRET-7f3a9c';

const Event = model('Event', {
  table: 'events',
  attributes: {
    accountId: attr.string().partitionKey(),
    seq: attr.integer().sortKey(),
    kind: attr.enum(['a', 'b']),
    at: attr.integer(),
    amount: attr.integer(),
    score: attr.integer(),
    label: attr.string(),
  },
  indexes: {
    // Many items share an `at` value: pages are cut inside groups of equal index sort keys.
    byKind: { name: 'gsi-kind-at', partitionKey: 'kind', sortKey: 'at' },
    byAmount: { name: 'lsi-amount', type: 'local', partitionKey: 'accountId', sortKey: 'amount' },
  },
});
type Event = Item<typeof Event>;
/** Another model with the same key shape (another table), without an entity attribute: no implicit filter. */
const Mirror = model('Mirror', {
  table: 'mirror',
  entityAttribute: false,
  attributes: { accountId: attr.string().partitionKey(), seq: attr.integer().sortKey(), label: attr.string() },
});

const requests: DynamORMRequest[] = [];
const recorder = (req: DynamORMRequest, next: (r: DynamORMRequest) => Promise<unknown>) => {
  requests.push(req);
  return next(req);
};
// A first batch write to fresh tables can take DynamoDB Local over the default 2 s on a loaded machine,
// and DynamORM no longer resends a call the SDK gave up on (docs/guides/resilience.md).
const db = testDb({ cursorSecret: SECRET, requestTimeoutMs: 10_000, middleware: [recorder] });
const events = db.model(Event);

const N = 47;
const inputs = Array.from({ length: N }, (_, i) => ({
  accountId: ACCOUNT,
  seq: i,
  kind: (i % 2 ? 'a' : 'b') as Event['kind'],
  at: Math.floor(i / 6),
  amount: (i * 37) % 100,
  score: (i * 53) % 100,
  label: `event ${i}`,
}));
const other = Array.from({ length: 12 }, (_, i) => ({ accountId: 'acct-2', seq: i, kind: 'a' as const, at: 100 + i, amount: i, score: (i * 53) % 100, label: `other ${i}` }));
const keyOf = (e: { accountId: string; seq: number }) => `${e.accountId}/${e.seq}`;

/** Walks page(cursor) to the end; returns the pages. */
async function walk<T>(query: { page(cursor?: string): Promise<Page<T>> }, maxPages = 500): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  do {
    const page = await query.page(cursor);
    pages.push(page.items);
    if (page.cursor !== undefined) expect(typeof page.cursor).toBe('string');
    cursor = page.cursor;
  } while (cursor !== undefined && pages.length < maxPages);
  expect(cursor).toBeUndefined();
  return pages;
}

beforeAll(async () => {
  await Promise.all([db.tables.create(Event), db.tables.create(Mirror)]);
  await db.batchWrite([putItems(Event, [...inputs, ...other]), putItems(Mirror, inputs.map(({ accountId, seq, label }) => ({ accountId, seq, label })))]);
});
afterAll(() => db.destroy());
beforeEach(() => {
  requests.length = 0;
});

describe('page(cursor) walks every item exactly once', () => {
  const filters = [
    ['no filter', undefined],
    ['filter', (e: { score: number }) => e.score < 40],
  ] as const;
  const sizes = [
    ['pageSize 5', { pageSize: 5 }],
    ['limit 4', { limit: 4 }],
    ['limit 7 + pageSize 3', { limit: 7, pageSize: 3 }],
    ['limit 3 + pageSize 10', { limit: 3, pageSize: 10 }],
  ] as const;
  const cases = (['table', 'gsi', 'lsi'] as const).flatMap((on) =>
    (['asc', 'desc'] as const).flatMap((order) =>
      filters.flatMap(([fname, filter]) =>
        // The LSI gets the two limit shapes only, to keep the file quick.
        (on === 'lsi' ? sizes.slice(1, 3) : sizes).map(([sname, size]) => [on, order, fname, sname, filter, size] as const),
      ),
    ),
  );

  test.each(cases)('%s %s, %s, %s', async (on, order, _f, _s, filter, size) => {
    let q =
      on === 'table'
        ? events.where('accountId', '=', ACCOUNT)
        : on === 'gsi'
          ? events.where('kind', '=', 'a')
          : events.where('accountId', '=', ACCOUNT).where('amount', '>=', 0);
    expect(q.explain().index).toBe(on === 'table' ? undefined : on === 'gsi' ? 'byKind' : 'byAmount');
    q = q.order(order);
    if (filter) q = q.filter('score', '<', 40);
    const unlimited = q;
    if ('limit' in size) q = q.limit(size.limit);
    if ('pageSize' in size && size.pageSize !== undefined) q = q.pageSize(size.pageSize);

    const pool = on === 'gsi' ? [...inputs, ...other].filter((e) => e.kind === 'a') : inputs;
    const expected = pool.filter((e) => !filter || filter(e));
    const pages = await walk(q);
    const got = pages.flat();
    // Exactly once: nothing twice, nothing missing.
    expect(new Set(got.map(keyOf)).size).toBe(got.length);
    expect(got.map(keyOf).sort()).toEqual(expected.map(keyOf).sort());
    // In index order.
    const sortValue = (e: Event) => (on === 'table' ? e.seq : on === 'gsi' ? e.at : e.amount);
    const values = got.map(sortValue);
    const sorted = [...values].sort((a, b) => (order === 'asc' ? a - b : b - a));
    expect(values).toEqual(sorted);
    // Same sequence as one all() of the same query without paging.
    expect(got.map(keyOf)).toEqual((await unlimited.all()).map(keyOf));
    // Page sizes: a limit fills every page but the last; without one, pages follow DynamoDB's.
    if ('limit' in size) {
      for (const page of pages.slice(0, -1)) expect(page).toHaveLength(size.limit);
      expect(pages.at(-1)?.length).toBeLessThanOrEqual(size.limit);
      expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(expected.length / size.limit));
    } else {
      expect(pages.length).toBeGreaterThan(1);
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(size.pageSize);
    }
  });

  test.each([
    ['asc', 4, undefined],
    ['desc', 4, undefined],
    ['asc', 5, 3],
    ['desc', 1, undefined],
  ] as const)('without any FilterExpression (Limit = items wanted + 1): %s, limit %i, pageSize %s', async (order, limit, pageSize) => {
    let q = db.model(Mirror).where('accountId', '=', ACCOUNT).order(order).limit(limit);
    if (pageSize !== undefined) q = q.pageSize(pageSize);
    requests.length = 0;
    const pages = await walk(q);
    const expected = inputs.map((e) => e.seq);
    if (order === 'desc') expected.reverse();
    expect(pages.flat().map((e) => e.seq)).toEqual(expected);
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
    // Limit: the items still wanted plus one (to know whether more follow), never above pageSize.
    expect(requests.every((r) => r.input.FilterExpression === undefined && Number(r.input.Limit) <= Math.min(limit + 1, pageSize ?? limit + 1))).toBe(true);
  });

  test('without limit or pageSize, one DynamoDB page: everything and no cursor', async () => {
    const page = await events.where('accountId', '=', ACCOUNT).page();
    expect(page.items.map(keyOf)).toEqual(inputs.map(keyOf));
    expect(page.cursor).toBeUndefined();
  });

  test('a walk with select() on a GSI (the projection keeps the keys a cursor needs)', async () => {
    const q = events.where('kind', '=', 'b').select('label').limit(5);
    const pages = await walk(q);
    const labels = pages.flat().map((x) => x.label);
    expect(labels.sort()).toEqual(inputs.filter((e) => e.kind === 'b').map((e) => e.label).sort());
    expect(pages.flat().every((x) => Object.keys(x).join() === 'label')).toBe(true);
  });

  test('a cursor can be replayed, and the next page may use another limit', async () => {
    const q = events.where('accountId', '=', ACCOUNT).limit(10);
    const first = await q.page();
    const a = await q.page(first.cursor);
    const b = await q.page(first.cursor);
    expect(a.items.map(keyOf)).toEqual(b.items.map(keyOf));
    expect(a.items.map((e) => e.seq)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const bigger = await events.where('accountId', '=', ACCOUNT).limit(30).page(first.cursor);
    expect(bigger.items.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 10));
    const rest = await events.where('accountId', '=', ACCOUNT).pageSize(50).page(bigger.cursor);
    expect(rest.items.map((e) => e.seq)).toEqual(Array.from({ length: 7 }, (_, i) => i + 40));
    expect(rest.cursor).toBeUndefined();
  });

  test('resume(cursor).page() starts at the cursor, like page(cursor)', async () => {
    const q = events.where('accountId', '=', ACCOUNT).limit(10);
    const first = await q.page();
    const resumed = await q.resume(first.cursor as string).page();
    expect(resumed.items.map((e) => e.seq)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    // An explicit cursor wins over the one given to resume().
    const explicit = await q.resume(first.cursor as string).page(resumed.cursor);
    expect(explicit.items.map((e) => e.seq)).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
  });

  test('the last page ends exactly: a limit that divides the count gives no empty extra page', async () => {
    const pages = await walk(events.where('accountId', '=', 'acct-2').limit(4));
    expect(pages.map((p) => p.length)).toEqual([4, 4, 4]);
  });
});

describe('cursors are opaque', () => {
  test('no key value in clear, nor in plain base64', async () => {
    const page = await events.where('accountId', '=', ACCOUNT).limit(3).page();
    const cursor = page.cursor as string;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    for (const form of [ACCOUNT, Buffer.from(ACCOUNT).toString('base64'), Buffer.from(ACCOUNT).toString('base64url'), Buffer.from(ACCOUNT).toString('hex')]) {
      expect(cursor).not.toContain(form.slice(0, 16));
    }
    const [token] = cursor.split('.');
    const bytes = Buffer.from(token as string, 'base64url');
    for (const text of [ACCOUNT, 'accountId', '"S"', '"N"', 'ACCOUNT']) expect(bytes.includes(Buffer.from(text))).toBe(false);
    // Two cursors for the same position differ (random IV): nothing can be learnt by comparing them.
    const again = await events.where('accountId', '=', ACCOUNT).limit(3).page();
    expect(again.cursor).not.toBe(cursor);
    expect((await events.where('accountId', '=', ACCOUNT).limit(3).page(again.cursor)).items.map((e) => e.seq)).toEqual([3, 4, 5]);
  });
});

describe('tampered and foreign cursors: InvalidCursorError, nothing sent', () => {
  const base = () => events.where('accountId', '=', ACCOUNT).filter('amount', '<', 90).limit(5);
  let cursor = '';
  beforeAll(async () => {
    cursor = (await base().page()).cursor as string;
    expect(cursor).toBeTypeOf('string');
  });

  async function expectRejected(page: () => Promise<unknown>, label: string) {
    requests.length = 0;
    const error = await page().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, label).toBeInstanceOf(InvalidCursorError);
    expect(requests, label).toHaveLength(0);
  }

  test('the untouched cursor works (control)', async () => {
    const next = await base().page(cursor);
    expect(next.items).toHaveLength(5);
    expect(requests.length).toBeGreaterThan(0);
  });

  test('every single-character change is detected', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    for (let i = 0; i < cursor.length; i++) {
      for (const pick of [1, 17, 40]) {
        const original = cursor[i] as string;
        const replacement = alphabet[(alphabet.indexOf(original) + pick) % alphabet.length] as string;
        const tampered = cursor.slice(0, i) + replacement + cursor.slice(i + 1);
        await expectRejected(() => base().page(tampered), `position ${i}: ${original} -> ${replacement}`);
      }
    }
  });

  test('truncated, extended, garbage and empty cursors', async () => {
    const bad = [
      cursor.slice(0, -1),
      cursor.slice(0, -4),
      cursor.slice(1),
      cursor.slice(0, cursor.indexOf('.')),
      cursor.slice(0, cursor.indexOf('.') + 1),
      cursor.slice(cursor.indexOf('.')),
      cursor + 'A',
      cursor + '.',
      cursor + '.AAAA',
      'A' + cursor,
      cursor.split('.').reverse().join('.'),
      '',
      ' ',
      'garbage',
      'a.b',
      'a.b.c',
      '..',
      '{"accountId":{"S":"x"}}',
      Buffer.from(JSON.stringify({ accountId: ['S', ACCOUNT], seq: ['N', '3'] })).toString('base64url'),
      `${Buffer.from(JSON.stringify({ accountId: ['S', ACCOUNT], seq: ['N', '3'] })).toString('base64url')}.${'A'.repeat(43)}`,
      'x'.repeat(10_000),
      '\u0000\u0001',
      '€.€',
    ];
    for (const c of bad) await expectRejected(() => base().page(c), JSON.stringify(c.slice(0, 40)));
    for (const c of [42, null, {}, ['x']]) await expectRejected(() => base().page(c as unknown as string), String(c));
  });

  test('a cursor from another query', async () => {
    const foreign: [string, () => Promise<unknown>][] = [
      ['another partition', () => events.where('accountId', '=', 'acct-2').filter('amount', '<', 90).limit(5).page(cursor)],
      ['another filter value', () => events.where('accountId', '=', ACCOUNT).filter('amount', '<', 91).limit(5).page(cursor)],
      ['another filter field', () => events.where('accountId', '=', ACCOUNT).filter('at', '<', 90).limit(5).page(cursor)],
      ['no filter', () => events.where('accountId', '=', ACCOUNT).limit(5).page(cursor)],
      ['another order', () => base().order('desc').page(cursor)],
      ['another sort key condition', () => events.where('accountId', '=', ACCOUNT).where('seq', '>=', 0).filter('amount', '<', 90).limit(5).page(cursor)],
      ['another index', () => events.where('accountId', '=', ACCOUNT).where('amount', '<', 90).index('byAmount').limit(5).page(cursor)],
      ['a GSI', () => events.where('kind', '=', 'a').filter('amount', '<', 90).limit(5).page(cursor)],
      ['a projection', () => base().select('label').page(cursor)],
      ['consistent read', () => base().consistent().page(cursor)],
      ['another model', () => db.model(Mirror).where('accountId', '=', ACCOUNT).limit(5).page(cursor)],
      ['a scan', () => events.scan().filter('amount', '<', 90).limit(5).page(cursor)],
      ['a parallel scan', () => events.scan().parallel(2).filter('amount', '<', 90).limit(5).page(cursor)],
      ['a complete key (GetItem)', () => events.where('accountId', '=', ACCOUNT).where('seq', '=', 3).page(cursor)],
    ];
    for (const [label, page] of foreign) await expectRejected(page, label);
    // And the other way round: a GSI cursor on the table query.
    const gsiCursor = (await events.where('kind', '=', 'a').limit(3).page()).cursor as string;
    await expectRejected(() => events.where('accountId', '=', ACCOUNT).limit(3).page(gsiCursor), 'gsi cursor on table');
  });

  test('another table prefix (another stage or partner) rejects the cursor', async () => {
    const db2 = testDb({ cursorSecret: SECRET, middleware: [recorder] });
    try {
      await expectRejected(() => db2.model(Event).where('accountId', '=', ACCOUNT).filter('amount', '<', 90).limit(5).page(cursor), 'other prefix');
    } finally {
      db2.destroy();
    }
  });

  test('a cursor made with another secret is rejected; the same secret elsewhere accepts it', async () => {
    const prefix = db.config.tablePrefix;
    const otherSecret = testDb({ cursorSecret: 'another-secret-entirely-0123456789abcdef', tablePrefix: prefix, middleware: [recorder] });
    const sameSecret = testDb({ cursorSecret: SECRET, tablePrefix: prefix, middleware: [recorder] });
    try {
      await expectRejected(() => otherSecret.model(Event).where('accountId', '=', ACCOUNT).filter('amount', '<', 90).limit(5).page(cursor), 'other secret');
      const own = (await otherSecret.model(Event).where('accountId', '=', ACCOUNT).filter('amount', '<', 90).limit(5).page()).cursor as string;
      await expectRejected(() => base().page(own), 'cursor of the other secret here');
      const next = await sameSecret.model(Event).where('accountId', '=', ACCOUNT).filter('amount', '<', 90).limit(5).page(cursor);
      expect(next.items.map((e) => e.seq)).toEqual((await base().page(cursor)).items.map((e) => e.seq));
    } finally {
      otherSecret.destroy();
      sameSecret.destroy();
    }
  });
});

describe('configuration', () => {
  test('page() without a cursor secret is a ConfigurationError, before anything is sent', async () => {
    vi.stubEnv('DYNAMORM_CURSOR_SECRET', '');
    const noSecret = testDb({ middleware: [recorder], tablePrefix: db.config.tablePrefix });
    vi.unstubAllEnvs();
    try {
      requests.length = 0;
      const q = noSecret.model(Event).where('accountId', '=', ACCOUNT).limit(5);
      await expect(q.page()).rejects.toBeInstanceOf(ConfigurationError);
      await expect(q.page('AAAA.AAAA')).rejects.toBeInstanceOf(ConfigurationError);
      await expect(noSecret.model(Event).scan().page()).rejects.toBeInstanceOf(ConfigurationError);
      expect(requests).toHaveLength(0);
      // Everything that hands out no cursor works without a secret.
      expect(await q.all()).toHaveLength(5);
    } finally {
      noSecret.destroy();
    }
  });

  test('a secret shorter than 32 characters is refused', () => {
    expect(() => testDb({ cursorSecret: 'short' })).toThrow(ConfigurationError);
  });
});
