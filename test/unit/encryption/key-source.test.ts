/**
 * The data key source: fresh keys per write without a cache; with one, the bounds (age, uses, bytes)
 * and single flight on a cold cache; unwraps once per distinct key; provider failures typed. The
 * provider is the real local provider, counted.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { KeyProviderError } from '../../../src/encryption/errors.js';
import { localKeyProvider, type KeyProvider } from '../../../src/encryption/key-provider.js';
import { idOf, KeySource } from '../../../src/encryption/key-source.js';

/** The local provider, counting its calls, optionally slow or failing. */
function counted(options: { delayMs?: number; fail?: boolean } = {}) {
  const inner = localKeyProvider(randomBytes(32));
  const calls = { generate: 0, decrypt: 0 };
  const wait = () => new Promise((r) => setTimeout(r, options.delayMs ?? 0));
  const provider: KeyProvider = {
    async generateDataKey() {
      calls.generate++;
      await wait();
      if (options.fail) throw Object.assign(new Error('down'), { name: 'KMSInternalException' });
      return inner.generateDataKey();
    },
    async decryptDataKey(wrapped, keyId) {
      calls.decrypt++;
      await wait();
      return inner.decryptDataKey(wrapped, keyId);
    },
    currentKeyId: () => inner.currentKeyId(),
  };
  return { provider, calls, inner };
}

describe('writes', () => {
  test('without a cache, every write gets its own data key', async () => {
    const { provider, calls } = counted();
    const source = new KeySource(provider, undefined);
    const keys = await Promise.all(Array.from({ length: 5 }, () => source.forWrite()));
    expect(calls.generate).toBe(5);
    expect(new Set(keys.map((k) => Buffer.from(k.key.plaintext).toString('hex'))).size).toBe(5);
  });

  test('single flight: 100 concurrent writes on a cold cache share one call', async () => {
    const { provider, calls } = counted({ delayMs: 20 });
    const source = new KeySource(provider, { maxAge: 60_000 });
    const keys = await Promise.all(Array.from({ length: 100 }, () => source.forWrite()));
    expect(calls.generate).toBe(1);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]?.uses).toBe(100);
  });

  test('a key serves at most maxUses writes, and concurrent waiters past the bound start one more call', async () => {
    const { provider, calls } = counted({ delayMs: 5 });
    const source = new KeySource(provider, { maxAge: 60_000, maxUses: 10 });
    const keys = await Promise.all(Array.from({ length: 35 }, () => source.forWrite()));
    expect(calls.generate).toBe(4);
    const perKey = new Map<unknown, number>();
    for (const k of keys) perKey.set(k, (perKey.get(k) ?? 0) + 1);
    expect([...perKey.values()].sort((a, b) => a - b)).toEqual([5, 10, 10, 10]);
  });

  test('a key expires after maxAge and after maxBytes', async () => {
    let now = 1_000;
    const { provider, calls } = counted();
    const source = new KeySource(provider, { maxAge: 100, maxBytes: 50 }, () => now);
    const first = await source.forWrite();
    expect(await source.forWrite()).toBe(first);
    now += 100;
    const second = await source.forWrite();
    expect(second).not.toBe(first);
    second.bytes += 50;
    expect(await source.forWrite()).not.toBe(second);
    expect(calls.generate).toBe(3);
  });

  test('a failing provider gives KeyProviderError to every waiter, and the next write tries again', async () => {
    const failing = counted({ fail: true, delayMs: 5 });
    const source = new KeySource(failing.provider, { maxAge: 60_000 });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => source.forWrite()));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof KeyProviderError)).toBe(true);
    expect(failing.calls.generate).toBe(1);
    await expect(source.forWrite()).rejects.toMatchObject({ name: 'KeyProviderError', operation: 'generate' });
    expect(failing.calls.generate).toBe(2);
  });
});

describe('reads', () => {
  test('each distinct wrapped key is unwrapped once; a cache keeps them and shares concurrent calls', async () => {
    const { provider, calls, inner } = counted({ delayMs: 5 });
    const made = await Promise.all([inner.generateDataKey(), inner.generateDataKey()]);
    const wanted = new Map(made.map((k) => [idOf(k.keyId, k.wrapped), { keyId: k.keyId, wrapped: k.wrapped }]));
    const plain = new KeySource(provider, undefined);
    const out = await plain.unwrap(wanted);
    expect(calls.decrypt).toBe(2);
    for (const k of made) expect(Buffer.from(out.get(idOf(k.keyId, k.wrapped)) as Uint8Array).equals(Buffer.from(k.plaintext))).toBe(true);
    await plain.unwrap(wanted);
    expect(calls.decrypt).toBe(4); // no cache: every page asks again

    calls.decrypt = 0;
    const cached = new KeySource(provider, { maxAge: 60_000 });
    await Promise.all([cached.unwrap(wanted), cached.unwrap(wanted), cached.unwrap(wanted)]);
    expect(calls.decrypt).toBe(2);
    await cached.unwrap(wanted);
    expect(calls.decrypt).toBe(2);
  });

  test('keys a cached source made for writes open what they wrote without a call', async () => {
    const { provider, calls } = counted();
    const source = new KeySource(provider, { maxAge: 60_000 });
    const { key } = await source.forWrite();
    await source.unwrap(new Map([[idOf(key.keyId, key.wrapped), { keyId: key.keyId, wrapped: key.wrapped }]]));
    expect(calls.decrypt).toBe(0);
  });

  test('the unwrap cache holds at most `capacity` keys', async () => {
    const { provider, calls, inner } = counted();
    const source = new KeySource(provider, { maxAge: 60_000, capacity: 2 });
    const made = await Promise.all([inner.generateDataKey(), inner.generateDataKey(), inner.generateDataKey()]);
    for (const k of made) await source.unwrap(new Map([[idOf(k.keyId, k.wrapped), { keyId: k.keyId, wrapped: k.wrapped }]]));
    expect(calls.decrypt).toBe(3);
    const oldest = made[0] as (typeof made)[number];
    await source.unwrap(new Map([[idOf(oldest.keyId, oldest.wrapped), { keyId: oldest.keyId, wrapped: oldest.wrapped }]]));
    expect(calls.decrypt).toBe(4);
  });
});
