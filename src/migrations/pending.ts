/**
 * What is pending on a database: the records of the given migrations read (without creating the
 * migrations table), planned by `pendingMigrations`. The CLI's plan shows this.
 */
import type { Database } from '../database.js';
import { isMigration, type Migration } from './define.js';
import { pendingMigrations, type PendingMigration } from './plan.js';
import { MigrationRecords } from './record.js';

/** Every migration a module exports (values made with `defineMigration`, or arrays of them), each once. */
export function migrationsOf(module: Readonly<Record<string, unknown>>): Migration[] {
  const out: Migration[] = [];
  for (const value of Object.values(module)) {
    for (const candidate of Array.isArray(value) ? value : [value]) if (isMigration(candidate) && !out.includes(candidate)) out.push(candidate);
  }
  return out;
}

/**
 * The migrations of `migrations` still to run on `db`, in the order of their ids, reading their
 * records in the migrations table `table` (a missing table: none has run). Sends GetItem only.
 */
export async function pendingOn(db: Database, migrations: readonly Migration[], options: { readonly table?: string } = {}): Promise<PendingMigration[]> {
  const records = new MigrationRecords(db, options.table);
  const found = await Promise.all(
    migrations.map(async (m) => {
      try {
        const record = await records.read(m.id);
        return record ? [{ id: record.id, status: record.status }] : [];
      } catch (error) {
        if ((error as { awsCode?: string }).awsCode === 'ResourceNotFoundException') return [];
        throw error;
      }
    }),
  );
  return pendingMigrations(migrations, found.flat());
}
