/** Models module for the CLI test: the second version adds two indexes and drops gsi-legacy. */
import { attr, model } from '../../../src/index.js';

export const Payment = model('Payment', {
  table: 'cli-payments',
  attributes: {
    id: attr.string().partitionKey(),
    merchantId: attr.string(),
    status: attr.string(),
    amount: attr.cents(),
    legacy: attr.string().optional(),
    expiresAt: attr.ttl().optional(),
  },
  indexes: {
    byMerchant: { name: 'gsi-merchant', partitionKey: 'merchantId' },
    byStatus: { name: 'gsi-status', partitionKey: 'status', sortKey: 'amount' },
  },
});
