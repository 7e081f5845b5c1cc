/**
 * The tracing plugin on DynamoDB Local, with OpenTelemetry's SDK and an in-memory exporter: one client
 * span per request with the DynamoDB semantic conventions (table, index, consistency, limit,
 * projection, consumed capacity when asked for); transactions with the table and kind of every
 * action, and when cancelled, the reason of each action by index; batches with their tables and
 * counts; failures recorded with the error's name and code; spans nest under the caller's span;
 * no item or key value in any span; a sampled-out span gets no attributes; a throwing exporter
 * never breaks a request.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOffSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { attr, ItemAlreadyExistsError, model, putItems, TransactionCanceledError, withScope } from '../../../src/index.js';
import { metricsPlugin } from '../../../src/plugins/metrics/index.js';
import { tracingPlugin } from '../../../src/plugins/tracing/index.js';
import { testDb } from '../../support/db.js';

/**
 * No SDK time-out short of a minute: on a loaded machine a 2 s time-out makes the SDK retry on its
 * own, and the counts these tests compare exactly would include retries no fault caused.
 */
const SLOW_MACHINE_MS = 60_000;

const CARD = '4000056655665556';
const Card = model('Card', {
  table: 'tracing-cards',
  attributes: {
    holder: attr.string().partitionKey(),
    cardId: attr.string().sortKey(),
    pan: attr.string(),
    status: attr.enum(['active', 'blocked']),
  },
  indexes: { byStatus: { name: 'gsi-status', partitionKey: 'status', sortKey: 'cardId' } },
});
const Ledger = model('Ledger', {
  table: 'tracing-ledger',
  attributes: { id: attr.string().partitionKey(), balance: attr.integer() },
});

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
// Metrics outside tracing asks for capacity: tracing then reports it.
const db = testDb({ requestTimeoutMs: SLOW_MACHINE_MS, plugins: [metricsPlugin(), tracingPlugin({ tracerProvider: provider })] });
const cards = db.model(Card);

// What an application's OpenTelemetry set-up registers, so spans find their parent across awaits.
const contextManager = new AsyncLocalStorageContextManager().enable();
beforeAll(async () => {
  context.setGlobalContextManager(contextManager);
  await Promise.all([db.tables.create(Card), db.tables.create(Ledger)]);
});
afterAll(() => {
  context.disable();
  db.destroy();
});
beforeEach(() => exporter.reset());

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const only = (operation: string): ReadableSpan => {
  const found = spans().filter((s) => s.attributes['db.operation.name'] === operation);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('item operations', () => {
  test('a put, a get and a query on an index: one client span each, with the conventions', async () => {
    await cards.create({ holder: 'h1', cardId: 'c1', pan: CARD, status: 'active' });
    await cards.get({ holder: 'h1', cardId: 'c1' }, { consistent: true });
    await cards.where('status', '=', 'active').limit(5).all();
    const table = db.tableName(Card);

    const put = only('PutItem');
    expect(put.name).toBe(`PutItem ${table}`);
    expect(put.kind).toBe(2); // SpanKind.CLIENT
    expect(put.attributes).toMatchObject({
      'db.system.name': 'aws.dynamodb',
      'db.system': 'dynamodb',
      'rpc.service': 'DynamoDB',
      'aws.dynamodb.table_names': [table],
      'dynamorm.operation': 'create',
      'dynamorm.model': 'Card',
      'dynamorm.attempts': 1,
    });
    const capacity = (put.attributes['aws.dynamodb.consumed_capacity'] as string[]).map((c) => JSON.parse(c) as { TableName: string });
    expect(capacity[0]!.TableName).toBe(table);

    expect(only('GetItem').attributes).toMatchObject({ 'aws.dynamodb.consistent_read': true, 'dynamorm.operation': 'get' });
    const query = only('Query');
    expect(query.attributes).toMatchObject({ 'aws.dynamodb.index_name': 'gsi-status', 'aws.dynamodb.count': 1, 'dynamorm.operation': 'query' });
    expect(typeof query.attributes['aws.dynamodb.limit']).toBe('number');
    // Nothing of the item or its key in any span.
    const text = JSON.stringify(spans().map((s) => [s.name, s.attributes, s.events]));
    for (const value of [CARD, 'h1', 'c1']) expect(text).not.toContain(value);
  });

  test('a failed condition: status error, error.type, attempts, and the exception named', async () => {
    await cards.create({ holder: 'h2', cardId: 'c1', pan: CARD, status: 'active' });
    exporter.reset();
    await expect(cards.create({ holder: 'h2', cardId: 'c1', pan: CARD, status: 'active' })).rejects.toBeInstanceOf(ItemAlreadyExistsError);
    const put = only('PutItem');
    expect(put.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(put.attributes['error.type']).toBe('ConditionalCheckFailedException');
    expect(put.events.map((e) => e.name)).toEqual(['exception']);
    expect(JSON.stringify(put.events)).not.toContain(CARD);
  });

  test("spans nest under the caller's active span; tenant only when allowed", async () => {
    const allowed = testDb({ requestTimeoutMs: SLOW_MACHINE_MS, tablePrefix: db.config.tablePrefix, plugins: [tracingPlugin({ tracerProvider: provider, allow: { tenant: true } })] });
    const parent = provider.getTracer('app').startSpan('handler');
    await context.with(trace.setSpan(context.active(), parent), () => withScope({ tenant: 'merchant-7' }, () => allowed.model(Card).get({ holder: 'h1', cardId: 'c1' })));
    parent.end();
    const get = only('GetItem');
    expect(get.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(get.attributes['dynamorm.tenant']).toBe('merchant-7');
    exporter.reset();
    await withScope({ tenant: 'merchant-7' }, () => cards.get({ holder: 'h1', cardId: 'c1' }));
    expect(only('GetItem').attributes).not.toHaveProperty('dynamorm.tenant');
    allowed.destroy();
  });
});

describe('transactions and batches', () => {
  test('a committed transaction: every action with its table and kind', async () => {
    await db.model(Ledger).create({ id: 'l3-base', balance: 1 });
    exporter.reset();
    await db.transaction((tx) => {
      tx.create(Card, { holder: 'h3', cardId: 'c1', pan: CARD, status: 'active' });
      tx.create(Ledger, { id: 'l3', balance: 10 });
      tx.check(Ledger, { id: 'l3-base' }, (c) => c.exists('id'));
    });
    const span = only('TransactWriteItems');
    const [cardsTable, ledgerTable] = [db.tableName(Card), db.tableName(Ledger)];
    expect(span.attributes).toMatchObject({
      'aws.dynamodb.table_names': [cardsTable, ledgerTable],
      'dynamorm.transaction.actions': 3,
      'dynamorm.transaction.action_kinds': ['Put', 'Put', 'ConditionCheck'],
      'dynamorm.transaction.action_tables': [cardsTable, ledgerTable, ledgerTable],
      'dynamorm.transaction.outcome': 'committed',
      'dynamorm.operation': 'transactWrite',
    });
    expect(JSON.stringify(span.attributes)).not.toContain(CARD);
  });

  test('a cancelled transaction: the reason of each action by index, and an event per failed action', async () => {
    await db.model(Ledger).create({ id: 'l4', balance: 1 });
    exporter.reset();
    await expect(
      db.transaction((tx) => {
        tx.create(Card, { holder: 'h4', cardId: 'c1', pan: CARD, status: 'active' });
        tx.create(Ledger, { id: 'l4', balance: 2 });
      }),
    ).rejects.toBeInstanceOf(TransactionCanceledError);
    const span = only('TransactWriteItems');
    expect(span.status.code).toBe(2);
    expect(span.attributes).toMatchObject({
      'dynamorm.transaction.outcome': 'cancelled',
      'dynamorm.transaction.cancellation_reasons': ['None', 'ConditionalCheckFailed'],
      'error.type': 'DynamoDBError',
    });
    const failed = span.events.filter((e) => e.name === 'transaction.action_failed');
    expect(failed.map((e) => e.attributes)).toEqual([{ 'dynamorm.transaction.action_index': 1, 'dynamorm.transaction.reason': 'ConditionalCheckFailed' }]);
    expect(JSON.stringify([span.attributes, span.events])).not.toContain(CARD);
  });

  test('a batch write across two tables and a batch get: tables, counts per table, request kinds', async () => {
    await db.batchWrite([
      putItems(Card, [
        { holder: 'h5', cardId: 'c1', pan: CARD, status: 'active' },
        { holder: 'h5', cardId: 'c2', pan: CARD, status: 'blocked' },
      ]),
      putItems(Ledger, [{ id: 'l5', balance: 5 }]),
    ]);
    const write = only('BatchWriteItem');
    expect(write.attributes).toMatchObject({
      'aws.dynamodb.table_names': [db.tableName(Card), db.tableName(Ledger)],
      'dynamorm.batch.table_counts': [2, 1],
      'dynamorm.batch.requests': 3,
      'dynamorm.batch.request_kinds': ['PutRequest', 'PutRequest', 'PutRequest'],
      'dynamorm.batch.unprocessed': 0,
      'dynamorm.operation': 'batchWrite',
    });
    exporter.reset();
    await cards.batchGet([{ holder: 'h5', cardId: 'c1' }, { holder: 'h5', cardId: 'c2' }]);
    expect(only('BatchGetItem').attributes).toMatchObject({ 'dynamorm.batch.table_counts': [2], 'dynamorm.batch.unprocessed': 0 });
  });
});

describe('cost and failure of the tracer', () => {
  test('a span that is not sampled gets no attributes, and the request goes on', async () => {
    const off = new InMemorySpanExporter();
    const sampledOut = new BasicTracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [new SimpleSpanProcessor(off)] });
    const quiet = testDb({ requestTimeoutMs: SLOW_MACHINE_MS, tablePrefix: db.config.tablePrefix, plugins: [tracingPlugin({ tracerProvider: sampledOut })] });
    expect(await quiet.model(Card).get({ holder: 'h1', cardId: 'c1' })).toMatchObject({ status: 'active' });
    expect(off.getFinishedSpans()).toEqual([]);
    quiet.destroy();
  });

  test('an exporter that throws never breaks a request; onError hears of it', async () => {
    const broken: SpanExporter = {
      export() {
        throw new Error('collector down');
      },
      shutdown: () => Promise.resolve(),
    };
    const errors: unknown[] = [];
    const failing = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(broken)] });
    const tracer = failing.getTracer('dynamorm');
    const throwingTracer = { ...tracer, startSpan: () => { throw new Error('tracer broken'); } } as unknown as typeof tracer;
    const a = testDb({ requestTimeoutMs: SLOW_MACHINE_MS, tablePrefix: db.config.tablePrefix, plugins: [tracingPlugin({ tracerProvider: failing, onError: (e) => errors.push(e) })] });
    const b = testDb({ requestTimeoutMs: SLOW_MACHINE_MS, tablePrefix: db.config.tablePrefix, plugins: [tracingPlugin({ tracer: throwingTracer, onError: (e) => errors.push(e) })] });
    expect(await a.model(Card).get({ holder: 'h1', cardId: 'c1' })).toMatchObject({ status: 'active' });
    await expect(a.model(Card).create({ holder: 'h1', cardId: 'c1', pan: CARD, status: 'active' })).rejects.toBeInstanceOf(ItemAlreadyExistsError);
    expect(await b.model(Card).get({ holder: 'h1', cardId: 'c1' })).toMatchObject({ status: 'active' });
    expect(errors.map((e) => (e as Error).message)).toContain('tracer broken');
    a.destroy();
    b.destroy();
  });
});
