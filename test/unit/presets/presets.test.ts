/**
 * Presets and mergeConfig: each preset is a configuration every Database accepts, overrides merge
 * over it without wiping nested settings, and its settings reach the SDK client DynamORM builds (the
 * real NodeHttpHandler, https.Agent and retry strategy, inspected without sending anything).
 */
import { Agent as HttpsAgent } from 'node:https';
import { describe, expect, test } from 'vitest';
import type { DynamORMConfig } from '../../../src/config.js';
import { resolveConfig } from '../../../src/config.js';
import { Database, type Middleware } from '../../../src/index.js';
import { lambda, LOCAL_CREDENTIALS, LOCAL_ENDPOINT, localDevelopment, mergeConfig, production } from '../../../src/presets/index.js';

const LAMBDA_ENV = { AWS_LAMBDA_FUNCTION_NAME: 'fn', AWS_REGION: 'eu-west-1' };
const presets = { localDevelopment, production, lambda } as const;

/** The options the SDK's NodeHttpHandler was built with, once it has resolved them (no request needed). */
async function handlerConfig(db: Database): Promise<{ httpsAgent: HttpsAgent; requestTimeout?: number; connectionTimeout?: number; throwOnRequestTimeout?: boolean }> {
  const handler = db.client.config.requestHandler as unknown as { configProvider: Promise<never> };
  return handler.configProvider;
}

describe.each(Object.entries(presets))('%s()', (name, preset) => {
  test('is accepted by resolveConfig in and out of Lambda, and its time-outs win over the defaults', () => {
    for (const env of [{}, LAMBDA_ENV]) {
      const config = preset();
      const resolved = resolveConfig(config, env);
      expect(resolved.requestTimeoutMs).toBe(config.requestTimeoutMs);
      expect(resolved.connectTimeoutMs).toBe(config.connectTimeoutMs);
      expect(resolved.maxAttempts).toBe(config.maxAttempts);
    }
  });

  test('keeps connections alive, with TLS 1.2 at least, and a bounded pool', () => {
    const handler = preset().clientConfig?.requestHandler as { httpAgent: Record<string, unknown>; httpsAgent: Record<string, unknown> };
    for (const agent of [handler.httpAgent, handler.httpsAgent]) {
      expect(agent.keepAlive).toBe(true);
      expect(Number.isSafeInteger(agent.maxSockets) && (agent.maxSockets as number) > 0).toBe(true);
    }
    expect(handler.httpsAgent.minVersion).toBe('TLSv1.2');
    expect(preset().clientConfig?.retryMode).toBe('standard');
  });

  test('reaches the SDK client: agent, time-outs, attempts and retry mode', async () => {
    const config = preset({ endpoint: name === 'localDevelopment' ? undefined : 'https://dynamodb.eu-west-1.amazonaws.com' });
    const db = Database.create(config);
    try {
      const handler = await handlerConfig(db);
      const agentOptions = (config.clientConfig?.requestHandler as { httpsAgent: { maxSockets: number } }).httpsAgent;
      expect(handler.httpsAgent).toBeInstanceOf(HttpsAgent);
      expect(handler.httpsAgent.maxSockets).toBe(agentOptions.maxSockets);
      expect((handler.httpsAgent as unknown as { keepAlive: boolean }).keepAlive).toBe(true);
      expect((handler.httpsAgent as unknown as { options: { minVersion: string } }).options.minVersion).toBe('TLSv1.2');
      expect(handler).toMatchObject({ requestTimeout: config.requestTimeoutMs, connectionTimeout: config.connectTimeoutMs, throwOnRequestTimeout: true });
      expect(await db.client.config.maxAttempts()).toBe(config.maxAttempts);
      expect(((await db.client.config.retryStrategy()) as { mode?: string }).mode).toBe('standard');
    } finally {
      db.destroy();
    }
  });

  test('takes overrides, merged over it', () => {
    const config = preset({ maxAttempts: 7, clientConfig: { requestHandler: { httpsAgent: { maxSockets: 3 } } } });
    expect(config.maxAttempts).toBe(7);
    expect(config.requestTimeoutMs).toBe(preset().requestTimeoutMs);
    expect(config.clientConfig?.retryMode).toBe('standard');
    expect((config.clientConfig?.requestHandler as { httpsAgent: unknown }).httpsAgent).toEqual({ keepAlive: true, maxSockets: 3, minVersion: 'TLSv1.2' });
  });
});

describe('the presets differ where their places differ', () => {
  test('localDevelopment: DynamoDB Local on this machine, fixed local credentials and region', () => {
    expect(localDevelopment()).toMatchObject({ endpoint: LOCAL_ENDPOINT, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    expect(new URL(LOCAL_ENDPOINT).hostname).toBe('localhost');
  });

  test('production and lambda leave endpoint, region and credentials to the environment', () => {
    for (const config of [production(), lambda()]) {
      expect(config.endpoint).toBeUndefined();
      expect(config.region).toBeUndefined();
      expect(config.credentials).toBeUndefined();
    }
  });

  test('lambda() bounds each attempt where the core default in Lambda does not', () => {
    expect(resolveConfig({}, LAMBDA_ENV).requestTimeoutMs).toBeUndefined();
    expect(resolveConfig(lambda(), LAMBDA_ENV).requestTimeoutMs).toBe(lambda().requestTimeoutMs);
  });
});

describe('mergeConfig', () => {
  test('later wins; undefined does not erase', () => {
    expect(mergeConfig({ region: 'a', tablePrefix: 'p-' }, { region: 'b', tablePrefix: undefined }, undefined)).toEqual({ region: 'b', tablePrefix: 'p-' });
    expect(mergeConfig()).toEqual({});
  });

  test('nested options merge key by key: clientConfig, requestHandler, its agents, batchRetry', () => {
    const merged = mergeConfig(
      { batchRetry: { maxAttempts: 3 }, clientConfig: { retryMode: 'standard', requestHandler: { socketTimeout: 5, httpsAgent: { keepAlive: true, maxSockets: 5 } } } },
      { batchRetry: { baseDelayMs: 10 }, clientConfig: { requestHandler: { httpsAgent: { maxSockets: 9 } } } },
    );
    expect(merged).toEqual({
      batchRetry: { maxAttempts: 3, baseDelayMs: 10 },
      clientConfig: { retryMode: 'standard', requestHandler: { socketTimeout: 5, httpsAgent: { keepAlive: true, maxSockets: 9 } } },
    });
  });

  test('objects that are not plain options replace: an agent, a handler, arrays', () => {
    const agent = new HttpsAgent({ keepAlive: true });
    const handler = { handle: () => Promise.resolve({ response: {} }) };
    const mw: Middleware = (request, next) => next(request);
    try {
      const withAgent = mergeConfig(production(), { clientConfig: { requestHandler: { httpsAgent: agent } } });
      expect((withAgent.clientConfig?.requestHandler as { httpsAgent: unknown }).httpsAgent).toBe(agent);
      const withHandler = mergeConfig(production(), { clientConfig: { requestHandler: handler } } as DynamORMConfig);
      expect(withHandler.clientConfig?.requestHandler).toBe(handler);
      expect(mergeConfig({ middleware: [mw, mw] }, { middleware: [mw] }).middleware).toHaveLength(1);
    } finally {
      agent.destroy();
    }
  });

  test('does not change its arguments', () => {
    const base = production();
    const before = JSON.stringify(base);
    mergeConfig(base, { clientConfig: { requestHandler: { httpsAgent: { maxSockets: 1 } } } });
    expect(JSON.stringify(base)).toBe(before);
  });
});
