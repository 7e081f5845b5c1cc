/**
 * What `dynamorm migrate` does with data migrations: finds those the models module exports, lists the
 * pending ones in its plan, and (with `--apply`, after the schema steps) runs them one at a time with
 * a progress line. Loaded by the CLI only.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Output } from '../cli/output.js';
import type { Database } from '../database.js';
import { migrationsOf, pendingOn } from './pending.js';
import type { PendingMigration } from './plan.js';
import { runMigration } from './run.js';

/**
 * The pending data migrations of the module `file` (already imported by the CLI, so this import is
 * the same module) on `db`, in the order they run.
 */
export async function pendingDataMigrations(db: Database, file: string, table: string | undefined): Promise<PendingMigration[]> {
  const module = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  const migrations = migrationsOf(module);
  return migrations.length === 0 ? [] : pendingOn(db, migrations, table === undefined ? {} : { table });
}

/** A pending data migration as one line of the plan. */
export function describeDataMigration(p: PendingMigration): string {
  const what = p.action === 'start' ? '' : p.action === 'resume' ? ', resumes where it stopped' : ', a new pass for the items left';
  return `data migration ${p.migration.id} of ${p.migration.model.name}${what}${p.migration.description ? `: ${p.migration.description}` : ''}`;
}

/** Runs one pending data migration with a progress line; `incomplete` when items were left conflicting. */
export async function applyDataMigration(db: Database, p: PendingMigration, out: Output, table: string | undefined): Promise<'completed' | 'incomplete'> {
  const result = await runMigration(db, p.migration, {
    ...(table === undefined ? {} : { table }),
    onProgress: (progress) => {
      const c = progress.counts;
      out.progress(`    ${c.scanned} read, ${c.migrated} written, ${c.deleted} deleted, ${c.skipped + c.alreadyDone} unchanged, ${c.conflicted} conflicting`, c.scanned, progress.total);
    },
  });
  out.endProgress();
  const r = result.run;
  out.line(`    ${r.scanned} read, ${r.migrated} written, ${r.deleted} deleted, ${r.skipped + r.alreadyDone} unchanged, ${r.retried} re-read after a conflict`);
  if (result.status === 'incomplete') out.error(`dynamorm migrate: ${p.migration.id}: ${r.conflicted} item(s) kept changing and were not migrated; run migrate --apply again for another pass`);
  return result.status;
}
