import { describe, expectTypeOf, test } from 'vitest';
import { attr, Database, model, type Item } from '../../src/index.js';
import { findByUnique, type UniqueFieldOf, type UniqueScope } from '../../src/unique/index.js';

const Order = model('Order', {
  table: 'orders',
  attributes: {
    id: attr.string().partitionKey(),
    merchantId: attr.string(),
    email: attr.string().unique(),
    nickname: attr.string().optional().unique(),
    reference: attr.string().unique({ scope: ['merchantId'] }),
    amount: attr.cents(),
  },
});
declare const db: Database;

describe('unique fields', () => {
  test('.unique() keeps the field as it was: same item and input types', () => {
    expectTypeOf<Item<typeof Order>>().toEqualTypeOf<{ id: string; merchantId: string; email: string; reference: string; amount: number; nickname?: string }>();
  });

  test('the unique fields of a model are known to the compiler', () => {
    expectTypeOf<UniqueFieldOf<typeof Order>>().toEqualTypeOf<'email' | 'nickname' | 'reference'>();
    expectTypeOf<UniqueScope<typeof Order, 'reference'>>().toEqualTypeOf<{ merchantId: string }>();
  });

  test('findByUnique takes a unique field, a value of its type and, for a scoped field, the scope', () => {
    expectTypeOf(findByUnique(db, Order, 'email', 'a@example.com')).resolves.toEqualTypeOf<Item<typeof Order> | undefined>();
    findByUnique(db, Order, 'reference', 'R-1', { merchantId: 'm-1' });
    // @ts-expect-error amount is not unique
    findByUnique(db, Order, 'amount', 5);
    // @ts-expect-error the value of email is a string
    findByUnique(db, Order, 'email', 5);
    // @ts-expect-error reference is scoped by merchantId: the scope is required
    findByUnique(db, Order, 'reference', 'R-1');
    // @ts-expect-error the scope names merchantId
    findByUnique(db, Order, 'reference', 'R-1', { merchant: 'm-1' });
    // @ts-expect-error email has no scope
    findByUnique(db, Order, 'email', 'a@example.com', { merchantId: 'm-1' });
  });
});
