/**
 * The basic tour: define a model, create its table, then create, read, update and delete a payment
 * with optimistic locking and typed errors. Run it with `npm run demo`.
 */
import { pathToFileURL } from 'node:url';
import { add, attr, DynamORM, model, VersionConflictError, type Item } from '../../src/index.js';

export const Payment = model('Payment', {
  table: 'demo-payments',
  attributes: {
    id: attr.string().partitionKey(),
    merchantId: attr.string(),
    amount: attr.cents(),
    currency: attr.string().default('USD'),
    status: attr.enum(['pending', 'completed', 'failed', 'refunded']),
    attempts: attr.integer().default(0),
    createdAt: attr.createdAt(),
    updatedAt: attr.updatedAt(),
    version: attr.version(),
  },
  indexes: {
    byMerchant: { name: 'gsi-merchant-created', partitionKey: 'merchantId', sortKey: 'createdAt' },
  },
});
export type Payment = Item<typeof Payment>;

/** Runs the tour against `db`, logging each step; returns the final state for the test. */
export async function main(db: DynamORM, log: (line: string) => void = console.log): Promise<{ final: Payment; conflict: boolean }> {
  await db.tables.create(Payment, { ifNotExists: true });
  log(`table ${db.tableName(Payment)} is active`);

  const payments = db.model(Payment);
  const id = `pay_${Date.now().toString(36)}`;
  const created = await payments.create({ id, merchantId: 'm_42', amount: 1250, status: 'pending' });
  log(`created ${created.id}: ${created.amount} ${created.currency} cents, status ${created.status}, version ${created.version}`);

  const read = await payments.get({ id }, { required: true });
  log(`read it back (eventually consistent): version ${read.version}, created ${read.createdAt.toISOString()}`);

  const completed = await payments.update(read, { status: 'completed', attempts: add(1) });
  log(`updated: status ${completed.status}, attempts ${completed.attempts}, version ${completed.version}`);

  let conflict = false;
  try {
    await payments.update(read, { status: 'failed' }); // `read` still holds version 1
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error;
    conflict = true;
    log(`stale write refused: ${error.message}`);
  }

  const deleted = await payments.delete(completed, { returnOld: true });
  log(`deleted ${deleted?.id} at version ${deleted?.version}`);
  return { final: completed, conflict };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const db = DynamORM.create(); // endpoint, region and credentials from the environment
  try {
    await main(db);
  } finally {
    db.destroy();
  }
}
