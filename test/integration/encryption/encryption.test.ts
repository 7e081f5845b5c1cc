/**
 * Field encryption against DynamoDB Local, with data keys from the local KMS endpoint through the real
 * `@aws-sdk/client-kms` client: round trips, what the table holds (no plaintext), tampering (swapped
 * and copied ciphertexts), conditions refused before sending, KMS failures, single flight and KMS
 * calls per 1,000 writes and reads.
 */
import { randomBytes } from 'node:crypto';
import { DeleteItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attr, ifNotExists, model, ValidationError, type DynamORMRequest } from '../../../src/index.js';
import { DecryptionError, encrypted, encryption, findByBeacon, KeyProviderError, kmsKeyProvider, localKeyProvider, type KeyCacheOptions } from '../../../src/encryption/index.js';
import { rawItem, recordRequests, testDb } from '../../support/db.js';
import { KmsEndpoint } from '../../support/kms-endpoint.js';
import { expectNoSecrets } from '../../support/no-secrets.js';

const CARD = '4111111111111111';
const OTHER = '5500005555555559';
const beaconKey = randomBytes(32);

const Card = model('Card', {
  table: 'enc-cards',
  attributes: {
    id: attr.string().partitionKey(),
    number: encrypted(attr.string(), { beacon: { key: beaconKey, field: 'numberBeacon' } }),
    numberBeacon: attr.string().optional(),
    holder: encrypted(attr.json().optional()),
    limit: encrypted(attr.cents()).optional(),
    note: attr.string().optional(),
    version: attr.version(),
  },
  indexes: { byBeacon: { name: 'gsi-beacon', partitionKey: 'numberBeacon' } },
});

const Plain = model('PlainNote', { table: 'enc-cards', attributes: { id: attr.template('N#{noteId}').partitionKey(), noteId: attr.string(), text: attr.string() } });

/** Alone in its table: a scan of it reads exactly what the test wrote. */
const Wallet = model('Wallet', { table: 'enc-wallets', attributes: { id: attr.string().partitionKey(), secret: encrypted(attr.string()) } });

let kms: KmsEndpoint;
let keyArn: string;
const sent: DynamORMRequest[] = [];

function kmsDb(cache?: KeyCacheOptions, prefix?: string) {
  const provider = kmsKeyProvider({ keyId: 'alias/cards', client: kms.client() });
  // A loaded test machine: generous time-outs, so that 100 concurrent writes are not refused for the wrong reason.
  return testDb({
    extensions: [encryption({ keyProvider: provider, ...(cache ? { cache } : {}) })],
    middleware: [recordRequests(sent)],
    connectTimeoutMs: 10_000,
    requestTimeoutMs: 20_000,
    ...(prefix ? { tablePrefix: prefix } : {}),
  });
}

let db: ReturnType<typeof kmsDb>;

beforeAll(async () => {
  kms = await KmsEndpoint.start();
  keyArn = kms.createKey('cards');
  db = kmsDb();
  await db.tables.create([Card, Plain]);
  await db.tables.create(Wallet);
});
afterAll(async () => {
  db.destroy();
  await kms.stop();
});

/** Removes tampered items (raw), so later scans of the table read only sound ones. */
async function dropRaw(...ids: string[]) {
  for (const id of ids) await db.client.send(new DeleteItemCommand({ TableName: db.tableName(Card), Key: { id: { S: id } } }));
}

/** Every item of the table, raw, as the SDK returns it. */
async function scanRaw() {
  return (await db.client.send(new ScanCommand({ TableName: db.tableName(Card), ConsistentRead: true }))).Items ?? [];
}

describe('round trip and what is stored', () => {
  test('values come back as written; the table holds binary envelopes, no plaintext', async () => {
    const cards = db.model(Card);
    const created = await cards.create({ id: 'c1', number: CARD, holder: { name: 'Ada Lovelace', zip: '10115' }, limit: 250_000 });
    expect(created).toMatchObject({ id: 'c1', number: CARD, holder: { name: 'Ada Lovelace', zip: '10115' }, limit: 250_000, version: 1 });
    expect(await cards.get({ id: 'c1' })).toMatchObject({ number: CARD, holder: { name: 'Ada Lovelace', zip: '10115' }, limit: 250_000 });
    const raw = await rawItem(db, Card, { id: { S: 'c1' } });
    for (const name of ['number', 'holder', 'limit']) {
      expect(raw?.[name]?.B).toBeInstanceOf(Uint8Array);
      expect(raw?.[name]?.B?.[0]).toBe(1); // format version
    }
    const everything = JSON.stringify((await scanRaw()).map((i) => Object.fromEntries(Object.entries(i).map(([k, v]) => [k, v.B ? Buffer.from(v.B).toString('latin1') : v]))));
    for (const secret of [CARD, 'Ada Lovelace', '10115', '250000']) expect(everything).not.toContain(secret);
  });

  test('update re-encrypts only what it sets, and returns the item decrypted', async () => {
    const cards = db.model(Card);
    const before = await rawItem(db, Card, { id: { S: 'c1' } });
    const item = await cards.get({ id: 'c1' }, { required: true });
    const updated = await cards.update(item, { number: OTHER, note: 'replaced' });
    expect(updated).toMatchObject({ number: OTHER, holder: { name: 'Ada Lovelace', zip: '10115' }, note: 'replaced', version: 2 });
    const after = await rawItem(db, Card, { id: { S: 'c1' } });
    expect(Buffer.from(after?.holder?.B as Uint8Array).equals(Buffer.from(before?.holder?.B as Uint8Array))).toBe(true);
    expect(Buffer.from(after?.number?.B as Uint8Array).equals(Buffer.from(before?.number?.B as Uint8Array))).toBe(false);
  });
});

describe('tampering', () => {
  test('two items swapping their ciphertexts (raw SDK writes) are both refused on read, with no value shown', async () => {
    const cards = db.model(Card);
    await cards.create({ id: 's1', number: CARD });
    await cards.create({ id: 's2', number: OTHER });
    const a = await rawItem(db, Card, { id: { S: 's1' } });
    const b = await rawItem(db, Card, { id: { S: 's2' } });
    const table = db.tableName(Card);
    await db.client.send(new UpdateItemCommand({ TableName: table, Key: { id: { S: 's1' } }, UpdateExpression: 'SET #n = :v', ExpressionAttributeNames: { '#n': 'number' }, ExpressionAttributeValues: { ':v': b?.number as never } }));
    await db.client.send(new UpdateItemCommand({ TableName: table, Key: { id: { S: 's2' } }, UpdateExpression: 'SET #n = :v', ExpressionAttributeNames: { '#n': 'number' }, ExpressionAttributeValues: { ':v': a?.number as never } }));
    for (const id of ['s1', 's2']) {
      const error = await cards.get({ id }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DecryptionError);
      expect(error).toMatchObject({ name: 'DecryptionError', code: 'DECRYPTION_FAILED', model: 'Card', field: 'number', reason: 'authentication' });
      expectNoSecrets(error, [CARD, OTHER]);
    }
    // A page holding them fails as a whole: no item is returned decrypted wrongly.
    await expect(cards.where('id', '=', 's1').first()).rejects.toBeInstanceOf(DecryptionError);
    await dropRaw('s1', 's2');
  });

  test('a ciphertext copied to another attribute of the same item is refused', async () => {
    const cards = db.model(Card);
    await cards.create({ id: 'm1', number: CARD, holder: { name: 'x' } });
    const raw = await rawItem(db, Card, { id: { S: 'm1' } });
    await db.client.send(new UpdateItemCommand({ TableName: db.tableName(Card), Key: { id: { S: 'm1' } }, UpdateExpression: 'SET holder = :v', ExpressionAttributeValues: { ':v': raw?.number as never } }));
    await expect(cards.get({ id: 'm1' })).rejects.toMatchObject({ name: 'DecryptionError', field: 'holder', reason: 'authentication' });
    await dropRaw('m1');
  });

  test('a plaintext written by another tool into an encrypted attribute is refused, not returned', async () => {
    await db.client.send(new PutItemCommand({ TableName: db.tableName(Card), Item: { id: { S: 'p1' }, _type: { S: 'Card' }, number: { S: CARD }, version: { N: '1' } } }));
    const error = await db.model(Card).get({ id: 'p1' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DecryptionError', reason: 'format' });
    expectNoSecrets(error, [CARD]);
    await dropRaw('p1');
  });
});

describe('encrypted fields in conditions, filters and update actions', () => {
  test('are refused with a ValidationError before anything is sent, and the value is not shown', async () => {
    const cards = db.model(Card);
    const item = await cards.create({ id: 'v1', number: CARD });
    sent.length = 0;
    const attempts: Promise<unknown>[] = [
      // Forced past the compiler: the run-time check is the subject here (the type test covers the compile error).
      cards.update(item, { note: 'n' }, { condition: (c) => c.where('number' as never, '=', CARD as never) }),
      cards.update(item, { note: 'n' }, { condition: (c) => c.where('number' as never, 'begins_with', '4111' as never) }),
      cards.update(item, { note: 'n' }, { condition: (c) => c.size('number' as never, '>', 3) }),
      cards.update(item, { note: 'n' }, { condition: (c) => c.exists('holder' as never) }),
      cards.where('id', '=', 'v1').filter('number' as never, '=', CARD as never).all(),
      db.model(Card).scan().filter('number' as never, 'contains', '4111' as never).all(),
      cards.update(item, { number: ifNotExists(CARD) }),
    ];
    for (const attempt of attempts) {
      const error = await attempt.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).rule).toMatch(/not-comparable|encrypted/);
      expectNoSecrets(error, [CARD, '4111']);
    }
    expect(sent).toEqual([]);
  });
});

describe('errors that carry the stored item', () => {
  test('a conditional failure holds the decrypted item only where logs do not look', async () => {
    const cards = db.model(Card);
    await cards.create({ id: 'e1', number: CARD, holder: { name: 'Grace Hopper' } });
    const error = await cards.create({ id: 'e1', number: OTHER }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ItemAlreadyExistsError' });
    expect((error as { item?: { number?: string } }).item?.number).toBe(CARD);
    expectNoSecrets(error, [CARD, OTHER, 'Grace Hopper']);
  });

  test('a projection of an encrypted field decrypts it (the key comes with every item)', async () => {
    expect(await db.model(Card).get({ id: 'e1' }, { projection: ['number'] })).toEqual({ number: CARD });
  });
});

describe('KMS', () => {
  test('a KMS failure is a KeyProviderError and nothing is written', async () => {
    const cards = db.model(Card);
    sent.length = 0;
    kms.failNext(1, { type: 'DisabledException', operation: 'GenerateDataKey' });
    const error = await cards.create({ id: 'k1', number: CARD }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyProviderError);
    expect(error).toMatchObject({ name: 'KeyProviderError', code: 'KEY_PROVIDER', operation: 'generate' });
    expect((error as Error).cause).toMatchObject({ name: 'DisabledException' });
    expectNoSecrets(error, [CARD]);
    expect(sent).toEqual([]);
    expect(await rawItem(db, Card, { id: { S: 'k1' } })).toBeUndefined();
    // The same write succeeds once KMS answers again.
    await expect(cards.create({ id: 'k1', number: CARD })).resolves.toMatchObject({ number: CARD });
  });

  test('a model without encrypted fields has no hooks, and its writes and reads call no KMS', async () => {
    const notes = db.model(Plain);
    expect(notes.hooks).toBeUndefined();
    kms.resetCalls();
    await notes.create({ noteId: 'n1', text: 'hello' });
    await notes.get({ noteId: 'n1' });
    expect(kms.calls).toEqual({ GenerateDataKey: 0, Encrypt: 0, Decrypt: 0 });
  });

  test('single flight: 100 concurrent first writes on a cold cache make one GenerateDataKey', async () => {
    const cold = kmsDb({ maxAge: 60_000 }, db.config.tablePrefix);
    kms.resetCalls();
    kms.latencyMs = 50;
    try {
      await Promise.all(Array.from({ length: 100 }, (_, i) => cold.model(Card).create({ id: `sf${i}`, number: CARD })));
    } finally {
      kms.latencyMs = 0;
    }
    expect(kms.calls.GenerateDataKey).toBe(1);
    cold.destroy();
  });

  test('KMS calls per 1,000 writes and per 1,000 reads, without and with the cache', async () => {
    const report: Record<string, number> = {};
    for (const [label, cache] of [['no cache', undefined], ['cache (maxAge 5 min, maxUses 1000)', { maxAge: 300_000, maxUses: 1000 }]] as const) {
      const writer = kmsDb(cache, db.config.tablePrefix);
      const ids = Array.from({ length: 1000 }, (_, i) => `${label.length}-w${i}`);
      kms.resetCalls();
      for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => writer.model(Card).create({ id, number: CARD })));
      report[`${label}: GenerateDataKey per 1,000 writes`] = kms.calls.GenerateDataKey;
      // A cold reader (a new Lambda container): reads the 1,000 items back by key, 100 per batch get.
      const reader = kmsDb(cache, db.config.tablePrefix);
      kms.resetCalls();
      for (let i = 0; i < ids.length; i += 100) {
        const page = await reader.model(Card).where('id', '=', ids[i] as string).all();
        expect(page[0]?.number).toBe(CARD);
        await Promise.all(ids.slice(i + 1, i + 100).map((id) => reader.model(Card).get({ id })));
      }
      report[`${label}: Decrypt per 1,000 reads`] = kms.calls.Decrypt;
      writer.destroy();
      reader.destroy();
    }
    console.log('KMS calls per 1,000 operations:', report);
    expect(report['no cache: GenerateDataKey per 1,000 writes']).toBe(1000);
    expect(report['no cache: Decrypt per 1,000 reads']).toBe(1000);
    expect(report['cache (maxAge 5 min, maxUses 1000): GenerateDataKey per 1,000 writes']).toBe(1);
    expect(report['cache (maxAge 5 min, maxUses 1000): Decrypt per 1,000 reads']).toBe(1);
  }, 120_000);

  test('a page unwraps each distinct data key once', async () => {
    const writer = kmsDb({ maxAge: 60_000, maxUses: 10 }, db.config.tablePrefix);
    await Promise.all(Array.from({ length: 30 }, (_, i) => writer.model(Wallet).create({ id: `pg${i}`, secret: CARD })));
    const reader = kmsDb(undefined, db.config.tablePrefix);
    kms.resetCalls();
    const items = await reader.model(Wallet).scan().all();
    expect(items).toHaveLength(30);
    // 30 items under 3 data keys (10 uses each), in one page: each key is unwrapped once.
    expect(kms.calls.Decrypt).toBe(3);
    writer.destroy();
    reader.destroy();
  });
});

describe('blind index', () => {
  test('findByBeacon finds the card by its number through the beacon index, without plaintext in the table', async () => {
    const cards = db.model(Card);
    await cards.create({ id: 'b1', number: '4000000000000002' });
    await cards.create({ id: 'b2', number: '4000000000000002' });
    await cards.create({ id: 'b3', number: '4000000000000010' });
    const found = await findByBeacon(cards, 'number', '4000000000000002');
    expect(found.map((c) => c.id).sort()).toEqual(['b1', 'b2']);
    const raw = await rawItem(db, Card, { id: { S: 'b1' } });
    expect(raw?.numberBeacon?.S).toMatch(/^[A-Za-z0-9_-]{11}$/);
    expect(JSON.stringify(raw)).not.toContain('4000000000000002');
    // The beacon follows an update of the value.
    const b3 = await cards.get({ id: 'b3' }, { required: true });
    await cards.update(b3, { number: '4000000000000002' });
    expect((await findByBeacon(cards, 'number', '4000000000000002')).map((c) => c.id).sort()).toEqual(['b1', 'b2', 'b3']);
  });
});

describe('local key provider', () => {
  test('works without KMS, and another master key cannot read the values', async () => {
    const key = randomBytes(32);
    const local = testDb({ extensions: [encryption({ keyProvider: localKeyProvider(key) })], tablePrefix: db.config.tablePrefix });
    await local.model(Card).create({ id: 'l1', number: CARD });
    expect((await local.model(Card).get({ id: 'l1' }))?.number).toBe(CARD);
    const stranger = testDb({ extensions: [encryption({ keyProvider: localKeyProvider(randomBytes(32)) })], tablePrefix: db.config.tablePrefix });
    const error = await stranger.model(Card).get({ id: 'l1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyProviderError);
    expectNoSecrets(error, [CARD]);
    local.destroy();
    stranger.destroy();
  });

  test('a handle without the encryption extension refuses to be made', () => {
    const bare = testDb({ tablePrefix: db.config.tablePrefix });
    expect(() => bare.model(Card)).toThrow(/needs the encryption extension/);
    bare.destroy();
  });
});

test('keyArn is what values name', async () => {
  const raw = await rawItem(db, Card, { id: { S: 'c1' } });
  const bytes = Buffer.from(raw?.number?.B as Uint8Array);
  const idLength = bytes.readUInt16BE(1);
  expect(bytes.subarray(3, 3 + idLength).toString('utf8')).toBe(keyArn);
});
