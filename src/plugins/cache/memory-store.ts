/**
 * The in-memory store: one per process, bounded by entries and by bytes (least recently used first
 * out), with an injectable clock for time to live.
 */
import { ConfigurationError } from '../../errors.js';
import type { CacheLookup, CacheStore } from './store.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Most entries kept (default 10,000). */
  readonly maxEntries?: number;
  /** Most bytes kept, counted as 2 per character of keys and values (default 32 MiB). */
  readonly maxBytes?: number;
  /** Most dependency tokens kept (default 4 × maxEntries). Dropping one only invalidates entries. */
  readonly maxDependencies?: number;
  /** Clock in ms for time to live (default `Date.now`). */
  readonly now?: () => number;
}

/** The in-memory store, with its size for tests and monitoring. */
export interface MemoryStore extends CacheStore {
  /** Entries held (expired ones included until they are met or evicted). */
  readonly size: number;
  /** Bytes held, counted as 2 per character of keys and values. */
  readonly bytes: number;
  /** Drops every entry and token. */
  clear(): void;
}

interface Entry {
  readonly snapshot: string;
  readonly value: string;
  readonly expires: number;
  readonly bytes: number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigurationError(`memoryStore: ${name} must be a positive integer, got ${value}`);
  return value;
}

/** Creates an in-memory store (least recently used entries go first when a bound is reached). */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const maxEntries = positive('maxEntries', options.maxEntries, 10_000);
  const maxBytes = positive('maxBytes', options.maxBytes, 32 * 1024 * 1024);
  const maxDeps = positive('maxDependencies', options.maxDependencies, 4 * maxEntries);
  const now = options.now ?? Date.now;
  // Map order is the recency order: a read moves an entry to the end.
  const entries = new Map<string, Entry>();
  const tokens = new Map<string, string>();
  let issued = 0;
  let bytes = 0;

  const drop = (key: string): void => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.bytes;
  };
  const token = (dep: string): string => {
    let t = tokens.get(dep);
    if (t === undefined) {
      // Tokens are never reused, so a dropped dependency can never validate an older entry again.
      t = (++issued).toString(36);
      tokens.set(dep, t);
      if (tokens.size > maxDeps) tokens.delete(tokens.keys().next().value as string);
    }
    return t;
  };
  const current = (deps: readonly string[]): string => deps.map(token).join(',');

  const store: MemoryStore = {
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
    clear() {
      entries.clear();
      tokens.clear();
      bytes = 0;
    },
    async lookup(key, deps): Promise<CacheLookup> {
      const snapshot = current(deps);
      const entry = entries.get(key);
      if (!entry) return { value: undefined, snapshot };
      if (entry.expires <= now() || entry.snapshot !== snapshot) {
        drop(key);
        return { value: undefined, snapshot };
      }
      entries.delete(key);
      entries.set(key, entry);
      return { value: entry.value, snapshot };
    },
    async fill(key, value, ttlMs, deps, snapshot) {
      // A missing token means the dependency was invalidated since the snapshot: refuse.
      if (deps.some((d) => !tokens.has(d)) || current(deps) !== snapshot) return false;
      const size = 2 * (key.length + value.length + snapshot.length);
      if (size > maxBytes) return false;
      drop(key);
      entries.set(key, { snapshot, value, expires: now() + ttlMs, bytes: size });
      bytes += size;
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries && bytes <= maxBytes) break;
        drop(oldest);
      }
      return true;
    },
    async invalidate(deps) {
      for (const dep of deps) tokens.delete(dep);
    },
  };
  return store;
}
