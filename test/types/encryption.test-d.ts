import { describe, expectTypeOf, test } from 'vitest';
import { attr, DynamORM, model, type CreateInput, type FieldPath, type Item, type UpdatePatch } from '../../src/index.js';
import { encrypted, encryption, findByBeacon, localKeyProvider, type EncryptedAttr } from '../../src/encryption/index.js';

const key = new Uint8Array(32);
const Card = model('Card', {
  table: 'cards',
  attributes: {
    id: attr.string().partitionKey(),
    number: encrypted(attr.string(), { beacon: { key, field: 'numberBeacon' } }),
    numberBeacon: attr.string().optional(),
    limit: encrypted(attr.cents()).optional(),
    holder: encrypted(attr.json().optional()),
    tags: encrypted(attr.stringSet()).default(new Set()),
    status: attr.enum(['active', 'blocked']),
    version: attr.version(),
  },
});
const db = DynamORM.create({ extensions: [encryption({ keyProvider: localKeyProvider(key) })] });
const cards = db.model(Card);

describe('encrypted fields keep their base types', () => {
  test('items, inputs and patches see plain values', () => {
    expectTypeOf<Item<typeof Card>['number']>().toEqualTypeOf<string>();
    expectTypeOf<Item<typeof Card>['limit']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Item<typeof Card>['tags']>().toEqualTypeOf<Set<string>>();
    expectTypeOf<CreateInput<typeof Card>>().toHaveProperty('number').toEqualTypeOf<string>();
    expectTypeOf<{ id: string; number: string; status: 'active' }>().toExtend<CreateInput<typeof Card>>();
    expectTypeOf<{ number: string }>().toExtend<UpdatePatch<typeof Card>>();
    expectTypeOf(encrypted(attr.string()).optional()).toExtend<EncryptedAttr<string, string, true, false>>();
  });
});

describe('encrypted fields cannot be compared', () => {
  test('no condition, filter or key condition names them', () => {
    expectTypeOf<'number'>().not.toExtend<FieldPath<typeof Card>>();
    expectTypeOf<'limit'>().not.toExtend<FieldPath<typeof Card>>();
    expectTypeOf<'status'>().toExtend<FieldPath<typeof Card>>();
    // @ts-expect-error an encrypted field in a query condition
    cards.where('number', '=', '4111');
    // @ts-expect-error an encrypted field in a filter
    void cards.scan().filter('limit', '>', 10);
    // @ts-expect-error an encrypted field in a write condition
    void cards.update({ id: 'c1', version: 1 }, { status: 'blocked' }, { condition: (c) => c.where('number', '=', '4111') });
    // @ts-expect-error nor its presence
    void cards.update({ id: 'c1', version: 1 }, { status: 'blocked' }, { condition: (c) => c.exists('holder') });
    void cards.update({ id: 'c1', version: 1 }, { status: 'blocked' }, { condition: (c) => c.where('status', '=', 'active') });
  });

  test('they cannot be keys', () => {
    // @ts-expect-error an encrypted field is no partition key
    encrypted(attr.string()).partitionKey();
    // @ts-expect-error nor a sort key
    encrypted(attr.string()).sortKey();
    // @ts-expect-error a key attribute cannot be encrypted
    encrypted(attr.string().partitionKey());
  });
});

describe('beacon lookups', () => {
  test('return the model items', () => {
    expectTypeOf(findByBeacon(cards, 'number', '4111')).toEqualTypeOf<Promise<Item<typeof Card>[]>>();
  });
});
