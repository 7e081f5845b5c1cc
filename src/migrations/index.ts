/**
 * `dynamorm/migrations`: versioned data migrations that transform a model's items in place, without
 * downtime. A parallel scan reads the items; each change is written with a condition that the item is
 * unchanged since it was read (so a concurrent change is never overwritten) and marks the item, so it
 * is transformed once; each segment's place is recorded after every page, so a run that is killed
 * resumes where it was; a lease on the migration's record keeps a second runner out.
 *
 * ```ts
 * import { defineMigration, runMigration } from 'dynamorm/migrations';
 * const addCurrency = defineMigration({
 *   id: '2026-12-01-add-currency',
 *   model: Payment,
 *   transform: (item) => (item.currency ? undefined : { ...item, currency: 'EUR' }),
 * });
 * await runMigration(db, addCurrency, { segments: 8, onProgress: (p) => console.log(p.counts) });
 * ```
 * @packageDocumentation
 */
export { defineMigration, isMigration } from './define.js';
export type { Migration, MigrationItem, MigrationOutput, MigrationSpec, TransformContext } from './define.js';
export { runMigration } from './run.js';
export type { MigrationProgress, MigrationRunResult, RunMigrationOptions } from './run.js';
export { migrationRecords, MigrationRecords, DEFAULT_MIGRATIONS_TABLE } from './record.js';
export type { MigrationCounts, MigrationRecord, MigrationRecordModel } from './record.js';
export { pendingMigrations, MARK_ATTRIBUTE } from './plan.js';
export type { MigrationStatus, PendingMigration } from './plan.js';
export { pendingOn, migrationsOf } from './pending.js';
export { MigrationDefinitionError, MigrationError, MigrationLeaseLostError, MigrationLockedError, MigrationStoppedError } from './errors.js';
