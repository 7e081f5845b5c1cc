/**
 * The payment example's models: a payment whose merchant reference is unique per merchant, whose card
 * number is encrypted and whose CVV is never stored, and the refunds made against it.
 */
import * as attr from '../../src/attr.js';
import { model, type Item } from '../../src/index.js';
import { encrypted } from '../../src/encryption/index.js';
import { ephemeral } from '../../src/ephemeral/index.js';

export const Payment = model('Payment', {
  table: 'payment-example',
  attributes: {
    id: attr.string().partitionKey().loggable(),
    merchantId: attr.string(),
    /** The merchant's own order reference: one payment per reference and merchant. */
    reference: attr.string().unique({ scope: ['merchantId'] }),
    amount: attr.cents().validate((n) => n > 0 || 'must be positive'),
    currency: attr.enum(['EUR', 'USD', 'GBP']),
    status: attr.enum(['pending', 'captured', 'refunded', 'failed']),
    captured: attr.cents().default(0),
    refunded: attr.cents().default(0),
    /** Stored AES-256-GCM encrypted, bound to this item and attribute. */
    cardNumber: encrypted(attr.string().validate((s) => /^\d{12,19}$/.test(s) || 'must be 12 to 19 digits')),
    /** Checked, handed to the hooks, never stored. */
    cvv: ephemeral(attr.string().validate((s) => /^\d{3,4}$/.test(s) || 'must be 3 or 4 digits')),
    createdAt: attr.createdAt(),
    updatedAt: attr.updatedAt(),
    version: attr.version(),
  },
  indexes: {
    byMerchantStatus: { name: 'gsi-merchant-status', partitionKey: 'merchantId', sortKey: 'status' },
  },
});
export type Payment = Item<typeof Payment>;

export const Refund = model('Refund', {
  table: 'payment-example-refunds',
  attributes: {
    id: attr.string().partitionKey().loggable(),
    paymentId: attr.string(),
    amount: attr.cents(),
    reason: attr.string().optional(),
    createdAt: attr.createdAt(),
  },
});
export type Refund = Item<typeof Refund>;
