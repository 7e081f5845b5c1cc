/**
 * What a cache store does. Entries are strings under opaque keys; each entry depends on a few
 * dependency keys (an item, a table, ...). Invalidating a dependency makes every entry that depends
 * on it unreadable at once, without finding those entries: each dependency holds a token, an entry
 * records the tokens it was filled under, and it is served only while they are all unchanged.
 */

/** The answer of {@link CacheStore.lookup}. */
export interface CacheLookup {
  /** The entry, when present, unexpired and filled under the dependencies' current tokens. */
  readonly value: string | undefined;
  /**
   * The dependencies' current tokens. A fill with this snapshot succeeds only if none of them has
   * been invalidated since, so a read that raced a write never stores what it read before the write.
   */
  readonly snapshot: string;
}

/**
 * A place to keep cached answers: `memoryStore()` (per process) or `redisStore()` (shared by
 * containers). Implementations must make `fill` a compare-and-set against the snapshot.
 */
export interface CacheStore {
  /** Reads an entry and snapshots its dependencies (a missing dependency gets a fresh token). */
  lookup(key: string, deps: readonly string[]): Promise<CacheLookup>;
  /**
   * Stores `value` under `key` for `ttlMs`, only if every dependency still has the token it had in
   * `snapshot`. Resolves true when stored.
   */
  fill(key: string, value: string, ttlMs: number, deps: readonly string[], snapshot: string): Promise<boolean>;
  /** Invalidates every entry that depends on any of `deps` (their tokens are dropped). */
  invalidate(deps: readonly string[]): Promise<void>;
}
