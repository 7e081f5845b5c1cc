/**
 * The telemetry service: an ingest handler fed batches of readings (as an IoT rule or a Kinesis
 * trigger invokes Lambda), and the reads a dashboard needs.
 * - ingest: every reading goes to a module-level batcher (`dynamorm/batcher`), which packs them into
 *   BatchWriteItem calls of 25, several in flight; the invocation flushes before it answers, so no
 *   write waits in a frozen container. Each reading gets its expiry (`expiresAt`, the TTL attribute).
 *   A reading refused by validation is dropped and counted; one not written in time is handed back
 *   for the trigger to retry (puts are idempotent: writing a reading twice stores it once);
 * - latest: a device's newest reading (one query, newest first, stopping at the first live one);
 * - range: a device's readings between two instants, oldest first.
 * DynamoDB deletes expired items up to days late, so reads filter out readings past their expiry:
 * what a read returns does not depend on when the sweeper last ran.
 */
import { tables, type Database } from '../../src/index.js';
import { batcher, type BatchedWrite } from '../../src/batcher/index.js';
import { withDynamORM, type LambdaContext } from '../../src/lambda/index.js';
import { Reading, RETENTION_MS } from './models.js';

/** What a device sends. `at` is epoch milliseconds. */
export interface RawReading {
  readonly deviceId: string;
  readonly at: number;
  readonly temperature: number;
  readonly humidity?: number;
}

/** What an ingest invocation answers: counts, and the readings to send again. */
export interface IngestResult {
  readonly written: number;
  readonly rejected: number;
  readonly retry: RawReading[];
}

/** Builds the service on `db`: its batcher lives as long as the container. */
export function telemetry(db: Database) {
  const writes = batcher(db, { maxSize: 25, maxWait: 20, parallelism: 4, maxPending: 2000 });
  const readings = db.model(Reading);
  const live = () => db.config.clock();
  const back = (w: BatchedWrite): RawReading => {
    // Only puts of readings are added here.
    const { deviceId, at, temperature, humidity } = (w.kind === 'put' ? w.item : {}) as Reading;
    return { deviceId, at, temperature, ...(humidity === undefined ? {} : { humidity }) };
  };

  return {
    writes,
    /** Creates the table (once, as a deployment would); TTL is enabled on `expiresAt`. */
    createTables: () => tables(db).create(Reading, { ifNotExists: true }),

    /** The ingest handler. */
    ingest: withDynamORM(async (event: { readings: RawReading[] }, _context: LambdaContext): Promise<IngestResult> => {
      for (const r of event.readings) {
        // Failures come back in the flush report; the promises need no handler.
        void writes.add(Reading, { ...r, expiresAt: new Date(r.at + RETENTION_MS) }).catch(() => undefined);
      }
      const report = await writes.flush();
      return { written: report.written, rejected: report.refused.length, retry: [...report.notWritten, ...report.inDoubt].map(back) };
    }),

    /** The newest reading of a device that has not expired, or undefined. */
    latest: (deviceId: string) => readings.where('deviceId', '=', deviceId).filter('expiresAt', '>', live()).order('desc').first(),

    /** A device's live readings from `from` to `to` (epoch ms, inclusive), oldest first. */
    range: (deviceId: string, from: number, to: number) => readings.where('deviceId', '=', deviceId).where('at', 'between', [from, to]).filter('expiresAt', '>', live()).all(),
  };
}
export type Telemetry = ReturnType<typeof telemetry>;
