/**
 * Every table the payment example needs, as models, for `dynamorm generate --models templates/models.ts`:
 * the example's own models (payments with their unique-reference guards, refunds), the idempotency
 * store's record model and the audit log's table model, with the table names examples/payment/app.ts
 * gives them. test/integration/templates checks that these are exactly the tables the service creates.
 */
import { Payment, Refund } from '../examples/payment/models.js';
import { audit } from '../src/audit/index.js';
import { idempotencyStore } from '../src/idempotency/index.js';

/** The audit log's table. */
const AuditRecord = audit({ table: 'payment-example-audit', models: [] }).table;

/** The idempotency records' table (the store needs no database to name its model). */
const IdempotencyRecord = idempotencyStore(
  () => {
    throw new Error('templates/models.ts only describes tables');
  },
  { table: 'payment-example-idempotency' },
).model;

// `generate` writes the tables sorted by name, whatever order a loader lists these exports in.
export { AuditRecord, IdempotencyRecord, Payment, Refund };
