/**
 * The IoT example, end to end: three devices report a reading every 15 s for 50 minutes; the
 * readings arrive at the ingest handler in three invocations (as a stream trigger delivers them),
 * with two readings out of range and a few from a device that was offline for ten days (already past
 * their retention). Then the dashboard reads: each device's latest reading, and a time range.
 * `main(db)` runs it on the demo's database; the handler is invoked locally with a simulated context.
 * Run it alone with `npx tsx scripts/with-local-dynamodb.ts tsx examples/iot/index.ts`.
 */
import { pathToFileURL } from 'node:url';
import { Database } from '../../src/index.js';
import { invokeLocally } from '../../src/lambda/index.js';
import { telemetry, type RawReading } from './app.js';

export const STEP_MS = 15_000;
export const PER_DEVICE = 200;

/** Runs the story, printing each step; returns what the test checks. */
export async function main(db: Database, log: (line: string) => void = console.log) {
  const app = telemetry(db);
  await app.createTables();
  const run = Date.now().toString(36);
  const devices = ['boiler', 'freezer', 'greenhouse'].map((d) => `${d}-${run}`);
  const now = db.config.clock().getTime();
  const start = now - PER_DEVICE * STEP_MS;
  // Interleaved as a stream delivers them: every device's reading of one instant, then the next instant.
  const stream: RawReading[] = [];
  for (let i = 0; i < PER_DEVICE; i++) {
    devices.forEach((deviceId, d) => stream.push({ deviceId, at: start + i * STEP_MS, temperature: 20 + d * 10 + (i % 10) / 10, humidity: 40 + (i % 7) }));
  }
  const outOfRange = [{ deviceId: devices[0] as string, at: now - 1, temperature: 999 }, { deviceId: devices[1] as string, at: now - 2, temperature: 5, humidity: 140 }];
  const offline = Array.from({ length: 5 }, (_, i) => ({ deviceId: devices[2] as string, at: now - 10 * 86_400_000 + i * STEP_MS, temperature: 12 }));
  const deliveries = [stream.slice(0, 300), [...stream.slice(300, 450), ...outOfRange], [...offline, ...stream.slice(450)]];

  // A reading handed back (not written before the invocation's deadline, or in doubt) is delivered
  // again, as a stream trigger retries a batch: writing a reading twice stores it once.
  const results: { written: number; rejected: number; redelivered: number }[] = [];
  for (const [n, readings] of deliveries.entries()) {
    const started = Date.now();
    const total = { written: 0, rejected: 0, redelivered: 0 };
    let pending: RawReading[] = readings;
    for (let attempt = 0; pending.length > 0 && attempt < 5; attempt++) {
      const result = await invokeLocally(app.ingest, { readings: pending }, { remainingMs: 60_000 }); // an ingest function with a 60 s timeout
      total.written += result.written;
      total.rejected += result.rejected;
      if (attempt > 0) total.redelivered += pending.length;
      pending = result.retry;
    }
    results.push(total);
    log(`ingest ${n + 1}: ${readings.length} readings, ${total.written} written, ${total.rejected} rejected${total.redelivered ? `, ${total.redelivered} delivered again` : ''}, in ${Date.now() - started} ms`);
  }
  const stats = app.writes.stats();
  log(`the batcher sent ${stats.written} writes in ${stats.batches} BatchWriteItem calls`);

  const latest = await Promise.all(devices.map((d) => app.latest(d)));
  for (const r of latest) log(`latest of ${r?.deviceId}: ${r?.temperature} °C at ${new Date(r?.at ?? 0).toISOString()}, expires ${r?.expiresAt.toISOString()}`);
  // The greenhouse over ten days: only the last 50 minutes are live; the offline readings are past their retention.
  const from = now - 11 * 86_400_000;
  const to = start + 19 * STEP_MS;
  const range = await app.range(devices[2] as string, from, to);
  log(`greenhouse readings from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}: ${range.length} live (the 5 offline ones have expired)`);
  await app.writes.close();
  return { devices, now, start, results, stats, latest, range, offline };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const db = Database.create();
  try {
    await main(db);
  } finally {
    db.destroy();
  }
}
