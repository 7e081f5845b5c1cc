import { describe, expectTypeOf, test } from 'vitest';
import { attr, model, type CreateInput, type FieldPath, type Item, type UpdatePatch } from '../../src/index.js';
import { ephemeral } from '../../src/ephemeral/index.js';

const Payment = model('Payment', {
  table: 'payments',
  attributes: {
    id: attr.string().partitionKey(),
    amount: attr.cents(),
    cvv: ephemeral(attr.string()),
    pin: ephemeral(attr.string().optional()),
  },
});

describe('ephemeral fields', () => {
  test('are never in the read item', () => {
    expectTypeOf<Item<typeof Payment>>().toEqualTypeOf<{ id: string; amount: number }>();
    expectTypeOf<FieldPath<typeof Payment>>().toEqualTypeOf<'id' | 'amount'>();
  });

  test('are accepted by writes, required unless the wrapped attribute is optional', () => {
    expectTypeOf<CreateInput<typeof Payment>>().toEqualTypeOf<{ id: string; amount: number; cvv: string; pin?: string }>();
    expectTypeOf<UpdatePatch<typeof Payment>>().toHaveProperty('cvv');
  });

  test('conditions, queries and projections cannot name them', () => {
    const payments = {} as import('../../src/index.js').ModelClient<typeof Payment>;
    // @ts-expect-error cvv is not a field of the read item
    payments.where('cvv', '=', '123');
    // @ts-expect-error a projection names read fields only
    payments.get({ id: 'p' }, { projection: ['cvv'] });
    // @ts-expect-error conditions name read fields only
    payments.update({ id: 'p' }, { amount: 1 }, { condition: (c) => c.where('cvv', '=', '123') });
  });

  test('are finished attributes: no optional(), default(), keys or uniqueness after ephemeral()', () => {
    // @ts-expect-error wrap an optional attribute instead
    ephemeral(attr.string()).optional();
    // @ts-expect-error never stored: no default
    ephemeral(attr.string()).default('x');
    // @ts-expect-error never stored: not a key
    ephemeral(attr.string()).partitionKey();
    // @ts-expect-error never stored: not unique
    ephemeral(attr.string()).unique();
  });
});
