/**
 * examples/iot on DynamoDB Local: what the ingest handler answered, checked against the requests sent
 * (batches, never single puts) and the raw table (every reading once, each with its TTL in epoch
 * seconds, TTL enabled on the table), and the dashboard reads: latest per device, a time range that
 * leaves out expired readings still stored.
 */
import { DescribeTimeToLiveCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, expect, test } from 'vitest';
import type { DynamORMRequest } from '../../src/index.js';
import { rawItem, recordRequests, testCoreDb } from '../../test/support/db.js';
import { main, PER_DEVICE, STEP_MS } from './index.js';
import { Reading, RETENTION_MS } from './models.js';

const sent: DynamORMRequest[] = [];
const db = testCoreDb({ requestTimeoutMs: 10_000, middleware: [recordRequests(sent)] });
afterAll(() => db.destroy());

test('examples/iot: batched ingest, TTL, latest reading, time ranges', { timeout: 120_000 }, async () => {
  const lines: string[] = [];
  const r = await main(db, (line) => lines.push(line));
  // Every reading written (some perhaps on a second delivery, when a loaded machine made an
  // invocation hand them back), the two out-of-range ones rejected.
  expect(r.results.map((x) => [x.written, x.rejected])).toEqual([
    [300, 0],
    [150, 2],
    [155, 0],
  ]);
  // 605 writes in batches of at most 25: at least 25 calls, and no single PutItem.
  const batches = sent.filter((q) => q.operation === 'BatchWriteItem');
  expect(sent.filter((q) => q.operation === 'PutItem')).toEqual([]);
  expect(r.stats).toMatchObject({ written: 605, refused: 2 });
  expect(batches.length).toBeGreaterThanOrEqual(25);
  const redelivered = r.results.reduce((n, x) => n + x.redelivered, 0);
  expect(batches.length).toBeLessThanOrEqual(40 + Math.ceil(redelivered / 25) * 2);
  for (const b of batches) {
    const requests = Object.values((b.input as { RequestItems: Record<string, unknown[]> }).RequestItems).flat();
    expect(requests.length).toBeLessThanOrEqual(25);
  }

  // Each device holds its 200 readings (the greenhouse 5 more, expired), read raw and consistently.
  for (const [d, deviceId] of r.devices.entries()) {
    const out = await db.client.send(new QueryCommand({ TableName: db.tableName(Reading), KeyConditionExpression: 'deviceId = :d', ExpressionAttributeValues: { ':d': { S: deviceId } }, ConsistentRead: true, Select: 'COUNT' }));
    expect(out.Count).toBe(PER_DEVICE + (d === 2 ? 5 : 0));
  }
  // The TTL attribute: epoch seconds, the reading's time plus the retention; TTL is on for the table.
  const at = r.start + 7 * STEP_MS;
  const stored = await rawItem(db, Reading, { deviceId: { S: r.devices[0] as string }, at: { N: String(at) } });
  expect(stored).toMatchObject({ at: { N: String(at) }, expiresAt: { N: String(Math.floor((at + RETENTION_MS) / 1000)) }, temperature: { N: '20.7' } });
  const ttl = await db.client.send(new DescribeTimeToLiveCommand({ TableName: db.tableName(Reading) }));
  expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  // The out-of-range readings were refused and are not stored.
  expect(await rawItem(db, Reading, { deviceId: { S: r.devices[0] as string }, at: { N: String(r.now - 1) } })).toBeUndefined();

  // Latest: each device's last reading of the stream (not the later, refused ones).
  const last = r.start + (PER_DEVICE - 1) * STEP_MS;
  expect(r.latest.map((x) => [x?.deviceId, x?.at, x?.temperature])).toEqual(r.devices.map((deviceId, d) => [deviceId, last, 20 + d * 10 + 0.9]));
  // The range: the offline readings are stored but expired, so left out; the live ones in order.
  const offlineStored = await rawItem(db, Reading, { deviceId: { S: r.devices[2] as string }, at: { N: String(r.offline[0]?.at) } });
  expect(Number(offlineStored?.expiresAt?.N) * 1000).toBeLessThan(Date.now());
  expect(r.range.map((x) => x.at)).toEqual(Array.from({ length: 20 }, (_, i) => r.start + i * STEP_MS));
  expect(lines).toHaveLength(8);
});
