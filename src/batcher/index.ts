/**
 * `dynamorm/batcher`: single writes gathered into BatchWriteItem calls, with a promise per write,
 * bounded parallelism and backpressure, `flush()` and `close()` that lose nothing, and writes that
 * cannot be sent before a Lambda deadline handed back rather than dropped.
 *
 * ```ts
 * import { batcher } from 'dynamorm/batcher';
 * const writes = batcher(db, { maxSize: 25, maxWait: 100, parallelism: 4, maxPending: 1000 });
 * await writes.add(Payment, payment);
 * const report = await writes.close();
 * ```
 * @packageDocumentation
 */
export { batcher } from './batcher.js';
export type { Batcher, BatcherOptions, BatcherReport, BatcherStats } from './batcher.js';
export { BatchItemInDoubtError, BatchItemNotWrittenError, BatcherClosedError, BatcherFullError } from './errors.js';
export type { BatchedWrite, NotWrittenReason } from './errors.js';
