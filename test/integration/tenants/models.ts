/**
 * The models of the tenant tests: payments and refunds of merchants (tenants) sharing one table, an
 * index that carries the tenant (by status) and one that does not (by reference), merchants keyed by
 * the tenant field itself, and a model of the same table that does not opt in.
 */
import { attr, model } from '../../../src/index.js';
import { tenants } from '../../../src/tenants/index.js';

export const tenancy = tenants({ field: 'merchantId' });
/** Made once, here, for set-up and checks across tenants. */
export const everyone = tenancy.allTenants('tests: set-up and checks across tenants');

export const Payment = model('Payment', {
  table: 'tenancy',
  attributes: {
    pk: attr.template('M#{merchantId}').partitionKey(),
    sk: attr.template('P#{paymentId}').sortKey(),
    merchantId: attr.string(),
    paymentId: attr.string().loggable(),
    status: attr.string(),
    reference: attr.string(),
    amount: attr.integer(),
    gpk: attr.template('M#{merchantId}#S#{status}'),
  },
  indexes: {
    byStatus: { name: 'gsi-status', partitionKey: 'gpk', sortKey: 'paymentId' },
    byReference: { name: 'gsi-reference', partitionKey: 'reference' },
  },
  extensions: [tenancy],
});

export const Refund = model('Refund', {
  table: 'tenancy',
  attributes: {
    pk: attr.template('M#{merchantId}').partitionKey(),
    sk: attr.template('R#{refundId}').sortKey(),
    merchantId: attr.string(),
    refundId: attr.string(),
    amount: attr.integer(),
  },
  extensions: [tenancy],
});

export const Merchant = model('Merchant', {
  table: 'tenancy-merchants',
  attributes: { merchantId: attr.string().partitionKey(), name: attr.string() },
  extensions: [tenancy],
});

/** Same table, not tenant-scoped: untouched by the extension. */
export const Currency = model('Currency', {
  table: 'tenancy',
  attributes: { pk: attr.string().partitionKey(), sk: attr.string().sortKey(), name: attr.string() },
});
