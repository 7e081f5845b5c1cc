/**
 * Typed stream events from real DynamoDB Streams records: DynamoDB Local records the changes, the
 * records are read with the real streams client and turned into the JSON Lambda delivers (binary as
 * base64), and `parseStream` / `streamHandler` must give back exactly what reads give.
 */
import { DescribeTableCommand, PutItemCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, expectTypeOf, test } from 'vitest';
import { attr, defineExtension, model, ValidationError, type Item } from '../../../src/index.js';
import { isEventOf, parseStream, streamHandler, type DynamoDBStreamEvent, type DynamoDBStreamRecord, type StreamEvent } from '../../../src/streams/index.js';
import { endpoint, localCredentials, testDb } from '../../support/db.js';

const pages: number[] = [];
const counting = defineExtension({ name: 'counting', forModel: (m) => (m.name === 'Order' ? { beforeDecode: (_c, items) => void pages.push(items.length) } : undefined) });

const OrderModel = model('Order', {
  table: 'streams-shop',
  attributes: {
    shopId: attr.string(),
    id: attr.string(),
    pk: attr.template('SHOP#{shopId}').partitionKey(),
    sk: attr.template('ORDER#{id}').sortKey(),
    total: attr.cents(),
    receipt: attr.binary().optional(),
    tags: attr.stringSet(),
    placedAt: attr.date(),
    version: attr.version(),
  },
  extensions: [counting],
});
const ShopModel = model('Shop', {
  table: 'streams-shop',
  attributes: { shopId: attr.string(), pk: attr.template('SHOP#{shopId}').partitionKey(), sk: attr.template('PROFILE').sortKey(), name: attr.string() },
});

const db = testDb();
const streams = new DynamoDBStreamsClient({ endpoint: endpoint(), region: 'us-east-1', credentials: localCredentials });
let streamArn = '';

/** Every record of the table's stream so far, as Lambda would deliver them (binary as base64 text). */
async function lambdaEvent(): Promise<DynamoDBStreamEvent> {
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const records: unknown[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      records.push(...(page.Records ?? []).map((r) => ({ ...r, eventSourceARN: streamArn })));
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  // Lambda's JSON: binary as base64, dates as epoch seconds.
  const json = JSON.stringify(records, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
    return value;
  });
  return { Records: JSON.parse(json) as DynamoDBStreamRecord[] };
}

beforeAll(async () => {
  await db.tables.create([OrderModel, ShopModel]);
  const table = db.tableName(OrderModel);
  await db.client.send(new UpdateTableCommand({ TableName: table, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }));
  streamArn = (await db.client.send(new DescribeTableCommand({ TableName: table }))).Table?.LatestStreamArn ?? '';
  expect(streamArn).toMatch(/:table\/.+\/stream\//);
});
afterAll(() => {
  streams.destroy();
  db.destroy();
});

describe('parseStream', () => {
  test('INSERT, MODIFY and REMOVE events of each model in a shared table, images equal to what reads return', async () => {
    const orders = db.model(OrderModel);
    const created = await orders.create({ shopId: 's1', id: 'o1', total: 1250, receipt: new Uint8Array([0, 1, 254, 255]), tags: new Set(['a', 'b']), placedAt: new Date('2026-01-02T03:04:05.678Z') });
    const updated = await orders.update({ shopId: 's1', id: 'o1', version: 1 }, { total: 1300 });
    const shop = await db.model(ShopModel).create({ shopId: 's1', name: 'Corner shop' });
    await orders.delete({ shopId: 's1', id: 'o1', version: 2 });
    // An item no given model wrote (another entity type in the same table).
    await db.client.send(new PutItemCommand({ TableName: db.tableName(OrderModel), Item: { pk: { S: 'SHOP#s1' }, sk: { S: 'NOTE' }, _type: { S: 'Note' } } }));

    pages.length = 0;
    const { events, unmatched } = await parseStream(db, [OrderModel, ShopModel], await lambdaEvent());
    expect(events.map((e) => [e.name, e.type])).toEqual([
      ['Order', 'INSERT'],
      ['Order', 'MODIFY'],
      ['Shop', 'INSERT'],
      ['Order', 'REMOVE'],
    ]);
    expect(unmatched).toHaveLength(1);
    const [insert, modify, shopInsert, remove] = events;
    expect(insert?.newItem).toEqual(created);
    expect(insert?.oldItem).toBeUndefined();
    expect(modify?.oldItem).toEqual(created);
    expect(modify?.newItem).toEqual(updated);
    expect(shopInsert?.newItem).toEqual(shop);
    expect(remove?.oldItem).toEqual(updated);
    expect(remove?.newItem).toBeUndefined();
    expect(remove?.expiredByTtl).toBe(false);
    expect(insert?.keys).toMatchObject({ shopId: 's1', id: 'o1' });
    // The receipt came as base64 text and reads back as the same bytes.
    expect(insert?.newItem && 'receipt' in insert.newItem ? insert.newItem.receipt : undefined).toEqual(new Uint8Array([0, 1, 254, 255]));
    // Extension hooks run once per model per batch, over all its images (4 of Order: new; old and new; old).
    expect(pages).toEqual([4]);
  });

  test('events narrow to their model by name or by isEventOf', async () => {
    const { events } = await parseStream(db, [OrderModel, ShopModel], await lambdaEvent());
    for (const e of events) {
      if (e.name === 'Shop' && e.type === 'INSERT') expectTypeOf(e.newItem).toEqualTypeOf<Item<typeof ShopModel> | undefined>();
      if (isEventOf(e, OrderModel)) expectTypeOf(e).toEqualTypeOf<StreamEvent<typeof OrderModel>>();
    }
    expect(events.filter((e) => isEventOf(e, ShopModel))).toHaveLength(1);
  });

  test('keys-only records give keys and no images; a removal by time to live says so', async () => {
    const event = await lambdaEvent();
    const keysOnly = event.Records.map((r) => ({ ...r, dynamodb: { ...r.dynamodb, NewImage: undefined, OldImage: undefined, StreamViewType: 'KEYS_ONLY' as const } }));
    // Two models share the table: with keys only, the model cannot be told, so nothing is guessed.
    expect((await parseStream(db, [OrderModel, ShopModel], { Records: keysOnly })).events).toEqual([]);
    const { events } = await parseStream(db, [OrderModel], { Records: keysOnly });
    expect(events[0]).toMatchObject({ type: 'INSERT', newItem: undefined, keys: { shopId: 's1', id: 'o1' } });
    const removal = event.Records.find((r) => r.eventName === 'REMOVE') as DynamoDBStreamRecord;
    const byTtl = { ...removal, userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } };
    expect((await parseStream(db, [OrderModel], { Records: [byTtl] })).events[0]?.expiredByTtl).toBe(true);
  });

  test('records of another table are unmatched', async () => {
    const event = await lambdaEvent();
    const elsewhere = event.Records.map((r) => ({ ...r, eventSourceARN: streamArn.replace(/table\/[^/]+/, 'table/other') }));
    const parsed = await parseStream(db, [OrderModel, ShopModel], { Records: elsewhere });
    expect(parsed.events).toEqual([]);
    expect(parsed.unmatched).toHaveLength(elsewhere.length);
  });
});

describe('streamHandler', () => {
  test('handles events in order and, at the first failure, returns that record for Lambda to retry', async () => {
    const event = await lambdaEvent();
    const seen: string[] = [];
    const errors: string[] = [];
    const handler = streamHandler(
      db,
      [OrderModel, ShopModel],
      (e) => {
        if (e.name === 'Shop') throw new Error('downstream unavailable');
        seen.push(`${e.name}:${e.type}`);
      },
      { onError: (error) => errors.push((error as Error).message) },
    );
    const shopRecord = event.Records.findIndex((r) => r.dynamodb?.NewImage?._type?.S === 'Shop');
    const result = await handler(event);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: event.Records[shopRecord]?.dynamodb?.SequenceNumber }]);
    expect(seen).toEqual(['Order:INSERT', 'Order:MODIFY']);
    expect(errors).toEqual(['downstream unavailable']);
    // All handled: no failures. Unmatched records are skipped by default, or failed when asked.
    expect(await streamHandler(db, [OrderModel, ShopModel], () => undefined)(event)).toEqual({ batchItemFailures: [] });
    const strict = await streamHandler(db, [OrderModel, ShopModel], () => undefined, { unmatched: 'fail', onError: () => undefined })(event);
    const note = event.Records.find((r) => r.dynamodb?.NewImage?._type?.S === 'Note');
    expect(strict.batchItemFailures).toEqual([{ itemIdentifier: note?.dynamodb?.SequenceNumber }]);
  });

  test('a record whose image does not fit its model fails there, after the records before it are handled', async () => {
    const event = await lambdaEvent();
    const first = event.Records[0] as DynamoDBStreamRecord;
    const bad: DynamoDBStreamRecord = {
      ...first,
      dynamodb: { ...first.dynamodb, SequenceNumber: '999', NewImage: { ...first.dynamodb?.NewImage, total: { S: 'not cents' } } },
    };
    const records = [first, bad, ...event.Records.slice(1)];
    const seen: string[] = [];
    const errors: unknown[] = [];
    const result = await streamHandler(db, [OrderModel, ShopModel], (e) => void seen.push(e.type), { onError: (e) => errors.push(e) })({ Records: records });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '999' }]);
    expect(seen).toEqual(['INSERT']);
    expect(errors[0]).toBeInstanceOf(ValidationError);
    // The default error report names the error and the record, never the message (it may hold a value).
    const lines: string[] = [];
    const original = console.error;
    console.error = (line: string) => void lines.push(line);
    try {
      await streamHandler(db, [OrderModel], () => undefined)({ Records: [bad] });
    } finally {
      console.error = original;
    }
    expect(lines).toEqual(['dynamorm stream: record 999 failed with ValidationError']);
  });
});
