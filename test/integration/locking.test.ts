/**
 * Optimistic locking against DynamoDB Local: version 1 on create, checked and bumped on every update,
 * conflicts that change nothing, and 20 concurrent read-modify-write updates with retries that lose
 * nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { add, attr, ItemNotFoundError, model, ValidationError, VersionConflictError, type Item } from '../../src/index.js';
import { recordOperations, testDb } from '../support/db.js';
import { failure } from '../support/failure.js';

const Wallet = model('Wallet', {
  table: 'wallets',
  attributes: {
    id: attr.string().partitionKey(),
    balance: attr.cents(),
    owner: attr.string(),
    tags: attr.stringSet(),
    log: attr.list(attr.string()),
    updatedAt: attr.updatedAt(),
    version: attr.version(),
  },
});
type Wallet = Item<typeof Wallet>;

const operations: string[] = [];
const db = testDb({
  middleware: [recordOperations(operations)],
});
const wallets = db.model(Wallet);

beforeAll(async () => {
  await db.tables.create(Wallet);
});
afterAll(() => db.destroy());

const read = (id: string) => wallets.get({ id }, { consistent: true, required: true });

describe('versions', () => {
  test('create writes 1 and every update bumps by one', async () => {
    const v1 = await wallets.create({ id: 'w-bump', balance: 0, owner: 'ann', tags: [], log: [] });
    expect(v1.version).toBe(1);
    const v2 = await wallets.update(v1, { balance: 10 });
    expect(v2.version).toBe(2);
    const v3 = await wallets.update(v2, { owner: 'bob' });
    expect(v3.version).toBe(3);
    expect(await read('w-bump')).toEqual(v3);
  });

  test('a version given on create is ignored: it is always 1', async () => {
    const created = await wallets.create({ id: 'w-create-v', balance: 0, owner: 'ann', tags: [], log: [], version: 7 } as never);
    expect(created.version).toBe(1);
    expect((await read('w-create-v')).version).toBe(1);
  });

  test('a stale update raises VersionConflictError with both versions, and changes nothing', async () => {
    const v1 = await wallets.create({ id: 'w-stale', balance: 100, owner: 'ann', tags: ['t'], log: [] });
    const v2 = await wallets.update(v1, { balance: 150 });
    const error = await failure(wallets.update(v1, { balance: 999, owner: 'mallory', tags: add(['evil']) }));
    expect(error).toBeInstanceOf(VersionConflictError);
    const e = error as VersionConflictError;
    expect(e.code).toBe('VERSION_CONFLICT');
    expect(e.expectedVersion).toBe(1);
    expect(e.actualVersion).toBe(2);
    expect(e.item).toEqual(v2);
    expect(e.key).toEqual({ id: 'w-stale' });
    expect(await read('w-stale')).toEqual(v2);
  });

  test('expectedVersion given explicitly', async () => {
    const v1 = await wallets.create({ id: 'w-explicit', balance: 1, owner: 'ann', tags: [], log: [] });
    const v2 = await wallets.update({ id: 'w-explicit' }, { balance: 2 }, { expectedVersion: 1 });
    expect(v2.version).toBe(2);
    // The option wins over the version of the object passed.
    const error = await failure(wallets.update(v2, { balance: 3 }, { expectedVersion: 1 }));
    expect(error).toBeInstanceOf(VersionConflictError);
    expect((error as VersionConflictError).expectedVersion).toBe(1);
    expect((error as VersionConflictError).actualVersion).toBe(2);
    const v3 = await wallets.update(v1, { balance: 3 }, { expectedVersion: 2 });
    expect(v3).toMatchObject({ balance: 3, version: 3 });
    expect(await read('w-explicit')).toEqual(v3);
  });

  test("expectedVersion 'any' skips the check but still bumps the version", async () => {
    const v1 = await wallets.create({ id: 'w-any', balance: 0, owner: 'ann', tags: [], log: [] });
    await wallets.update(v1, { balance: 5 });
    const v3 = await wallets.update({ id: 'w-any' }, { balance: add(5) }, { expectedVersion: 'any' });
    expect(v3).toMatchObject({ balance: 10, version: 3 });
    // Writers still holding version 1 or 2 now conflict.
    expect(await failure(wallets.update(v1, { owner: 'x' }))).toBeInstanceOf(VersionConflictError);
    expect(await failure(wallets.update({ id: 'w-any', version: 2 }, { owner: 'x' }))).toBeInstanceOf(VersionConflictError);
    expect(await read('w-any')).toEqual(v3);
  });

  test("an update without a version is a ValidationError ('version-required') and nothing is sent", async () => {
    const v1 = await wallets.create({ id: 'w-required', balance: 0, owner: 'ann', tags: [], log: [] });
    operations.length = 0;
    const error = await failure(wallets.update({ id: 'w-required' }, { balance: 1 }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).rule).toBe('version-required');
    expect((error as ValidationError).path).toEqual(['version']);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      const e = await failure(wallets.update({ id: 'w-required' }, { balance: 1 }, { expectedVersion: bad }));
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).rule).toBe('version');
    }
    expect(operations).toEqual([]);
    expect(await read('w-required')).toEqual(v1);
  });

  test('an update with a version of an item that is gone is ItemNotFoundError, not a conflict, and creates nothing', async () => {
    const v1 = await wallets.create({ id: 'w-gone', balance: 0, owner: 'ann', tags: [], log: [] });
    await wallets.delete(v1);
    const error = await failure(wallets.update(v1, { balance: 1 }));
    expect(error).toBeInstanceOf(ItemNotFoundError);
    expect(error).not.toBeInstanceOf(VersionConflictError);
    expect(await wallets.get({ id: 'w-gone' }, { consistent: true })).toBeUndefined();
  });
});

describe('concurrency', () => {
  test('20 concurrent read-modify-write updates, retried on conflict, end at version 21 with nothing lost', async () => {
    await wallets.create({ id: 'w-race', balance: 0, owner: 'ann', tags: [], log: [] });
    let conflicts = 0;
    const worker = async (n: number): Promise<number> => {
      for (let attempt = 1; attempt <= 100; attempt++) {
        const current = await read('w-race');
        try {
          // Plain values computed from what was read: a lost update would drop a tag or a cent.
          await wallets.update(current, {
            balance: current.balance + 100 + n,
            tags: new Set([...current.tags, `worker-${n}`]),
            log: [...current.log, `w${n}`],
          });
          return attempt;
        } catch (error) {
          if (!(error instanceof VersionConflictError)) throw error;
          expect(error.expectedVersion).toBe(current.version);
          expect(error.actualVersion).toBeGreaterThan(current.version);
          conflicts++;
        }
      }
      throw new Error(`worker ${n} gave up`);
    };
    const attempts = await Promise.all(Array.from({ length: 20 }, (_, n) => worker(n)));

    const final = await read('w-race');
    expect(final.version).toBe(21);
    expect(final.tags).toEqual(new Set(Array.from({ length: 20 }, (_, n) => `worker-${n}`)));
    expect(final.balance).toBe(20 * 100 + (19 * 20) / 2);
    expect(final.log).toHaveLength(20);
    expect(new Set(final.log)).toEqual(new Set(Array.from({ length: 20 }, (_, n) => `w${n}`)));
    // The race really happened: someone had to retry, and every failed attempt was a conflict.
    expect(conflicts).toBeGreaterThan(0);
    expect(attempts.reduce((a, b) => a + b, 0)).toBe(20 + conflicts);
  });
});
