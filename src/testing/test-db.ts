/**
 * `createTestDB()`: a database for one test file, on the DynamoDB named by `DYNAMODB_ENDPOINT` or on
 * a DynamoDB Local started once per test worker (process) on a free port, so parallel jobs never fight
 * over port 8000. Each call gets its own table prefix, creates its models' tables and deletes them
 * again in `destroy()`. It uses no test-runner API, so it works the same under vitest, jest and node:test.
 */
import { randomUUID } from 'node:crypto';
import { DynamORM } from '../dynamorm.js';
import type { DynamORMConfig } from '../config.js';
import type { AnyModel } from '../model/model.js';
import { startLocalDynamoDB, type LocalDynamoDB } from './local-dynamodb.js';

/** Options of {@link createTestDB}. */
export interface TestDBOptions {
  /** Models whose tables are created (models sharing a table get one table). */
  readonly models?: readonly AnyModel[];
  /** Configuration merged over the test defaults (endpoint, region, local credentials, a unique table prefix). */
  readonly config?: DynamORMConfig;
}

/** A test database. */
export interface TestDB {
  /** The database, with every feature method. */
  readonly db: DynamORM;
  /** The endpoint in use (`DYNAMODB_ENDPOINT`, or the worker's DynamoDB Local). */
  readonly endpoint: string;
  /** The table prefix of this test database (unique per call). */
  readonly tablePrefix: string;
  /** Deletes the tables this call created and closes the client. The worker's DynamoDB Local keeps running for the next file and stops when the process exits. */
  destroy(): Promise<void>;
}

/** Credentials DynamoDB Local accepts (it keeps one database per access key and region). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

let workerLocal: Promise<LocalDynamoDB> | undefined;

/** The worker's DynamoDB Local, started on first use and stopped when the process exits. */
function localEndpoint(): Promise<string> {
  // It does not keep the worker alive, and is killed when the worker exits.
  workerLocal ??= startLocalDynamoDB({ keepAlive: false });
  return workerLocal.then((local) => local.endpoint);
}

/**
 * A database for a test file: its own table prefix, the tables of `models` created (and deleted by
 * `destroy()`).
 *
 * ```ts
 * const t = await createTestDB({ models: [Payment] });
 * afterAll(() => t.destroy());
 * await t.db.model(Payment).create({ id: 'p1', amount: 1250 });
 * ```
 */
export async function createTestDB(options: TestDBOptions = {}): Promise<TestDB> {
  const endpoint = process.env.DYNAMODB_ENDPOINT || (await localEndpoint());
  const tablePrefix = options.config?.tablePrefix ?? `test-${randomUUID().slice(0, 8)}-`;
  const db = DynamORM.create({ endpoint, region: process.env.AWS_REGION || 'us-east-1', credentials: LOCAL_CREDENTIALS, ...options.config, tablePrefix });
  const byTable = new Map<string, AnyModel[]>();
  for (const m of options.models ?? []) byTable.set(db.tableName(m), [...(byTable.get(db.tableName(m)) ?? []), m]);
  const created: AnyModel[] = [];
  try {
    for (const models of byTable.values()) {
      await db.tables.create(models);
      created.push(models[0] as AnyModel);
    }
  } catch (error) {
    await Promise.allSettled(created.map((m) => db.tables.delete(m)));
    db.destroy();
    throw error;
  }
  return {
    db,
    endpoint,
    tablePrefix,
    async destroy() {
      await Promise.allSettled(created.map((m) => db.tables.delete(m)));
      db.destroy();
    },
  };
}
