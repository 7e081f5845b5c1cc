/**
 * The cache with the Redis store, against a real redis-server (started here on a free port; `.ci/run`
 * installs it) and DynamoDB Local: the shared scenarios, time to live, two databases standing for two
 * containers sharing one Redis, the `url` form that loads the `redis` package itself, and a Redis
 * that is down (reads go to the table; writes are refused before they are sent).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CacheUnavailableError, redisStore } from '../../../src/plugins/cache/index.js';
import { testDb } from '../../support/db.js';
import { startRedis, type RedisServer } from '../../support/redis.js';
import { cachedDb, Charge, SLOW_MACHINE_MS } from './fixtures.js';
import { cacheScenarios } from './scenarios.js';

let redis: RedisServer;
let client: Awaited<ReturnType<RedisServer['client']>>;
beforeAll(async () => {
  redis = await startRedis();
  client = await redis.client();
});
afterAll(() => redis?.stop());

/** A store with a key prefix of its own: stores made for different tests share nothing. */
const freshStore = () => redisStore({ client, prefix: `{t-${randomUUID().slice(0, 8)}}:` });

cacheScenarios('redis store', freshStore);

describe('redis store on DynamoDB Local', () => {
  const prefix = `t${randomUUID().slice(0, 8)}-`;
  const admin = testDb({ tablePrefix: prefix, requestTimeoutMs: SLOW_MACHINE_MS });
  beforeAll(() => admin.tables.create(Charge));
  afterAll(() => admin.destroy());

  test('two containers share one Redis: one fills, the other hits; a write in either invalidates both', async () => {
    const keyPrefix = `{t-${randomUUID().slice(0, 8)}}:`;
    // Two databases, two plugins, two clients: nothing shared but the Redis server.
    const a = cachedDb(redisStore({ client: await redis.client(), prefix: keyPrefix }), {}, prefix);
    const b = cachedDb(redisStore({ client: await redis.client(), prefix: keyPrefix }), {}, prefix);
    await a.db.model(Charge).create({ merchant: 'shared', id: 'c1', amount: 100, status: 'pending' });
    expect(await a.db.model(Charge).get({ merchant: 'shared', id: 'c1' })).toMatchObject({ amount: 100 });
    expect(await b.db.model(Charge).get({ merchant: 'shared', id: 'c1' })).toMatchObject({ amount: 100 });
    expect(await b.db.model(Charge).where('merchant', '=', 'shared').count()).toBe(1);
    expect(await a.db.model(Charge).where('merchant', '=', 'shared').count()).toBe(1);
    expect(a.cache.stats()).toMatchObject({ misses: 1, hits: 1 });
    expect(b.cache.stats()).toMatchObject({ misses: 1, hits: 1 });
    expect(b.sentOf('GetItem')).toBe(0);

    await b.db.model(Charge).update({ merchant: 'shared', id: 'c1' }, { amount: 200 });
    await b.db.model(Charge).create({ merchant: 'shared', id: 'c2', amount: 1, status: 'pending' });
    expect(await a.db.model(Charge).get({ merchant: 'shared', id: 'c1' })).toMatchObject({ amount: 200 });
    expect(await a.db.model(Charge).where('merchant', '=', 'shared').count()).toBe(2);

    // And the other way: a's delete is seen by b at once.
    expect(await b.db.model(Charge).get({ merchant: 'shared', id: 'c1' })).toMatchObject({ amount: 200 }); // a hit: a filled it
    await a.db.model(Charge).delete({ merchant: 'shared', id: 'c1' });
    expect(await b.db.model(Charge).get({ merchant: 'shared', id: 'c1' })).toBeUndefined();
    a.db.destroy();
    b.db.destroy();
  });

  test('an entry expires after its model time to live (Redis PX)', async () => {
    const { db, cache } = cachedDb(freshStore(), { models: [{ model: Charge, ttlMs: 300 }] }, prefix);
    await db.model(Charge).create({ merchant: 'ttl', id: 'c1', amount: 1, status: 'pending' });
    await db.model(Charge).get({ merchant: 'ttl', id: 'c1' });
    await db.model(Charge).get({ merchant: 'ttl', id: 'c1' });
    expect(cache.stats()).toMatchObject({ misses: 1, hits: 1 });
    await new Promise((r) => setTimeout(r, 450));
    await db.model(Charge).get({ merchant: 'ttl', id: 'c1' });
    expect(cache.stats()).toMatchObject({ misses: 2, hits: 1 });
    db.destroy();
  });

  test('redisStore({ url }) connects with the redis package on first use and close() ends it', async () => {
    const store = redisStore({ url: redis.url, prefix: `{t-${randomUUID().slice(0, 8)}}:` });
    const { db, cache } = cachedDb(store, {}, prefix);
    await db.model(Charge).create({ merchant: 'url', id: 'c1', amount: 1, status: 'pending' });
    await db.model(Charge).get({ merchant: 'url', id: 'c1' });
    await db.model(Charge).get({ merchant: 'url', id: 'c1' });
    expect(cache.stats()).toMatchObject({ misses: 1, hits: 1, errors: 0 });
    await store.close();
    db.destroy();
  });

  test('Redis down: reads go to the table (errors reported); writes are refused before they are sent', async () => {
    const errors: unknown[] = [];
    // Nothing listens on this port (a fresh server stopped at once).
    const gone = await startRedis();
    await gone.stop();
    const store = redisStore({ url: gone.url, connectTimeoutMs: 300 });
    const { db, sentOf } = cachedDb(store, { onError: (e) => errors.push(e) }, prefix);
    await admin.model(Charge).create({ merchant: 'down', id: 'c1', amount: 7, status: 'pending' });
    expect(await db.model(Charge).get({ merchant: 'down', id: 'c1' })).toMatchObject({ amount: 7 });
    expect(errors.length).toBeGreaterThan(0);
    const refused = await db.model(Charge).update({ merchant: 'down', id: 'c1' }, { amount: 8 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CacheUnavailableError);
    expect((refused as CacheUnavailableError).sent).toBe(false);
    expect(sentOf('UpdateItem')).toBe(0);
    expect(await admin.model(Charge).get({ merchant: 'down', id: 'c1' }, { consistent: true })).toMatchObject({ amount: 7 });
    await store.close();
    db.destroy();
  });
});
