import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { expectTypeOf, test } from 'vitest';
import { attr, model, type Database } from '../../src/index.js';
import { defineMigration, runMigration, type Migration, type MigrationRunResult } from '../../src/migrations/index.js';

const Payment = model('Payment', {
  table: 'p',
  attributes: { id: attr.string().partitionKey(), amount: attr.cents(), currency: attr.string().optional(), version: attr.version() },
});
declare const db: Database;

test('the transform is typed against the model: the item it gets, and what it may return', () => {
  const migration = defineMigration({
    id: '2026-12-01-add-currency',
    model: Payment,
    transform(item, context) {
      // Every field may be missing from an item written before the model changed.
      expectTypeOf(item.amount).toEqualTypeOf<number | undefined>();
      expectTypeOf(item.currency).toEqualTypeOf<string | undefined>();
      expectTypeOf(context.raw).toEqualTypeOf<Readonly<Record<string, AttributeValue>>>();
      if (item.amount === 0) return 'delete';
      if (item.currency) return undefined;
      return { ...item, currency: 'EUR' };
    },
  });
  expectTypeOf(migration).toEqualTypeOf<Migration<typeof Payment>>();
  expectTypeOf(runMigration(db, migration)).toEqualTypeOf<Promise<MigrationRunResult>>();
});

test('a value of the wrong type, a field the item cannot have, or another string is refused', () => {
  defineMigration({
    id: 'a',
    model: Payment,
    // @ts-expect-error currency is a string
    transform: (item) => ({ ...item, currency: 3 }),
  });
  // (A field the model does not have, in a returned literal, is not an excess-property error for the
  // compiler here; it is refused when the item is encoded: the migration stops, reason 'output'.)
  defineMigration({
    id: 'c',
    model: Payment,
    // @ts-expect-error 'delete' is the only string a transform returns
    transform: () => 'remove',
  });
  defineMigration({
    id: 'd',
    model: Payment,
    // @ts-expect-error no such field on the item read
    transform: (item) => (item.colour ? undefined : undefined),
  });
  // Async transforms are fine.
  defineMigration({ id: 'e', model: Payment, transform: async (item) => ({ ...item, currency: 'EUR' }) });
});
