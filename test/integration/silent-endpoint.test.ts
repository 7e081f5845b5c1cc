/**
 * No call hangs forever: an endpoint that accepts the connection and never answers gives a
 * TimeoutError within the documented bound with the default configuration, and a write is reported in
 * doubt (it may have been applied), never as failed-and-unchanged.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  attr,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DynamORM,
  model,
  TimeoutError,
  WriteInDoubtError,
} from '../../src/index.js';
import { localCredentials } from '../support/db.js';

const Account = model('Account', { table: 'silent', attributes: { id: attr.string().partitionKey(), balance: attr.cents() } });

let server: Server;
let endpoint: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  // Accepts every connection and reads what is sent, but never answers.
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A DynamORM on the silent endpoint with the default time-outs (the test runs outside Lambda). */
function silentDb(config: { maxAttempts?: number } = {}) {
  expect(process.env.AWS_LAMBDA_FUNCTION_NAME).toBeUndefined();
  return DynamORM.create({ endpoint, region: 'us-east-1', credentials: localCredentials, ...config });
}

test('the defaults outside Lambda: a request time-out per attempt and a connection time-out', () => {
  const db = silentDb();
  expect(db.config.requestTimeoutMs).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
  expect(db.config.connectTimeoutMs).toBe(DEFAULT_CONNECT_TIMEOUT_MS);
  expect(DynamORM.create({ endpoint, requestTimeoutMs: false, connectTimeoutMs: false }).config.requestTimeoutMs).toBeUndefined();
});

test('a read fails with TimeoutError within the bound (attempts × request time-out, plus backoff)', async () => {
  const db = silentDb();
  const started = Date.now();
  const error = await db
    .model(Account)
    .get({ id: 'a' })
    .catch((e: unknown) => e);
  const took = Date.now() - started;
  expect(error).toBeInstanceOf(TimeoutError);
  expect(took).toBeGreaterThanOrEqual(DEFAULT_REQUEST_TIMEOUT_MS);
  expect(took).toBeLessThan(3 * DEFAULT_REQUEST_TIMEOUT_MS + 3_000);
  db.destroy();
}, 20_000);

test('a write that gets no answer is in doubt, never reported as unchanged', async () => {
  const db = silentDb({ maxAttempts: 1 });
  const started = Date.now();
  const error = await db
    .model(Account)
    .create({ id: 'w', balance: 1 })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WriteInDoubtError);
  expect((error as WriteInDoubtError).inDoubt).toBe(true);
  expect((error as WriteInDoubtError).cause).toBeInstanceOf(TimeoutError);
  // The write's attempt and the read that tries to settle it: two time-outs.
  expect(Date.now() - started).toBeLessThan(2 * DEFAULT_REQUEST_TIMEOUT_MS + 2_000);
  db.destroy();
}, 20_000);
