import { describe, expectTypeOf, test } from 'vitest';
import {
  attr,
  Database,
  defineExtension,
  derive,
  DynamORM,
  model,
  preview,
  transactionParams,
  type Extension,
  type Middleware,
  type ModelHooks,
  type OperationContext,
  type OperationKind,
  type Plugin,
  type RequestPreview,
} from '../../src/index.js';

const Invoice = model('Invoice', {
  table: 'invoices',
  attributes: { id: attr.string().partitionKey(), amount: attr.cents(), note: attr.string().optional(), version: attr.version() },
});

describe('operation context on requests', () => {
  test('middleware sees the kind, model, table and scope values', () => {
    const mw: Middleware = (request, next) => {
      expectTypeOf(request.context).toEqualTypeOf<OperationContext>();
      expectTypeOf(request.context.kind).toEqualTypeOf<OperationKind>();
      expectTypeOf(request.context.tenant).toEqualTypeOf<string | undefined>();
      expectTypeOf(request.context.now).toEqualTypeOf<Date>();
      return next(request);
    };
    expectTypeOf(mw).toBeFunction();
    expectTypeOf<'create'>().toMatchTypeOf<OperationKind>();
    // @ts-expect-error not an operation kind
    expectTypeOf<'upsert'>().toMatchTypeOf<OperationKind>();
  });
});

describe('previews are typed like the writes', () => {
  const db = Database.create({ region: 'us-east-1' });
  test('create, update and delete take the same inputs as the writes', () => {
    const p = preview(db.model(Invoice));
    expectTypeOf(p.create({ id: 'i', amount: 1 })).toEqualTypeOf<Promise<RequestPreview>>();
    // @ts-expect-error amount is required
    void p.create({ id: 'i' });
    // @ts-expect-error unknown field
    void p.update({ id: 'i', version: 1 }, { colour: 'red' });
    // @ts-expect-error wrong value type
    void p.update({ id: 'i', version: 1 }, { amount: '12' });
    expectTypeOf(p.delete({ id: 'i', version: 1 })).toEqualTypeOf<Promise<RequestPreview>>();
    expectTypeOf(transactionParams(db, (tx) => void tx.create(Invoice, { id: 'x', amount: 2 }))).resolves.toMatchTypeOf<{ operation: 'TransactWriteItems' }>();
  });
});

describe('derive keeps the kind of database', () => {
  test('a DynamORM derives a DynamORM, a Database a Database', () => {
    expectTypeOf(derive(DynamORM.create({ region: 'us-east-1' }), { partner: 'acme' })).toEqualTypeOf<DynamORM>();
    expectTypeOf(derive(Database.create({ region: 'us-east-1' }), { tablePrefix: 'acme-' })).toEqualTypeOf<Database>();
  });
});

describe('extensions and plugins', () => {
  test('defineExtension takes per-model hooks and gives an Extension', () => {
    const ext = defineExtension({ name: 'probe', forModel: (m) => (m.name === 'Invoice' ? ({ batchWriteRefusal: 'no' } satisfies ModelHooks) : undefined) });
    expectTypeOf(ext).toEqualTypeOf<Extension>();
    // @ts-expect-error forModel must return hooks or undefined
    defineExtension({ name: 'bad', forModel: () => 42 });
  });
  test('a plugin installs named middleware on its host', () => {
    const plugin: Plugin = { name: 'p', install: (host) => void host.use('p', (r, next) => next(r)) };
    expectTypeOf(DynamORM.create({ region: 'us-east-1', plugins: [plugin] }).use(plugin)).toEqualTypeOf<DynamORM>();
  });
});
