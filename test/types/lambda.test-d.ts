import { expectTypeOf, test } from 'vitest';
import { attr, DynamORM, model, type FullModelClient, type Database, type Item, type ModelClient } from '../../src/index.js';
import { DeadlineExceededError, invokeLocally, lambdaDatabase, withDynamORM, type LambdaContext } from '../../src/lambda/index.js';

const Payment = model('Payment', { table: 'p', attributes: { id: attr.string().partitionKey(), amount: attr.cents() } });

test('lambdaDatabase returns a getter of one Database, or of one DynamORM when asked', () => {
  const db = lambdaDatabase();
  expectTypeOf(db).toEqualTypeOf<() => Database>();
  expectTypeOf(db().model(Payment)).toEqualTypeOf<ModelClient<typeof Payment>>();
  // @ts-expect-error the core database has no transaction method: use transaction(db, fn)
  void db().transaction;
  const full = lambdaDatabase(() => ({ tablePrefix: 'x-' }), DynamORM);
  expectTypeOf(full).toEqualTypeOf<() => DynamORM>();
  expectTypeOf(full().model(Payment)).toEqualTypeOf<FullModelClient<typeof Payment>>();
});

test('withDynamORM keeps the handler type; invokeLocally returns its result', async () => {
  const db = lambdaDatabase();
  const handler = withDynamORM(async (event: { id: string }) => db().model(Payment).get({ id: event.id }));
  expectTypeOf(handler).toEqualTypeOf<(event: { id: string }, context: LambdaContext) => Promise<Item<typeof Payment> | undefined>>();
  expectTypeOf(invokeLocally(handler, { id: 'p1' }, { remainingMs: 300 })).resolves.toEqualTypeOf<Item<typeof Payment> | undefined>();
  // @ts-expect-error the event must match the handler
  void invokeLocally(handler, { nope: 1 });
});

test('DeadlineExceededError carries typed items, a cursor and the unprocessed writes', () => {
  const error = new DeadlineExceededError<Item<typeof Payment>>('stop');
  expectTypeOf(error.items).toEqualTypeOf<readonly Item<typeof Payment>[]>();
  expectTypeOf(error.cursor).toEqualTypeOf<string | undefined>();
  expectTypeOf(error.unprocessed).toEqualTypeOf<readonly unknown[]>();
  expectTypeOf(error.inDoubt).toEqualTypeOf<readonly unknown[]>();
});
