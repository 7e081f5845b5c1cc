/**
 * `dynamorm/cache`: a read-through cache for `get`, `first` and `count`, with a time to live per
 * model, invalidated by every write (items, batches, transactions), never shared across tenants or
 * partner accounts, bounded in size; in memory or in Redis (shared by containers).
 *
 * ```ts
 * import { cachePlugin, redisStore } from 'dynamorm/cache';
 * const cache = cachePlugin({ models: [{ model: Payment, ttlMs: 30_000 }], store: redisStore({ url }) });
 * const db = Database.create({ plugins: [cache] });
 * ```
 * @packageDocumentation
 */
export { cachePlugin } from './plugin.js';
export type { CachedModel, CacheOptions, CachePlugin, CacheStats } from './plugin.js';
export { CacheUnavailableError } from './errors.js';
export type { CacheLookup, CacheStore } from './store.js';
export { memoryStore } from './memory-store.js';
export type { MemoryStore, MemoryStoreOptions } from './memory-store.js';
export { redisStore } from './redis-store.js';
export type { IoRedisLike, NodeRedisLike, RedisStore, RedisStoreOptions } from './redis-store.js';
