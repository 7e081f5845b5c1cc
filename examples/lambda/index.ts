/**
 * A Lambda handler that exports a merchant's payments in as many invocations as it takes: each
 * invocation streams until just before its deadline, then hands back a cursor that the next one
 * resumes from (as an SQS re-queue would). Invoked locally with a simulated Lambda context.
 * Written as a small Lambda bundle is: the core Database, the functions it needs (`batchWrite`,
 * `tables`) and the attribute builders as a module.
 */
import { pathToFileURL } from 'node:url';
import * as attr from '../../src/attr.js';
import { batchWrite, Database, model, putItems, tables } from '../../src/index.js';
import { DeadlineExceededError, invokeLocally, withDynamORM, type LambdaContext } from '../../src/lambda/index.js';

export const Payment = model('Payment', {
  table: 'lambda-payments',
  attributes: {
    merchantId: attr.string().partitionKey(),
    paymentId: attr.string().sortKey(),
    amount: attr.cents(),
  },
});

/** The handler: export payments until done or out of time. */
export function exportHandler(db: Database): (event: { merchantId: string; cursor?: string }, context: LambdaContext) => Promise<{ exported: string[]; cursor?: string }> {
  return withDynamORM(async (event) => {
    const exported: string[] = [];
    let query = db.model(Payment).where('merchantId', '=', event.merchantId).pageSize(100);
    if (event.cursor) query = query.resume(event.cursor);
    try {
      for await (const payment of query.stream()) exported.push(payment.paymentId);
      return { exported };
    } catch (error) {
      if (!(error instanceof DeadlineExceededError) || !error.cursor) throw error;
      return { exported, cursor: error.cursor }; // re-queue with the cursor
    }
  });
}

/** Seeds a merchant, then invokes the handler with 300 ms each time until the export is complete. */
export async function main(db: Database, log: (line: string) => void = console.log) {
  await tables(db).create(Payment, { ifNotExists: true });
  const merchantId = `m_${Date.now().toString(36)}`;
  const payments = Array.from({ length: 5000 }, (_, i) => ({ merchantId, paymentId: `p${String(i).padStart(5, '0')}`, amount: 100 + i }));
  await batchWrite(db, [putItems(Payment, payments)]);
  log(`seeded ${payments.length} payments for ${merchantId}`);

  const handler = exportHandler(db);
  await db.model(Payment).get({ merchantId, paymentId: 'p00000' }); // a warm container
  const exported: string[] = [];
  let cursor: string | undefined;
  let invocations = 0;
  do {
    const started = Date.now();
    const result = await invokeLocally(handler, { merchantId, ...(cursor ? { cursor } : {}) }, { remainingMs: 300 });
    invocations++;
    exported.push(...result.exported);
    cursor = result.cursor;
    log(`invocation ${invocations}: ${result.exported.length} payments in ${Date.now() - started} ms of 300${cursor ? ', re-queued with a cursor' : ', done'}`);
  } while (cursor && invocations < 500);
  log(`exported ${exported.length} payments (${new Set(exported).size} distinct) in ${invocations} invocations`);
  return { exported, invocations, expected: payments.map((p) => p.paymentId) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const db = Database.create({ cursorSecret: process.env.DYNAMORM_CURSOR_SECRET ?? 'example-only-secret-change-me-0123456789' });
  try {
    await main(db);
  } finally {
    db.destroy();
  }
}
