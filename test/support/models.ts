/** Models shared by the integration tests. */
import { attr, model, type Item } from '../../src/index.js';

export const Payment = model('Payment', {
  table: 'payments',
  attributes: {
    id: attr.string().partitionKey(),
    merchantId: attr.string(),
    amount: attr.cents(),
    currency: attr.string().default('USD'),
    status: attr.enum(['pending', 'completed', 'failed', 'refunded']),
    note: attr.string().optional(),
    tags: attr.stringSet(),
    attempts: attr.integer().default(0),
    history: attr.list(attr.string()).optional(),
    createdAt: attr.createdAt(),
    updatedAt: attr.updatedAt(),
    version: attr.version(),
    expiresAt: attr.ttl().optional(),
  },
  indexes: {
    byMerchant: { name: 'gsi-merchant', partitionKey: 'merchantId', sortKey: 'createdAt' },
  },
});
export type Payment = Item<typeof Payment>;
