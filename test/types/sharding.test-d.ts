import { describe, expectTypeOf, test } from 'vitest';
import { attr, Database, model, type Item, type Page, type QueryBuilder } from '../../src/index.js';
import { sharded, type IndexSharding } from '../../src/sharding/index.js';

const Payment = model('Payment', {
  table: 'payments',
  attributes: {
    id: attr.string().partitionKey(),
    status: attr.enum(['pending', 'settled'] as const),
    amount: attr.cents(),
    createdAt: attr.createdAt(),
    statusKey: attr.template('S#{status}'),
  },
  indexes: { byStatus: sharded({ name: 'gsi-status-created', partitionKey: 'statusKey', sortKey: 'createdAt', shards: 16 }) },
});
declare const db: Database;
const payments = db.model(Payment);

describe('dynamorm/sharding', () => {
  test('sharded() keeps the definition literal and adds its sharding', () => {
    const index = sharded({ name: 'gsi', partitionKey: 'statusKey', shards: 4 });
    expectTypeOf(index.partitionKey).toEqualTypeOf<'statusKey'>();
    expectTypeOf(index.sharding).toEqualTypeOf<IndexSharding>();
    expectTypeOf(Payment.indexes.byStatus.shards).toEqualTypeOf<16>();
  });

  test('a sharded index is queried like any other: typed conditions, index alias, items and pages', () => {
    const query = payments.where('status', '=', 'pending').index('byStatus').filter('amount', '>=', 100);
    expectTypeOf(query).toEqualTypeOf<QueryBuilder<typeof Payment>>();
    expectTypeOf(query.all()).resolves.toEqualTypeOf<Item<typeof Payment>[]>();
    expectTypeOf(query.page()).resolves.toEqualTypeOf<Page<Item<typeof Payment>>>();
    expectTypeOf(payments.where('status', '=', 'pending').select('id', 'createdAt').all()).resolves.toEqualTypeOf<{ id: string; createdAt: Date }[]>();
    // @ts-expect-error: not a status
    payments.where('status', '=', 'lost');
    // @ts-expect-error: no such index
    payments.query().index('byMerchant');
  });

  test('the index keys must be fields of the model', () => {
    model('Bad', {
      table: 't',
      attributes: { id: attr.string().partitionKey(), k: attr.template('S#{id}') },
      // @ts-expect-error: nope is not a field
      indexes: { s: sharded({ name: 'gsi', partitionKey: 'nope', shards: 4 }) },
    });
  });
});
