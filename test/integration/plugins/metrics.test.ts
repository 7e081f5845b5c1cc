/**
 * The metrics plugin on DynamoDB Local: what `metrics(db)` reports is what was sent and what came
 * back (requests, operations, errors by name, consumed capacity by table and index as DynamoDB
 * reported it); the EMF lines, a Powertools-shaped object and a prom-client registry get the same
 * figures; a Lambda handler's metrics are flushed when the invocation ends, answered or failed;
 * tenant and partner become dimensions only when allowed; and through the fault proxy every fault
 * injected shows as a retry or a final error (throttles among them), and unprocessed batch entries
 * are counted. A throwing exporter or sink never breaks a request.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Registry } from 'prom-client';
import { ConfigurationError, derive, ItemAlreadyExistsError, model, withScope, attr, type DynamORMRequest } from '../../../src/index.js';
import { invokeLocally, withDynamORM } from '../../../src/lambda/index.js';
import { emfExporter, metrics, metricsPlugin, powertoolsExporter, prometheusExporter, type EmfBlob, type PowertoolsMetricsLike } from '../../../src/plugins/metrics/index.js';
import { endpoint, recordRequests, testDb } from '../../support/db.js';

/**
 * No SDK time-out short of a minute: on a loaded machine a 2 s time-out makes the SDK retry on its
 * own, and the counts these tests compare exactly would include retries no fault caused.
 */
const SLOW_MACHINE_MS = 60_000;
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';

const Payment = model('Payment', {
  table: 'metrics-payments',
  attributes: {
    merchantId: attr.string().partitionKey(),
    paymentId: attr.string().sortKey(),
    status: attr.enum(['pending', 'paid']),
    amount: attr.cents(),
  },
  indexes: { byStatus: { name: 'gsi-status', partitionKey: 'status', sortKey: 'amount' } },
});

const lines: string[] = [];
const sent: DynamORMRequest[] = [];
const plugin = metricsPlugin({ dimensions: { Service: 'payments' }, exporters: [emfExporter({ namespace: 'Test', sink: (line) => void lines.push(line) })] });
const db = testDb({ requestTimeoutMs: SLOW_MACHINE_MS, plugins: [plugin] }).use('record', recordRequests(sent));
const payments = db.model(Payment);

beforeAll(async () => {
  await db.tables.create(Payment);
  plugin.reset();
});
afterAll(() => db.destroy());

const blobs = (): EmfBlob[] => lines.splice(0).map((l) => JSON.parse(l) as EmfBlob);

describe('in process: metrics(db)', () => {
  test('requests, operations, errors by name, latency, and capacity by table and index, as DynamoDB reported it', async () => {
    plugin.reset();
    sent.length = 0;
    for (let i = 0; i < 3; i++) await payments.create({ merchantId: 'm1', paymentId: `p${i}`, status: 'pending', amount: 100 + i });
    await expect(payments.create({ merchantId: 'm1', paymentId: 'p0', status: 'pending', amount: 1 })).rejects.toBeInstanceOf(ItemAlreadyExistsError);
    expect(await payments.get({ merchantId: 'm1', paymentId: 'p1' })).toMatchObject({ amount: 101 });
    expect(await payments.where('status', '=', 'pending').all()).toHaveLength(3);

    // The plugin asked for capacity on every item request (the middleware after it saw the input).
    expect(sent.every((r) => r.input.ReturnConsumedCapacity === 'INDEXES')).toBe(true);
    const m = metrics(db);
    expect(m.requests).toBe(sent.length);
    expect(m.operations).toBe(6);
    expect(sent.map((r) => r.operation)).toEqual(['PutItem', 'PutItem', 'PutItem', 'PutItem', 'GetItem', 'Query']);
    expect(m.errorsByName).toEqual({ ConditionalCheckFailedException: 1 });
    expect(m.errors).toBe(1);
    expect(m.errorRate).toBeCloseTo(1 / sent.length, 10);
    expect(m.latency.count).toBe(sent.length);
    expect(m.latency.p99).toBeGreaterThan(0);
    expect(m.latency.p99).toBeLessThanOrEqual(m.latency.max);
    expect(m.operationsPerSecond).toBeGreaterThan(0);

    const creates = m.series.find((s) => s.operation === 'create')!;
    expect(creates).toMatchObject({ model: 'Payment', table: db.tableName(Payment), requests: 4, errors: 1 });
    // Capacity: writes on the table and on the index they update, the query's reads on the index.
    const table = db.tableName(Payment);
    const at = (operation: string, index: string) => m.capacity.find((c) => c.operation === operation && c.table === table && c.index === index);
    expect(at('create', 'table')?.writeCapacityUnits).toBeGreaterThanOrEqual(3);
    expect(at('create', 'gsi-status')?.writeCapacityUnits).toBeGreaterThanOrEqual(3);
    expect(at('get', 'table')?.readCapacityUnits).toBeGreaterThan(0);
    expect(at('query', 'gsi-status')?.readCapacityUnits).toBeGreaterThan(0);
    const reported = m.capacity.reduce((sum, c) => sum + c.readCapacityUnits + c.writeCapacityUnits, 0);
    expect(m.readCapacityUnits + m.writeCapacityUnits).toBeCloseTo(reported, 10);
  });

  test('a derived database shares the plugin; a database without one is a ConfigurationError', async () => {
    const partner = derive(db, { partner: 'acme' });
    expect(metrics(partner)).toMatchObject({ requests: metrics(db).requests });
    const plain = testDb({ requestTimeoutMs: SLOW_MACHINE_MS });
    expect(() => metrics(plain)).toThrow(ConfigurationError);
    plain.destroy();
  });
});

describe('EMF', () => {
  test('a flush writes JSON lines with the same figures, one latency value per request', async () => {
    await plugin.flush();
    lines.length = 0;
    plugin.reset();
    await payments.get({ merchantId: 'm1', paymentId: 'p2' });
    await payments.get({ merchantId: 'm1', paymentId: 'nope' });
    await plugin.flush();
    const written = blobs();
    const base = written.find((b) => b.Operation === 'get' && b.Index === undefined && b.ErrorName === undefined)!;
    expect(base).toMatchObject({ Service: 'payments', Model: 'Payment', Table: db.tableName(Payment), Requests: 2, Operations: 2, Errors: 0, Throttles: 0, Retries: 0 });
    expect(base._aws.CloudWatchMetrics[0]!.Namespace).toBe('Test');
    expect(base._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['Service', 'Operation', 'Model', 'Table']]);
    expect(base.Latency).toHaveLength(2);
    const capacity = written.find((b) => b.Operation === 'get' && b.Index === 'table')!;
    expect(capacity.ReadCapacityUnits).toBe(metrics(db).readCapacityUnits);
    // Nothing pending: a second flush writes nothing.
    await plugin.flush();
    expect(lines).toEqual([]);
  });

  test('a Lambda handler wrapped with flushing() writes its metrics when the invocation ends, answered or failed', async () => {
    await plugin.flush();
    lines.length = 0;
    const handler = withDynamORM(plugin.flushing(async (event: { id: string }) => payments.get({ merchantId: 'm1', paymentId: event.id })));
    await invokeLocally(handler, { id: 'p1' });
    expect(blobs().some((b) => b.Operation === 'get' && b.Requests === 1)).toBe(true);
    const failing = withDynamORM(
      plugin.flushing(async () => {
        await payments.get({ merchantId: 'm1', paymentId: 'p1' });
        throw new Error('handler failed');
      }),
    );
    await expect(invokeLocally(failing, {})).rejects.toThrow('handler failed');
    expect(blobs().some((b) => b.Operation === 'get' && b.Requests === 1)).toBe(true);
  });

  test('the exporter flushes on its own when too many values are pending', async () => {
    const own: string[] = [];
    const small = metricsPlugin({ exporters: [emfExporter({ sink: (l) => void own.push(l), maxPendingValues: 8 })] });
    const smallDb = testDb({ requestTimeoutMs: SLOW_MACHINE_MS, plugins: [small], tablePrefix: db.config.tablePrefix });
    for (let i = 0; i < 5; i++) await smallDb.model(Payment).get({ merchantId: 'm1', paymentId: 'p1' });
    expect(own.length).toBeGreaterThan(0);
    smallDb.destroy();
  });
});

describe('cardinality', () => {
  test('tenant and partner are dimensions only when allowed', async () => {
    const seenLines: string[] = [];
    const closed = metricsPlugin({ exporters: [emfExporter({ sink: (l) => void seenLines.push(l) })] });
    const open = metricsPlugin({ name: 'open', allow: { tenant: true, partner: true }, exporters: [emfExporter({ sink: (l) => void seenLines.push(l) })] });
    const scoped = derive(testDb({ requestTimeoutMs: SLOW_MACHINE_MS, plugins: [closed, open], tablePrefix: db.config.tablePrefix }), { partner: 'acme' });
    await withScope({ tenant: 'merchant-42' }, () => scoped.model(Payment).get({ merchantId: 'm1', paymentId: 'p1' }));
    expect(closed.snapshot().series[0]).not.toHaveProperty('tenant');
    expect(open.snapshot().series[0]).toMatchObject({ tenant: 'merchant-42', partner: 'acme' });
    await closed.flush();
    expect(seenLines.join('\n')).not.toContain('merchant-42');
    await open.flush();
    expect(seenLines.join('\n')).toContain('"Tenant":"merchant-42"');
    scoped.destroy();
  });

  test('more than 29 dimensions in all is refused when the plugin is made', () => {
    const dimensions = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`D${i}`, 'x']));
    expect(() => metricsPlugin({ dimensions, exporters: [emfExporter()] })).not.toThrow();
    expect(() => metricsPlugin({ dimensions, allow: { tenant: true }, exporters: [emfExporter()] })).toThrow(ConfigurationError);
  });
});

/** A stand-in for Powertools' Metrics: stores per publish, and refuses what Powertools refuses. */
class FakePowertoolsMetrics implements PowertoolsMetricsLike {
  published: { dimensions: Record<string, string>; metrics: Record<string, { unit: string; values: number[] }> }[] = [];
  private dimensions: Record<string, string> = {};
  private stored: Record<string, { unit: string; values: number[] }> = {};
  addDimension(name: string, value: string) {
    if (Object.keys(this.dimensions).length >= 29) throw new RangeError('The number of metric dimensions must be lower than 29');
    this.dimensions[name] = value;
  }
  addDimensions(dimensions: Record<string, string>) {
    for (const [name, value] of Object.entries(dimensions)) this.addDimension(name, value);
  }
  addMetric(name: string, unit: string, value: number) {
    const metric = (this.stored[name] ??= { unit, values: [] });
    if (metric.unit !== unit) throw new Error(`Metric "${name}" has already been added with unit "${metric.unit}"`);
    metric.values.push(value);
  }
  publishStoredMetrics() {
    this.published.push({ dimensions: this.dimensions, metrics: this.stored });
    this.dimensions = {};
    this.stored = {};
  }
}

describe('Powertools and Prometheus', () => {
  test('a Powertools-shaped Metrics gets each series with its own dimensions; a prom-client registry the same counts', async () => {
    const fake = new FakePowertoolsMetrics();
    const registry = new Registry();
    const both = metricsPlugin({ exporters: [powertoolsExporter(fake), await prometheusExporter({ registry })] });
    const observed = testDb({ requestTimeoutMs: SLOW_MACHINE_MS, plugins: [both], tablePrefix: db.config.tablePrefix });
    const handle = observed.model(Payment);
    await handle.create({ merchantId: 'm2', paymentId: 'a', status: 'paid', amount: 5 });
    await expect(handle.create({ merchantId: 'm2', paymentId: 'a', status: 'paid', amount: 5 })).rejects.toBeInstanceOf(ItemAlreadyExistsError);
    await handle.get({ merchantId: 'm2', paymentId: 'a' });
    await both.flush();

    const createSeries = fake.published.find((p) => p.dimensions.Operation === 'create' && !p.dimensions.ErrorName && !p.dimensions.Index)!;
    expect(createSeries.dimensions).toEqual({ Operation: 'create', Model: 'Payment', Table: observed.tableName(Payment) });
    expect(createSeries.metrics.Requests).toEqual({ unit: 'Count', values: [2] });
    expect(createSeries.metrics.Latency!.values).toHaveLength(2);
    expect(fake.published.find((p) => p.dimensions.ErrorName === 'ConditionalCheckFailedException')?.metrics.Errors?.values).toEqual([1]);

    const json = await registry.getMetricsAsJSON();
    const value = (name: string, labels: Record<string, string>) =>
      json.find((m) => m.name === name)?.values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))?.value;
    expect(value('dynamorm_requests_total', { operation: 'create', model: 'Payment' })).toBe(2);
    expect(value('dynamorm_errors_total', { operation: 'create', error: 'ConditionalCheckFailedException' })).toBe(1);
    expect(value('dynamorm_consumed_capacity_units_total', { operation: 'get', index: 'table', capacity: 'read' })).toBeGreaterThan(0);
    expect(await registry.getSingleMetricAsString('dynamorm_request_duration_seconds')).toMatch(/dynamorm_request_duration_seconds_count\{[^}]*operation="get"[^}]*\} 1/);
    observed.destroy();
  });
});

describe('observers that throw', () => {
  test('an exporter or sink that throws never breaks a request, and a flush never rejects', async () => {
    const errors: unknown[] = [];
    const broken = metricsPlugin({
      onError: (e) => errors.push(e),
      exporters: [
        { attach() {}, observe() { throw new Error('exporter down'); }, flush() { throw new Error('flush down'); } },
        emfExporter({ sink: () => { throw new Error('stdout closed'); }, maxPendingValues: 1 }),
      ],
    });
    const observed = testDb({ requestTimeoutMs: SLOW_MACHINE_MS, plugins: [broken], tablePrefix: db.config.tablePrefix });
    await observed.model(Payment).create({ merchantId: 'm3', paymentId: 'x', status: 'paid', amount: 1 });
    expect(await observed.model(Payment).get({ merchantId: 'm3', paymentId: 'x' })).toMatchObject({ amount: 1 });
    await expect(observed.model(Payment).create({ merchantId: 'm3', paymentId: 'x', status: 'paid', amount: 1 })).rejects.toBeInstanceOf(ItemAlreadyExistsError);
    await expect(broken.flush()).resolves.toBeUndefined();
    expect(errors.map((e) => (e as Error).message)).toEqual(expect.arrayContaining(['exporter down', 'stdout closed', 'flush down']));
    expect(broken.snapshot().requests).toBe(3);
    observed.destroy();
  });
});

describe('under faults (fault proxy)', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({ target: endpoint(), seed: 7 });
  });
  afterAll(() => proxy.stop());

  test('every injected throttle and 5xx shows as an SDK retry or a final error; final throttles are counted', async () => {
    const faulty = metricsPlugin();
    const observed = testDb({ requestTimeoutMs: SLOW_MACHINE_MS, endpoint: proxy.endpoint, plugins: [faulty], tablePrefix: db.config.tablePrefix, maxAttempts: 3 });
    proxy.setFaults([
      { kind: 'throttle', rate: 0.3 },
      { kind: 'serverError', rate: 0.1 },
    ]);
    proxy.resetStats();
    // Eight at a time: no request waits for a socket long enough to time out.
    const outcomes: PromiseSettledResult<unknown>[] = [];
    try {
      for (let round = 0; round < 15; round++) {
        outcomes.push(...(await Promise.allSettled(Array.from({ length: 8 }, (_, i) => observed.model(Payment).get({ merchantId: 'm1', paymentId: `p${i % 3}` }, { consistent: true })))));
      }
    } finally {
      proxy.setFaults([]);
    }
    const m = faulty.snapshot();
    const injected = proxy.stats.faults.throttle + proxy.stats.faults.serverError;
    const failed = outcomes.filter((o) => o.status === 'rejected').length;
    expect(injected).toBeGreaterThan(10);
    // Every attempt the proxy saw is a request the plugin counted or a retry it counted.
    expect(proxy.stats.requests).toBe(m.requests + m.retries);
    expect(m.retries).toBeGreaterThan(0);
    expect(m.requests).toBe(120);
    expect(m.errors).toBe(failed);
    // Each fault was retried by the SDK or ended the request: nothing is lost from the count.
    expect(m.retries + m.errors).toBe(injected);
    expect(m.throttles).toBe(m.errorsByName.ThrottledError ?? 0);
    expect(m.throttles).toBe(outcomes.filter((o) => o.status === 'rejected' && (o.reason as Error).name === 'ThrottledError').length);
    observed.destroy();
  });

  test('unprocessed batch entries are counted as DynamoDB handed them back', async () => {
    const faulty = metricsPlugin();
    let handedBack = 0;
    const observed = testDb({ requestTimeoutMs: SLOW_MACHINE_MS, endpoint: proxy.endpoint, plugins: [faulty], tablePrefix: db.config.tablePrefix }).use('count', async (request, next) => {
      const output = (await next(request)) as { UnprocessedItems?: Record<string, unknown[]> };
      for (const list of Object.values(output.UnprocessedItems ?? {})) handedBack += list.length;
      return output;
    });
    proxy.setFaults([{ kind: 'unprocessed', rate: 0.5, fraction: 0.3 }]);
    proxy.resetStats();
    try {
      await observed.model(Payment).batchPut(Array.from({ length: 60 }, (_, i) => ({ merchantId: 'm4', paymentId: `b${i}`, status: 'paid' as const, amount: i })));
    } finally {
      proxy.setFaults([]);
    }
    expect(handedBack).toBeGreaterThan(0);
    expect(faulty.snapshot().unprocessed).toBe(handedBack);
    // The proxy held back at least as many (some answers the SDK itself retried); every attempt is counted.
    expect(proxy.stats.unprocessedEntries).toBeGreaterThanOrEqual(handedBack);
    expect(proxy.stats.requests).toBe(faulty.snapshot().requests + faulty.snapshot().retries);
    expect(await observed.model(Payment).where('merchantId', '=', 'm4').count()).toBe(60);
    observed.destroy();
  });
});
