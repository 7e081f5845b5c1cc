/**
 * A real `redis-server` for the cache tests: started on a free port with no persistence, stopped by
 * `stop()`. `.ci/run` installs it from Debian's packages; without it the tests fail (they must not
 * pass by skipping what they are there to prove).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createClient } from 'redis';

/** A running redis-server and a connected node-redis client to it. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Connects a new client (closed by `stop()`). */
  client(): Promise<ReturnType<typeof createClient>>;
  /** Closes the clients and stops the server. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Starts redis-server (with `args` added, e.g. `--maxmemory`); throws (failing the test) when it is not installed. */
export async function startRedis(args: readonly string[] = []): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error('redis-server is not installed: run .ci/run (it installs it from Debian packages: apt-get install redis-server)');
  }
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = `redis://127.0.0.1:${port}`;
  const clients: ReturnType<typeof createClient>[] = [];
  const connect = async () => {
    const client = createClient({ url, socket: { reconnectStrategy: false } });
    client.on('error', () => {});
    await client.connect();
    clients.push(client);
    return client;
  };
  // Ready when it answers PING.
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    try {
      const probe = createClient({ url, socket: { reconnectStrategy: false } });
      probe.on('error', () => {});
      await probe.connect();
      await probe.ping();
      await probe.close();
      break;
    } catch (error) {
      if (Date.now() - started > 10_000) {
        child.kill();
        throw new Error(`redis-server did not answer on port ${port}`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    port,
    client: connect,
    async stop() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
