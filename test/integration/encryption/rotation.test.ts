/**
 * Key rotation against DynamoDB Local and the local KMS endpoint: the alias moves to a new key; old
 * values stay readable; `reencrypt` moves every item to the new key, is interrupted, resumes from its
 * last reported cursor, and never overwrites a concurrent change (it retries on the new version).
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { attr, ConfigurationError, InvalidCursorError, model, type Middleware } from '../../../src/index.js';
import { encrypted, encryption, kmsKeyProvider, reencrypt, type ReencryptProgress } from '../../../src/encryption/index.js';
import { testDb } from '../../support/db.js';
import { KmsEndpoint } from '../../support/kms-endpoint.js';

const Account = model('Account', {
  table: 'enc-rotation',
  attributes: { id: attr.string().partitionKey(), iban: encrypted(attr.string()), pin: encrypted(attr.integer().optional()), note: attr.string().optional(), version: attr.version() },
});
const Unversioned = model('Unversioned', { table: 'enc-rotation-u', attributes: { id: attr.string().partitionKey(), secret: encrypted(attr.string()) } });

let kms: KmsEndpoint;
let oldKey: string;
let newKey: string;
const iban = (i: number) => `DE89370400440532013${String(i).padStart(3, '0')}`;

function kmsDb(prefix?: string, middleware: Middleware[] = []) {
  return testDb({
    extensions: [encryption({ keyProvider: kmsKeyProvider({ keyId: 'alias/accounts', client: kms.client() }), cache: { maxAge: 600_000 } })],
    middleware,
    ...(prefix ? { tablePrefix: prefix } : {}),
  });
}

let before: ReturnType<typeof kmsDb>;

beforeAll(async () => {
  kms = await KmsEndpoint.start();
  oldKey = kms.createKey('accounts');
  before = kmsDb();
  await before.tables.create(Account);
  for (let i = 0; i < 25; i++) await before.model(Account).create({ id: `a${String(i).padStart(2, '0')}`, iban: iban(i), ...(i % 2 ? { pin: 1000 + i } : {}) });
});
afterAll(async () => {
  before.destroy();
  await kms.stop();
});

/** The master key each item's values name, read raw (without decrypting). */
async function keyIdsByItem(db: ReturnType<typeof kmsDb>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const items = (await db.client.send(new ScanCommand({ TableName: db.tableName(Account), ConsistentRead: true }))).Items ?? [];
  for (const item of items) {
    const ids: string[] = [];
    for (const name of ['iban', 'pin']) {
      const b = item[name]?.B;
      if (!b) continue;
      const bytes = Buffer.from(b);
      ids.push(bytes.subarray(3, 3 + bytes.readUInt16BE(1)).toString('utf8'));
    }
    out.set(item.id?.S as string, ids);
  }
  return out;
}

test('after a rotation old values stay readable; reencrypt moves them, resumes after an interruption and never overwrites a concurrent change', async () => {
  newKey = kms.createKey();
  kms.setAlias('alias/accounts', newKey);

  // A concurrent writer: on reencrypt's first update, another process changes that very item first.
  const concurrent = kmsDb(before.config.tablePrefix);
  let raced: string | undefined;
  const race: Middleware = async (request, next) => {
    if (request.operation === 'UpdateItem' && raced === undefined) {
      raced = ((request.input as { Key: { id: { S: string } } }).Key.id.S);
      const item = await concurrent.model(Account).get({ id: raced }, { required: true });
      await concurrent.model(Account).update(item, { iban: 'CHANGED-CONCURRENTLY', note: 'concurrent' });
    }
    return next(request);
  };
  const after = kmsDb(before.config.tablePrefix, [race]);

  // Old values are readable through the new configuration.
  expect(await after.model(Account).get({ id: 'a03' })).toMatchObject({ iban: iban(3), pin: 1003 });
  expect([...(await keyIdsByItem(after)).values()].flat().every((id) => id === oldKey)).toBe(true);

  // First run: interrupted after its first page (the process stops: onProgress throws).
  const reports: ReencryptProgress[] = [];
  const stop = new Error('interrupted');
  await expect(
    reencrypt(after, Account, {
      pageSize: 10,
      onProgress: (p) => {
        reports.push(p);
        throw stop;
      },
    }),
  ).rejects.toBe(stop);
  expect(reports).toHaveLength(1);
  const first = reports[0] as ReencryptProgress;
  expect(first).toMatchObject({ scanned: 10 });
  expect(first.cursor).toEqual(expect.any(String));
  const partly = await keyIdsByItem(after);
  expect([...partly.values()].filter((ids) => ids.every((id) => id === newKey))).toHaveLength(10);

  // Resumed from the last cursor: the rest is moved, nothing is scanned twice.
  const resumed: ReencryptProgress[] = [];
  const done = await reencrypt(after, Account, { pageSize: 10, resumeFrom: first.cursor as string, onProgress: (p) => void resumed.push(p) });
  expect(done.cursor).toBeUndefined();
  expect(first.scanned + done.scanned).toBe(25);
  expect(first.rewritten + done.rewritten).toBe(25);
  expect(resumed.map((p) => p.scanned)).toEqual([10, 15, 15].slice(0, resumed.length));

  // Every value is now under the new key, and every value is what it was (the raced one: the concurrent change).
  const moved = await keyIdsByItem(after);
  expect(moved.size).toBe(25);
  for (const ids of moved.values()) expect(ids.every((id) => id === newKey)).toBe(true);
  for (let i = 0; i < 25; i++) {
    const id = `a${String(i).padStart(2, '0')}`;
    const item = await after.model(Account).get({ id }, { required: true });
    if (id === raced) expect(item).toMatchObject({ iban: 'CHANGED-CONCURRENTLY', note: 'concurrent' });
    else expect(item).toMatchObject({ iban: iban(i), ...(i % 2 ? { pin: 1000 + i } : {}) });
  }
  expect(raced).toBeDefined();

  // A second run finds nothing to do.
  expect(await reencrypt(after, Account)).toMatchObject({ scanned: 25, rewritten: 0, current: 25 });

  // The old key can now be disabled: every item still reads.
  kms.setEnabled(oldKey, false);
  const fresh = kmsDb(before.config.tablePrefix);
  expect(await fresh.model(Account).scan().all()).toHaveLength(25);
  kms.setEnabled(oldKey, true);
  for (const db of [concurrent, after, fresh]) db.destroy();
}, 60_000);

test('reencrypt refuses an unversioned model, a handle without the extension and a forged cursor', async () => {
  await expect(reencrypt(before, Unversioned)).rejects.toBeInstanceOf(ConfigurationError);
  const bare = testDb({ tablePrefix: before.config.tablePrefix });
  await expect(reencrypt(bare, Account)).rejects.toThrow(/needs the encryption extension|no encryption\(\) extension/);
  bare.destroy();
  await expect(reencrypt(before, Account, { resumeFrom: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
});
