/**
 * The read-through cache plugin: one middleware. Reads of the models it caches (`get`, `first`,
 * `count`) are answered from the store when a valid entry is there, else sent and their raw output
 * stored; every write invalidates what it touches before it is sent and again after its answer (or
 * its failure), so no read that raced the write can leave an old item behind.
 */
import type { DynamORMRequest, Middleware } from '../../config.js';
import { ConfigurationError } from '../../errors.js';
import type { AnyModel } from '../../model/model.js';
import type { Plugin, PluginHost } from '../plugin.js';
import { CacheUnavailableError } from './errors.js';
import { memoryStore } from './memory-store.js';
import { cachedRead, invalidatedBy } from './requests.js';
import { deserialize, serialize } from './serialize.js';
import type { CacheStore } from './store.js';

/** One cached model and its time to live. */
export interface CachedModel {
  readonly model: AnyModel;
  /** How long an answer may be served, in ms. */
  readonly ttlMs: number;
  /**
   * Answer strongly consistent reads (`{ consistent: true }`) from the cache too. Off by default: a
   * consistent read goes to the table, as asked.
   */
  readonly consistent?: boolean;
}

/** Options of {@link cachePlugin}. */
export interface CacheOptions {
  /** The models to cache; reads of other models always go to the table. */
  readonly models: readonly CachedModel[];
  /** Where entries live (default `memoryStore()`: this process only). */
  readonly store?: CacheStore;
  /** The middleware's name (default `cache`). */
  readonly name?: string;
  /** Called with store failures that did not fail the request (a lookup, a fill, the second invalidation). */
  readonly onError?: (error: unknown) => void;
  /** Clock in ms, to refuse filling from a read slower than 30 s (default `Date.now`). */
  readonly now?: () => number;
}

/** Counters since the plugin was created or reset. */
export interface CacheStats {
  /** Reads answered from the store. */
  readonly hits: number;
  /** Cacheable reads sent to the table. */
  readonly misses: number;
  /** Entries stored. */
  readonly fills: number;
  /** Fills refused because a write invalidated the read's item while it was in flight. */
  readonly refusedFills: number;
  /** Invalidations sent to the store (two per write). */
  readonly invalidations: number;
  /** Store failures (reported to `onError`). */
  readonly errors: number;
}

/** The cache plugin: install it with `db.use(plugin)` or `Database.create({ plugins: [plugin] })`. */
export interface CachePlugin extends Plugin {
  readonly store: CacheStore;
  stats(): CacheStats;
  resetStats(): void;
}

/** A read slower than this is not stored: its snapshot may predate tokens the store has since dropped. */
const MAX_FILL_AGE_MS = 30_000;

const empty = (): { -readonly [K in keyof CacheStats]: number } => ({ hits: 0, misses: 0, fills: 0, refusedFills: 0, invalidations: 0, errors: 0 });

/**
 * Creates the cache plugin. Install it after observers that should count only what reaches
 * DynamoDB, before them to count hits as requests. Bad settings throw ConfigurationError here.
 */
export function cachePlugin(options: CacheOptions): CachePlugin {
  const name = options.name ?? 'cache';
  const store = options.store ?? memoryStore();
  const now = options.now ?? Date.now;
  const models = new Map<string, CachedModel>();
  for (const entry of options.models ?? []) {
    if (!Number.isFinite(entry.ttlMs) || entry.ttlMs <= 0) throw new ConfigurationError(`cachePlugin: ttlMs of ${entry.model.name} must be a positive number of ms`);
    if (models.has(entry.model.name)) throw new ConfigurationError(`cachePlugin: ${entry.model.name} is listed twice`);
    models.set(entry.model.name, entry);
  }
  // Key attribute names per physical table, learned from the requests of cached models.
  const tableKeys = new Map<string, readonly string[]>();
  let stats = empty();

  const report = (error: unknown): void => {
    stats.errors++;
    try {
      options.onError?.(error);
    } catch {
      // An observer that throws never breaks a request.
    }
  };

  const learn = (request: DynamORMRequest, cached: CachedModel | undefined): void => {
    const table = request.input.TableName;
    if (cached && typeof table === 'string' && !tableKeys.has(table)) {
      const meta = cached.model.compiled;
      tableKeys.set(table, meta.sortKey ? [meta.partitionKey.stored, meta.sortKey.stored] : [meta.partitionKey.stored]);
    }
  };

  const read = async (request: DynamORMRequest, cached: CachedModel, next: (r: DynamORMRequest) => Promise<unknown>): Promise<unknown> => {
    const plan = cachedRead(request, cached.consistent === true);
    if (!plan) return next(request);
    let snapshot: string;
    try {
      const found = await store.lookup(plan.key, plan.deps);
      if (found.value !== undefined) {
        stats.hits++;
        return Object.assign(deserialize(found.value) as object, { $metadata: {} });
      }
      snapshot = found.snapshot;
    } catch (error) {
      report(error);
      return next(request);
    }
    stats.misses++;
    const started = now();
    const output = (await next(request)) as Record<string, unknown>;
    if (now() - started <= MAX_FILL_AGE_MS) {
      // The answer as DynamoDB gave it, less what belongs to this one request.
      const { $metadata: _m, ConsumedCapacity: _c, ...answer } = output;
      try {
        if (await store.fill(plan.key, serialize(answer), cached.ttlMs, plan.deps, snapshot)) stats.fills++;
        else stats.refusedFills++;
      } catch (error) {
        report(error);
      }
    }
    return output;
  };

  const write = async (request: DynamORMRequest, deps: string[], next: (r: DynamORMRequest) => Promise<unknown>): Promise<unknown> => {
    try {
      stats.invalidations++;
      await store.invalidate(deps);
    } catch (error) {
      throw new CacheUnavailableError(request.operation, error);
    }
    try {
      return await next(request);
    } finally {
      // Answered, refused or in doubt: entries filled by reads that ran meanwhile are dropped too.
      try {
        stats.invalidations++;
        await store.invalidate(deps);
      } catch (error) {
        report(error);
      }
    }
  };

  const middleware: Middleware = (request, next) => {
    const cached = models.get(request.model ?? request.context?.model ?? '');
    learn(request, cached);
    const deps = invalidatedBy(request, (table) => tableKeys.get(table));
    if (deps.length > 0) return write(request, deps, next);
    return cached ? read(request, cached, next) : next(request);
  };

  return {
    name,
    store,
    install(host: PluginHost) {
      host.use(name, middleware);
    },
    stats: () => ({ ...stats }),
    resetStats() {
      stats = empty();
    },
  };
}
