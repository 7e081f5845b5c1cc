/**
 * A customer ledger in one table (single-table design): customers, their payments and refunds share
 * a partition. Shows queries with automatic index choice, cursor pagination, a refund written as a
 * transaction (refund created + payment marked refunded, all or nothing) and a collection read.
 * Run it with `npx tsx scripts/with-local-dynamodb.ts tsx examples/ledger/index.ts`.
 */
import { pathToFileURL } from 'node:url';
import { attr, DynamORM, model, putItems, TransactionCanceledError, type Item } from '../../src/index.js';

export const Customer = model('Customer', {
  table: 'ledger',
  attributes: {
    pk: attr.template('CUSTOMER#{customerId}').partitionKey(),
    sk: attr.template('PROFILE').sortKey(),
    customerId: attr.string(),
    name: attr.string(),
    version: attr.version(),
  },
});

export const Payment = model('Payment', {
  table: 'ledger',
  attributes: {
    pk: attr.template('CUSTOMER#{customerId}').partitionKey(),
    sk: attr.template('PAYMENT#{paymentId}').sortKey(),
    customerId: attr.string(),
    paymentId: attr.string(),
    merchantId: attr.string(),
    amount: attr.cents(),
    status: attr.enum(['completed', 'refunded']),
    createdAt: attr.createdAt(),
  },
  indexes: {
    byMerchant: { name: 'gsi1', partitionKey: 'merchantId', sortKey: 'createdAt' },
  },
});

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
export type Payment = Item<typeof Payment>;

/** Runs the tour; returns what the test checks. */
export async function main(db: DynamORM, log: (line: string) => void = console.log) {
  await db.tables.create([Customer, Payment, Refund], { ifNotExists: true });
  const customerId = `c_${Date.now().toString(36)}`;
  await db.model(Customer).create({ customerId, name: 'Ada' });
  const base = Date.UTC(2026, 0, 1);
  const payments = Array.from({ length: 12 }, (_, i) => ({
    customerId,
    paymentId: `p${String(i).padStart(2, '0')}`,
    merchantId: i % 3 === 0 ? 'm_books' : 'm_coffee',
    amount: 500 + i * 250,
    status: 'completed' as const,
    createdAt: new Date(base + i * 60_000),
  }));
  await db.batchWrite([putItems(Payment, payments)]);
  log(`customer ${customerId} with ${payments.length} payments`);

  // The partition key is a template: give its field, DynamORM builds CUSTOMER#... and PAYMENT# prefix.
  const big = await db.model(Payment).where('customerId', '=', customerId).filter('amount', '>=', 2000).all();
  log(`payments of 20.00 or more: ${big.map((p) => p.paymentId).join(', ')}`);

  // merchantId is the partition key of gsi1: the index is chosen from the conditions.
  const books = db.model(Payment).where('merchantId', '=', 'm_books').where('createdAt', '>=', new Date(base));
  log(`books query runs on ${books.explain().indexName}`);
  let cursor: string | undefined;
  let pages = 0;
  const seen: string[] = [];
  do {
    const page = await db.model(Payment).where('customerId', '=', customerId).limit(5).page(cursor);
    seen.push(...page.items.map((p) => p.paymentId));
    cursor = page.cursor;
    pages++;
  } while (cursor);
  log(`paged through ${seen.length} payments in ${pages} pages`);

  // A refund: create it and mark the payment refunded, atomically, only if the payment is still completed.
  const refund = async (paymentId: string, refundId: string) =>
    db.transaction((tx) => {
      tx.create(Refund, { customerId, refundId, paymentId, amount: 500 });
      tx.update(Payment, { customerId, paymentId }, { status: 'refunded' }, { condition: (c) => c.where('status', '=', 'completed') });
    });
  await refund('p00', 'r1');
  let secondRefundRefused = false;
  try {
    await refund('p00', 'r2');
  } catch (error) {
    if (!(error instanceof TransactionCanceledError)) throw error;
    secondRefundRefused = true;
    log(`second refund refused: ${error.failures.map((f) => `${f.model} ${f.error?.code}`).join(', ')}`);
  }

  // One query returns the customer, the payments and the refunds, each typed by its model.
  const ledger = await db.collection([Customer, Payment, Refund]).grouped({ customerId });
  log(`ledger: ${ledger.Customer.length} customer, ${ledger.Payment.length} payments, ${ledger.Refund.length} refunds`);
  return { big: big.length, seen, secondRefundRefused, ledger };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const db = DynamORM.create({ cursorSecret: process.env.DYNAMORM_CURSOR_SECRET ?? 'example-only-secret-change-me-0123456789' });
  try {
    await main(db);
  } finally {
    db.destroy();
  }
}
