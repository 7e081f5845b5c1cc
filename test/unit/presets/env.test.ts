/**
 * configFromEnv: each variable reaches its option, unset and empty variables leave no trace, and a
 * bad environment fails with one ConfigurationError that names every bad variable (a fast-check
 * property over any set of mistakes) without repeating any value. Pure: no client, no DynamoDB.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { resolveConfig } from '../../../src/config.js';
import { ConfigurationError, Database } from '../../../src/index.js';
import { configFromEnv, ENVIRONMENT_VARIABLES, lambda, mergeConfig } from '../../../src/presets/index.js';

/** The error configFromEnv throws for `env`, or a failure when it does not throw. */
function failure(env: NodeJS.ProcessEnv): ConfigurationError {
  try {
    configFromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error(`configFromEnv accepted ${JSON.stringify(env)}`);
}

const SECRET = 'a-cursor-secret-of-more-than-32-characters';

describe('configFromEnv reads', () => {
  test('nothing from an empty environment, and treats empty variables as unset', () => {
    expect(configFromEnv({})).toEqual({});
    const empty = Object.fromEntries(ENVIRONMENT_VARIABLES.filter((v) => v.name !== 'DYNAMORM_TABLE_PREFIX').map((v) => [v.name, '']));
    expect(configFromEnv(empty)).toEqual({});
  });

  test('every variable into its option', () => {
    const config = configFromEnv({
      DYNAMODB_ENDPOINT: 'https://dynamodb.eu-west-1.amazonaws.com',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'us-west-2',
      DYNAMORM_TABLE_PREFIX: 'staging-',
      DYNAMORM_CURSOR_SECRET: SECRET,
      DYNAMORM_REQUEST_TIMEOUT_MS: '1500',
      DYNAMORM_CONNECT_TIMEOUT_MS: ' 700 ',
      AWS_MAX_ATTEMPTS: '5',
      AWS_RETRY_MODE: 'adaptive',
      DYNAMORM_MAX_SOCKETS: '64',
      DYNAMORM_BATCH_CONCURRENCY: '6',
      DYNAMORM_PAGE_SIZE: '250',
      DYNAMORM_ALLOW_INSECURE_ENDPOINT: 'false',
    });
    expect(config).toEqual({
      endpoint: 'https://dynamodb.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      tablePrefix: 'staging-',
      cursorSecret: SECRET,
      requestTimeoutMs: 1500,
      connectTimeoutMs: 700,
      maxAttempts: 5,
      batchConcurrency: 6,
      pageSize: 250,
      clientConfig: { retryMode: 'adaptive', requestHandler: { httpAgent: { maxSockets: 64 }, httpsAgent: { maxSockets: 64 } } },
    });
  });

  test('AWS_DEFAULT_REGION when AWS_REGION is unset; none as no time-out; an empty table prefix', () => {
    expect(configFromEnv({ AWS_DEFAULT_REGION: 'ap-south-1' })).toEqual({ region: 'ap-south-1' });
    expect(configFromEnv({ DYNAMORM_REQUEST_TIMEOUT_MS: 'none', DYNAMORM_CONNECT_TIMEOUT_MS: 'NONE' })).toEqual({ requestTimeoutMs: false, connectTimeoutMs: false });
    // An empty prefix is a prefix: it overrides a preset's.
    expect(configFromEnv({ DYNAMORM_TABLE_PREFIX: '' })).toEqual({ tablePrefix: '' });
  });

  test('the opt-out for plain HTTP off this machine, loudly named, and only with true or 1', () => {
    const env = { DYNAMODB_ENDPOINT: 'http://dynamodb-local:8000' };
    expect(failure(env).message).toMatch(/^DYNAMODB_ENDPOINT: endpoint http:\/\/dynamodb-local:8000 uses plain HTTP .*DYNAMORM_ALLOW_INSECURE_ENDPOINT=true/);
    expect(configFromEnv({ ...env, DYNAMORM_ALLOW_INSECURE_ENDPOINT: 'true' })).toMatchObject({ endpoint: env.DYNAMODB_ENDPOINT, allowInsecureEndpoint: true });
    expect(configFromEnv({ ...env, DYNAMORM_ALLOW_INSECURE_ENDPOINT: '1' }).allowInsecureEndpoint).toBe(true);
    expect(failure({ ...env, DYNAMORM_ALLOW_INSECURE_ENDPOINT: 'yes' }).message).toMatch(/DYNAMORM_ALLOW_INSECURE_ENDPOINT must be true or false/);
    // Loopback needs no opt-out.
    expect(configFromEnv({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' })).toEqual({ endpoint: 'http://127.0.0.1:8000' });
  });

  test('what it returns is a configuration Database.create accepts, and merges over a preset', () => {
    const env = { AWS_REGION: 'eu-west-1', AWS_MAX_ATTEMPTS: '2', DYNAMORM_MAX_SOCKETS: '8', DYNAMORM_REQUEST_TIMEOUT_MS: '900' };
    const merged = mergeConfig(lambda(), configFromEnv(env));
    expect(merged).toMatchObject({ region: 'eu-west-1', maxAttempts: 2, requestTimeoutMs: 900, connectTimeoutMs: lambda().connectTimeoutMs });
    // The preset's connection settings stay; the environment's maxSockets wins.
    expect(merged.clientConfig?.requestHandler).toEqual({
      httpAgent: { keepAlive: true, maxSockets: 8 },
      httpsAgent: { keepAlive: true, maxSockets: 8, minVersion: 'TLSv1.2' },
    });
    expect(merged.clientConfig?.retryMode).toBe('standard');
    const db = Database.create(merged);
    expect(db.config).toMatchObject({ region: 'eu-west-1', maxAttempts: 2, requestTimeoutMs: 900 });
  });
});

/** A variable set to a value it refuses, and the variable the message must name. */
interface Mistake {
  readonly name: string;
  readonly value: string;
}

/** Bad values per variable; each holds `<v>` where a random marker goes, to prove it is never shown. */
const MISTAKES: Readonly<Record<string, readonly string[]>> = {
  DYNAMODB_ENDPOINT: ['not a url <v>', 'ftp://<v>.example.com', 'http://db.example.com/<v>', 'http://user:<v>@db.example.com'],
  AWS_REGION: ['EU WEST <v>', 'eu_west_<v>'],
  DYNAMORM_TABLE_PREFIX: ['pre fix<v>', 'tables/<v>'],
  DYNAMORM_CURSOR_SECRET: ['<v>'],
  DYNAMORM_REQUEST_TIMEOUT_MS: ['0', '-5', '1.5', '<v>ms', 'infinite<v>'],
  DYNAMORM_CONNECT_TIMEOUT_MS: ['0', '<v>', '10s<v>'],
  AWS_MAX_ATTEMPTS: ['0', 'three<v>', '2.5'],
  AWS_RETRY_MODE: ['legacy', 'Adaptive<v>'],
  DYNAMORM_MAX_SOCKETS: ['0', 'many<v>'],
  DYNAMORM_BATCH_CONCURRENCY: ['-1', '<v>'],
  DYNAMORM_PAGE_SIZE: ['0', 'all<v>'],
  DYNAMORM_ALLOW_INSECURE_ENDPOINT: ['maybe<v>', 'on'],
};

const mistake = fc.constantFrom(...Object.keys(MISTAKES)).chain((name) => fc.constantFrom(...(MISTAKES[name] ?? [])).map((value) => ({ name, value })));
/** A marker with no digits, so it cannot occur by chance in a message (or in a number). */
const marker = fc.stringMatching(/^[a-z]{12}$/).map((s) => `Q${s}Z`);

describe('configFromEnv refuses', () => {
  test('any set of mistakes with one error that names every bad variable, and shows no value', () => {
    fc.assert(
      fc.property(fc.uniqueArray(mistake, { minLength: 1, maxLength: 12, selector: (m: Mistake) => m.name }), marker, (mistakes, mark) => {
        const env = Object.fromEntries(mistakes.map((m) => [m.name, m.value.replace('<v>', mark)]));
        const error = failure(env);
        for (const { name } of mistakes) expect(error.message).toContain(name);
        if (mistakes.length > 1) expect(error.message).toMatch(new RegExp(`^${mistakes.length} problems in the configuration: `));
        expect(error.message).not.toContain(mark);
        expect(JSON.stringify(error)).not.toContain(mark);
        expect(error.code).toBe('CONFIG');
      }),
      { numRuns: 300 },
    );
  });

  test('a short cursor secret, named by its variable, without showing it', () => {
    const error = failure({ DYNAMORM_CURSOR_SECRET: 'hunter2-hunter2' });
    expect(error.message).toBe('DYNAMORM_CURSOR_SECRET: cursorSecret must be at least 32 characters');
  });

  test('a misspelt variable, with the name it probably meant', () => {
    expect(failure({ DYNAMORM_TABLE_PREFX: 'staging-' }).message).toBe('DYNAMORM_TABLE_PREFX is not a variable DynamORM reads; did you mean DYNAMORM_TABLE_PREFIX?');
    expect(failure({ DYNAMODB_ENDPIONT: 'http://localhost:8000' }).message).toMatch(/did you mean DYNAMODB_ENDPOINT\?/);
    // Variables of other tools, or far from any DynamORM reads, are left alone.
    expect(configFromEnv({ DYNAMODB_TABLE: 'x', DYNAMORM_AUDIT_TABLE: 'y', AWS_PROFILE: 'dev' })).toEqual({});
  });

  test('the endpoints the SDK reads on its own (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL) by the same rules', () => {
    expect(failure({ AWS_ENDPOINT_URL_DYNAMODB: 'http://10.1.2.3:8000' }).message).toMatch(/^AWS_ENDPOINT_URL_DYNAMODB http:\/\/10\.1\.2\.3:8000 uses plain HTTP/);
    expect(failure({ AWS_ENDPOINT_URL: 'http://10.1.2.3:8000' }).message).toMatch(/^AWS_ENDPOINT_URL http/);
    expect(configFromEnv({ AWS_ENDPOINT_URL_DYNAMODB: 'http://localhost:8000' })).toEqual({});
  });

  test('a problem of the variables and one of the configuration in the same error', () => {
    const error = failure({ AWS_MAX_ATTEMPTS: 'x', DYNAMODB_ENDPOINT: 'http://db.internal', DYNAMORM_CURSOR_SECRET: 'short' });
    expect(error.message.startsWith('3 problems in the configuration: ')).toBe(true);
    expect(error.message).toContain('AWS_MAX_ATTEMPTS must be a whole number from 1');
    expect(error.message).toContain('DYNAMODB_ENDPOINT: endpoint http://db.internal uses plain HTTP');
    expect(error.message).toContain('DYNAMORM_CURSOR_SECRET: cursorSecret must be at least 32 characters');
  });

  test('what the core refuses, whichever way the configuration came', () => {
    // The same checks run in resolveConfig for every Database; configFromEnv only names the variable.
    expect(() => resolveConfig({ cursorSecret: 'short' }, {})).toThrow('cursorSecret must be at least 32 characters');
    expect(() => Database.create({ endpoint: 'http://db.internal' })).toThrow(ConfigurationError);
  });
});
