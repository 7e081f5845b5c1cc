/**
 * A child process for the kill-and-resume test: runs a migration and prints its progress
 * (`scanned <n>`) after every page, until the parent kills it with SIGKILL.
 * Settings come from the environment: MIG_ENDPOINT, MIG_PREFIX, MIG_ID.
 */
import { Database } from '../../../src/index.js';
import { runMigration } from '../../../src/migrations/index.js';
import { addCurrency } from './models.js';

const env = process.env;
const db = Database.create({
  endpoint: env.MIG_ENDPOINT as string,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  tablePrefix: env.MIG_PREFIX as string,
  requestTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
});
await runMigration(db, addCurrency(env.MIG_ID as string, 5), {
  segments: 4,
  pageSize: 25,
  concurrency: 4,
  leaseMs: 60_000,
  onProgress: (p) => process.stdout.write(`scanned ${p.counts.scanned}\n`),
});
process.stdout.write('finished\n');
