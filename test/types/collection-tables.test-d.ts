/**
 * A collection reads one table: models of different tables fail to compile when their tables are
 * literal types (issue 14). A model's `table` stays a plain `string`, so existing code keeps compiling.
 */
import { describe, expectTypeOf, test } from 'vitest';
import { attr, collection, Database, DynamORM, model, type AnyModel, type Model } from '../../src/index.js';

const key = { pk: attr.string().partitionKey(), sk: attr.string().sortKey() };
const A = model('A', { table: 'shop', attributes: key });
const B = model('B', { table: 'shop', attributes: { ...key, total: attr.cents() } });
const Elsewhere = model('Elsewhere', { table: 'ledger', attributes: key });
const fromConfig: string = process.env.TABLE ?? 'shop';
const Configured = model('Configured', { table: fromConfig, attributes: key });

const db = DynamORM.create();
const core = Database.create();

describe('collections of models of one table', () => {
  test('models of one table make a collection, typed as before', () => {
    const shop = db.collection([A, B]);
    expectTypeOf(shop.all).returns.resolves.toEqualTypeOf<
      ({ readonly model: 'A'; readonly item: { pk: string; sk: string } } | { readonly model: 'B'; readonly item: { pk: string; sk: string; total: number } })[]
    >();
    expectTypeOf(collection(core, [A, B])).toEqualTypeOf<typeof shop>();
  });

  test('models of different tables do not compile', () => {
    // @ts-expect-error a collection reads one table
    db.collection([A, Elsewhere]);
    // @ts-expect-error a collection reads one table
    collection(core, [A, B, Elsewhere]);
  });

  test('a table known only at run time is checked at run time', () => {
    db.collection([A, Configured]);
    collection(core, [Configured, Elsewhere]);
  });

  test("a model's table stays a string: models assign to Model and AnyModel, copies cast as before", () => {
    expectTypeOf(A.table).toEqualTypeOf<string>();
    const m: Model = A;
    const any: AnyModel = Elsewhere;
    const copy = { ...A, table: 'shop-copy' } as typeof A;
    void [m, any, copy];
  });
});
