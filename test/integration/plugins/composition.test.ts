/**
 * The three observers together on DynamoDB Local, in the documented order (tracing, metrics,
 * logging, outermost first): every request is seen once by each, the caller gets what it would get
 * without them, the log records of real requests hold no value of an item or a key, and when every
 * observer throws at once (tracer, exporters, EMF sink, logger) requests still succeed and fail
 * exactly as without plugins.
 */
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attr, ItemAlreadyExistsError, model, pluginNames, VersionConflictError, type Item } from '../../../src/index.js';
import { loggingPlugin, type LoggerLike } from '../../../src/plugins/logging/index.js';
import { emfExporter, metricsPlugin } from '../../../src/plugins/metrics/index.js';
import { tracingPlugin } from '../../../src/plugins/tracing/index.js';
import { testDb } from '../../support/db.js';

/**
 * No SDK time-out short of a minute: on a loaded machine a 2 s time-out makes the SDK retry on its
 * own, and the counts these tests compare exactly would include retries no fault caused.
 */
const SLOW_MACHINE_MS = 60_000;

const IBAN = 'DE89370400440532013000';
const Payout = model('Payout', {
  table: 'plugins-payouts',
  attributes: {
    id: attr.string().partitionKey(),
    iban: attr.string(),
    amount: attr.cents(),
    version: attr.version(),
  },
});

function capturingLogger() {
  const records: { level: string; message: unknown; record: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: unknown, record: Record<string, unknown>) => void records.push({ level, message, record });
  const logger: LoggerLike = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, records };
}

const plain = testDb({ requestTimeoutMs: SLOW_MACHINE_MS });
beforeAll(() => plain.tables.create(Payout));
afterAll(() => plain.destroy());

/** The same story, told to a database: what the caller sees at each step. */
async function story(db: ReturnType<typeof testDb>, id: string): Promise<unknown[]> {
  const payouts = db.model(Payout);
  const seen: unknown[] = [];
  const created: Item<typeof Payout> = await payouts.create({ id, iban: IBAN, amount: 100 });
  seen.push(created);
  seen.push(await payouts.create({ id, iban: IBAN, amount: 1 }).catch((e: Error) => e.name));
  seen.push(await payouts.update(created, { amount: 200 }));
  seen.push(await payouts.update(created, { amount: 300 }).catch((e: Error) => e.name));
  seen.push(await payouts.get({ id }, { consistent: true }));
  return seen;
}

describe('composition', () => {
  test('tracing, metrics, logging: each sees every request once; the caller sees what it would without them', async () => {
    const exporter = new InMemorySpanExporter();
    const lines: string[] = [];
    const { logger, records } = capturingLogger();
    const observed = metricsPlugin({ exporters: [emfExporter({ sink: (l) => void lines.push(l) })] });
    const db = testDb({
      requestTimeoutMs: SLOW_MACHINE_MS,
      tablePrefix: plain.config.tablePrefix,
      plugins: [tracingPlugin({ tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }) }), observed, loggingPlugin({ logger })],
    });
    expect(pluginNames(db)).toEqual(['tracing', 'metrics', 'logging']);

    const withPlugins = await story(db, 'with');
    const without = await story(plain, 'without');
    const strip = (values: unknown[]) => JSON.parse(JSON.stringify(values, (k, v) => (k === 'id' ? undefined : v))) as unknown;
    expect(strip(withPlugins)).toEqual(strip(without));
    expect(withPlugins[1]).toBe(ItemAlreadyExistsError.errorName);
    expect(withPlugins[3]).toBe(VersionConflictError.errorName);

    const requests = observed.snapshot().requests;
    expect(requests).toBeGreaterThanOrEqual(5);
    expect(exporter.getFinishedSpans()).toHaveLength(requests);
    expect(records).toHaveLength(requests);
    expect(records.map((r) => r.level)).toEqual(expect.arrayContaining(['debug', 'info']));
    expect(records.filter((r) => r.level === 'info').map((r) => r.record.errorName)).toEqual(['ConditionalCheckFailedException', 'ConditionalCheckFailedException']);
    // Logging sits inside metrics: it logs the capacity metrics asked for.
    expect(records.find((r) => r.record.operation === 'GetItem')?.record.consumedCapacity).toBeGreaterThan(0);
    // No value of the item or its key in any record, span or metric line.
    await observed.flush();
    const everything = JSON.stringify([records, exporter.getFinishedSpans().map((s) => [s.name, s.attributes, s.events]), lines]);
    for (const value of [IBAN, '"with"']) expect(everything).not.toContain(value);
    db.destroy();
  });

  test('every observer throwing at once: requests succeed and fail exactly as without plugins', async () => {
    const boom = () => {
      throw new Error('observer down');
    };
    const brokenLogger: LoggerLike = { debug: boom, info: boom, warn: boom, error: boom };
    const brokenTracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor({ export: boom, shutdown: () => Promise.resolve() })] });
    const metrics = metricsPlugin({ exporters: [emfExporter({ sink: boom, maxPendingValues: 1 }), { attach() {}, observe: boom }] });
    const db = testDb({ requestTimeoutMs: SLOW_MACHINE_MS, tablePrefix: plain.config.tablePrefix, plugins: [tracingPlugin({ tracerProvider: brokenTracer }), metrics, loggingPlugin({ logger: brokenLogger })] });
    const withBroken = await story(db, 'broken');
    const without = await story(plain, 'plain');
    const strip = (values: unknown[]) => JSON.parse(JSON.stringify(values, (k, v) => (k === 'id' ? undefined : v))) as unknown;
    expect(strip(withBroken)).toEqual(strip(without));
    await expect(metrics.flush()).resolves.toBeUndefined();
    // The in-process figures still hold: the recorder is not an exporter.
    expect(metrics.snapshot().errorsByName).toEqual({ ConditionalCheckFailedException: 2 });
    db.destroy();
  });
});
