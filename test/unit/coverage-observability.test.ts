/**
 * Branch coverage for the observability area: the fault proxy (every fault kind, in front of a tiny
 * local HTTP server that answers like DynamoDB's JSON 1.0 protocol), the Prometheus exporter (on the
 * real prom-client with a fresh Registry) and the span attributes of every operation shape.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { Registry } from 'prom-client';
import * as promClient from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { OperationContext } from '../../src/client/context.js';
import { ConfigurationError } from '../../src/errors.js';
import type { ExporterSettings } from '../../src/plugins/metrics/exporter.js';
import type { RequestObservation } from '../../src/plugins/metrics/observation.js';
import { prometheusExporter } from '../../src/plugins/metrics/prometheus.js';
import { cancellationCodes, outputAttributes, requestAttributes } from '../../src/plugins/tracing/attributes.js';
import { startFaultProxy, type FaultProxy } from '../../src/testing/fault-proxy.js';

// ---------------------------------------------------------------------------------------------
// Fault proxy, in front of a fake DynamoDB.

interface Received {
  operation: string;
  body: Record<string, unknown>;
  raw: string;
}

/** What the fake answers per operation (status and JSON body); default 200 and a minimal valid output. */
let answers: Record<string, { status: number; body: unknown }> = {};
const received: Received[] = [];
let upstream: Server;
let target: string;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw || '{}') as Record<string, unknown>;
      } catch {
        // Not JSON: kept as received (the proxy must forward such a body unchanged).
      }
      received.push({ operation, body, raw });
      const answer = answers[operation];
      let payload: unknown = answer?.body ?? {};
      if (!answer && operation === 'BatchWriteItem') payload = { UnprocessedItems: {} };
      if (!answer && operation === 'BatchGetItem') {
        const tables = Object.keys((body.RequestItems ?? {}) as object);
        payload = { Responses: Object.fromEntries(tables.map((t) => [t, []])), UnprocessedKeys: {} };
      }
      const text = JSON.stringify(payload);
      res.writeHead(answer?.status ?? 200, { 'content-type': 'application/x-amz-json-1.0', 'x-upstream': 'yes', 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
  const address = upstream.address();
  target = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

const proxies: FaultProxy[] = [];
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.stop();
  received.length = 0;
  answers = {};
});

/** Waits until the proxy has received `n` requests (a loaded machine may take a while to deliver them). */
async function receivedBy(p: FaultProxy, n: number): Promise<void> {
  while (p.stats.requests < n) await new Promise((r) => setTimeout(r, 2));
}

async function proxy(options: Omit<Parameters<typeof startFaultProxy>[0], 'target'> = {}): Promise<FaultProxy> {
  const p = await startFaultProxy({ target, ...options });
  proxies.push(p);
  return p;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** One DynamoDB-style call through the proxy; rejects when the connection is dropped. */
function call(endpoint: string, operation: string, input: unknown, raw?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const text = raw ?? JSON.stringify(input);
    const url = new URL(endpoint);
    const req = httpRequest(
      {
        hostname: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        agent: false,
        headers: { 'x-amz-target': `DynamoDB_20120810.${operation}`, 'content-type': 'application/x-amz-json-1.0', 'content-length': String(Buffer.byteLength(text)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const put = (id: string) => ({ PutRequest: { Item: { pk: { S: id } } } });
const key = (id: string) => ({ pk: { S: id } });

describe('fault proxy', () => {
  test('without rules every request is forwarded and answered as the target answered', async () => {
    const p = await proxy();
    const reply = await call(p.endpoint, 'GetItem', { TableName: 't', Key: key('a') });
    expect(reply.status).toBe(200);
    expect(reply.headers['x-upstream']).toBe('yes');
    expect(received.map((r) => r.operation)).toEqual(['GetItem']);
    expect(p.stats).toMatchObject({ requests: 1, forwarded: 1, unprocessedEntries: 0, byOperation: { GetItem: { requests: 1, faults: 0 } } });
  });

  test('throttle: the default code, the known codes with their namespaces, and an unknown code; nothing forwarded', async () => {
    const p = await proxy({ faults: [{ kind: 'throttle' }] });
    const byDefault = await call(p.endpoint, 'PutItem', {});
    expect(byDefault.status).toBe(400);
    expect(byDefault.headers['x-amzn-errortype']).toBe('ProvisionedThroughputExceededException');
    expect(byDefault.body.__type).toBe('com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException');
    expect(byDefault.headers['content-type']).toBe('application/x-amz-json-1.0');

    p.setFaults([{ kind: 'throttle', code: 'ThrottlingException' }]);
    const throttling = await call(p.endpoint, 'PutItem', {});
    expect(throttling.body.__type).toBe('com.amazon.coral.availability#ThrottlingException');
    expect(throttling.body.message).toBe('Rate of requests exceeds the allowed throughput.');

    p.setFaults([{ kind: 'throttle', code: 'RequestLimitExceeded' }]);
    const limit = await call(p.endpoint, 'PutItem', {});
    expect(limit.body.__type).toBe('com.amazonaws.dynamodb.v20120810#RequestLimitExceeded');
    expect(limit.headers['x-amzn-errortype']).toBe('RequestLimitExceeded');

    p.setFaults([{ kind: 'throttle', code: 'SomethingNew' }]);
    const unknown = await call(p.endpoint, 'PutItem', {});
    expect(unknown.body).toEqual({ __type: 'com.amazonaws.dynamodb.v20120810#SomethingNew', message: 'SomethingNew' });

    expect(received).toEqual([]);
    expect(p.stats.faults.throttle).toBe(4);
    expect(p.stats.forwarded).toBe(0);
    expect(p.stats.byOperation.PutItem).toEqual({ requests: 4, faults: 4 });
  });

  test('serverError before is not forwarded; after is forwarded and still answered 500', async () => {
    const p = await proxy({ faults: [{ kind: 'serverError' }] });
    const before = await call(p.endpoint, 'PutItem', { TableName: 't' });
    expect(before.status).toBe(500);
    expect(before.headers['x-amzn-errortype']).toBe('InternalServerError');
    expect(received).toEqual([]);

    p.setFaults([{ kind: 'serverError', when: 'after' }]);
    const after = await call(p.endpoint, 'PutItem', { TableName: 't' });
    expect(after.status).toBe(500);
    expect(received.map((r) => r.operation)).toEqual(['PutItem']);
    expect(p.stats.faults.serverError).toBe(2);
    expect(p.stats.forwarded).toBe(1);
  });

  test('drop before closes without forwarding; drop after forwards then closes without an answer', async () => {
    const p = await proxy({ faults: [{ kind: 'drop' }] });
    await expect(call(p.endpoint, 'PutItem', {})).rejects.toThrow();
    await p.settled();
    expect(received).toEqual([]);

    p.setFaults([{ kind: 'drop', when: 'after' }]);
    await expect(call(p.endpoint, 'PutItem', {})).rejects.toThrow();
    await p.settled();
    expect(received.map((r) => r.operation)).toEqual(['PutItem']);
    expect(p.stats.faults.drop).toBe(2);
    expect(p.stats.forwarded).toBe(1);
  });

  test('delay (default): forwarded at once, answered late; delay before: forwarded only after the wait', async () => {
    const p = await proxy({ faults: [{ kind: 'delay', delayMs: 150 }] });
    const started = Date.now();
    let answered = false;
    const pending = call(p.endpoint, 'GetItem', {}).then((reply) => ((answered = true), reply));
    while (received.length === 0) await new Promise((r) => setTimeout(r, 2));
    expect(received.map((r) => r.operation)).toEqual(['GetItem']); // already applied...
    expect(answered).toBe(false); // ...not yet answered
    const reply = await pending;
    expect(reply.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    received.length = 0;
    p.setFaults([{ kind: 'delay', delayMs: 500, when: 'before' }]);
    const held = call(p.endpoint, 'GetItem', {});
    await new Promise((r) => setTimeout(r, 60));
    expect(received).toEqual([]); // still held
    expect((await held).status).toBe(200);
    expect(received).toHaveLength(1);
    expect(p.stats.faults.delay).toBe(2);
  });

  test('settled() resolves at once when idle, and only once a held request has been answered', async () => {
    const p = await proxy({ faults: [{ kind: 'delay', delayMs: 100, when: 'before' }] });
    await p.settled();
    let answered = false;
    const pending = call(p.endpoint, 'PutItem', {}).then(() => (answered = true));
    await receivedBy(p, 1);
    await p.settled();
    expect(received).toHaveLength(1);
    await pending;
    expect(answered).toBe(true);
  });

  test('settled() waits for every request in flight, not only the first to finish', async () => {
    const p = await proxy({ faults: [{ kind: 'delay', delayMs: 40, when: 'before', count: 1 }, { kind: 'delay', delayMs: 120, when: 'before' }] });
    const first = call(p.endpoint, 'PutItem', {});
    const second = call(p.endpoint, 'PutItem', {});
    await receivedBy(p, 2);
    await p.settled();
    expect(received).toHaveLength(2);
    await Promise.all([first, second]);
  });

  test('delay without delayMs waits one second by default', async () => {
    const p = await proxy({ faults: [{ kind: 'delay', when: 'before' }] });
    const started = Date.now();
    await call(p.endpoint, 'GetItem', {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  test('delay: a client that gives up before the late answer still had its request applied', async () => {
    const p = await proxy({ faults: [{ kind: 'delay', delayMs: 100 }] });
    const url = new URL(p.endpoint);
    const req = httpRequest({ hostname: url.hostname, port: url.port, method: 'POST', path: '/', agent: false, headers: { 'x-amz-target': 'DynamoDB_20120810.PutItem' } });
    req.on('error', () => undefined);
    req.end('{}');
    await receivedBy(p, 1);
    req.destroy();
    await p.settled();
    expect(received.map((r) => r.operation)).toEqual(['PutItem']);
    expect(p.stats.faults.delay).toBe(1);
  });

  test('operations filter: a rule only hits the operations it names', async () => {
    const p = await proxy({ faults: [{ kind: 'throttle', operations: ['Query'] }] });
    expect((await call(p.endpoint, 'GetItem', {})).status).toBe(200);
    expect((await call(p.endpoint, 'Query', {})).status).toBe(400);
    expect(p.stats.byOperation).toEqual({ GetItem: { requests: 1, faults: 0 }, Query: { requests: 1, faults: 1 } });
  });

  test('count limits a rule; setFaults starts the count again; rules are tried in order', async () => {
    const p = await proxy({ faults: [{ kind: 'throttle', count: 2 }, { kind: 'serverError', count: 1 }] });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(p.endpoint, 'PutItem', {})).status);
    expect(statuses).toEqual([400, 400, 500, 200, 200]);
    p.setFaults([{ kind: 'throttle', count: 1 }]);
    expect((await call(p.endpoint, 'PutItem', {})).status).toBe(400);
    expect((await call(p.endpoint, 'PutItem', {})).status).toBe(200);
  });

  test('rate 0 never hits; the same seed gives the same sequence', async () => {
    const never = await proxy({ faults: [{ kind: 'throttle', rate: 0 }] });
    for (let i = 0; i < 3; i++) expect((await call(never.endpoint, 'PutItem', {})).status).toBe(200);
    const sequence = async (seed: number) => {
      const p = await proxy({ seed, faults: [{ kind: 'throttle', rate: 0.5 }] });
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await call(p.endpoint, 'PutItem', {})).status);
      return out;
    };
    const a = await sequence(7);
    expect(await sequence(7)).toEqual(a);
    expect(a).toContain(400);
    expect(a).toContain(200);
  });

  test('resetStats zeroes every counter', async () => {
    const p = await proxy({ faults: [{ kind: 'throttle', count: 1 }] });
    await call(p.endpoint, 'PutItem', {});
    await call(p.endpoint, 'PutItem', {});
    expect(p.stats.requests).toBe(2);
    p.resetStats();
    expect(p.stats).toEqual({ requests: 0, forwarded: 0, faults: { throttle: 0, serverError: 0, drop: 0, delay: 0, unprocessed: 0 }, unprocessedEntries: 0, byOperation: {} });
  });

  test('unprocessed never applies to a non-batch operation', async () => {
    const p = await proxy({ faults: [{ kind: 'unprocessed' }] });
    expect((await call(p.endpoint, 'PutItem', {})).status).toBe(200);
    expect(p.stats.faults.unprocessed).toBe(0);
    expect(p.stats.byOperation.PutItem?.faults).toBe(0);
  });

  test('BatchWriteItem, fraction 1: nothing forwarded, everything reported back unprocessed', async () => {
    const p = await proxy({ faults: [{ kind: 'unprocessed', fraction: 1 }] });
    const items = { a: [put('1'), put('2')], b: [put('3')] };
    const reply = await call(p.endpoint, 'BatchWriteItem', { RequestItems: items });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ UnprocessedItems: items });
    expect(received).toEqual([]);
    expect(p.stats.unprocessedEntries).toBe(3);
    expect(p.stats.faults.unprocessed).toBe(1);
  });

  test('BatchGetItem, fraction 1: empty Responses for every table, keys handed back with their read options', async () => {
    const p = await proxy({ faults: [{ kind: 'unprocessed', fraction: 1 }] });
    const items = { a: { Keys: [key('1')], ConsistentRead: true, ProjectionExpression: '#p' } };
    const reply = await call(p.endpoint, 'BatchGetItem', { RequestItems: items });
    expect(reply.body).toEqual({ Responses: { a: [] }, UnprocessedKeys: items });
    expect(received).toEqual([]);
  });

  test('BatchWriteItem, fraction 0: exactly one entry is still held back, the rest forwarded', async () => {
    const p = await proxy({ faults: [{ kind: 'unprocessed', fraction: 0 }] });
    const items = { a: [put('1'), put('2'), put('3')] };
    const reply = await call(p.endpoint, 'BatchWriteItem', { RequestItems: items });
    const held = (reply.body.UnprocessedItems as Record<string, unknown[]>).a ?? [];
    expect(held).toHaveLength(1);
    const sent = (received[0]?.body.RequestItems as Record<string, unknown[]>).a ?? [];
    expect(sent).toHaveLength(2);
    expect([...sent, ...held].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))).toEqual(items.a);
    expect(p.stats.unprocessedEntries).toBe(1);
  });

  test("held entries are merged with what the target itself reported unprocessed (writes and keys)", async () => {
    answers.BatchWriteItem = { status: 200, body: { UnprocessedItems: { a: [put('x')] } } };
    const p = await proxy({ faults: [{ kind: 'unprocessed', fraction: 0 }] });
    const reply = await call(p.endpoint, 'BatchWriteItem', { RequestItems: { a: [put('1'), put('2')] } });
    const back = (reply.body.UnprocessedItems as Record<string, unknown[]>).a ?? [];
    expect(back).toHaveLength(2);
    expect(back[0]).toEqual(put('x'));

    answers.BatchGetItem = { status: 200, body: { Responses: { a: [] }, UnprocessedKeys: { a: { Keys: [key('x')] } } } };
    const got = await call(p.endpoint, 'BatchGetItem', { RequestItems: { a: { Keys: [key('1'), key('2')], ConsistentRead: true } } });
    const keys = (got.body.UnprocessedKeys as Record<string, { Keys: unknown[]; ConsistentRead?: boolean }>).a;
    expect(keys?.Keys).toHaveLength(2);
    expect(keys?.Keys[0]).toEqual(key('x'));
    expect(keys?.ConsistentRead).toBe(true);
    expect(reply.headers['x-amz-crc32'] === undefined || typeof reply.headers['x-amz-crc32'] === 'string').toBe(true);
  });

  test('an answer without an unprocessed field still reports the held entries', async () => {
    answers.BatchWriteItem = { status: 200, body: {} };
    const p = await proxy({ faults: [{ kind: 'unprocessed', fraction: 0 }] });
    const reply = await call(p.endpoint, 'BatchWriteItem', { RequestItems: { a: [put('1'), put('2')] } });
    expect((reply.body.UnprocessedItems as Record<string, unknown[]>).a).toHaveLength(1);
  });

  test('held entries on a table the target did not report are added under that table', async () => {
    answers.BatchWriteItem = { status: 200, body: { UnprocessedItems: { other: [put('o')] } } };
    const p = await proxy({ seed: 3, faults: [{ kind: 'unprocessed', fraction: 0 }] });
    const reply = await call(p.endpoint, 'BatchWriteItem', { RequestItems: { a: [put('1'), put('2')] } });
    const back = reply.body.UnprocessedItems as Record<string, unknown[]>;
    expect(back.other).toEqual([put('o')]);
    expect(back.a).toHaveLength(1);
  });

  test('an error from the target for the part sent on is the answer for the whole call', async () => {
    answers.BatchWriteItem = { status: 400, body: { __type: 'x#ValidationException', message: 'bad' } };
    const p = await proxy({ faults: [{ kind: 'unprocessed', fraction: 0 }] });
    const reply = await call(p.endpoint, 'BatchWriteItem', { RequestItems: { a: [put('1'), put('2')] } });
    expect(reply.status).toBe(400);
    expect(reply.body.__type).toBe('x#ValidationException');
  });

  test('a batch with nothing to split, or a body that is not JSON, is forwarded unchanged', async () => {
    const p = await proxy({ faults: [{ kind: 'unprocessed' }] });
    await call(p.endpoint, 'BatchWriteItem', { RequestItems: {} });
    await call(p.endpoint, 'BatchGetItem', { RequestItems: { a: {} } });
    await call(p.endpoint, 'BatchWriteItem', {});
    expect(received.map((r) => r.operation)).toEqual(['BatchWriteItem', 'BatchGetItem', 'BatchWriteItem']);
    expect(p.stats.faults.unprocessed).toBe(0);
    received.length = 0;
    const reply = await call(p.endpoint, 'BatchWriteItem', undefined, '{"RequestItems":');
    expect(reply.status).toBe(200);
    expect(received.map((r) => r.raw)).toEqual(['{"RequestItems":']);
    expect(p.stats.forwarded).toBe(4);
    expect(p.stats.faults.unprocessed).toBe(0);
  });

  test('a target that cannot be reached gets a 502 FaultProxyError', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', () => resolve()));
    const address = dead.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const p = await startFaultProxy({ target: `http://127.0.0.1:${port}` });
    proxies.push(p);
    const reply = await call(p.endpoint, 'GetItem', {});
    expect(reply.status).toBe(502);
    expect(reply.body.__type).toBe('FaultProxyError');
  });

  test('a request without x-amz-target counts as unknown', async () => {
    const p = await proxy();
    await new Promise<void>((resolve, reject) => {
      const url = new URL(p.endpoint);
      const req = httpRequest({ hostname: url.hostname, port: url.port, method: 'POST', path: '/', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(Object.keys(p.stats.byOperation)).toEqual(['unknown']);
  });

  test('stop() ends a held request and frees the port', async () => {
    const p = await startFaultProxy({ target, faults: [{ kind: 'delay', delayMs: 10_000, when: 'before' }] });
    const pending = call(p.endpoint, 'PutItem', {}).then(
      () => 'answered',
      () => 'dropped',
    );
    await new Promise((r) => setTimeout(r, 30));
    await p.stop();
    expect(await pending).toBe('dropped');
    expect(received).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Prometheus exporter, on the real prom-client.

const observation = (over: Partial<RequestObservation> = {}): RequestObservation => ({
  request: 'PutItem',
  kind: 'create',
  model: 'Order',
  table: 'orders',
  index: undefined,
  tenant: undefined,
  partner: undefined,
  latencyMs: 250,
  attempts: 1,
  error: undefined,
  throttled: false,
  capacity: [],
  unprocessed: 0,
  first: true,
  ...over,
});
const settings = (over: Partial<ExporterSettings> = {}): ExporterSettings => ({ dimensions: {}, tenant: false, partner: false, ...over });

/** The values of one metric on the registry, as `labels -> value` lines (histograms: their count and sum). */
async function values(registry: Registry, name: string): Promise<{ labels: Record<string, string | number>; value: number; metricName?: string }[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values as { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

describe('prometheusExporter', () => {
  test('registers every metric under the default prefix when attached, and counts one plain request', async () => {
    const registry = new Registry();
    const exporter = await prometheusExporter({ registry });
    expect(registry.getMetricsAsArray()).toHaveLength(0); // nothing before attach
    exporter.attach(settings());
    expect(registry.getMetricsAsArray().map((m) => m.name).sort()).toEqual([
      'dynamorm_consumed_capacity_units_total',
      'dynamorm_errors_total',
      'dynamorm_operations_total',
      'dynamorm_request_duration_seconds',
      'dynamorm_requests_total',
      'dynamorm_retries_total',
      'dynamorm_throttles_total',
      'dynamorm_unprocessed_total',
    ]);
    exporter.observe(observation());
    const labels = { operation: 'create', model: 'Order', table: 'orders' };
    expect(await values(registry, 'dynamorm_requests_total')).toEqual([{ labels, value: 1 }]);
    expect(await values(registry, 'dynamorm_operations_total')).toEqual([{ labels, value: 1 }]);
    for (const name of ['dynamorm_errors_total', 'dynamorm_throttles_total', 'dynamorm_retries_total', 'dynamorm_unprocessed_total', 'dynamorm_consumed_capacity_units_total']) {
      expect(await values(registry, name)).toEqual([]);
    }
    // 250 ms lands in the 0.25 s bucket (le is inclusive) and not in 0.1 s; the sum is in seconds.
    const latency = await values(registry, 'dynamorm_request_duration_seconds');
    expect(latency.find((v) => v.metricName === 'dynamorm_request_duration_seconds_sum')?.value).toBeCloseTo(0.25);
    expect(latency.find((v) => v.metricName === 'dynamorm_request_duration_seconds_bucket' && v.labels.le === 0.25)?.value).toBe(1);
    expect(latency.find((v) => v.metricName === 'dynamorm_request_duration_seconds_bucket' && v.labels.le === 0.1)?.value).toBe(0);
  });

  test('a failed, throttled, retried request; a later page is not a new operation; missing model and table read none', async () => {
    const registry = new Registry();
    const exporter = await prometheusExporter({ registry, client: promClient });
    exporter.attach(settings());
    exporter.observe(observation({ model: undefined, table: undefined, kind: 'table', first: false, error: 'ThrottledError', throttled: true, attempts: 4 }));
    const labels = { operation: 'table', model: 'none', table: 'none' };
    expect(await values(registry, 'dynamorm_operations_total')).toEqual([]);
    expect(await values(registry, 'dynamorm_errors_total')).toEqual([{ labels: { ...labels, error: 'ThrottledError' }, value: 1 }]);
    expect(await values(registry, 'dynamorm_throttles_total')).toEqual([{ labels, value: 1 }]);
    expect(await values(registry, 'dynamorm_retries_total')).toEqual([{ labels, value: 3 }]);
  });

  test('unprocessed entries, and capacity by table and index, read and write apart, zero figures left out', async () => {
    const registry = new Registry();
    const exporter = await prometheusExporter({ registry });
    exporter.attach(settings());
    exporter.observe(
      observation({
        request: 'BatchWriteItem',
        kind: 'batchWrite',
        unprocessed: 2,
        capacity: [
          { table: 'orders', index: undefined, read: 0, write: 3 },
          { table: 'orders', index: 'gsi1', read: 1.5, write: 0 },
        ],
      } as Partial<RequestObservation>),
    );
    const labels = { operation: 'batchWrite', model: 'Order', table: 'orders' };
    expect(await values(registry, 'dynamorm_unprocessed_total')).toEqual([{ labels, value: 2 }]);
    expect(await values(registry, 'dynamorm_consumed_capacity_units_total')).toEqual([
      { labels: { ...labels, index: 'table', capacity: 'write' }, value: 3 },
      { labels: { ...labels, index: 'gsi1', capacity: 'read' }, value: 1.5 },
    ]);
  });

  test('fixed dimensions become lower-case labels; tenant and partner labels only when allowed, none when absent', async () => {
    const registry = new Registry();
    const exporter = await prometheusExporter({ registry, prefix: 'pay_', buckets: [1] });
    exporter.attach(settings({ dimensions: { Service: 'payments' }, tenant: true, partner: true }));
    exporter.observe(observation({ tenant: 't1', partner: undefined }));
    expect(await values(registry, 'pay_requests_total')).toEqual([
      { labels: { service: 'payments', operation: 'create', model: 'Order', table: 'orders', tenant: 't1', partner: 'none' }, value: 1 },
    ]);
    const buckets = (await values(registry, 'pay_request_duration_seconds')).filter((v) => v.metricName === 'pay_request_duration_seconds_bucket').map((v) => v.labels.le);
    expect(buckets).toEqual([1, '+Inf']);
    expect(registry.getSingleMetric('dynamorm_requests_total')).toBeUndefined();
  });

  test('tenant and partner are not labels when the plugin does not allow them, even when the observation has them', async () => {
    const registry = new Registry();
    const exporter = await prometheusExporter({ registry });
    exporter.attach(settings());
    exporter.observe(observation({ tenant: 't1', partner: 'p1' }));
    expect((await values(registry, 'dynamorm_requests_total'))[0]?.labels).toEqual({ operation: 'create', model: 'Order', table: 'orders' });
    const both = new Registry();
    const allowing = await prometheusExporter({ registry: both });
    allowing.attach(settings({ tenant: true, partner: true }));
    allowing.observe(observation({ tenant: undefined, partner: 'p1' }));
    expect((await values(both, 'dynamorm_requests_total'))[0]?.labels).toEqual({ operation: 'create', model: 'Order', table: 'orders', tenant: 'none', partner: 'p1' });
  });

  test('a prefix unusable in metric names is refused; observing before attach is refused', async () => {
    await expect(prometheusExporter({ registry: new Registry(), prefix: 'bad-prefix' })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(prometheusExporter({ registry: new Registry(), prefix: '9x' })).rejects.toBeInstanceOf(ConfigurationError);
    const exporter = await prometheusExporter({ registry: new Registry(), prefix: '' });
    expect(() => exporter.observe(observation())).toThrow(ConfigurationError);
  });
});

// ---------------------------------------------------------------------------------------------
// Span attributes.

const context = (kind: OperationContext['kind'], model?: string): OperationContext => ({
  kind,
  model,
  table: model ? 'orders' : undefined,
  now: new Date(0),
  deadline: undefined,
  tenant: undefined,
  actor: undefined,
  partner: undefined,
});
const BASE = { 'db.system.name': 'aws.dynamodb', 'db.system': 'dynamodb', 'rpc.system': 'aws-api', 'rpc.service': 'DynamoDB' };

describe('requestAttributes: every shape', () => {
  test('a context without a model names only the operation kind', () => {
    const a = requestAttributes({ operation: 'ListTables', input: {}, context: context('table') });
    expect(a).toEqual({ ...BASE, 'db.operation.name': 'ListTables', 'rpc.method': 'ListTables', 'dynamorm.operation': 'table' });
  });

  test('without a context, the request model is used; with neither, no model attribute', () => {
    const withModel = requestAttributes({ operation: 'GetItem', model: 'Order', input: { TableName: 'orders' } } as unknown as Parameters<typeof requestAttributes>[0]);
    expect(withModel['dynamorm.model']).toBe('Order');
    expect(withModel['dynamorm.operation']).toBeUndefined();
    const bare = requestAttributes({ operation: 'GetItem', input: {} } as unknown as Parameters<typeof requestAttributes>[0]);
    expect(bare).toEqual({ ...BASE, 'db.operation.name': 'GetItem', 'rpc.method': 'GetItem' });
  });

  test('a scan: select, segment, total segments, attributes to get, consistent read; values of the wrong type are ignored', () => {
    const a = requestAttributes({
      operation: 'Scan',
      context: context('scan', 'Order'),
      input: { TableName: 'orders', Select: 'COUNT', Segment: 0, TotalSegments: 4, AttributesToGet: ['a', 'b'], ConsistentRead: true, Limit: '5', IndexName: 7 },
    });
    expect(a).toMatchObject({ 'aws.dynamodb.select': 'COUNT', 'aws.dynamodb.segment': 0, 'aws.dynamodb.total_segments': 4, 'aws.dynamodb.attributes_to_get': ['a', 'b'], 'aws.dynamodb.consistent_read': true });
    expect(a['aws.dynamodb.limit']).toBeUndefined();
    expect(a['aws.dynamodb.index_name']).toBeUndefined();
  });

  test('a transaction action without a kind or a table is named Unknown / unknown', () => {
    const a = requestAttributes({ operation: 'TransactWriteItems', context: context('transactWrite'), input: { TransactItems: [{}, { Put: {} }, { Delete: { TableName: 'a' } }] } });
    expect(a['dynamorm.transaction.action_kinds']).toEqual(['Unknown', 'Put', 'Delete']);
    expect(a['dynamorm.transaction.action_tables']).toEqual(['unknown', 'unknown', 'a']);
    expect(a['aws.dynamodb.table_names']).toEqual(['unknown', 'a']);
    expect(a['dynamorm.transaction.actions']).toBe(3);
  });

  test('a batch get: keys per table (a table without keys counts 0), no request kinds', () => {
    const a = requestAttributes({ operation: 'BatchGetItem', context: context('batchGet'), input: { RequestItems: { a: { Keys: [{}, {}] }, b: {} } } });
    expect(a['aws.dynamodb.table_names']).toEqual(['a', 'b']);
    expect(a['dynamorm.batch.table_counts']).toEqual([2, 0]);
    expect(a['dynamorm.batch.requests']).toBe(2);
    expect(a['dynamorm.batch.request_kinds']).toBeUndefined();
  });

  test('a query: index, limit, projection (placeholders only), direction', () => {
    const a = requestAttributes({
      operation: 'Query',
      context: context('query', 'Order'),
      input: { TableName: 'orders', IndexName: 'gsi1', Limit: 10, ProjectionExpression: '#a', ScanIndexForward: false, ExpressionAttributeValues: { ':v': { S: 'secret' } } },
    });
    expect(a).toMatchObject({ 'aws.dynamodb.index_name': 'gsi1', 'aws.dynamodb.limit': 10, 'aws.dynamodb.projection': '#a', 'aws.dynamodb.scan_forward': false, 'db.collection.name': 'orders' });
    expect(JSON.stringify(a)).not.toContain('secret');
  });

  test('a batch write table whose entry is null counts 0 requests and no kinds', () => {
    const a = requestAttributes({ operation: 'BatchWriteItem', context: context('batchWrite'), input: { RequestItems: { a: null, b: [{ PutRequest: {} }] } } });
    expect(a['dynamorm.batch.table_counts']).toEqual([0, 1]);
    expect(a['dynamorm.batch.request_kinds']).toEqual(['PutRequest']);
  });

  test('a batch write request with no kind is named Unknown', () => {
    const a = requestAttributes({ operation: 'BatchWriteItem', context: context('batchWrite'), input: { RequestItems: { a: [{}, { DeleteRequest: {} }] } } });
    expect(a['dynamorm.batch.request_kinds']).toEqual(['Unknown', 'DeleteRequest']);
    expect(a['dynamorm.batch.requests']).toBe(2);
  });
});

describe('outputAttributes: every shape', () => {
  test('no output, or an output that is not an object, gives nothing', () => {
    expect(outputAttributes('GetItem', undefined)).toEqual({});
    expect(outputAttributes('GetItem', 'x')).toEqual({});
  });

  test('a single consumed capacity object is reported as a one-element list', () => {
    const a = outputAttributes('GetItem', { ConsumedCapacity: { TableName: 'orders', CapacityUnits: 0.5 }, Item: { secret: { S: 'x' } } });
    expect(a).toEqual({ 'aws.dynamodb.consumed_capacity': [JSON.stringify({ TableName: 'orders', CapacityUnits: 0.5 })] });
  });

  test('a list of consumed capacities, one JSON string each; count and scanned count', () => {
    const a = outputAttributes('Query', {
      ConsumedCapacity: [{ TableName: 'a', CapacityUnits: 1, Table: { CapacityUnits: 1 } }, { TableName: 'b', GlobalSecondaryIndexes: { g: { CapacityUnits: 2 } } }],
      Count: 3,
      ScannedCount: 7,
      Items: [{ secret: { S: 'x' } }],
    });
    expect(a['aws.dynamodb.consumed_capacity']).toEqual([
      JSON.stringify({ TableName: 'a', CapacityUnits: 1, Table: { CapacityUnits: 1 } }),
      JSON.stringify({ TableName: 'b', GlobalSecondaryIndexes: { g: { CapacityUnits: 2 } } }),
    ]);
    expect(a['aws.dynamodb.count']).toBe(3);
    expect(a['aws.dynamodb.scanned_count']).toBe(7);
    expect(JSON.stringify(a)).not.toContain('secret');
  });

  test('a batch get without unprocessed keys reports 0; with some, their count', () => {
    expect(outputAttributes('BatchGetItem', { Responses: {} })).toEqual({ 'dynamorm.batch.unprocessed': 0 });
    expect(outputAttributes('BatchGetItem', { UnprocessedKeys: { a: { Keys: [{}, {}] }, b: {} } })).toEqual({ 'dynamorm.batch.unprocessed': 2 });
    expect(outputAttributes('BatchWriteItem', { UnprocessedItems: { a: [{}], b: [{}, {}] } })).toEqual({ 'dynamorm.batch.unprocessed': 3 });
  });

  test('both transaction kinds are committed when they have an output; other operations have no outcome', () => {
    expect(outputAttributes('TransactGetItems', {})).toEqual({ 'dynamorm.transaction.outcome': 'committed' });
    expect(outputAttributes('TransactWriteItems', {})).toEqual({ 'dynamorm.transaction.outcome': 'committed' });
    expect(outputAttributes('PutItem', {})).toEqual({});
  });
});

describe('cancellationCodes: every shape', () => {
  test('a missing reason or code reads None', () => {
    expect(cancellationCodes({ CancellationReasons: [undefined, { Code: 'ConditionalCheckFailed' }, {}] })).toEqual(['None', 'ConditionalCheckFailed', 'None']);
  });

  test('reasons two causes deep are found; deeper than three levels are not', () => {
    const reasons = { CancellationReasons: [{ Code: 'None' }] };
    expect(cancellationCodes({ cause: { cause: reasons } })).toEqual(['None']);
    expect(cancellationCodes({ cause: { cause: { cause: reasons } } })).toBeUndefined();
  });

  test("typed reasons are read only when every one carries an awsCode", () => {
    expect(cancellationCodes({ reasons: [{ awsCode: 'None' }, { awsCode: 'TransactionConflict' }] })).toEqual(['None', 'TransactionConflict']);
    expect(cancellationCodes({ reasons: [{ awsCode: 'None' }, { other: 1 }] })).toBeUndefined();
    expect(cancellationCodes({ reasons: [null] })).toBeUndefined();
  });

  test('other errors and non-objects give undefined', () => {
    expect(cancellationCodes(new Error('x'))).toBeUndefined();
    expect(cancellationCodes('x')).toBeUndefined();
    expect(cancellationCodes(undefined)).toBeUndefined();
  });
});
