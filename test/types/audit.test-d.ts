/** Types of the audit trail: tracked field names are checked against the model; records are typed. */
import { describe, expectTypeOf, test } from 'vitest';
import { attr, model, type DynamORM } from '../../src/index.js';
import { audit, auditTrail, tracked, verifyAuditChain, type AuditChainReport, type AuditRecord } from '../../src/audit/index.js';

const Payment = model('Payment', {
  table: 'payments',
  attributes: { id: attr.string().partitionKey(), amount: attr.cents(), status: attr.enum(['pending', 'captured']), version: attr.version() },
});
declare const db: DynamORM;

describe('tracked()', () => {
  test('takes field names of the model only', () => {
    tracked(Payment, { fields: ['amount', 'status'] });
    // @ts-expect-error not a field of Payment
    tracked(Payment, { fields: ['amount', 'cardNumber'] });
    // @ts-expect-error fields are required
    tracked(Payment, {});
  });
});

describe('queries and verification', () => {
  const log = audit({ table: 'audit', models: [tracked(Payment, { fields: ['amount', 'status'] })] });
  test('records of an item are typed by its model', async () => {
    const records = auditTrail(db, log).item(Payment, { id: 'p1' });
    expectTypeOf(records).toEqualTypeOf<AsyncIterable<AuditRecord<{ id: string; amount: number; status: 'pending' | 'captured'; version: number }>>>();
    for await (const r of records) {
      expectTypeOf(r.after?.amount).toEqualTypeOf<number | undefined>();
      expectTypeOf(r.op).toEqualTypeOf<'create' | 'put' | 'update' | 'delete'>();
      expectTypeOf(r.at).toEqualTypeOf<Date>();
    }
    // @ts-expect-error the key of Payment is { id }
    auditTrail(db, log).item(Payment, { amount: 1 });
  });
  test('verifyAuditChain takes the model and its key', () => {
    expectTypeOf(verifyAuditChain(db, Payment, { id: 'p1' })).toEqualTypeOf<Promise<AuditChainReport>>();
    // @ts-expect-error the key of Payment is { id }
    void verifyAuditChain(db, Payment, { nope: 'p1' });
  });
});
