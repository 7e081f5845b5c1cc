/**
 * The in-memory store alone: time to live on an injected clock, least-recently-used eviction by
 * entries and by bytes, and the compare-and-set of fills against invalidations.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { memoryStore } from '../../../src/plugins/cache/memory-store.js';
import { ConfigurationError } from '../../../src/index.js';

async function put(store: ReturnType<typeof memoryStore>, key: string, value: string, ttl = 1000, deps = ['d']): Promise<boolean> {
  const { snapshot } = await store.lookup(key, deps);
  return store.fill(key, value, ttl, deps, snapshot);
}

describe('memoryStore', () => {
  test('an entry is served until its time to live ends, on the injected clock', async () => {
    let now = 1_000;
    const store = memoryStore({ now: () => now });
    expect(await put(store, 'k', 'v', 500)).toBe(true);
    now += 499;
    expect((await store.lookup('k', ['d'])).value).toBe('v');
    now += 1;
    expect((await store.lookup('k', ['d'])).value).toBeUndefined();
    expect(store.size).toBe(0);
  });

  test('invalidating a dependency hides every entry that depends on it, and only those', async () => {
    const store = memoryStore();
    await put(store, 'a', '1', 1000, ['x', 'shared']);
    await put(store, 'b', '2', 1000, ['y', 'shared']);
    await put(store, 'c', '3', 1000, ['z']);
    await store.invalidate(['shared']);
    expect((await store.lookup('a', ['x', 'shared'])).value).toBeUndefined();
    expect((await store.lookup('b', ['y', 'shared'])).value).toBeUndefined();
    expect((await store.lookup('c', ['z'])).value).toBe('3');
  });

  test('a fill whose snapshot predates an invalidation is refused (before or after a new lookup)', async () => {
    const store = memoryStore();
    const first = await store.lookup('k', ['d']);
    await store.invalidate(['d']);
    expect(await store.fill('k', 'old', 1000, ['d'], first.snapshot)).toBe(false);
    const second = await store.lookup('k', ['d']); // a fresh token now
    expect(second.snapshot).not.toBe(first.snapshot);
    expect(await store.fill('k', 'old', 1000, ['d'], first.snapshot)).toBe(false);
    expect(await store.fill('k', 'new', 1000, ['d'], second.snapshot)).toBe(true);
    expect((await store.lookup('k', ['d'])).value).toBe('new');
  });

  test('bounded by entries: the least recently used goes first', async () => {
    const store = memoryStore({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) await put(store, k, k);
    await store.lookup('a', ['d']); // a is now the most recent
    await put(store, 'e', 'e');
    expect(store.size).toBe(3);
    expect((await store.lookup('b', ['d'])).value).toBeUndefined();
    for (const k of ['a', 'c', 'e']) expect((await store.lookup(k, ['d'])).value).toBe(k);
  });

  test('bounded by bytes, whatever the sizes filled (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 400 })), { maxLength: 60 }), async (writes) => {
        const store = memoryStore({ maxBytes: 2_000, maxEntries: 1_000 });
        for (const [k, v] of writes) {
          await put(store, k, v);
          expect(store.bytes).toBeLessThanOrEqual(2_000);
          expect(store.bytes).toBeGreaterThanOrEqual(0);
        }
        // The last fill that fits is always kept.
        const last = writes.at(-1);
        if (last && 2 * (last[0].length + last[1].length + 8) < 2_000) expect((await store.lookup(last[0], ['d'])).value).toBe(last[1]);
      }),
      { numRuns: 100 },
    );
  });

  test('dropping tokens beyond maxDependencies only invalidates: an entry is never served under a new token', async () => {
    const store = memoryStore({ maxDependencies: 2 });
    await put(store, 'k', 'v', 1000, ['d1']);
    await store.lookup('x', ['d2']);
    await store.lookup('y', ['d3']); // d1's token is dropped
    expect((await store.lookup('k', ['d1'])).value).toBeUndefined();
  });

  test('bad bounds are refused when the store is made', () => {
    expect(() => memoryStore({ maxEntries: 0 })).toThrow(ConfigurationError);
    expect(() => memoryStore({ maxBytes: 1.5 })).toThrow(ConfigurationError);
  });
});
