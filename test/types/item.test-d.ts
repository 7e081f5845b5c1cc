import { expectTypeOf, test } from 'vitest';
import { attr, model, type CreateInput, type Item, type KeyInput } from '../../src/index.js';

const Txn = model('Txn', {
  table: 'txns',
  attributes: {
    pk: attr.template('TENANT#{tenantId}').partitionKey(),
    sk: attr.template('TXN#{transactionId}').sortKey(),
    tenantId: attr.string(),
    transactionId: attr.string(),
    amount: attr.cents(),
    note: attr.string().optional(),
    currency: attr.string().default('USD'),
    version: attr.version(),
  },
});

test('item type', () => {
  expectTypeOf<Item<typeof Txn>>().toEqualTypeOf<{
    pk: string;
    sk: string;
    tenantId: string;
    transactionId: string;
    amount: number;
    currency: string;
    version: number;
    note?: string;
  }>();
  expectTypeOf<KeyInput<typeof Txn>>().toEqualTypeOf<{ tenantId: string; transactionId: string }>();
  expectTypeOf<CreateInput<typeof Txn>>().toEqualTypeOf<{ tenantId: string; transactionId: string; amount: number; note?: string; currency?: string }>();
});
