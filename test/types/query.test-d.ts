import { describe, expectTypeOf, test } from 'vitest';
import {
  attr,
  batchGet,
  collection,
  Database,
  DynamORM,
  getKeys,
  transactGet,
  transaction,
  type FullModelClient,
  type ModelClient,
  model,
  txGet,
  type CollectionItem,
  type Item,
  type KeyInput,
  type Page,
} from '../../src/index.js';

const Customer = model('Customer', {
  table: 'shop',
  attributes: {
    pk: attr.template('CUST#{customerId}').partitionKey(),
    sk: attr.template('PROFILE').sortKey(),
    customerId: attr.string(),
    name: attr.string(),
  },
});

const Payment = model('Payment', {
  table: 'shop',
  attributes: {
    pk: attr.template('CUST#{customerId}').partitionKey(),
    sk: attr.template('PAY#{paymentId}').sortKey(),
    customerId: attr.string(),
    paymentId: attr.string(),
    merchantId: attr.string(),
    status: attr.enum(['pending', 'completed']),
    amount: attr.cents(),
    note: attr.string().optional(),
    createdAt: attr.createdAt(),
  },
  indexes: {
    byMerchant: { name: 'gsi-merchant', partitionKey: 'merchantId', sortKey: 'createdAt' },
  },
});

const Refund = model('Refund', {
  table: 'shop',
  attributes: {
    pk: attr.template('CUST#{customerId}').partitionKey(),
    sk: attr.template('REF#{refundId}').sortKey(),
    customerId: attr.string(),
    refundId: attr.string(),
    amount: attr.cents(),
  },
});

const db = DynamORM.create();
const payments = db.model(Payment);

describe('query results', () => {
  test('items are typed by the model', () => {
    const q = payments.where('customerId', '=', 'c1');
    expectTypeOf(q.first()).resolves.toEqualTypeOf<Item<typeof Payment> | undefined>();
    expectTypeOf(q.all()).resolves.toEqualTypeOf<Item<typeof Payment>[]>();
    expectTypeOf(q.count()).resolves.toEqualTypeOf<number>();
    expectTypeOf(q.page()).resolves.toEqualTypeOf<Page<Item<typeof Payment>>>();
    expectTypeOf(q.stream()).toEqualTypeOf<AsyncGenerator<Item<typeof Payment>>>();
  });

  test('select() narrows the result type and keeps it through the chain', () => {
    const q = payments.where('merchantId', '=', 'm1').select('amount', 'note').filter('amount', '>', 5).limit(10);
    expectTypeOf(q.all()).resolves.toEqualTypeOf<{ amount: number; note?: string }[]>();
    expectTypeOf(payments.scan().select('status').first()).resolves.toEqualTypeOf<{ status: 'pending' | 'completed' } | undefined>();
  });

  test('field names, operators and values are checked', () => {
    void payments.where('createdAt', '>=', new Date());
    void payments.where('paymentId', 'begins_with', 'P');
    void payments.where('customerId', '=', 'c1').filter((c) => c.or(c.where('status', '=', 'pending'), c.notExists('note')));
    void payments.where('customerId', '=', 'c1').filter('status', 'in', ['pending', 'completed']);
    void payments.where('customerId', '=', 'c1').index('byMerchant');
    // @ts-expect-error unknown field
    void payments.where('customerID', '=', 'c1');
    // @ts-expect-error wrong value type
    void payments.where('amount', '=', '5');
    // @ts-expect-error between takes a pair
    void payments.where('createdAt', 'between', new Date());
    // @ts-expect-error not an enum value
    void payments.where('customerId', '=', 'c1').filter('status', '=', 'lost');
    // @ts-expect-error unknown index
    void payments.where('customerId', '=', 'c1').index('byStatus');
    // @ts-expect-error select of an unknown field
    void payments.scan().select('amuont');
  });
});

describe('collections, batches and transactional reads', () => {
  test('a collection yields a union discriminated by model', async () => {
    const items = await db.collection([Customer, Payment, Refund]).all({ customerId: 'c1' });
    expectTypeOf(items).toEqualTypeOf<CollectionItem<readonly [typeof Customer, typeof Payment, typeof Refund]>[]>();
    const first = items[0];
    if (first?.model === 'Payment') expectTypeOf(first.item).toEqualTypeOf<Item<typeof Payment>>();
    if (first?.model === 'Customer') {
      expectTypeOf(first.item).toEqualTypeOf<Item<typeof Customer>>();
      // @ts-expect-error a customer has no amount
      void first.item.amount;
    }
    const groups = await db.collection([Customer, Payment, Refund]).grouped({ customerId: 'c1' });
    expectTypeOf(groups.Refund).toEqualTypeOf<Item<typeof Refund>[]>();
  });

  test('batch get results are typed per request', async () => {
    const result = await db.batchGet([getKeys(Payment, [{ customerId: 'c', paymentId: 'p' }]), getKeys(Refund, [])]);
    expectTypeOf(result.items[0]).toEqualTypeOf<Item<typeof Payment>[]>();
    expectTypeOf(result.items[1]).toEqualTypeOf<Item<typeof Refund>[]>();
    expectTypeOf(result.missing[1]).toEqualTypeOf<KeyInput<typeof Refund>[]>();
    // @ts-expect-error incomplete key
    void getKeys(Payment, [{ customerId: 'c' }]);
  });

  test('transactGet returns a typed tuple', async () => {
    const [c, p] = await db.transactGet([txGet(Customer, { customerId: 'c' }), txGet(Payment, { customerId: 'c', paymentId: 'p' })]);
    expectTypeOf(c).toEqualTypeOf<Item<typeof Customer> | undefined>();
    expectTypeOf(p).toEqualTypeOf<Item<typeof Payment> | undefined>();
  });

  test('transaction actions are typed per model', async () => {
    await db.transaction((tx) => {
      tx.create(Refund, { customerId: 'c', refundId: 'r', amount: 5 });
      tx.check(Payment, { customerId: 'c', paymentId: 'p' }, (c) => c.where('status', '=', 'completed'));
      // @ts-expect-error missing amount
      tx.create(Refund, { customerId: 'c', refundId: 'r' });
      // @ts-expect-error refunds have no status
      tx.update(Refund, { customerId: 'c', refundId: 'r' }, { status: 'completed' });
    });
  });
});

describe('the core Database and the standalone functions', () => {
  const core = Database.create();

  test('the functions type like the DynamORM methods', async () => {
    const items = await collection(core, [Customer, Payment, Refund]).all({ customerId: 'c1' });
    expectTypeOf(items).toEqualTypeOf<CollectionItem<readonly [typeof Customer, typeof Payment, typeof Refund]>[]>();
    const result = await batchGet(core, [getKeys(Payment, [{ customerId: 'c', paymentId: 'p' }])]);
    expectTypeOf(result.items[0]).toEqualTypeOf<Item<typeof Payment>[]>();
    const [c] = await transactGet(core, [txGet(Customer, { customerId: 'c' })]);
    expectTypeOf(c).toEqualTypeOf<Item<typeof Customer> | undefined>();
    await transaction(core, (tx) => {
      // @ts-expect-error missing amount
      tx.create(Refund, { customerId: 'c', refundId: 'r' });
    });
  });

  test('a DynamORM is a Database; only its model handles batch', () => {
    expectTypeOf(db).toMatchTypeOf<Database>();
    expectTypeOf(db.model(Payment)).toEqualTypeOf<FullModelClient<typeof Payment>>();
    expectTypeOf(core.model(Payment)).toEqualTypeOf<ModelClient<typeof Payment>>();
    // @ts-expect-error the core handle has no batch methods: use batchGet(db, [getKeys(...)])
    void core.model(Payment).batchGet;
    // @ts-expect-error the core database has no collection method: use collection(db, [...])
    void core.collection;
  });
});
