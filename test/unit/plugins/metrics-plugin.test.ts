/**
 * The metrics plugin without DynamoDB (the innermost middleware answers): operations counted once per
 * context however many requests it sends, reset() starts a new period, flushing() keeps the handler's
 * type and flushes after answers and failures, exporters get every observation, and the Powertools
 * exporter hands each series its own dimensions.
 */
import { describe, expect, expectTypeOf, test } from 'vitest';
import type { OperationContext } from '../../../src/client/context.js';
import type { DynamORMRequest, Middleware } from '../../../src/config.js';
import { ThrottledError } from '../../../src/errors.js';
import type { PluginEntries } from '../../../src/plugins/plugin.js';
import { metricsPlugin, powertoolsExporter, type MetricsExporter, type MetricsPlugin, type RequestObservation } from '../../../src/plugins/metrics/index.js';

const context = (kind: OperationContext['kind'], tenant?: string): OperationContext => ({ kind, model: 'Order', table: 'orders', now: new Date(0), deadline: undefined, tenant, actor: undefined, partner: undefined });

function installed(plugin: MetricsPlugin): Middleware {
  const host = { plugins: [] as PluginEntries, use(name: string, mw: Middleware) { host.plugins = [...host.plugins, [name, mw]]; } };
  plugin.install(host);
  return host.plugins[0]![1];
}

const answer = (output: unknown) => () => Promise.resolve(output);

describe('metricsPlugin', () => {
  test('operations are counted once per context; requests once each; throttles and retries from the error', async () => {
    let clock = 0;
    const plugin = metricsPlugin({ now: () => clock });
    const mw = installed(plugin);
    const query = context('query');
    for (let page = 0; page < 3; page++) await mw({ operation: 'Query', input: { TableName: 'orders' }, context: query }, answer({ $metadata: { attempts: 2 } }));
    const throttled = new ThrottledError('throttled', Object.assign(new Error('x'), { $metadata: { attempts: 3 } }));
    await expect(mw({ operation: 'GetItem', input: {}, context: context('get') }, () => Promise.reject(throttled))).rejects.toBe(throttled);
    clock = 2000;
    const s = plugin.snapshot();
    expect(s).toMatchObject({ operations: 2, requests: 4, errors: 1, throttles: 1, retries: 3 + 2, errorsByName: { ThrottledError: 1 }, seconds: 2, operationsPerSecond: 1, requestsPerSecond: 2 });
    expect(s.series.map((x) => [x.operation, x.requests])).toEqual([['query', 3], ['get', 1]]);
    plugin.reset();
    expect(plugin.snapshot()).toMatchObject({ operations: 0, requests: 0, errors: 0 });
    // After a reset, a context seen before starts an operation again.
    await mw({ operation: 'Query', input: {}, context: query }, answer({}));
    expect(plugin.snapshot().operations).toBe(1);
  });

  test('the request sent asks for capacity; consumedCapacity: false leaves it alone', async () => {
    const seen: DynamORMRequest[] = [];
    const record = (request: DynamORMRequest) => (seen.push(request), Promise.resolve({}));
    await installed(metricsPlugin())({ operation: 'GetItem', input: { TableName: 't' }, context: context('get') }, record);
    await installed(metricsPlugin({ consumedCapacity: false }))({ operation: 'GetItem', input: { TableName: 't' }, context: context('get') }, record);
    expect(seen.map((r) => r.input.ReturnConsumedCapacity)).toEqual(['INDEXES', undefined]);
  });

  test('flushing() keeps the handler type, and flushes after an answer and after a failure', async () => {
    let flushes = 0;
    const exporter: MetricsExporter = { attach() {}, observe() {}, flush: () => void flushes++ };
    const plugin = metricsPlugin({ exporters: [exporter] });
    const handler = plugin.flushing(async (event: { id: string }, _context: { awsRequestId: string }) => event.id.length);
    expectTypeOf(handler).toEqualTypeOf<(event: { id: string }, context: { awsRequestId: string }) => Promise<number>>();
    await expect(handler({ id: 'abc' }, { awsRequestId: 'r' })).resolves.toBe(3);
    await expect(plugin.flushing(async () => Promise.reject(new Error('handler failed')))()).rejects.toThrow('handler failed');
    expect(flushes).toBe(2);
  });

  test('exporters see every observation, tenant only when allowed; bad dimension values are refused', async () => {
    const seen: RequestObservation[] = [];
    const exporter: MetricsExporter = { attach() {}, observe: (o) => void seen.push(o) };
    const closed = installed(metricsPlugin({ exporters: [exporter] }));
    const open = installed(metricsPlugin({ exporters: [exporter], allow: { tenant: true } }));
    await closed({ operation: 'GetItem', input: {}, context: context('get', 'm-1') }, answer({}));
    await open({ operation: 'GetItem', input: {}, context: context('get', 'm-1') }, answer({}));
    expect(seen.map((o) => o.tenant)).toEqual([undefined, 'm-1']);
    expect(() => metricsPlugin({ dimensions: { Service: '' } })).toThrow(/non-empty/);
  });
});

describe('powertoolsExporter', () => {
  test('per series: its dimensions, every value with its unit, one publish', async () => {
    const calls: string[] = [];
    const target = {
      addDimension: (n: string, v: string) => void calls.push(`dim ${n}=${v}`),
      addMetric: (n: string, u: string, v: number) => void calls.push(`metric ${n} ${u} ${v}`),
      publishStoredMetrics: () => void calls.push('publish'),
    };
    const plugin = metricsPlugin({ dimensions: { Service: 'pay' }, consumedCapacity: false, exporters: [powertoolsExporter(target)] });
    const mw = installed(plugin);
    await mw({ operation: 'GetItem', input: {}, context: context('get') }, answer({ ConsumedCapacity: { TableName: 'orders', CapacityUnits: 0.5 } }));
    await plugin.flush();
    expect(calls.filter((c) => c === 'publish')).toHaveLength(2); // the series, and its capacity per index
    expect(calls.slice(0, 4)).toEqual(['dim Service=pay', 'dim Operation=get', 'dim Model=Order', 'dim Table=orders']);
    expect(calls).toContain('metric Requests Count 1');
    expect(calls).toContain('metric ReadCapacityUnits Count 0.5');
    expect(calls.some((c) => /^metric Latency Milliseconds \d/.test(c))).toBe(true);
    calls.length = 0;
    await plugin.flush();
    expect(calls).toEqual([]);
  });
});
