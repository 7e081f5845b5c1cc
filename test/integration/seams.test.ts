/**
 * The seams every feature plugs into, through the public API on DynamoDB Local: the operation context
 * on every request (kind, model, table, one clock reading, scope values), the ambient scope, named
 * plugins (removed and replaced by name, a plugin installing several), derived databases (another
 * table prefix, the partner on the context) and codecs that see where their value goes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  attr,
  Attr,
  ConfigurationError,
  defineExtension,
  derive,
  getKeys,
  model,
  pluginNames,
  putItems,
  removePlugin,
  replacePlugin,
  txGet,
  withDeadline,
  withScope,
  type DynamORMRequest,
  type Middleware,
  type Plugin,
} from '../../src/index.js';
import { stringCodec, type CodecFactory, type CodecScope } from '../../src/marshal/codec.js';
import { rawItem, recordRequests, testDb } from '../support/db.js';

const Account = model('Account', {
  table: 'seams',
  attributes: { id: attr.string().partitionKey(), owner: attr.string(), balance: attr.cents(), version: attr.version() },
});

const seen: DynamORMRequest[] = [];
const db = testDb({ middleware: [recordRequests(seen)], clock: () => new Date('2026-03-04T05:06:07.000Z') });
const accounts = db.model(Account);

beforeAll(async () => {
  await db.tables.create(Account);
});
afterAll(() => db.destroy());

describe('the operation context', () => {
  test('every request carries its operation kind, model, table and clock reading', async () => {
    seen.length = 0;
    const a = await accounts.create({ id: 'c1', owner: 'ann', balance: 10 });
    await accounts.put({ ...a, balance: 11 });
    await accounts.get({ id: 'c1' });
    await accounts.where('id', '=', 'c1').first();
    await accounts.where('id', '=', 'c1').count();
    await db.model(Account).scan().all();
    await accounts.update({ id: 'c1', version: 2 }, { balance: 12 });
    await db.transaction((tx) => void tx.update(Account, { id: 'c1', version: 3 }, { balance: 13 }));
    await db.transactGet([txGet(Account, { id: 'c1' })]);
    await db.batchGet([getKeys(Account, [{ id: 'c1' }])]);
    await accounts.delete({ id: 'c1', version: 4 });
    expect(seen.map((r) => [r.operation, r.context.kind])).toEqual([
      ['PutItem', 'create'],
      ['PutItem', 'put'],
      ['GetItem', 'get'],
      ['GetItem', 'query'],
      ['Query', 'query'],
      ['Scan', 'scan'],
      ['UpdateItem', 'update'],
      ['TransactWriteItems', 'transactWrite'],
      ['TransactGetItems', 'transactGet'],
      ['BatchGetItem', 'batchGet'],
      ['DeleteItem', 'delete'],
    ]);
    const single = seen.filter((r) => !['TransactWriteItems', 'TransactGetItems', 'BatchGetItem'].includes(r.operation));
    for (const r of single) {
      expect(r.context.model).toBe('Account');
      expect(r.context.table).toBe(db.tableName(Account));
      expect(r.context.now.toISOString()).toBe('2026-03-04T05:06:07.000Z');
      expect(r.context.tenant).toBeUndefined();
    }
  });

  test('the ambient scope (tenant, actor, partner, deadline) reaches every request of the chain', async () => {
    seen.length = 0;
    await withScope({ tenant: 't1', actor: 'user-7' }, async () => {
      await withDeadline(Date.now() + 10_000, async () => {
        await withScope({ actor: undefined, partner: 'acme' }, () => accounts.create({ id: 'c2', owner: 'bob', balance: 1 }));
      });
      await accounts.get({ id: 'c2' });
    });
    await accounts.get({ id: 'c2' });
    const [created, inScope, outside] = seen;
    expect(created?.context).toMatchObject({ kind: 'create', tenant: 't1', actor: 'user-7', partner: 'acme' });
    expect(created?.context.deadline).toBeDefined();
    expect(inScope?.context).toMatchObject({ tenant: 't1', actor: 'user-7', partner: undefined, deadline: undefined });
    expect(outside?.context).toMatchObject({ tenant: undefined, actor: undefined });
  });

  test('one operation, one context: the pages of a query share it', async () => {
    for (let i = 0; i < 3; i++) await accounts.create({ id: `page${i}`, owner: 'p', balance: i });
    seen.length = 0;
    await db.model(Account).scan().pageSize(1).all();
    expect(seen.length).toBeGreaterThan(2);
    expect(new Set(seen.map((r) => r.context)).size).toBe(1);
  });
});

describe('named plugins', () => {
  const tagging = (log: string[], tag: string): Middleware => (request, next) => {
    log.push(tag);
    return next(request);
  };

  test('added by name, listed in order, replaced and removed by name; names are unique', async () => {
    const log: string[] = [];
    const local = testDb({ tablePrefix: db.config.tablePrefix });
    local.use('a', tagging(log, 'a')).use('b', tagging(log, 'b'));
    const twoAtOnce: Plugin = {
      name: 'pair',
      install(host) {
        host.use('pair.outer', tagging(log, 'pair.outer'));
        host.use('pair.inner', tagging(log, 'pair.inner'));
      },
    };
    local.use(twoAtOnce);
    expect(pluginNames(local)).toEqual(['a', 'b', 'pair.outer', 'pair.inner']);
    await local.model(Account).get({ id: 'none' });
    expect(log).toEqual(['a', 'b', 'pair.outer', 'pair.inner']);
    log.length = 0;
    replacePlugin(local, 'b', tagging(log, 'B'));
    expect(removePlugin(local, 'pair.outer')).toBe(true);
    expect(removePlugin(local, 'pair.outer')).toBe(false);
    await local.model(Account).get({ id: 'none' });
    expect(log).toEqual(['a', 'B', 'pair.inner']);
    expect(() => local.use('a', tagging(log, 'again'))).toThrow(ConfigurationError);
    expect(() => replacePlugin(local, 'missing', tagging(log, 'x'))).toThrow(ConfigurationError);
    local.destroy();
  });

  test('config middleware and plugins are installed in order, unnamed middleware gets a generated name', () => {
    const plugin: Plugin = { name: 'p', install: (host) => void host.use('p', (r, next) => next(r)) };
    const local = testDb({ middleware: [(r, next) => next(r)], plugins: [plugin] });
    const names = pluginNames(local);
    expect(names[0]).toMatch(/^middleware#\d+$/);
    expect(names[1]).toBe('p');
  });
});

describe('derived databases', () => {
  test('another table prefix and the partner on every context; plugins copied, not shared', async () => {
    const partnerTables = testDb();
    await partnerTables.tables.create(Account);
    const acme = derive(db, { partner: 'acme', tablePrefix: partnerTables.config.tablePrefix });
    seen.length = 0;
    await acme.model(Account).create({ id: 'p1', owner: 'acme', balance: 5 });
    expect(seen[0]?.context).toMatchObject({ partner: 'acme', table: partnerTables.tableName(Account) });
    expect(await partnerTables.model(Account).get({ id: 'p1' })).toMatchObject({ owner: 'acme' });
    expect(await db.model(Account).get({ id: 'p1' })).toBeUndefined();
    acme.use('only-acme', (r, next) => next(r));
    expect(pluginNames(acme)).toContain('only-acme');
    expect(pluginNames(db)).not.toContain('only-acme');
    expect(typeof derive(db, {}).transaction).toBe('function'); // same kind: a DynamORM stays a DynamORM
    await partnerTables.tables.delete(Account);
    partnerTables.destroy();
  });
});

describe('codec scope', () => {
  /** A test codec that stores `value|table|key|attribute`, so the test sees the scope it was given. */
  const placed: CodecFactory = () => ({
    scoped: true,
    encode(value, path, issues, _rules, scope?: CodecScope) {
      if (typeof value !== 'string') {
        issues.push({ path: [...path], rule: 'type', message: 'expected a string' });
        return undefined;
      }
      return { S: [value, scope?.table, JSON.stringify(scope?.key), scope?.attribute].join('|') };
    },
    decode: (stored) => (stored.S ?? '').split('|')[0],
  });
  const Note = model('Note', {
    table: 'seams-notes',
    attributes: {
      id: attr.string().partitionKey(),
      body: new Attr<string>({ kind: 'string', codec: placed, optional: false, hasDefault: false, validators: [], key: 'none', generated: 'none', ttl: false }),
    },
  });

  test('a scoped codec sees the table, the encoded key and its stored attribute, on put and update', async () => {
    await db.tables.create(Note);
    const notes = db.model(Note);
    expect(await notes.create({ id: 'n1', body: 'hello' })).toMatchObject({ body: 'hello' });
    const table = db.tableName(Note);
    expect((await rawItem(db, Note, { id: { S: 'n1' } }))?.body).toEqual({ S: `hello|${table}|{"id":{"S":"n1"}}|body` });
    await notes.update({ id: 'n1' }, { body: 'again' });
    expect((await rawItem(db, Note, { id: { S: 'n1' } }))?.body).toEqual({ S: `again|${table}|{"id":{"S":"n1"}}|body` });
    expect(await notes.get({ id: 'n1' })).toMatchObject({ body: 'again' });
    await db.batchWrite([putItems(Note, [{ id: 'n2', body: 'batched' }])]);
    expect((await rawItem(db, Note, { id: { S: 'n2' } }))?.body).toEqual({ S: `batched|${table}|{"id":{"S":"n2"}}|body` });
  });
});

describe('attributes that need an extension', () => {
  const needing = (needs: string[], extension?: ReturnType<typeof defineExtension>) =>
    new Attr<string>({ kind: 'string', codec: stringCodec, optional: false, hasDefault: false, validators: [], key: 'none', generated: 'none', ttl: false, needs, ...(extension ? { extension } : {}) });
  const marker = defineExtension({ name: 'marker', forModel: () => ({}) });

  test('a handle whose model lacks an extension a field needs is refused before any request', () => {
    const Lonely = model('Lonely', { table: 'seams-lonely', attributes: { id: attr.string().partitionKey(), code: needing(['marker']) } });
    seen.length = 0;
    expect(() => db.model(Lonely)).toThrow(ConfigurationError);
    expect(() => db.model(Lonely)).toThrow(/field code needs the marker extension/);
    expect(seen).toEqual([]);
    // Given by the database, the same model is accepted.
    const withMarker = testDb({ extensions: [marker] });
    expect(withMarker.model(Lonely).hooks?.names).toEqual(['marker']);
    withMarker.destroy();
  });

  test('an attribute that brings its extension adds it to its model, once', () => {
    const Brought = model('Brought', { table: 'seams-brought', attributes: { id: attr.string().partitionKey(), a: needing(['marker'], marker), b: needing(['marker'], marker) } });
    expect(Brought.extensions).toEqual([marker]);
    expect(db.model(Brought).hooks?.names).toEqual(['marker']);
  });
});
