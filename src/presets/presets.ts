/**
 * Presets: whole configurations for the three places DynamORM runs, every value chosen for a reason
 * written next to it (docs/guides/configuration.md has the same table). Each takes overrides, merged
 * over it with {@link mergeConfig}.
 */
import type { DynamORMConfig } from '../config.js';
import { mergeConfig } from './merge.js';

/** The endpoint DynamoDB Local listens on unless told otherwise. */
export const LOCAL_ENDPOINT = 'http://localhost:8000';

/**
 * Credentials for DynamoDB Local, which accepts any: fixed ones (and a fixed region) so every tool
 * using the preset sees the same local database, as DynamoDB Local keeps one per access key and region.
 * Requests are still signed with them.
 */
export const LOCAL_CREDENTIALS: Readonly<{ accessKeyId: string; secretAccessKey: string }> = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * The SDK's Node.js HTTP handler options for a pool of `maxSockets` kept-alive connections.
 * `keepAlive`: reusing a connection saves a TCP and TLS handshake per request (tens of ms, and most
 * of a small Lambda's CPU for a request). `maxSockets`: the most requests in flight at once; more
 * wait for a free connection. `minVersion`: TLS 1.2 at least (DynamORM adds it anyway).
 */
export function connectionOptions(maxSockets: number): { httpAgent: Record<string, unknown>; httpsAgent: Record<string, unknown> } {
  return { httpAgent: { keepAlive: true, maxSockets }, httpsAgent: { keepAlive: true, maxSockets, minVersion: 'TLSv1.2' } };
}

/**
 * DynamoDB Local on this machine.
 * - `endpoint` `http://localhost:8000`: DynamoDB Local's default port (plain HTTP is allowed only on
 *   this machine).
 * - `region` `us-east-1` and `credentials` `local`/`local`: DynamoDB Local keeps one database per
 *   access key and region; fixed values make the app, the tests and the CLI see the same tables.
 * - `maxAttempts` 2: DynamoDB Local never throttles, but it closes idle kept-alive connections; one
 *   retry hides the reset of a connection that sat idle, while a real error still shows at once.
 * - `requestTimeoutMs` 10 000: the first requests to a cold JVM, and table creation, can take seconds.
 * - `connectTimeoutMs` 1 000: a local connection is refused at once when nothing listens.
 * - `maxSockets` 16: DynamoDB Local serves a few requests at a time; more connections only queue there.
 */
export function localDevelopment(overrides?: DynamORMConfig): DynamORMConfig {
  return mergeConfig(
    {
      endpoint: LOCAL_ENDPOINT,
      region: 'us-east-1',
      // A copy: the SDK marks the credentials object it is given (and fails on a frozen one).
      credentials: { ...LOCAL_CREDENTIALS },
      maxAttempts: 2,
      requestTimeoutMs: 10_000,
      connectTimeoutMs: 1_000,
      clientConfig: { retryMode: 'standard', requestHandler: connectionOptions(16) },
    },
    overrides,
  );
}

/**
 * A long-running service (containers, EC2) serving many requests at once from one process.
 * - `retryMode` `standard`: exponential backoff with jitter and the SDK's retry quota, which stops
 *   retrying when too many fail. `adaptive` also slows every request of the client after throttling:
 *   right for a batch job on one table, wrong for a service whose client serves several tables.
 * - `maxAttempts` 4: the SDK's own default for DynamoDB (its 2026 retry behaviour); a service can ride
 *   out a throttling burst (throttled retries back off a random time below 1, 2 and 4 s).
 * - `requestTimeoutMs` 2 000: in-region DynamoDB answers in milliseconds; an attempt silent for 2 s
 *   is stuck (a dead connection) and is better retried on another.
 * - `connectTimeoutMs` 1 000: a TCP and TLS handshake in-region takes tens of ms; 1 s covers one lost packet.
 * - `maxSockets` 128: at ~5 ms a request a connection carries ~200 requests a second, so 128 carry more
 *   than one Node.js process can encode and decode; the cap bounds file descriptors and handshakes
 *   after a burst. The SDK's default is 50.
 */
export function production(overrides?: DynamORMConfig): DynamORMConfig {
  return mergeConfig(
    {
      maxAttempts: 4,
      requestTimeoutMs: 2_000,
      connectTimeoutMs: 1_000,
      clientConfig: { retryMode: 'standard', requestHandler: connectionOptions(128) },
    },
    overrides,
  );
}

/**
 * A Lambda function: one invocation at a time per container, under the invocation's deadline
 * (`withDynamORM`). Use it with `lambdaDatabase(lambda())`, which also scales batch concurrency and
 * page size with the function's memory.
 * - `retryMode` `standard`: as for `production()`; an adaptive rate learnt in one container is lost
 *   when it is recycled, and containers do not share it.
 * - `maxAttempts` 3: the invocation has a fixed time budget; a third retry of a throttled request
 *   (up to 4 s of backoff) rarely fits in it, and the deadline stops retries anyway.
 * - `requestTimeoutMs` 2 000: without one, an attempt on a connection that died while the container
 *   was frozen waits for the invocation's deadline; with one, the SDK retries it on a new connection.
 *   It composes with the deadline: whichever comes first ends the attempt.
 * - `connectTimeoutMs` 1 000: as for `production()`.
 * - `maxSockets` 50: the SDK's default, kept on purpose: above the largest batch concurrency of the
 *   memory table (32), and every extra connection costs a TLS handshake, much CPU for a small function.
 */
export function lambda(overrides?: DynamORMConfig): DynamORMConfig {
  return mergeConfig(
    {
      maxAttempts: 3,
      requestTimeoutMs: 2_000,
      connectTimeoutMs: 1_000,
      clientConfig: { retryMode: 'standard', requestHandler: connectionOptions(50) },
    },
    overrides,
  );
}
