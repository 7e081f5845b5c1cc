/**
 * A child process for the crash test: a Lambda invocation (simulated context, 6 s left: a cold process on a busy machine needs seconds for its first request) that claims
 * an idempotency key, says so on stdout, and then hangs until the parent kills it with SIGKILL. Its
 * payment is collected in the completion's transaction, which is never sent.
 * Settings come from the environment: CRASH_ENDPOINT, CRASH_PREFIX, CRASH_KEY, CRASH_RECONCILE.
 */
import { Database } from '../../../src/index.js';
import { idempotencyStore, idempotentHandler } from '../../../src/idempotency/index.js';
import { invokeLocally } from '../../../src/lambda/index.js';
import { CrashPayment, crashOptions } from './crash-models.js';

const env = process.env;
const db = Database.create({
  endpoint: env.CRASH_ENDPOINT as string,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  tablePrefix: env.CRASH_PREFIX as string,
});
const store = idempotencyStore(db, { table: 'crash-idem' });
const handler = idempotentHandler(
  async (event: { key: string; amount: number }, _context, { tx }) => {
    tx.create(CrashPayment, { id: `pay-${event.key}`, amount: event.amount, by: 'child' });
    process.stdout.write('claimed\n');
    await new Promise(() => undefined); // hangs: the parent kills the process here
    return { id: `pay-${event.key}` };
  },
  { store, ...crashOptions(env.CRASH_RECONCILE === '1') },
);
await invokeLocally(handler, { key: env.CRASH_KEY as string, amount: 500 }, { remainingMs: 6_000 });
