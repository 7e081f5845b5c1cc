/**
 * Each preset's configuration talks to DynamoDB Local, and its connection and retry settings are what
 * happens on the wire: a TCP counter in front of DynamoDB Local sees one kept-alive connection for a
 * whole sequence of requests and never more connections than `maxSockets`, and the fault proxy sees
 * exactly `maxAttempts` attempts of a request that keeps failing with a 5xx.
 */
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, test } from 'vitest';
import { attr, Database, DynamoDBError, model, tables, type DynamORMConfig } from '../../../src/index.js';
import { lambda, LOCAL_CREDENTIALS, localDevelopment, mergeConfig, production } from '../../../src/presets/index.js';
import { endpoint, localCredentials } from '../../support/db.js';
import { startFaultProxy } from '../../support/fault-proxy.js';

const Note = model('PresetNote', {
  table: 'preset-notes',
  attributes: { id: attr.string().partitionKey(), text: attr.string() },
});

/** A TCP forwarder to DynamoDB Local that counts the connections made to it, and the most open at once. */
interface Counter {
  readonly endpoint: string;
  readonly opened: number;
  readonly mostAtOnce: number;
  close(): Promise<void>;
}

async function countConnections(target: string): Promise<Counter> {
  const { hostname, port } = new URL(target);
  let opened = 0;
  let open = 0;
  let mostAtOnce = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    opened++;
    mostAtOnce = Math.max(mostAtOnce, ++open);
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('close', () => {
      open--;
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const local = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${local}`,
    get opened() {
      return opened;
    },
    get mostAtOnce() {
      return mostAtOnce;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const prefix = `t${randomUUID().slice(0, 8)}-`;
const presets = { localDevelopment, production, lambda } as const;
const opened: Database[] = [];

/** A database on the preset, pointed at `at`; localDevelopment() needs nothing but the endpoint. */
function onPreset(name: keyof typeof presets, at: string, overrides: DynamORMConfig = {}): Database {
  const local: DynamORMConfig = name === 'localDevelopment' ? {} : { region: 'us-east-1', credentials: localCredentials };
  const db = Database.create(mergeConfig(presets[name](), local, { endpoint: at, tablePrefix: prefix }, overrides));
  opened.push(db);
  return db;
}

afterAll(async () => {
  const db = opened[0];
  if (db) await tables(db).delete(Note).catch(() => undefined);
  for (const d of opened) d.destroy();
});

test('localDevelopment() uses the credentials and region the test DynamoDB has its tables under', () => {
  expect(LOCAL_CREDENTIALS).toEqual(localCredentials);
  expect(localDevelopment().region).toBe('us-east-1');
});

describe.each(Object.keys(presets) as (keyof typeof presets)[])('%s()', (name) => {
  test('creates, writes and reads on DynamoDB Local over one kept-alive connection', async () => {
    const counter = await countConnections(endpoint());
    try {
      const db = onPreset(name, counter.endpoint);
      await tables(db).create(Note, { ifNotExists: true });
      const notes = db.model(Note);
      for (let i = 0; i < 10; i++) {
        const id = `${name}-${i}`;
        await notes.put({ id, text: `note ${i}` });
        expect(await notes.get({ id })).toEqual({ id, text: `note ${i}` });
      }
      // CreateTable, its waits, 10 puts and 10 gets: every request on the same connection.
      expect(counter.opened).toBe(1);
    } finally {
      await counter.close();
    }
  });

  test('never opens more connections than maxSockets', async () => {
    const counter = await countConnections(endpoint());
    try {
      const db = onPreset(name, counter.endpoint, { clientConfig: { requestHandler: { httpAgent: { maxSockets: 3 } } } });
      const notes = db.model(Note);
      await tables(db).create(Note, { ifNotExists: true });
      const ids = Array.from({ length: 40 }, (_, i) => `${name}-burst-${i}`);
      await Promise.all(ids.map((id) => notes.put({ id, text: id })));
      const read = await Promise.all(ids.map((id) => notes.get({ id })));
      expect(read.map((n) => n?.id)).toEqual(ids);
      expect(counter.mostAtOnce).toBeLessThanOrEqual(3);
      expect(counter.opened).toBeLessThanOrEqual(3);
      // The burst did run in parallel: more than one connection was used.
      expect(counter.opened).toBeGreaterThan(1);
    } finally {
      await counter.close();
    }
  });

  test('makes maxAttempts attempts of a request that keeps failing, then reports it', async () => {
    const proxy = await startFaultProxy({ target: endpoint(), faults: [{ kind: 'serverError', operations: ['GetItem'] }] });
    try {
      const db = onPreset(name, proxy.endpoint);
      const error = await db.model(Note).get({ id: 'never' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DynamoDBError);
      expect(proxy.stats.byOperation.GetItem?.requests).toBe(presets[name]().maxAttempts);
    } finally {
      await proxy.stop();
    }
  });
});
