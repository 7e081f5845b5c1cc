/**
 * The secure defaults every Database gets from resolveConfig (src/config.ts), whether or not it uses
 * a preset: one error listing every problem (a fast-check property), HTTPS for every endpoint off this
 * machine including the ones the SDK reads on its own, TLS 1.2 at least on the agent DynamORM builds,
 * certificates verified, and requests always signed. The SDK objects are inspected, nothing is sent.
 */
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, resolveConfig, type DynamORMConfig } from '../../../src/config.js';
import { ConfigurationError, Database } from '../../../src/index.js';

function refusal(config: DynamORMConfig, env: NodeJS.ProcessEnv = {}): ConfigurationError {
  try {
    resolveConfig(config, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('resolveConfig accepted the configuration');
}

/** Handler options of the resolved client configuration. */
const handlerOf = (config: DynamORMConfig, env: NodeJS.ProcessEnv = {}) =>
  resolveConfig(config, env).clientConfig?.requestHandler as Record<string, unknown> & { httpsAgent: Record<string, unknown> };

describe('one error lists every problem', () => {
  /** Options each wrong in its own way, with a word the message must contain. */
  const WRONG: readonly (readonly [Partial<Record<keyof DynamORMConfig, unknown>>, string])[] = [
    [{ endpoint: 'http://db.example.com' }, 'endpoint'],
    [{ maxAttempts: 0 }, 'maxAttempts'],
    [{ requestTimeoutMs: -1 }, 'requestTimeoutMs'],
    [{ connectTimeoutMs: Number.NaN }, 'connectTimeoutMs'],
    [{ cursorSecret: 'short' }, 'cursorSecret'],
    [{ clientConfig: { signer: { sign: async (r: unknown) => r } } }, 'signer'],
    [{ clientConfig: { requestHandler: { httpsAgent: { minVersion: 'TLSv1' } } } }, 'TLS 1.2'],
  ];

  test('for any set of wrong options', () => {
    fc.assert(
      fc.property(fc.subarray([...WRONG.keys()], { minLength: 1 }), (picked) => {
        // Options that set the same key (clientConfig) cannot both be given: keep the first of each.
        const chosen = picked.filter((i, n) => !picked.slice(0, n).some((j) => Object.keys(WRONG[j]![0])[0] === Object.keys(WRONG[i]![0])[0]));
        const config = Object.assign({}, ...chosen.map((i) => WRONG[i]![0])) as DynamORMConfig;
        const error = refusal(config);
        for (const i of chosen) expect(error.message).toContain(WRONG[i]![1]);
        if (chosen.length > 1) expect(error.message.startsWith(`${chosen.length} problems in the configuration: `)).toBe(true);
        else expect(error.message).not.toMatch(/problems in the configuration/);
      }),
    );
  });
});

describe('HTTPS off this machine', () => {
  test('for the endpoints the SDK would read on its own', () => {
    expect(refusal({}, { AWS_ENDPOINT_URL_DYNAMODB: 'http://10.0.0.9:8000' }).message).toMatch(/^AWS_ENDPOINT_URL_DYNAMODB http:\/\/10\.0\.0\.9:8000 uses plain HTTP/);
    // The service's own variable is the one the SDK uses when both are set.
    expect(refusal({}, { AWS_ENDPOINT_URL_DYNAMODB: 'http://10.0.0.9', AWS_ENDPOINT_URL: 'https://x.example.com' }).message).toMatch(/^AWS_ENDPOINT_URL_DYNAMODB/);
    expect(() => resolveConfig({}, { AWS_ENDPOINT_URL_DYNAMODB: 'https://x.example.com', AWS_ENDPOINT_URL: 'http://10.0.0.9' })).not.toThrow();
    expect(refusal({}, { AWS_ENDPOINT_URL: 'http://10.0.0.9' }).message).toMatch(/^AWS_ENDPOINT_URL http/);
    expect(refusal({}, { AWS_ENDPOINT_URL: 'nonsense' }).message).toMatch(/^AWS_ENDPOINT_URL is not a URL/);
    expect(() => resolveConfig({}, { AWS_ENDPOINT_URL: 'http://localhost:8000' })).not.toThrow();
    expect(() => resolveConfig({ allowInsecureEndpoint: true }, { AWS_ENDPOINT_URL: 'http://10.0.0.9' })).not.toThrow();
  });

  test('not for SDK endpoints it will not use: an explicit endpoint, ignored configured endpoints, a client of your own', () => {
    const env = { AWS_ENDPOINT_URL_DYNAMODB: 'http://10.0.0.9' };
    expect(() => resolveConfig({ endpoint: 'https://dynamodb.eu-west-1.amazonaws.com' }, env)).not.toThrow();
    expect(() => resolveConfig({}, { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })).not.toThrow();
    expect(() => resolveConfig({ clientConfig: { ignoreConfiguredEndpointUrls: true } }, env)).not.toThrow();
    const db = Database.create({ endpoint: 'http://127.0.0.1:1' });
    try {
      expect(() => resolveConfig({ client: db.client }, env)).not.toThrow();
    } finally {
      db.destroy();
    }
  });

  test('for an endpoint given in clientConfig, which must be a URL string', () => {
    expect(refusal({ clientConfig: { endpoint: 'http://db.example.com' } }).message).toMatch(/^clientConfig\.endpoint http:\/\/db\.example\.com uses plain HTTP/);
    expect(refusal({ clientConfig: { endpoint: { protocol: 'http:', hostname: 'db.example.com', path: '/' } } }).message).toMatch(/^clientConfig\.endpoint is not a URL/);
    expect(() => resolveConfig({ clientConfig: { endpoint: 'https://db.example.com' } }, {})).not.toThrow();
  });

  test('never shows the path or credentials of an endpoint URL', () => {
    const message = refusal({ endpoint: 'http://user:pa55word@db.example.com/token-123' }).message;
    expect(message).toContain('http://db.example.com');
    expect(message).not.toMatch(/pa55word|token-123|user/);
  });
});

describe('TLS 1.2 at least, certificates verified', () => {
  test('the client DynamORM builds gets minVersion TLSv1.2 and the time-outs, with or without options of yours', async () => {
    expect(handlerOf({})).toEqual({
      requestTimeout: DEFAULT_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
      connectionTimeout: DEFAULT_CONNECT_TIMEOUT_MS,
      httpsAgent: { minVersion: 'TLSv1.2' },
    });
    // In Lambda: no time-outs by default (the deadline governs), the TLS floor all the same.
    expect(handlerOf({}, { AWS_LAMBDA_FUNCTION_NAME: 'fn' })).toEqual({ httpsAgent: { minVersion: 'TLSv1.2' } });
    // Options of yours are kept; DynamORM's time-outs win over the same ones there.
    expect(handlerOf({ requestTimeoutMs: 900, clientConfig: { requestHandler: { requestTimeout: 5, socketTimeout: 7, httpsAgent: { maxSockets: 3 } } } })).toEqual({
      requestTimeout: 900,
      throwOnRequestTimeout: true,
      connectionTimeout: DEFAULT_CONNECT_TIMEOUT_MS,
      socketTimeout: 7,
      httpsAgent: { minVersion: 'TLSv1.2', maxSockets: 3 },
    });
    // The real agent the SDK builds from them.
    const db = Database.create({ endpoint: 'https://dynamodb.eu-west-1.amazonaws.com' });
    try {
      const handler = db.client.config.requestHandler as unknown as { configProvider: Promise<{ httpsAgent: HttpsAgent }> };
      const { httpsAgent } = await handler.configProvider;
      expect((httpsAgent as unknown as { options: Record<string, unknown> }).options).toMatchObject({ minVersion: 'TLSv1.2', keepAlive: true });
    } finally {
      db.destroy();
    }
  });

  test.each(['TLSv1', 'TLSv1.1'])('refuses minVersion %s', (minVersion) => {
    expect(refusal({ clientConfig: { requestHandler: { httpsAgent: { minVersion } } } }).message).toBe('the HTTPS agent must verify certificates, with TLS 1.2 at least');
  });

  test('accepts TLSv1.3, and keeps it', () => {
    expect(handlerOf({ clientConfig: { requestHandler: { httpsAgent: { minVersion: 'TLSv1.3' } } } }).httpsAgent.minVersion).toBe('TLSv1.3');
  });

  test('refuses an agent that does not verify certificates', () => {
    expect(refusal({ clientConfig: { requestHandler: { httpsAgent: { rejectUnauthorized: false } } } }).message).toMatch(/verify certificates/);
  });

  test('uses a handler or an agent object of your own as it is', () => {
    const agent = new HttpsAgent({ keepAlive: true });
    const handler = new NodeHttpHandler({ requestTimeout: 100 });
    try {
      expect(handlerOf({ clientConfig: { requestHandler: { httpsAgent: agent } } }).httpsAgent).toBe(agent);
      expect(resolveConfig({ clientConfig: { requestHandler: handler } }, {}).clientConfig?.requestHandler).toBe(handler);
    } finally {
      agent.destroy();
      handler.destroy();
    }
  });
});

describe('requests always signed', () => {
  test.each(['signer', 'httpAuthSchemes', 'httpAuthSchemeProvider'])('refuses clientConfig.%s, with no opt-out', (key) => {
    const config = { allowInsecureEndpoint: true, clientConfig: { [key]: key === 'httpAuthSchemes' ? [] : () => ({}) } } as DynamORMConfig;
    expect(refusal(config).message).toMatch(/DynamORM always signs requests/);
  });
});
