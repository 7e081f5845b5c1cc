/**
 * The cache's behaviour on DynamoDB Local, the same for every store: hits and misses, invalidation
 * by every kind of write, strongly consistent reads, tenants, size bounds, and reads racing writes.
 * memory.test.ts and redis.test.ts run these with their store.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deleteKeys, putItems, withScope, type DynamORM } from '../../../src/index.js';
import type { CacheStore } from '../../../src/plugins/cache/index.js';
import { rawItem, testDb } from '../../support/db.js';
import { cachedDb, Charge, Refund, SLOW_MACHINE_MS } from './fixtures.js';

/** What DynamoDB holds for a charge (read consistently with the raw SDK), in the shape `get` returns. */
async function stored(db: DynamORM, merchant: string, id: string): Promise<number | undefined> {
  const raw = await rawItem(db, Charge, { merchant: { S: merchant }, id: { S: id } });
  return raw ? Number(raw.amount?.N) : undefined;
}

export function cacheScenarios(label: string, makeStore: () => CacheStore | Promise<CacheStore>): void {
  describe(`${label}: read-through`, () => {
    const prefix = `t${randomUUID().slice(0, 8)}-`;
    const admin = testDb({ tablePrefix: prefix, requestTimeoutMs: SLOW_MACHINE_MS });
    beforeAll(async () => {
      await admin.tables.create(Charge);
      await admin.tables.create(Refund);
    });
    afterAll(() => admin.destroy());
    const setup = async (options = {}) => {
      const made = cachedDb(await makeStore(), options, prefix);
      return { ...made, charges: made.db.model(Charge), merchant: `m-${randomUUID().slice(0, 8)}` };
    };

    test('get, first and count: the first read is a miss sent to DynamoDB, the same read again a hit that sends nothing', async () => {
      const { db, cache, charges, merchant, sentOf } = await setup();
      await charges.create({ merchant, id: 'c1', amount: 100, status: 'pending' });
      await charges.create({ merchant, id: 'c2', amount: 200, status: 'pending' });
      cache.resetStats();
      for (let round = 0; round < 2; round++) {
        expect(await charges.get({ merchant, id: 'c1' })).toMatchObject({ amount: 100 });
        expect(await charges.where('merchant', '=', merchant).first()).toMatchObject({ id: 'c1' });
        expect(await charges.where('merchant', '=', merchant).where('id', '=', 'c2').first()).toMatchObject({ amount: 200 });
        expect(await charges.where('merchant', '=', merchant).count()).toBe(2);
      }
      expect(cache.stats()).toMatchObject({ misses: 4, hits: 4, fills: 4 });
      expect(sentOf('GetItem')).toBe(2);
      expect(sentOf('Query')).toBe(2);
      // Other reads and other models are never answered from the cache.
      await charges.where('merchant', '=', merchant).all();
      await charges.where('merchant', '=', merchant).all();
      await db.model(Refund).get({ id: 'r1' });
      await db.model(Refund).get({ id: 'r1' });
      expect(cache.stats()).toMatchObject({ misses: 4, hits: 4 });
      db.destroy();
    });

    test('the cached answer is the raw DynamoDB output: attribute values, not decoded items', async () => {
      const fills: string[] = [];
      const store = await makeStore();
      const spy: CacheStore = { ...store, lookup: (k, d) => store.lookup(k, d), invalidate: (d) => store.invalidate(d), fill: (k, v, t, d, s) => (fills.push(v), store.fill(k, v, t, d, s)) };
      const { db } = cachedDb(spy, {}, prefix);
      const merchant = `m-${randomUUID().slice(0, 8)}`;
      await db.model(Charge).create({ merchant, id: 'c1', amount: 100, status: 'pending' });
      await db.model(Charge).get({ merchant, id: 'c1' });
      expect(fills).toHaveLength(1);
      const cached = JSON.parse(fills[0] as string) as { Item: Record<string, unknown>; ConsumedCapacity?: unknown; $metadata?: unknown };
      expect(cached.Item).toMatchObject({ merchant: { S: merchant }, id: { S: 'c1' }, amount: { N: '100' } });
      expect(cached.$metadata).toBeUndefined();
      db.destroy();
    });

    test('strongly consistent reads go to the table unless the model allows them', async () => {
      const { db, cache, charges, merchant, sentOf } = await setup();
      await charges.create({ merchant, id: 'c1', amount: 100, status: 'pending' });
      await charges.get({ merchant, id: 'c1' }, { consistent: true });
      await charges.get({ merchant, id: 'c1' }, { consistent: true });
      await charges.where('merchant', '=', merchant).consistent().count();
      await charges.where('merchant', '=', merchant).consistent().count();
      expect(sentOf('GetItem') + sentOf('Query')).toBe(4);
      expect(cache.stats()).toMatchObject({ hits: 0, misses: 0 });
      db.destroy();

      const allowed = cachedDb(await makeStore(), { models: [{ model: Charge, ttlMs: 60_000, consistent: true }] }, prefix);
      await allowed.db.model(Charge).get({ merchant, id: 'c1' }, { consistent: true });
      await allowed.db.model(Charge).get({ merchant, id: 'c1' }, { consistent: true });
      expect(allowed.cache.stats()).toMatchObject({ hits: 1, misses: 1 });
      allowed.db.destroy();
    });

    /** Primes get and count, runs `write`, and checks both now show what DynamoDB holds. */
    const afterWrite = async (name: string, write: (db: DynamORM, merchant: string) => Promise<unknown>, expected: { amount: number | undefined; count: number; untouched?: boolean }) => {
      const { db, cache, charges, merchant } = await setup();
      await charges.create({ merchant, id: 'c1', amount: 100, status: 'pending' });
      await charges.create({ merchant, id: 'c2', amount: 200, status: 'pending' });
      expect(await charges.get({ merchant, id: 'c1' })).toMatchObject({ amount: 100 });
      expect(await charges.where('merchant', '=', merchant).count()).toBe(2);
      expect(await charges.get({ merchant, id: 'c1' })).toMatchObject({ amount: 100 }); // cached now
      const hitsBefore = cache.stats().hits;
      await write(db, merchant);
      const seen = await charges.get({ merchant, id: 'c1' });
      expect(seen?.amount, name).toBe(expected.amount);
      expect(seen?.amount, name).toBe(await stored(db, merchant, 'c1'));
      expect(await charges.where('merchant', '=', merchant).count(), name).toBe(expected.count);
      // Both reads were misses, but for an item the write did not touch (item-granular invalidation).
      expect(cache.stats().hits, name).toBe(hitsBefore + (expected.untouched ? 1 : 0));
      db.destroy();
    };

    test('invalidated by put, update and delete', async () => {
      await afterWrite('put', (db, m) => db.model(Charge).put({ merchant: m, id: 'c1', amount: 150, status: 'settled' }), { amount: 150, count: 2 });
      await afterWrite('update', (db, m) => db.model(Charge).update({ merchant: m, id: 'c1' }, { amount: 175 }), { amount: 175, count: 2 });
      await afterWrite('delete', (db, m) => db.model(Charge).delete({ merchant: m, id: 'c1' }), { amount: undefined, count: 1 });
    });

    test('invalidated by create (count), batch writes and transactions', async () => {
      await afterWrite('create', (db, m) => db.model(Charge).create({ merchant: m, id: 'c3', amount: 1, status: 'pending' }), { amount: 100, count: 3, untouched: true });
      await afterWrite('batch put', (db, m) => db.batchWrite([putItems(Charge, [{ merchant: m, id: 'c1', amount: 101, status: 'settled' }])]), { amount: 101, count: 2 });
      await afterWrite('batch delete', (db, m) => db.batchWrite([deleteKeys(Charge, [{ merchant: m, id: 'c1' }])]), { amount: undefined, count: 1 });
      await afterWrite(
        'transaction',
        (db, m) =>
          db.transaction((tx) => {
            tx.update(Charge, { merchant: m, id: 'c1' }, { amount: 102 });
            tx.create(Charge, { merchant: m, id: 'c4', amount: 4, status: 'pending' });
          }),
        { amount: 102, count: 3 },
      );
      await afterWrite('transaction delete', (db, m) => db.transaction((tx) => void tx.delete(Charge, { merchant: m, id: 'c1' })), { amount: undefined, count: 1 });
    });

    test('a put by another database with no cached read of the table still invalidates (whole table when its key is unknown)', async () => {
      const store = await makeStore();
      const reader = cachedDb(store, {}, prefix);
      const writer = cachedDb(store, { models: [] }, prefix); // knows nothing of Charge's key
      const merchant = `m-${randomUUID().slice(0, 8)}`;
      await reader.db.model(Charge).create({ merchant, id: 'c1', amount: 100, status: 'pending' });
      await reader.db.model(Charge).get({ merchant, id: 'c1' });
      await writer.db.batchWrite([putItems(Charge, [{ merchant, id: 'c1', amount: 300, status: 'settled' }])]);
      expect(await reader.db.model(Charge).get({ merchant, id: 'c1' })).toMatchObject({ amount: 300 });
      reader.db.destroy();
      writer.db.destroy();
    });

    test('tenants: the same key read by two tenants is two entries, never one served to the other', async () => {
      const { db, cache, charges, merchant } = await setup();
      await charges.create({ merchant, id: 'c1', amount: 100, status: 'pending' });
      expect(await withScope({ tenant: 'a' }, () => charges.get({ merchant, id: 'c1' }))).toMatchObject({ amount: 100 });
      // Changed behind the cache's back (another application): tenant a's entry is now out of date.
      await admin.client.send(
        new (await import('@aws-sdk/client-dynamodb')).UpdateItemCommand({
          TableName: admin.tableName(Charge),
          Key: { merchant: { S: merchant }, id: { S: 'c1' } },
          UpdateExpression: 'SET amount = :a',
          ExpressionAttributeValues: { ':a': { N: '999' } },
        }),
      );
      expect(await withScope({ tenant: 'b' }, () => charges.get({ merchant, id: 'c1' }))).toMatchObject({ amount: 999 });
      expect(await charges.get({ merchant, id: 'c1' })).toMatchObject({ amount: 999 }); // no tenant: its own entry too
      expect(await withScope({ tenant: 'a' }, () => charges.get({ merchant, id: 'c1' }))).toMatchObject({ amount: 100 });
      expect(await withScope({ tenant: 'b' }, () => charges.get({ merchant, id: 'c1' }))).toMatchObject({ amount: 999 });
      expect(cache.stats()).toMatchObject({ misses: 3, hits: 2 });
      // A write by any tenant invalidates the item for all of them.
      await withScope({ tenant: 'b' }, () => charges.update({ merchant, id: 'c1' }, { amount: 5 }));
      expect(await withScope({ tenant: 'a' }, () => charges.get({ merchant, id: 'c1' }))).toMatchObject({ amount: 5 });
      db.destroy();
    });

    test('a read answered before a write is applied but stored after it: the stale answer is refused', async () => {
      const { db, cache, charges, merchant, gate } = await setup();
      await charges.create({ merchant, id: 'c1', amount: 100, status: 'pending' });
      const held = gate('GetItem', 'after');
      const reading = charges.get({ merchant, id: 'c1' });
      await held.reached; // DynamoDB answered 100; the answer is not stored yet
      await charges.update({ merchant, id: 'c1' }, { amount: 200 });
      held.open();
      expect(await reading).toMatchObject({ amount: 100 }); // the read overlapped the write
      expect(cache.stats().refusedFills).toBe(1);
      expect(await charges.get({ merchant, id: 'c1' })).toMatchObject({ amount: 200 });
      db.destroy();
    });

    test('a read that runs entirely while a write is in flight: its entry does not survive the write', async () => {
      const { db, charges, merchant, gate } = await setup();
      await charges.create({ merchant, id: 'c1', amount: 100, status: 'pending' });
      const held = gate('UpdateItem', 'before');
      const writing = charges.update({ merchant, id: 'c1' }, { amount: 200 });
      await held.reached; // invalidated once; not sent yet
      expect(await charges.get({ merchant, id: 'c1' })).toMatchObject({ amount: 100 }); // read and stored
      expect(await charges.where('merchant', '=', merchant).count()).toBe(1);
      held.open();
      await writing;
      expect(await charges.get({ merchant, id: 'c1' })).toMatchObject({ amount: 200 });
      db.destroy();
    });

    test('a write whose outcome is in doubt (applied, answer lost) invalidates too', async () => {
      const { db, charges, merchant } = await setup();
      await charges.create({ merchant, id: 'c1', amount: 100, status: 'pending' });
      db.use('lost-answer', async (request, next) => {
        if (request.operation !== 'UpdateItem') return next(request);
        // A read while the write is in flight stores the old item (100)...
        expect(await db.model(Charge).get({ merchant, id: 'c1' })).toMatchObject({ amount: 100 });
        await next(request);
        // ... then the write is applied but its answer is lost.
        throw new Error('socket hang up');
      });
      await expect(charges.update({ merchant, id: 'c1' }, { amount: 200 })).rejects.toThrow();
      expect(await charges.get({ merchant, id: 'c1' })).toMatchObject({ amount: await stored(db, merchant, 'c1') });
      expect(await stored(db, merchant, 'c1')).toBe(200);
      db.destroy();
    });

    test('the second invalidation fails: the first one, before sending, has already removed what preceded the write', async () => {
      const store = await makeStore();
      let calls = 0;
      const errors: unknown[] = [];
      const flaky: CacheStore = {
        lookup: (k, d) => store.lookup(k, d),
        fill: (k, v, t, d, s) => store.fill(k, v, t, d, s),
        invalidate: (d) => (++calls % 2 === 0 ? Promise.reject(new Error('store unreachable')) : store.invalidate(d)),
      };
      const { db, cache } = cachedDb(flaky, { onError: (e) => errors.push(e) }, prefix);
      const charges = db.model(Charge);
      const merchant = `m-${randomUUID().slice(0, 8)}`;
      await charges.create({ merchant, id: 'c1', amount: 100, status: 'pending' });
      calls = 0;
      errors.length = 0;
      cache.resetStats();
      await charges.get({ merchant, id: 'c1' });
      expect(await charges.get({ merchant, id: 'c1' })).toMatchObject({ amount: 100 }); // cached
      // The write happened: its own outcome is returned, the store's failure is only reported.
      expect(await charges.update({ merchant, id: 'c1' }, { amount: 200 })).toMatchObject({ amount: 200 });
      expect(errors).toHaveLength(1);
      expect(cache.stats().errors).toBe(1);
      expect(await charges.get({ merchant, id: 'c1' })).toMatchObject({ amount: 200 });
      db.destroy();
    });

    test('many reads racing many writes: once the writes end, every read sees what DynamoDB holds', async () => {
      const { db, charges, merchant } = await setup();
      const ids = ['c0', 'c1', 'c2'];
      for (const id of ids) await charges.create({ merchant, id, amount: 0, status: 'pending' });
      // Random delays inside the cache, before sending and after the answer, shuffle every interleaving.
      db.use('jitter', async (request, next) => {
        await new Promise((r) => setTimeout(r, Math.random() * 8));
        const output = await next(request);
        await new Promise((r) => setTimeout(r, Math.random() * 8));
        return output;
      });
      const pick = () => ids[Math.floor(Math.random() * ids.length)] as string;
      const writers = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 1; i <= 6; i++) await charges.update({ merchant, id: pick() }, { amount: w * 100 + i });
      });
      let stop = false;
      const readers = Array.from({ length: 4 }, async () => {
        while (!stop) {
          await charges.get({ merchant, id: pick() });
          await charges.where('merchant', '=', merchant).first();
        }
      });
      await Promise.all(writers);
      stop = true;
      await Promise.all(readers);
      for (const id of ids) expect((await charges.get({ merchant, id }))?.amount).toBe(await stored(db, merchant, id));
      expect((await charges.where('merchant', '=', merchant).first())?.amount).toBe(await stored(db, merchant, 'c0'));
      db.destroy();
    });
  });
}
