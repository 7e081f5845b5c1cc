/**
 * `npm run demo`: the examples, one after the other, against the DynamoDB at
 * DYNAMODB_ENDPOINT (the npm script starts a DynamoDB Local for it).
 */
import { DynamORM } from '../src/index.js';
import { main as basic } from './basic/index.js';
import { main as ledger } from './ledger/index.js';
import { main as lambda } from './lambda/index.js';
import { main as multiTenant } from './multi-tenant/index.js';
import { main as payment } from './payment/index.js';
import { main as blog } from './blog/index.js';
import { main as ecommerce } from './ecommerce/index.js';
import { main as iot } from './iot/index.js';
import { main as gaming } from './gaming/index.js';

const db = DynamORM.create({ cursorSecret: process.env.DYNAMORM_CURSOR_SECRET ?? 'demo-only-secret-change-me-0123456789' });
try {
  for (const [name, run] of [
    ['basic: models, writes, optimistic locking', basic],
    ['ledger: queries, a transaction, a collection', ledger],
    ['lambda: deadlines and resumable streams', lambda],
    ["multi-tenant: an API Gateway handler scoped to the caller's merchant", multiTenant],
    ['payment: idempotent, unique, encrypted and audited payments', payment],
    ['blog: one table, unique slugs, optimistic locking, cursor pages', blog],
    ['ecommerce: idempotent checkout, no overselling, order history', ecommerce],
    ['iot: batched ingest, TTL, latest reading, time ranges', iot],
    ['gaming: a leaderboard on a numeric index, atomic increments, kept bests', gaming],
  ] as const) {
    console.log(`\n== ${name}`);
    await run(db);
  }
} finally {
  db.destroy();
}
