/**
 * The cache with the in-memory store on DynamoDB Local: the shared scenarios, time to live on an
 * injected clock, the size bound, and partner accounts (two accounts, same table, same key).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { derive } from '../../../src/index.js';
import { memoryStore } from '../../../src/plugins/cache/index.js';
import { testDb } from '../../support/db.js';
import { cachedDb, Charge, SLOW_MACHINE_MS } from './fixtures.js';
import { cacheScenarios } from './scenarios.js';

cacheScenarios('memory store', () => memoryStore());

describe('memory store on DynamoDB Local', () => {
  const prefix = `t${randomUUID().slice(0, 8)}-`;
  const admin = testDb({ tablePrefix: prefix, requestTimeoutMs: SLOW_MACHINE_MS });
  beforeAll(() => admin.tables.create(Charge));
  afterAll(() => admin.destroy());

  test('an entry expires after its model time to live (injected clock)', async () => {
    let now = 0;
    const { db, cache } = cachedDb(memoryStore({ now: () => now }), { models: [{ model: Charge, ttlMs: 5_000 }] }, prefix);
    const charges = db.model(Charge);
    await charges.create({ merchant: 'ttl', id: 'c1', amount: 1, status: 'pending' });
    await charges.get({ merchant: 'ttl', id: 'c1' });
    now = 4_999;
    await charges.get({ merchant: 'ttl', id: 'c1' });
    expect(cache.stats()).toMatchObject({ misses: 1, hits: 1 });
    now = 5_000;
    await charges.get({ merchant: 'ttl', id: 'c1' });
    expect(cache.stats()).toMatchObject({ misses: 2, hits: 1 });
    db.destroy();
  });

  test('bounded in size: at most maxEntries, the least recently used evicted first', async () => {
    const store = memoryStore({ maxEntries: 4 });
    const { db, cache } = cachedDb(store, {}, prefix);
    const charges = db.model(Charge);
    for (let i = 0; i < 10; i++) await charges.create({ merchant: 'lru', id: `c${i}`, amount: i, status: 'pending' });
    cache.resetStats();
    for (let i = 0; i < 10; i++) await charges.get({ merchant: 'lru', id: `c${i}` });
    expect(store.size).toBe(4);
    for (let i = 6; i < 10; i++) await charges.get({ merchant: 'lru', id: `c${i}` }); // the last four: hits
    await charges.get({ merchant: 'lru', id: 'c0' }); // evicted long ago: a miss
    expect(cache.stats()).toMatchObject({ misses: 11, hits: 4 });
    expect(store.size).toBe(4);
    db.destroy();
  });

  test('bounded in bytes', async () => {
    const store = memoryStore({ maxBytes: 4_000 });
    const { db } = cachedDb(store, {}, prefix);
    const charges = db.model(Charge);
    for (let i = 0; i < 20; i++) await charges.create({ merchant: 'bytes', id: `c${i}`, amount: i, status: 'pending' });
    for (let i = 0; i < 20; i++) await charges.get({ merchant: 'bytes', id: `c${i}` });
    expect(store.bytes).toBeLessThanOrEqual(4_000);
    expect(store.size).toBeGreaterThan(0);
    expect(store.size).toBeLessThan(20);
    db.destroy();
  });

  test('partner accounts: the same table and key in two accounts are two entries; a write invalidates only its account', async () => {
    const store = memoryStore();
    const { db, cache } = cachedDb(store, {}, prefix);
    // DynamoDB Local keeps one database per access key: another key is another account.
    const partner = derive(db, { partner: 'acme', credentials: { accessKeyId: 'acme', secretAccessKey: 'acme' } });
    await partner.tables.create(Charge).catch(() => undefined); // the partner's own table of the same name
    await db.model(Charge).put({ merchant: 'p', id: 'c1', amount: 1, status: 'pending' });
    await partner.model(Charge).put({ merchant: 'p', id: 'c1', amount: 2, status: 'pending' });
    cache.resetStats();
    for (let round = 0; round < 2; round++) {
      expect(await db.model(Charge).get({ merchant: 'p', id: 'c1' })).toMatchObject({ amount: 1 });
      expect(await partner.model(Charge).get({ merchant: 'p', id: 'c1' })).toMatchObject({ amount: 2 });
    }
    expect(cache.stats()).toMatchObject({ misses: 2, hits: 2 });
    await partner.model(Charge).update({ merchant: 'p', id: 'c1' }, { amount: 3 });
    expect(await partner.model(Charge).get({ merchant: 'p', id: 'c1' })).toMatchObject({ amount: 3 });
    expect(await db.model(Charge).get({ merchant: 'p', id: 'c1' })).toMatchObject({ amount: 1 });
    expect(cache.stats()).toMatchObject({ misses: 3, hits: 3 });
    partner.destroy();
    db.destroy();
  });
});
