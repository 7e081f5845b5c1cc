import { expectTypeOf, test } from 'vitest';
import { attr, Database, DynamORM, model, type Plugin } from '../../src/index.js';
import {
  costPlugin,
  costs,
  estimateMonthlyCost,
  estimateRead,
  estimateWrite,
  setCostAlert,
  type BillingMode,
  type CapacityEstimate,
  type CostLine,
  type CostPlugin,
  type CostReport,
  type Image,
  type MonthlyEstimate,
} from '../../src/cost/index.js';

const Payment = model('Payment', {
  table: 'p',
  attributes: { id: attr.string().partitionKey(), status: attr.string() },
  indexes: { byStatus: { name: 'gsi-status', partitionKey: 'status' } },
});

test('the plugin is a Plugin; costs, projections and alerts work on any database', () => {
  const plugin = costPlugin({ region: 'us-east-1', billingMode: 'provisioned', allow: { tenant: true } });
  expectTypeOf(plugin).toEqualTypeOf<CostPlugin>();
  expectTypeOf(plugin).toMatchTypeOf<Plugin>();
  const db = DynamORM.create({ plugins: [plugin] });
  const core = Database.create({ plugins: [plugin] });
  expectTypeOf(costs(db)).toEqualTypeOf<CostReport>();
  expectTypeOf(costs(core).lines).toEqualTypeOf<readonly CostLine[]>();
  expectTypeOf(estimateMonthlyCost(db)).toEqualTypeOf<MonthlyEstimate>();
  expectTypeOf(setCostAlert(db, 100, (e) => expectTypeOf(e.dollars).toEqualTypeOf<number>())).toEqualTypeOf<() => void>();
  expectTypeOf<CostLine['tenant']>().toEqualTypeOf<string | undefined>();
  // @ts-expect-error the billing modes are onDemand and provisioned
  costPlugin({ billingMode: 'PAY_PER_REQUEST' });
  // @ts-expect-error an alert needs a callback
  setCostAlert(db, 100);
  expectTypeOf<BillingMode>().toEqualTypeOf<'onDemand' | 'provisioned'>();
});

test('estimates take stored images and return capacity by place', () => {
  const item: Image = { id: { S: 'p1' }, status: { S: 'paid' } };
  expectTypeOf(estimateWrite(Payment, { after: item, transactional: true })).toEqualTypeOf<CapacityEstimate>();
  expectTypeOf(estimateRead([Payment], { kind: 'query', items: [item], index: 'byStatus' }).at[0]?.index).toEqualTypeOf<string | undefined>();
  // @ts-expect-error a read is a get or a query
  estimateRead(Payment, { kind: 'scan', items: [] });
  // @ts-expect-error images are DynamoDB attribute values, not plain items
  estimateWrite(Payment, { after: { id: 'p1' } });
});
