/**
 * What the guides' code blocks take as given without declaring it: a `DynamORM` database `db`, the
 * ledger of docs/guides (customers, their payments and refunds in one table, partitioned by customer,
 * as in examples/ledger; payments are not versioned, so they can be batch-written) and a few values (`since`, `cursor`, keys, an item read before).
 *
 * The docs checker (code-blocks.ts) imports into each Markdown file's module the names exported here
 * that the file does not declare itself, so README.md's own `Payment` wins over this one. Export
 * values (and types only under the name of a value), so the import needs no `import type`. The
 * guides are only type-checked; README.md's tour also runs (readme-tour.test.ts), so what it uses
 * (`since`, `cursor`) has a value, not only a type.
 */
import { DynamORM, model, type CreateInput, type Item, type KeyInput } from '../../src/index.js';
import * as attr from '../../src/attr.js';

export const db = DynamORM.create();

export const Customer = model('Customer', {
  table: 'ledger',
  attributes: {
    pk: attr.template('CUSTOMER#{customerId}').partitionKey(),
    sk: attr.template('PROFILE').sortKey(),
    customerId: attr.string(),
    name: attr.string(),
    blocked: attr.boolean().default(false),
    version: attr.version(),
  },
});
export type Customer = Item<typeof Customer>;

export const Payment = model('Payment', {
  table: 'ledger',
  attributes: {
    pk: attr.template('CUSTOMER#{customerId}').partitionKey(),
    sk: attr.template('PAYMENT#{paymentId}').sortKey(),
    customerId: attr.string(),
    paymentId: attr.string(),
    merchantId: attr.string(),
    amount: attr.cents(),
    status: attr.enum(['pending', 'completed', 'failed', 'refunded']),
    note: attr.string().optional(),
    tags: attr.stringSet(),
    history: attr.list(attr.string()).optional(),
    refundId: attr.string().optional(),
    createdAt: attr.createdAt(),
    updatedAt: attr.updatedAt(),
  },
  indexes: {
    byMerchant: { name: 'gsi-merchant-created', partitionKey: 'merchantId', sortKey: 'createdAt' },
    byStatus: { name: 'gsi-status-created', partitionKey: 'status', sortKey: 'createdAt' },
  },
});
export type Payment = Item<typeof Payment>;

export const Refund = model('Refund', {
  table: 'ledger',
  attributes: {
    pk: attr.template('CUSTOMER#{customerId}').partitionKey(),
    sk: attr.template('REFUND#{refundId}').sortKey(),
    customerId: attr.string(),
    refundId: attr.string(),
    paymentId: attr.string(),
    amount: attr.cents(),
  },
});
export type Refund = Item<typeof Refund>;

export const customerId = 'c1';
export const paymentId = 'p1';
export const refundId = 'r1';
export const idempotencyKey = 'refund-r1';
/** The start of a date range. */
export const since = new Date('2026-01-01T00:00:00Z');
/** A cursor handed out by an earlier `page()`, if any (none: the first page). */
export const cursor: string | undefined = undefined;
/** A payment read before (it carries its version). */
export declare const payment: Payment;
export declare const key: KeyInput<typeof Payment>;
export declare const paymentKeys: KeyInput<typeof Payment>[];
export declare const refundKeys: KeyInput<typeof Refund>[];
export declare const oldRefundKeys: KeyInput<typeof Refund>[];
export declare const newPayments: CreateInput<typeof Payment>[];
