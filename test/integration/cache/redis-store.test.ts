/**
 * The Redis store alone against a real redis-server: the compare-and-set of fills, what losing a
 * token does (Redis evicts it, or it expires), and a size bound set on the server (`maxmemory` with
 * `allkeys-lru`): entries are evicted and what is left is what was filled.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigurationError } from '../../../src/index.js';
import { redisStore } from '../../../src/plugins/cache/index.js';
import { startRedis, type RedisServer } from '../../support/redis.js';

let redis: RedisServer;
let client: Awaited<ReturnType<RedisServer['client']>>;
beforeAll(async () => {
  redis = await startRedis(['--maxmemory', '8mb', '--maxmemory-policy', 'allkeys-lru']);
  client = await redis.client();
});
afterAll(() => redis?.stop());

describe('redisStore', () => {
  test('a fill is refused when a dependency was invalidated after the lookup, even if another lookup made a new token', async () => {
    const store = redisStore({ client, prefix: '{cas}:' });
    const first = await store.lookup('k', ['a', 'b']);
    await store.invalidate(['b']);
    expect(await store.fill('k', 'old', 10_000, ['a', 'b'], first.snapshot)).toBe(false);
    const second = await store.lookup('k', ['a', 'b']);
    expect(await store.fill('k', 'old', 10_000, ['a', 'b'], first.snapshot)).toBe(false);
    expect(await store.fill('k', 'new', 10_000, ['a', 'b'], second.snapshot)).toBe(true);
    expect((await store.lookup('k', ['a', 'b'])).value).toBe('new');
    await store.invalidate(['a']);
    expect((await store.lookup('k', ['a', 'b'])).value).toBeUndefined();
  });

  test('a client with call(command, ...args) (the ioredis shape) is driven the same way; anything else is refused', async () => {
    const store = redisStore({ client: { call: (command: string, ...args: string[]) => client.sendCommand([command, ...args]) }, prefix: '{call}:' });
    const { snapshot } = await store.lookup('k', ['d']);
    expect(await store.fill('k', 'v', 10_000, ['d'], snapshot)).toBe(true);
    expect((await store.lookup('k', ['d'])).value).toBe('v');
    expect(() => redisStore({ client: {} as never })).toThrow(ConfigurationError);
    expect(() => redisStore({ client, url: redis.url })).toThrow(ConfigurationError);
  });

  test('a token lost (evicted or expired) invalidates its entries: it comes back as a fresh token, never the old one', async () => {
    const store = redisStore({ client, prefix: '{lost}:' });
    const { snapshot } = await store.lookup('k', ['d']);
    expect(await store.fill('k', 'v', 10_000, ['d'], snapshot)).toBe(true);
    await client.del('{lost}:d:d'); // what an eviction does
    const after = await store.lookup('k', ['d']);
    expect(after.value).toBeUndefined();
    expect(after.snapshot).not.toBe(snapshot);
    expect(await store.fill('k', 'v', 10_000, ['d'], snapshot)).toBe(false);
  });

  test('an entry lives its time to live, and a token at least as long as the entries filled under it', async () => {
    const store = redisStore({ client, prefix: '{ttl}:', tokenTtlMs: 50 });
    const { snapshot } = await store.lookup('k', ['d']);
    expect(await store.fill('k', 'v', 5_000, ['d'], snapshot)).toBe(true);
    expect(await client.pTTL('{ttl}:e:k')).toBeGreaterThan(4_000);
    expect(await client.pTTL('{ttl}:d:d')).toBeGreaterThan(4_000);
  });

  test('bounded by the server (maxmemory, allkeys-lru): entries go, memory stays under the bound, and every entry left is the one filled under its key', async () => {
    const store = redisStore({ client, prefix: '{lru}:' });
    const value = 'x'.repeat(20_000);
    for (let i = 0; i < 1_000; i++) {
      const key = `k${i}`;
      const { snapshot } = await store.lookup(key, [`d${i % 50}`]);
      await store.fill(key, `${i}:${value}`, 60_000, [`d${i % 50}`], snapshot);
    }
    // 20 MB were filled into an 8 MB Redis.
    const used = Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
    expect(used).toBeLessThanOrEqual(8 * 1024 * 1024);
    let kept = 0;
    for (let i = 0; i < 1_000; i++) {
      const found = (await store.lookup(`k${i}`, [`d${i % 50}`])).value;
      if (found !== undefined) {
        kept++;
        expect(found.startsWith(`${i}:`)).toBe(true);
      }
    }
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(1_000);
  });
});
