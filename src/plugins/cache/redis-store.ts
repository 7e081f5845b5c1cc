/**
 * The Redis store: entries and dependency tokens in one Redis, so every container that uses it sees
 * the same entries and every write invalidates them for all. Lookups and fills are Lua scripts, so
 * the compare-and-set of a fill is atomic on the server.
 *
 * The client is yours or built here: pass a connected node-redis client (v4 to v6, `sendCommand`) or
 * an ioredis client (`call`), or a `url` and the optional peer `redis` is loaded on first use.
 */
import { randomBytes } from 'node:crypto';
import { ConfigurationError } from '../../errors.js';
import type { CacheLookup, CacheStore } from './store.js';

/** A node-redis client (`createClient()`, connected): only `sendCommand` is used. */
export interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** An ioredis client: only `call` is used. */
export interface IoRedisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** Options of {@link redisStore}: a client of your own, or a `url` to connect to. */
export interface RedisStoreOptions {
  /** A connected client (node-redis or ioredis). You connect it and close it. */
  readonly client?: NodeRedisLike | IoRedisLike;
  /** `redis://host:port`: the store connects with the `redis` package (an optional peer) on first use. */
  readonly url?: string;
  /**
   * Prefix of every key (default `{dynamorm-cache}:`). The braces are a Redis Cluster hash tag: all
   * keys of the cache go to one slot, which the scripts need.
   */
  readonly prefix?: string;
  /** Life of a dependency token in ms when no entry needs it longer (default 1 hour). */
  readonly tokenTtlMs?: number;
  /** With `url`: longest wait for the connection, in ms (default 1000); then the command fails. */
  readonly connectTimeoutMs?: number;
}

/** The Redis store; `close()` ends the connection the store opened from a `url` (not yours). */
export interface RedisStore extends CacheStore {
  close(): Promise<void>;
}

// KEYS: entry, deps...; ARGV: fresh token base, token life in ms.
// Returns { snapshot } or { snapshot, value } when the entry was filled under this snapshot.
const LOOKUP = `
local snap = {}
for i = 2, #KEYS do
  local t = redis.call('GET', KEYS[i])
  if not t then
    t = ARGV[1] .. ':' .. i
    redis.call('SET', KEYS[i], t, 'PX', ARGV[2])
  end
  snap[#snap + 1] = t
end
local s = table.concat(snap, ',')
local e = redis.call('GET', KEYS[1])
if e and string.sub(e, 1, #s + 1) == s .. '\\n' then return { s, string.sub(e, #s + 2) } end
return { s }`;

// KEYS: entry, deps...; ARGV: snapshot, value, ttl in ms. Stores only if no token changed.
const FILL = `
local snap = {}
for i = 2, #KEYS do
  local t = redis.call('GET', KEYS[i])
  if not t then return 0 end
  snap[#snap + 1] = t
end
if table.concat(snap, ',') ~= ARGV[1] then return 0 end
local ttl = tonumber(ARGV[3])
redis.call('SET', KEYS[1], ARGV[1] .. '\\n' .. ARGV[2], 'PX', ttl)
for i = 2, #KEYS do
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return 1`;

type Send = (args: string[]) => Promise<unknown>;

function sender(client: NodeRedisLike | IoRedisLike): Send {
  if (typeof (client as NodeRedisLike).sendCommand === 'function') return (args) => (client as NodeRedisLike).sendCommand(args);
  if (typeof (client as IoRedisLike).call === 'function') return ([command, ...rest]) => (client as IoRedisLike).call(command as string, ...rest);
  throw new ConfigurationError('redisStore: the client must be a node-redis client (sendCommand) or an ioredis client (call)');
}

/** The shape of the optional peer `redis` this store uses. */
interface NodeRedisModule {
  createClient(options: Record<string, unknown>): NodeRedisLike & {
    connect(): Promise<unknown>;
    destroy(): void;
    on(event: string, listener: (e: unknown) => void): unknown;
  };
}

interface Connection {
  send: Send;
  close: () => Promise<void>;
}

/** Rejects after `ms` unless `promise` settles first. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Connects with the optional peer `redis`, loaded only now. The client reconnects on its own, and
 * fails commands at once while disconnected (no offline queue): a cache must not make requests wait.
 */
async function connect(url: string, timeoutMs: number): Promise<Connection> {
  let mod: NodeRedisModule;
  try {
    mod = (await import('redis' as string)) as NodeRedisModule;
  } catch {
    throw new ConfigurationError('redisStore({ url }) needs the package "redis" (npm install redis), or pass a client of your own');
  }
  const client = mod.createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: timeoutMs, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000) },
  });
  // Connection errors surface on the commands; without a listener node-redis would crash the process.
  client.on('error', () => {});
  const ready = client.connect();
  ready.catch(() => {});
  return {
    send: async (args) => {
      await within(ready, timeoutMs);
      return client.sendCommand(args);
    },
    close: async () => client.destroy(),
  };
}

/** Creates a Redis store. Give `client` or `url`; nothing is sent until the first lookup. */
export function redisStore(options: RedisStoreOptions): RedisStore {
  if (!options.client === !options.url) throw new ConfigurationError('redisStore: give either client or url');
  const prefix = options.prefix ?? '{dynamorm-cache}:';
  const tokenTtl = options.tokenTtlMs ?? 3_600_000;
  if (!Number.isSafeInteger(tokenTtl) || tokenTtl < 1) throw new ConfigurationError(`redisStore: tokenTtlMs must be a positive integer, got ${tokenTtl}`);
  const connectTimeout = options.connectTimeoutMs ?? 1_000;
  let connection: Promise<Connection> | undefined = options.client ? Promise.resolve({ send: sender(options.client), close: async () => {} }) : undefined;
  const send = async (args: string[]): Promise<unknown> => {
    connection ??= connect(options.url as string, connectTimeout).catch((error: unknown) => {
      connection = undefined; // try again on the next call
      throw error;
    });
    return (await connection).send(args);
  };
  const keys = (key: string, deps: readonly string[]) => [prefix + 'e:' + key, ...deps.map((d) => prefix + 'd:' + d)];

  return {
    async lookup(key, deps): Promise<CacheLookup> {
      const all = keys(key, deps);
      const fresh = randomBytes(12).toString('base64url');
      const reply = (await send(['EVAL', LOOKUP, String(all.length), ...all, fresh, String(tokenTtl)])) as unknown[];
      return { snapshot: String(reply[0]), value: reply.length > 1 ? String(reply[1]) : undefined };
    },
    async fill(key, value, ttlMs, deps, snapshot) {
      const all = keys(key, deps);
      const ttl = String(Math.max(1, Math.ceil(ttlMs)));
      return Number(await send(['EVAL', FILL, String(all.length), ...all, snapshot, value, ttl])) === 1;
    },
    async invalidate(deps) {
      if (deps.length > 0) await send(['DEL', ...deps.map((d) => prefix + 'd:' + d)]);
    },
    async close() {
      const open = connection;
      connection = undefined;
      if (open && options.url) await (await open).close();
    },
  };
}
