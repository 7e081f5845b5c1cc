/**
 * Configuration from options and the environment, secure endpoint defaults, lazy client creation and
 * the middleware chain. Nothing here needs DynamoDB: the innermost middleware answers instead, and
 * the laziness check counts TCP connections to a socket that is never DynamoDB.
 */
import { createServer, type Server } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, test } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import {
  attr,
  DynamoDBError,
  DynamORM,
  DynamORMError,
  model,
  TimeoutError,
  ValidationError,
  type DynamORMRequest,
  type Middleware,
} from '../../src/index.js';

const Thing = model('Thing', { table: 'things', attributes: { id: attr.string().partitionKey(), n: attr.integer().optional() } });

describe('resolveConfig', () => {
  test('reads DYNAMODB_ENDPOINT, AWS_REGION and DYNAMORM_TABLE_PREFIX', () => {
    const config = resolveConfig({}, { DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', AWS_REGION: 'eu-west-1', DYNAMORM_TABLE_PREFIX: 'staging-' });
    expect(config).toMatchObject({ endpoint: 'http://127.0.0.1:8000', region: 'eu-west-1', tablePrefix: 'staging-' });
  });

  test('explicit options win over the environment', () => {
    const env = { DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', AWS_REGION: 'eu-west-1', DYNAMORM_TABLE_PREFIX: 'staging-' };
    const config = resolveConfig({ endpoint: 'https://dynamodb.example.com', region: 'ap-south-1', tablePrefix: '' }, env);
    expect(config).toMatchObject({ endpoint: 'https://dynamodb.example.com', region: 'ap-south-1', tablePrefix: '' });
  });

  test('defaults: AWS_DEFAULT_REGION, then us-east-1; no endpoint; no prefix', () => {
    expect(resolveConfig({}, { AWS_DEFAULT_REGION: 'us-west-2' }).region).toBe('us-west-2');
    expect(resolveConfig({}, { AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'us-west-2' }).region).toBe('eu-central-1');
    const config = resolveConfig({}, {});
    expect(config.region).toBe('us-east-1');
    expect(config.endpoint).toBeUndefined();
    expect(config.tablePrefix).toBe('');
    expect(config.middleware).toEqual([]);
  });

  test('empty environment values count as unset', () => {
    const config = resolveConfig({}, { DYNAMODB_ENDPOINT: '', AWS_REGION: '' });
    expect(config.endpoint).toBeUndefined();
    expect(config.region).toBe('us-east-1');
  });

  test.each(['http://localhost:8000', 'http://LOCALHOST:8000', 'http://127.0.0.1:8000', 'http://127.8.9.10', 'http://[::1]:8000', 'https://dynamodb.eu-west-1.amazonaws.com'])(
    'accepts %s',
    (endpoint) => {
      expect(resolveConfig({ endpoint }, {}).endpoint).toBe(endpoint);
    },
  );

  test.each(['http://dynamodb.example.com', 'http://10.0.0.5:8000', 'http://localhost.example.com:8000', 'http://127.0.0.1.nip.io'])(
    'refuses plain HTTP outside this machine: %s',
    (endpoint) => {
      const error = (() => {
        try {
          resolveConfig({ endpoint }, {});
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(DynamORMError);
      expect(error).toMatchObject({ code: 'CONFIG', name: 'ConfigurationError' });
      expect((error as Error).message).toMatch(/allowInsecureEndpoint/);
      // The same endpoint from the environment is refused too, and allowed on request.
      expect(() => resolveConfig({}, { DYNAMODB_ENDPOINT: endpoint })).toThrow(/plain HTTP/);
      expect(resolveConfig({ endpoint, allowInsecureEndpoint: true }, {}).endpoint).toBe(endpoint);
    },
  );

  test('refuses an endpoint that is not an HTTP(S) URL', () => {
    expect(() => resolveConfig({}, { DYNAMODB_ENDPOINT: 'not a url' })).toThrow(/not a URL/);
    // A forgotten scheme still parses as a URL (scheme `localhost:`).
    expect(() => resolveConfig({ endpoint: 'localhost:8000' }, {})).toThrow(/must start with https:\/\//);
    expect(() => resolveConfig({ endpoint: 'ftp://127.0.0.1' }, {})).toThrow(DynamORMError);
  });

  test('maxAttempts and requestTimeoutMs are checked', () => {
    expect(resolveConfig({ maxAttempts: 1, requestTimeoutMs: 250 }, {})).toMatchObject({ maxAttempts: 1, requestTimeoutMs: 250 });
    for (const bad of [{ maxAttempts: 0 }, { maxAttempts: 1.5 }, { requestTimeoutMs: 0 }, { requestTimeoutMs: Number.NaN }, { requestTimeoutMs: -5 }]) {
      expect(() => resolveConfig(bad, {}), JSON.stringify(bad)).toThrow(/maxAttempts|requestTimeoutMs/);
    }
  });

  test('maxAttempts and requestTimeoutMs are refused with a client of your own, which they would not change', () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    try {
      expect(() => resolveConfig({ client, maxAttempts: 2 }, {})).toThrow(/your own client/);
      expect(() => resolveConfig({ client, requestTimeoutMs: 100 }, {})).toThrow(/your own client/);
      expect(resolveConfig({ client }, {}).client).toBe(client);
    } finally {
      client.destroy();
    }
  });
});

describe('DynamORM.create', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of ['DYNAMODB_ENDPOINT', 'AWS_REGION', 'DYNAMORM_TABLE_PREFIX']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  test('reads the environment when called, not at import', () => {
    process.env.DYNAMODB_ENDPOINT = 'http://127.0.0.1:1';
    process.env.AWS_REGION = 'sa-east-1';
    process.env.DYNAMORM_TABLE_PREFIX = 'late-';
    const db = DynamORM.create();
    expect(db.config).toMatchObject({ endpoint: 'http://127.0.0.1:1', region: 'sa-east-1', tablePrefix: 'late-' });
    expect(db.tableName(Thing)).toBe('late-things');
  });

  test('does no I/O and builds the client on first use, once', async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      socket.destroy(); // not DynamoDB: a request here fails, which is all this test needs
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const db = DynamORM.create({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 2 });
      db.model(Thing);
      expect(db.tables).toBeDefined();
      const client = db.client;
      expect(db.client).toBe(client);
      expect(await client.config.maxAttempts()).toBe(2);
      expect(await client.config.region()).toBe('us-east-1');
      await new Promise((r) => setTimeout(r, 50));
      expect(connections).toBe(0);
      // The first request connects (and fails here: the socket is closed at once), once per attempt.
      await expect(db.model(Thing).get({ id: 'a' })).rejects.toBeInstanceOf(TimeoutError);
      expect(connections).toBe(2);
      db.destroy();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('a client passed in is used as is', () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const db = DynamORM.create({ client });
    expect(db.client).toBe(client);
    client.destroy();
  });
});

describe('middleware', () => {
  /** Innermost middleware standing in for the network: answers GetItem with a stored item. */
  const answer =
    (seen: DynamORMRequest[]): Middleware =>
    async (request) => {
      seen.push(request);
      return { Item: { id: { S: String((request.input.Key as { id: { S: string } }).id.S) }, n: { N: '7' } } };
    };
  const tracer = (name: string, log: string[]): Middleware => async (request, next) => {
    log.push(`${name}>`);
    const out = await next(request);
    log.push(`<${name}`);
    return out;
  };

  test('runs config middleware outermost first, then the ones added with use(), in order', async () => {
    const log: string[] = [];
    const seen: DynamORMRequest[] = [];
    const db = DynamORM.create({ region: 'us-east-1', tablePrefix: 'p-', middleware: [tracer('a', log), tracer('b', log)] });
    db.use(tracer('c', log)).use(tracer('d', log)).use(answer(seen));
    expect(await db.model(Thing).get({ id: 'x' })).toEqual({ id: 'x', n: 7 });
    expect(log).toEqual(['a>', 'b>', 'c>', 'd>', '<d', '<c', '<b', '<a']);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ operation: 'GetItem', model: 'Thing', input: { TableName: 'p-things', Key: { id: { S: 'x' } } } });
  });

  test('may replace the request and the response', async () => {
    const seen: DynamORMRequest[] = [];
    const rewrite: Middleware = async (request, next) => {
      const out = (await next({ ...request, input: { ...request.input, Key: { id: { S: 'swapped' } } } })) as { Item: Record<string, unknown> };
      return { Item: { ...out.Item, n: { N: '8' } } };
    };
    const db = DynamORM.create({ region: 'us-east-1', middleware: [rewrite, answer(seen)] });
    expect(await db.model(Thing).get({ id: 'x' })).toEqual({ id: 'swapped', n: 8 });
    expect(seen[0]?.input.Key).toEqual({ id: { S: 'swapped' } });
  });

  test('runs after validation: bad input never reaches it', async () => {
    const seen: DynamORMRequest[] = [];
    const db = DynamORM.create({ region: 'us-east-1', middleware: [answer(seen)] });
    await expect(db.model(Thing).get({ id: '' })).rejects.toBeInstanceOf(ValidationError);
    expect(seen).toHaveLength(0);
  });

  test('SDK errors thrown inside come back as DynamORM errors; typed and plain errors pass unchanged', async () => {
    const timeout = new TimeoutError('deadline reached');
    const db = DynamORM.create({ region: 'us-east-1', middleware: [() => Promise.reject(timeout)] });
    await expect(db.model(Thing).get({ id: 'x' })).rejects.toBe(timeout);
    const plain = new Error('middleware bug');
    const buggy = DynamORM.create({ region: 'us-east-1', middleware: [() => Promise.reject(plain)] });
    await expect(buggy.model(Thing).get({ id: 'x' })).rejects.toBe(plain);
    const sdkError = Object.assign(new Error('nope'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    const other = DynamORM.create({ region: 'us-east-1', middleware: [() => Promise.reject(sdkError)] });
    const error = await other.model(Thing).get({ id: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDBError);
    expect(error).toMatchObject({ awsCode: 'AccessDeniedException', cause: sdkError });
  });
});
