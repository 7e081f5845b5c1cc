/**
 * The logging plugin on its own (the innermost step stands in for DynamoDB): records carry names,
 * counts and timings and never an item, key or expression value; levels follow the outcome; the
 * logger's level is honoured for pino-, Powertools- and console-shaped loggers; with every level
 * off a request is only passed on (not one property of it is read, no record is built); a throwing
 * logger never breaks a request.
 */
import { describe, expect, test } from 'vitest';
import type { OperationContext } from '../../../src/client/context.js';
import type { DynamORMRequest, Middleware } from '../../../src/config.js';
import { ThrottledError } from '../../../src/errors.js';
import { levelCheck, loggingPlugin, type LoggerLike, type LoggingOptions } from '../../../src/plugins/logging/index.js';
import type { PluginEntries } from '../../../src/plugins/plugin.js';

const CARD = '4111111111111111';
const context: OperationContext = { kind: 'create', model: 'Payment', table: 'payments', now: new Date(0), deadline: undefined, tenant: 'merchant-9', actor: 'u1', partner: undefined };
const putRequest = (): DynamORMRequest => ({
  operation: 'PutItem',
  model: 'Payment',
  context,
  input: {
    TableName: 'payments',
    Item: { id: { S: 'p1' }, card: { S: CARD } },
    ConditionExpression: 'attribute_not_exists(#k0) AND #card <> :v0',
    ExpressionAttributeNames: { '#k0': 'id', '#card': 'card' },
    ExpressionAttributeValues: { ':v0': { S: CARD } },
  },
});

/** A logger that keeps its calls; `level` as pino has it when `pino` is set. */
function recordingLogger(shape: 'pino' | 'powertools' | 'plain', level = 'debug') {
  const calls: { level: string; args: unknown[] }[] = [];
  const at = (name: string) => (...args: unknown[]) => void calls.push({ level: name, args });
  const logger: LoggerLike = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  if (shape === 'pino') Object.assign(logger, { level, levels: { values: { debug: 20 } }, isLevelEnabled: (l: string) => ({ debug: 20, info: 30, warn: 40, error: 50 })[l]! >= ({ debug: 20, info: 30, warn: 40, error: 50, silent: Infinity } as Record<string, number>)[level]! });
  if (shape === 'powertools') Object.assign(logger, { getLevelName: () => level.toUpperCase() });
  return { logger, calls };
}

/** Runs one request through the plugin's middleware; `answer` stands for DynamoDB. */
async function run(options: LoggingOptions, request: DynamORMRequest, answer: () => Promise<unknown>): Promise<unknown> {
  const host = { plugins: [] as PluginEntries, use(name: string, mw: Middleware) { host.plugins = [...host.plugins, [name, mw]]; } };
  loggingPlugin(options).install(host);
  const [[, middleware]] = host.plugins as [[string, Middleware]];
  return middleware(request, answer);
}

const ok = () => Promise.resolve({ ConsumedCapacity: { TableName: 'payments', CapacityUnits: 1 }, $metadata: { attempts: 2 } });

describe('records', () => {
  test('a success: operation, kind, model, table, duration, attempts, capacity, and no value of the item', async () => {
    const { logger, calls } = recordingLogger('powertools');
    await run({ logger }, putRequest(), ok);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call!.level).toBe('debug');
    expect(call!.args[0]).toBe('DynamORM PutItem');
    expect(call!.args[1]).toMatchObject({ operation: 'PutItem', kind: 'create', model: 'Payment', table: 'payments', attempts: 2, consumedCapacity: 1 });
    expect(typeof (call!.args[1] as { durationMs: number }).durationMs).toBe('number');
    const text = JSON.stringify(call!.args);
    for (const secret of [CARD, 'p1', ':v0', 'attribute_not_exists', 'merchant-9', 'u1']) expect(text).not.toContain(secret);
  });

  test('pino takes the record first; tenant and partner only when allowed', async () => {
    const { logger, calls } = recordingLogger('pino');
    await run({ logger, allow: { tenant: true } }, putRequest(), ok);
    expect(calls[0]!.args[1]).toBe('DynamORM PutItem');
    expect(calls[0]!.args[0]).toMatchObject({ operation: 'PutItem', tenant: 'merchant-9' });
  });

  test('failures: a failed condition at info, a throttle at warn, other errors at error, with name and code', async () => {
    const { logger, calls } = recordingLogger('plain');
    const condition = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', Item: { card: { S: CARD } }, $metadata: { attempts: 1 } });
    await expect(run({ logger }, putRequest(), () => Promise.reject(condition))).rejects.toBe(condition);
    const throttle = new ThrottledError('PutItem (create of Payment, table payments) was throttled by DynamoDB', Object.assign(new Error('slow'), { $metadata: { attempts: 3 } }));
    await expect(run({ logger }, putRequest(), () => Promise.reject(throttle))).rejects.toBe(throttle);
    const other = new Error(`something with ${CARD}`);
    await expect(run({ logger }, putRequest(), () => Promise.reject(other))).rejects.toBe(other);
    expect(calls.map((c) => c.level)).toEqual(['info', 'warn', 'error']);
    expect(calls[0]!.args[0]).toBe('DynamORM PutItem failed: ConditionalCheckFailedException');
    expect(calls[1]!.args[1]).toMatchObject({ errorName: 'ThrottledError', errorCode: 'THROTTLED', attempts: 3 });
    expect(calls[2]!.args[1]).toMatchObject({ errorName: 'Error' });
    // An error that is not DynamORM's is named only: its message may hold anything.
    expect(JSON.stringify(calls.map((c) => c.args))).not.toContain(CARD);
  });
});

describe('levels', () => {
  test('levelCheck reads isLevelEnabled (pino), getLevelName (Powertools), a level name, else logs everything', () => {
    expect(levelCheck(recordingLogger('pino', 'info').logger)('debug')).toBe(false);
    expect(levelCheck(recordingLogger('pino', 'info').logger)('warn')).toBe(true);
    expect(levelCheck(recordingLogger('powertools', 'warn').logger)('info')).toBe(false);
    expect(levelCheck(recordingLogger('powertools', 'warn').logger)('error')).toBe(true);
    expect(levelCheck({ ...recordingLogger('plain').logger, level: 'error' })('warn')).toBe(false);
    expect(levelCheck(recordingLogger('plain').logger)('debug')).toBe(true);
  });

  test('with debug off, a success builds no record: the request is passed on unread', async () => {
    const { logger, calls } = recordingLogger('pino', 'info');
    let checks = 0;
    const isLevelEnabled = logger.isLevelEnabled!;
    logger.isLevelEnabled = (level) => (checks++, isLevelEnabled(level));
    const reads: PropertyKey[] = [];
    const request = new Proxy(putRequest(), { get: (target, key, receiver) => (reads.push(key), Reflect.get(target, key, receiver)) });
    let passed: unknown;
    await run({ logger }, request, async () => ((passed = 'sent'), ok()));
    expect(passed).toBe('sent');
    expect(reads).toEqual([]);
    expect(calls).toEqual([]);
    expect(checks).toBeGreaterThan(0);
  });

  test('with every level off, not even the clock is read: the middleware only passes the request on', async () => {
    const { logger, calls } = recordingLogger('pino', 'silent');
    const reads: PropertyKey[] = [];
    const request = new Proxy(putRequest(), { get: (target, key, receiver) => (reads.push(key), Reflect.get(target, key, receiver)) });
    const error = new ThrottledError('throttled');
    await expect(run({ logger }, request, () => Promise.reject(error))).rejects.toBe(error);
    await run({ logger }, request, ok);
    expect(reads).toEqual([]);
    expect(calls).toEqual([]);
  });

  test('levels can be changed per outcome', async () => {
    const { logger, calls } = recordingLogger('plain');
    await run({ logger, levels: { success: 'info' } }, putRequest(), ok);
    expect(calls[0]!.level).toBe('info');
  });
});

describe('a throwing logger', () => {
  test('never breaks a request: the answer or the error goes through, the failure goes to onError', async () => {
    const broken: LoggerLike = { debug: () => { throw new Error('disk full'); }, info: () => { throw new Error('disk full'); }, warn() {}, error: () => { throw new Error('disk full'); }, isLevelEnabled: () => { throw new Error('broken level'); } };
    const seen: unknown[] = [];
    await expect(run({ logger: broken, onError: (e) => seen.push(e) }, putRequest(), ok)).resolves.toMatchObject({ $metadata: { attempts: 2 } });
    const thrower: LoggerLike = { ...broken, isLevelEnabled: () => true };
    await expect(run({ logger: thrower, onError: (e) => seen.push(e) }, putRequest(), ok)).resolves.toMatchObject({ $metadata: { attempts: 2 } });
    const failure = new ThrottledError('throttled');
    await expect(run({ logger: thrower }, putRequest(), () => Promise.reject(failure))).rejects.toBe(failure);
    expect(seen.map((e) => (e as Error).message)).toEqual(['broken level', 'disk full']);
  });
});
