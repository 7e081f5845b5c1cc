/**
 * A fault-injecting HTTP proxy in front of a real DynamoDB (DynamoDB Local in tests). It forwards
 * every request and, per request, may answer with a fault instead: throttling, a 5xx, a dropped
 * connection, a late answer, or (for BatchWriteItem / BatchGetItem) a partial batch reported back as
 * UnprocessedItems / UnprocessedKeys. DynamoDB Local never produces these, so retry paths can only
 * be tested this way. Faults are drawn from a seeded random generator: a run is reproducible for a
 * given request order.
 *
 * ```ts
 * const proxy = await startFaultProxy({ target: endpoint(), faults: [{ kind: 'unprocessed', rate: 0.3 }] });
 * const db = testDb({ endpoint: proxy.endpoint });
 * ...
 * await proxy.stop();
 * ```
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import * as zlib from 'node:zlib';

/** What the proxy can do instead of a plain forward. */
export type FaultKind = 'throttle' | 'serverError' | 'drop' | 'delay' | 'unprocessed';

/** One fault rule. Rules are tried in order; the first whose draw hits is applied. */
export interface FaultRule {
  readonly kind: FaultKind;
  /** Probability in [0, 1] that a matching request gets this fault (default 1). */
  readonly rate?: number;
  /** Operations it applies to, e.g. `['BatchWriteItem']` (default: all; `unprocessed` only ever applies to batches). */
  readonly operations?: readonly string[];
  /** Stop after this many faults (default: no limit). */
  readonly count?: number;
  /** `throttle`: the exception to answer with (default `ProvisionedThroughputExceededException`). */
  readonly code?: string;
  /** `delay`: how long to hold the answer, in ms (default 1000). */
  readonly delayMs?: number;
  /**
   * `drop`: `before` closes the connection without forwarding (nothing applied); `after` forwards,
   * lets DynamoDB apply the request, then closes without answering. `serverError`: `after` forwards
   * first, then answers 500. `delay`: by default the request is applied at once and answered late;
   * `before` holds the request for `delayMs` and then forwards it even if the client has given up
   * (a request that lands after its sender timed out). Default `before` for `drop` and `serverError`.
   */
  readonly when?: 'before' | 'after';
  /** `unprocessed`: probability that each write request / key is held back (default 0.5; at least one always is). */
  readonly fraction?: number;
}

/** Counters, per kind and per operation. */
export interface FaultStats {
  /** Requests received. */
  requests: number;
  /** Requests forwarded to the target (in full or in part). */
  forwarded: number;
  /** Faults injected, by kind. */
  faults: Record<FaultKind, number>;
  /** Write requests and keys reported back as unprocessed. */
  unprocessedEntries: number;
  /** Per operation name (`BatchWriteItem`, ...). */
  byOperation: Record<string, { requests: number; faults: number }>;
}

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: give it to the client instead of the target. */
  readonly endpoint: string;
  /** Live counters. */
  readonly stats: FaultStats;
  /** Replaces the rules (their counts start again). */
  setFaults(faults: readonly FaultRule[]): void;
  /** Zeroes the counters. */
  resetStats(): void;
  /**
   * Resolves once no request is being handled: every request received has been forwarded and
   * answered, or refused. Await it before reading the table to judge what the client was told: a
   * request the client gave up on may still be on its way to the target.
   */
  settled(): Promise<void>;
  /** Closes the proxy and every open connection. */
  stop(): Promise<void>;
}

/** Options for {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** The real endpoint, e.g. DynamoDB Local's `http://127.0.0.1:8000`. */
  readonly target: string;
  readonly faults?: readonly FaultRule[];
  /** Seed of the random generator (default 1). */
  readonly seed?: number;
}

const BATCH_OPS = new Set(['BatchWriteItem', 'BatchGetItem']);
const JSON_TYPE = 'application/x-amz-json-1.0';

// Bodies as DynamoDB sends them (JSON 1.0 protocol: `__type` and the x-amzn-ErrorType header name the error).
const THROTTLE_MESSAGES: Record<string, { namespace: string; message: string }> = {
  ProvisionedThroughputExceededException: {
    namespace: 'com.amazonaws.dynamodb.v20120810',
    message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  },
  ThrottlingException: { namespace: 'com.amazon.coral.availability', message: 'Rate of requests exceeds the allowed throughput.' },
  RequestLimitExceeded: {
    namespace: 'com.amazonaws.dynamodb.v20120810',
    message: 'Throughput exceeds the current throughput limit for your account. Please contact AWS Support at https://aws.amazon.com/support request a limit increase',
  },
};

/** Small seeded PRNG (mulberry32): reproducible fault sequences. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const emptyStats = (): FaultStats => ({
  requests: 0,
  forwarded: 0,
  faults: { throttle: 0, serverError: 0, drop: 0, delay: 0, unprocessed: 0 },
  unprocessedEntries: 0,
  byOperation: {},
});

interface Upstream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function crcHeader(body: Buffer): Record<string, string> {
  // zlib.crc32 exists from Node 20.15; without it the header is left out (no v3 SDK client checks it).
  const crc32 = (zlib as { crc32?: (data: Buffer) => number }).crc32;
  return crc32 ? { 'x-amz-crc32': String(crc32(body)) } : {};
}

/** Starts the proxy on a free loopback port. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true });
  const random = seeded(options.seed ?? 1);
  let rules: { rule: FaultRule; used: number }[] = [];
  let stats = emptyStats();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const setFaults = (faults: readonly FaultRule[]) => {
    rules = faults.map((rule) => ({ rule, used: 0 }));
  };
  setFaults(options.faults ?? []);

  const forward = (req: IncomingMessage, body: Buffer): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      stats.forwarded++;
      const headers = { ...req.headers, 'content-length': String(body.length) };
      // The signature no longer matches a rewritten body; DynamoDB Local does not verify it, and keeps
      // using the access key and region from the Authorization header to pick the database.
      const out = httpRequest(
        { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
        (res) => {
          readBody(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const send = (res: ServerResponse, status: number, headers: Record<string, string | string[] | undefined>, body: Buffer) => {
    if (res.destroyed || res.writableEnded) return;
    const clean: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(headers)) {
      if (v !== undefined && !['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k.toLowerCase())) clean[k] = v;
    }
    res.writeHead(status, { ...clean, 'content-length': String(body.length) });
    res.end(body);
  };

  const sendJson = (res: ServerResponse, status: number, payload: unknown, extra: Record<string, string> = {}) => {
    const body = Buffer.from(JSON.stringify(payload));
    send(res, status, { 'content-type': JSON_TYPE, 'x-amzn-requestid': `fault-${stats.requests}`, ...crcHeader(body), ...extra }, body);
  };

  const pick = (operation: string): FaultRule | undefined => {
    for (const entry of rules) {
      const { rule } = entry;
      if (rule.operations && !rule.operations.includes(operation)) continue;
      if (rule.kind === 'unprocessed' && !BATCH_OPS.has(operation)) continue;
      if (rule.count !== undefined && entry.used >= rule.count) continue;
      if (random() < (rule.rate ?? 1)) {
        entry.used++;
        return rule;
      }
    }
    return undefined;
  };

  /** Splits a batch into the part sent on and the part reported back; undefined when there is nothing to split. */
  const splitBatch = (operation: string, input: Record<string, unknown>, fraction: number) => {
    const requestItems = (input.RequestItems ?? {}) as Record<string, unknown>;
    type Entry = { table: string; value: unknown };
    const entries: Entry[] = [];
    for (const [table, value] of Object.entries(requestItems)) {
      const list = operation === 'BatchWriteItem' ? (value as unknown[]) : ((value as { Keys?: unknown[] }).Keys ?? []);
      for (const v of list) entries.push({ table, value: v });
    }
    if (entries.length === 0) return undefined;
    const held = new Set<Entry>(entries.filter(() => random() < fraction));
    if (held.size === 0) held.add(entries[Math.floor(random() * entries.length)] as Entry);
    const group = (keep: (e: Entry) => boolean) => {
      const out: Record<string, unknown> = {};
      for (const [table, value] of Object.entries(requestItems)) {
        const part = entries.filter((e) => e.table === table && keep(e)).map((e) => e.value);
        if (part.length === 0) continue;
        // BatchGetItem keeps the table's read options (projection, names, consistency) with its keys.
        out[table] = operation === 'BatchWriteItem' ? part : { ...(value as object), Keys: part };
      }
      return out;
    };
    return { sent: group((e) => !held.has(e)), held: group((e) => held.has(e)), heldCount: held.size, tables: Object.keys(requestItems) };
  };

  const handleUnprocessed = async (req: IncomingMessage, res: ServerResponse, operation: string, body: Buffer, rule: FaultRule) => {
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return false;
    }
    const split = splitBatch(operation, input, rule.fraction ?? 0.5);
    if (!split) return false;
    stats.faults.unprocessed++;
    stats.unprocessedEntries += split.heldCount;
    const unprocessedField = operation === 'BatchWriteItem' ? 'UnprocessedItems' : 'UnprocessedKeys';
    if (Object.keys(split.sent).length === 0) {
      // Nothing processed at all: DynamoDB still answers 200 with everything unprocessed.
      const payload: Record<string, unknown> = { [unprocessedField]: split.held };
      if (operation === 'BatchGetItem') payload.Responses = Object.fromEntries(split.tables.map((t) => [t, []]));
      sendJson(res, 200, payload);
      return true;
    }
    const upstream = await forward(req, Buffer.from(JSON.stringify({ ...input, RequestItems: split.sent })));
    if (upstream.status !== 200) {
      // An error for the part sent on is the answer for the whole call.
      send(res, upstream.status, upstream.headers, upstream.body);
      return true;
    }
    const output = JSON.parse(upstream.body.toString('utf8')) as Record<string, unknown>;
    const already = (output[unprocessedField] ?? {}) as Record<string, unknown>;
    output[unprocessedField] = mergeUnprocessed(operation, already, split.held);
    const rewritten = Buffer.from(JSON.stringify(output));
    send(res, 200, { ...upstream.headers, ...crcHeader(rewritten) }, rewritten);
    return true;
  };

  // Requests being handled, and who waits for there to be none (settled()).
  let active = 0;
  let idle: (() => void)[] = [];
  const done = () => {
    if (--active > 0) return;
    const waiting = idle;
    idle = [];
    for (const resolve of waiting) resolve();
  };

  const server = createServer((req, res) => {
    active++;
    void (async () => {
      const body = await readBody(req);
      stats.requests++;
      const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() || 'unknown';
      const perOp = (stats.byOperation[operation] ??= { requests: 0, faults: 0 });
      perOp.requests++;
      const rule = pick(operation);
      if (rule) perOp.faults++;
      switch (rule?.kind) {
        case 'throttle': {
          stats.faults.throttle++;
          const code = rule.code ?? 'ProvisionedThroughputExceededException';
          const known = THROTTLE_MESSAGES[code] ?? { namespace: 'com.amazonaws.dynamodb.v20120810', message: code };
          sendJson(res, 400, { __type: `${known.namespace}#${code}`, message: known.message }, { 'x-amzn-errortype': code });
          return;
        }
        case 'serverError':
          stats.faults.serverError++;
          // `after`: DynamoDB applied the request, the answer says it failed.
          if (rule.when === 'after') await forward(req, body);
          sendJson(
            res,
            500,
            { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
            { 'x-amzn-errortype': 'InternalServerError' },
          );
          return;
        case 'drop':
          stats.faults.drop++;
          if (rule.when === 'after') await forward(req, body);
          req.socket.destroy();
          return;
        case 'delay': {
          stats.faults.delay++;
          const wait = () =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => {
                timers.delete(timer);
                resolve();
              }, rule.delayMs ?? 1000);
              timers.add(timer);
            });
          // Default: applied at once, answered late (the dangerous case for a client that gives up and
          // retries). `before`: held, then applied whether or not the client still waits.
          if (rule.when === 'before') await wait();
          const upstream = await forward(req, body);
          if (rule.when !== 'before') await wait();
          send(res, upstream.status, upstream.headers, upstream.body);
          return;
        }
        case 'unprocessed':
          if (await handleUnprocessed(req, res, operation, body, rule)) return;
          break;
        default:
          break;
      }
      const upstream = await forward(req, body);
      send(res, upstream.status, upstream.headers, upstream.body);
    })()
      .catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          sendJson(res, 502, { __type: 'FaultProxyError', message: error instanceof Error ? error.message : String(error) });
        } else {
          res.destroy();
        }
      })
      .finally(done);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get stats() {
      return stats;
    },
    setFaults,
    resetStats() {
      stats = emptyStats();
    },
    settled() {
      return active === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve));
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Adds held-back entries to what DynamoDB itself reported as unprocessed. */
function mergeUnprocessed(operation: string, already: Record<string, unknown>, held: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...already };
  for (const [table, value] of Object.entries(held)) {
    const prev = out[table];
    if (!prev) out[table] = value;
    else if (operation === 'BatchWriteItem') out[table] = [...(prev as unknown[]), ...(value as unknown[])];
    else out[table] = { ...(value as object), Keys: [...((prev as { Keys: unknown[] }).Keys ?? []), ...(value as { Keys: unknown[] }).Keys] };
  }
  return out;
}
