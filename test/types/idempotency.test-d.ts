import { expectTypeOf, test } from 'vitest';
import { attr, model, type Database, type TransactionWriter } from '../../src/index.js';
import {
  idempotencyStore,
  idempotentHandler,
  makeIdempotent,
  type IdempotencyRecord,
  type IdempotentFunction,
} from '../../src/idempotency/index.js';
import { lambdaDatabase, type LambdaContext } from '../../src/lambda/index.js';

const Payment = model('Payment', { table: 'p', attributes: { id: attr.string().partitionKey(), amount: attr.cents() } });
declare const db: Database;

test('makeIdempotent keeps the input and result types; the function gets a transaction writer', () => {
  const store = idempotencyStore(db);
  const pay = makeIdempotent(
    async (input: { key: string; amount: number }, call) => {
      expectTypeOf(call.tx).toEqualTypeOf<TransactionWriter>();
      expectTypeOf(call.recordId).toEqualTypeOf<string>();
      call.tx.create(Payment, { id: input.key, amount: input.amount });
      // @ts-expect-error the payment model has no such field
      call.tx.create(Payment, { id: input.key, amount: 1, cvv: '123' });
      return { id: input.key, status: 'created' as const };
    },
    { store, name: 'pay', key: 'key', payload: (i) => i.amount },
  );
  expectTypeOf(pay).toEqualTypeOf<IdempotentFunction<{ key: string; amount: number }, { id: string; status: 'created' }>>();
  expectTypeOf(pay({ key: 'k', amount: 1 })).toEqualTypeOf<Promise<{ id: string; status: 'created' }>>();
  expectTypeOf(pay.record('k')).toEqualTypeOf<Promise<IdempotencyRecord | undefined>>();
  expectTypeOf(pay.resolveClaim).parameter(1).toEqualTypeOf<{ id: string; status: 'created' }>();
  // @ts-expect-error the input type is checked
  void pay({ key: 'k' });
  // @ts-expect-error a key function sees the input type
  makeIdempotent(async (input: { key: string }) => input.key, { store, name: 'x', key: (i) => i.nope });
  // @ts-expect-error a store is required
  makeIdempotent(async (input: { key: string }) => input.key, { name: 'x', key: 'key' });
});

test('the store takes a database or a lazy one (lambdaDatabase)', () => {
  expectTypeOf(idempotencyStore(lambdaDatabase(), { table: 'idem' }).db).toEqualTypeOf<Database>();
  expectTypeOf(idempotencyStore(db).model.compiled.partitionKey.name).toEqualTypeOf<string>();
});

test('idempotentHandler keeps the event, context and result types', () => {
  const store = idempotencyStore(db);
  const handler = idempotentHandler(
    async (event: { body: string }, context: LambdaContext, { tx }) => {
      expectTypeOf(tx).toEqualTypeOf<TransactionWriter>();
      return { statusCode: 201, requestId: context.awsRequestId };
    },
    { store, name: 'h', key: 'body.ref', safetyMarginMs: 300 },
  );
  expectTypeOf(handler).parameters.toEqualTypeOf<[{ body: string }, LambdaContext]>();
  expectTypeOf(handler).returns.toEqualTypeOf<Promise<{ statusCode: number; requestId: string | undefined }>>();
  expectTypeOf(handler.releaseClaim).toBeFunction();
});
