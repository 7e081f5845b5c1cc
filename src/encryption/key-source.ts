/**
 * Data keys for writes and reads, from a key provider, with an optional bounded cache.
 *
 * - Writes: without a cache, every item write gets a fresh data key (one provider call). With one,
 *   a data key serves writes until it is `maxAge` old, has served `maxUses` item writes or encrypted
 *   `maxBytes` of plaintext, whichever comes first. A cold or expired cache makes one provider call
 *   however many writes wait for it (single flight): 100 concurrent first writes send one
 *   GenerateDataKey, not 100.
 * - Reads: a page's distinct wrapped keys are unwrapped once each, concurrently. With a cache,
 *   unwrapped keys are kept up to `maxAge` (at most `capacity` of them), and concurrent unwraps of
 *   one key share one call too.
 */
import { headerOf } from './envelope.js';
import { KeyProviderError } from './errors.js';
import type { DataKey, KeyProvider } from './key-provider.js';

/** Bounds of the data key cache. */
export interface KeyCacheOptions {
  /** How long a data key may be used and an unwrapped key kept, in milliseconds. */
  readonly maxAge: number;
  /** How many item writes one data key may serve (default 1,000). */
  readonly maxUses?: number;
  /** How many plaintext bytes one data key may encrypt (default 100 MiB). */
  readonly maxBytes?: number;
  /** How many unwrapped keys reads keep (default 1,000). */
  readonly capacity?: number;
}

/** A data key ready to encrypt: its header is built once and shared by every value it encrypts. */
export interface WriteKey {
  readonly key: DataKey;
  readonly header: Uint8Array;
  /** Counts plaintext bytes encrypted under this key (for `maxBytes`). */
  bytes: number;
  uses: number;
  readonly created: number;
}

const DEFAULT_MAX_USES = 1000;
const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;
const DEFAULT_CAPACITY = 1000;

/** Data keys of one encryption extension. */
export class KeySource {
  private current: WriteKey | undefined;
  private generating: Promise<WriteKey> | undefined;
  private readonly unwrapped = new Map<string, { key: Uint8Array; expires: number }>();
  private readonly unwrapping = new Map<string, Promise<Uint8Array>>();

  constructor(
    private readonly provider: KeyProvider,
    private readonly cache: KeyCacheOptions | undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The data key for one item write (fresh, or the cached one while it is within its bounds). */
  async forWrite(): Promise<WriteKey> {
    if (!this.cache) return this.generate();
    for (;;) {
      const current = this.current;
      if (current && this.usable(current)) {
        current.uses++;
        return current;
      }
      // Single flight: whoever finds the cache cold starts one call; everyone else waits for it.
      this.generating ??= this.generate().then(
        (made) => {
          this.current = made;
          this.generating = undefined;
          return made;
        },
        (error: unknown) => {
          this.generating = undefined;
          throw error;
        },
      );
      await this.generating;
    }
  }

  /** Stops using a cached data key that is not under `keyId` (the current master key, after a rotation). */
  retireAllBut(keyId: string): void {
    if (this.current && this.current.key.keyId !== keyId) this.current = undefined;
  }

  private usable(key: WriteKey): boolean {
    const cache = this.cache as KeyCacheOptions;
    return (
      this.clock() - key.created < cache.maxAge &&
      key.uses < (cache.maxUses ?? DEFAULT_MAX_USES) &&
      key.bytes < (cache.maxBytes ?? DEFAULT_MAX_BYTES)
    );
  }

  private async generate(): Promise<WriteKey> {
    let key: DataKey;
    try {
      key = await this.provider.generateDataKey();
    } catch (error) {
      throw new KeyProviderError('generate', error);
    }
    const made: WriteKey = { key, header: headerOf(key.keyId, key.wrapped), bytes: 0, uses: 0, created: this.clock() };
    // A key made for writes can open what it wrote (an update's item read back) without a call.
    if (this.cache) this.remember(idOf(key.keyId, key.wrapped), key.plaintext);
    if (!this.cache) made.uses = 1;
    return made;
  }

  /** Unwraps the given wrapped keys (each once); returns their plaintexts by {@link idOf}. */
  async unwrap(wanted: ReadonlyMap<string, { keyId: string; wrapped: Uint8Array }>, known?: ReadonlyMap<string, Uint8Array>): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    await Promise.all(
      [...wanted].map(async ([id, { keyId, wrapped }]) => {
        const mine = known?.get(id) ?? this.cached(id);
        out.set(id, mine ?? (await this.unwrapOne(id, keyId, wrapped)));
      }),
    );
    return out;
  }

  private cached(id: string): Uint8Array | undefined {
    const entry = this.unwrapped.get(id);
    if (!entry) return undefined;
    if (entry.expires <= this.clock()) {
      this.unwrapped.delete(id);
      return undefined;
    }
    return entry.key;
  }

  private unwrapOne(id: string, keyId: string, wrapped: Uint8Array): Promise<Uint8Array> {
    const flying = this.unwrapping.get(id);
    if (flying) return flying;
    const call = this.provider.decryptDataKey(wrapped, keyId).then(
      (key) => {
        if (this.cache) this.remember(id, key);
        return key;
      },
      (error: unknown) => {
        throw new KeyProviderError('decrypt', error);
      },
    );
    // Only a cache shares calls across pages; without one, a page's own map already asks once per key.
    if (this.cache) {
      this.unwrapping.set(id, call);
      void call.then(
        () => this.unwrapping.delete(id),
        () => this.unwrapping.delete(id),
      );
    }
    return call;
  }

  private remember(id: string, key: Uint8Array): void {
    const cache = this.cache as KeyCacheOptions;
    this.unwrapped.delete(id);
    this.unwrapped.set(id, { key, expires: this.clock() + cache.maxAge });
    // Oldest first out: a Map iterates in insertion order.
    const capacity = cache.capacity ?? DEFAULT_CAPACITY;
    while (this.unwrapped.size > capacity) this.unwrapped.delete(this.unwrapped.keys().next().value as string);
  }
}

/** The identity of a wrapped data key (its master key id and wrapped bytes). */
export function idOf(keyId: string, wrapped: Uint8Array): string {
  return `${keyId}\u0000${Buffer.from(wrapped).toString('base64')}`;
}
