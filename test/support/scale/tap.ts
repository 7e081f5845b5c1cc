/**
 * A TCP tap: a loopback port that pipes every connection, byte for byte, to a target (the fault
 * proxy, the local KMS, the local STS) and counts what passes, per client. It is how the scale test
 * sees TCP connections per simulated container: a connection is attributed, once, from the head of
 * the first HTTP request sent on it (the caller's `attribute` reads a user agent or the signing access
 * key), and every later request head on it is counted too (read by Content-Length; the SDK sends no
 * chunked bodies to these services).
 *
 * It changes nothing in the traffic. When the target closes a connection the tap closes the client's
 * side too, so a connection dropped by the fault proxy is dropped for the client as well.
 */
import { connect, createServer, type Socket } from 'node:net';

/** What one client (a container) did through the tap. */
export interface TapClient {
  /** TCP connections opened, in all. */
  opened: number;
  /** Requests sent, in all. */
  requests: number;
  /** Requests by operation (`X-Amz-Target` after its last dot, or `Action` for form posts when visible, else `unknown`). */
  byOperation: Record<string, number>;
  /** Per pool (the `pool` the attribution named, e.g. the signing access key): connections open now, and at most at once. */
  pools: Record<string, { open: number; peak: number; opened: number }>;
  /** Connections the target closed while a request on them was unanswered (the last bytes were the client's): drops. */
  dropped: number;
  /** Connections the target closed after its last answer (an idle or `Connection: close` close). */
  closedByTarget: number;
  /** Connections the client closed while a request on them was unanswered (a request time-out): abandoned. */
  abandoned: number;
  /** For each abandoned connection, how long its last request had waited, in ms. */
  abandonedAfterMs: number[];
  /** Connections the client closed after the last answer (an idle socket given up, or a client destroyed). */
  closedByClient: number;
}

/** Who a connection belongs to, from the head of its first request. */
export interface Attribution {
  readonly client: string;
  /** A pool within the client (one SDK client's connection pool), e.g. the signing access key. */
  readonly pool: string;
}

/** A running tap. */
export interface Tap {
  /** `http://127.0.0.1:PORT`: give it to the SDK client instead of the target. */
  readonly endpoint: string;
  /** Counters per client; connections that could not be attributed go under `?`. */
  readonly clients: Map<string, TapClient>;
  /** Closes the tap and every connection through it. */
  stop(): Promise<void>;
}

const emptyClient = (): TapClient => ({ opened: 0, requests: 0, byOperation: {}, pools: {}, dropped: 0, closedByTarget: 0, abandoned: 0, abandonedAfterMs: [], closedByClient: 0 });

/** The header value of `name` in a request head (lower-case name), if present. */
export function headerOf(head: string, name: string): string | undefined {
  const match = new RegExp(`\\r\\n${name}:[ \\t]*([^\\r\\n]*)`, 'i').exec(head);
  return match?.[1]?.trim();
}

/** The access key a SigV4 `Authorization` header names, if any. */
export function signingKeyOf(head: string): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(headerOf(head, 'authorization') ?? '')?.[1];
}

/**
 * Reads request heads out of the client-to-target byte stream: calls `onHead` for each complete head
 * and skips its body by Content-Length.
 */
function requestReader(onHead: (head: string) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  let bodyLeft = 0;
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      if (bodyLeft > 0) {
        const skip = Math.min(bodyLeft, pending.length);
        bodyLeft -= skip;
        pending = pending.subarray(skip);
        if (bodyLeft > 0) return;
      }
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = pending.subarray(0, end + 2).toString('latin1');
      pending = pending.subarray(end + 4);
      bodyLeft = Number(headerOf(head, 'content-length') ?? 0) || 0;
      onHead(head);
    }
  };
}

/** The operation a request head names. */
function operationOf(head: string): string {
  const target = headerOf(head, 'x-amz-target');
  return target ? (target.split('.').pop() ?? 'unknown') : 'unknown';
}

/** Starts a tap in front of `target` (`http://host:port`). */
export async function startTap(target: string, attribute: (head: string) => Attribution | undefined): Promise<Tap> {
  const url = new URL(target);
  const clients = new Map<string, TapClient>();
  const sockets = new Set<Socket>();
  const clientOf = (id: string) => {
    let c = clients.get(id);
    if (!c) clients.set(id, (c = emptyClient()));
    return c;
  };

  const server = createServer((downstream) => {
    const upstream = connect(Number(url.port), url.hostname);
    sockets.add(downstream);
    sockets.add(upstream);
    let who: { client: TapClient; pool: TapClient['pools'][string] } | undefined;
    // Small request and answer writes go out at once (no Nagle delay added by the tap).
    downstream.setNoDelay(true);
    upstream.setNoDelay(true);
    let last: 'client' | 'target' | undefined;
    let lastClientAt = 0;
    let closedBy: 'client' | 'target' | undefined;
    const read = requestReader((head) => {
      if (!who) {
        const a = attribute(head) ?? { client: '?', pool: '?' };
        const client = clientOf(a.client);
        const pool = (client.pools[a.pool] ??= { open: 0, peak: 0, opened: 0 });
        client.opened++;
        pool.opened++;
        pool.open++;
        pool.peak = Math.max(pool.peak, pool.open);
        who = { client, pool };
      }
      who.client.requests++;
      const op = operationOf(head);
      who.client.byOperation[op] = (who.client.byOperation[op] ?? 0) + 1;
    });
    downstream.on('data', (chunk: Buffer) => {
      last = 'client';
      lastClientAt = performance.now();
      read(chunk);
      if (!upstream.write(chunk)) downstream.pause();
    });
    upstream.on('drain', () => downstream.resume());
    upstream.on('data', (chunk: Buffer) => {
      last = 'target';
      if (!downstream.write(chunk)) upstream.pause();
    });
    downstream.on('drain', () => upstream.resume());

    const finish = (side: 'client' | 'target') => {
      if (closedBy) return;
      closedBy = side;
      if (who) {
        who.pool.open--;
        if (side === 'client' && last === 'client') {
          who.client.abandoned++;
          who.client.abandonedAfterMs.push(performance.now() - lastClientAt);
        } else if (side === 'client') who.client.closedByClient++;
        else if (last === 'client') who.client.dropped++;
        else who.client.closedByTarget++;
      }
      downstream.destroy();
      upstream.destroy();
    };
    // Either side ending (or failing) ends the connection for both: a drop stays a drop.
    downstream.on('end', () => finish('client'));
    downstream.on('error', () => finish('client'));
    downstream.on('close', () => {
      sockets.delete(downstream);
      finish('client');
    });
    upstream.on('end', () => finish('target'));
    upstream.on('error', () => finish('target'));
    upstream.on('close', () => {
      sockets.delete(upstream);
      finish('target');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    clients,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
