/**
 * The CLI's pure parts: templates generated from models (CloudFormation/SAM parsed back as YAML,
 * Terraform parsed back by a real HCL parser, CDK checked for the same tables) and migration plans
 * (one index per step, nothing deleted unless allowed, changes DynamoDB cannot make blocked).
 */
import { parse as parseHcl } from '@cdktf/hcl2json';
import { describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { attr, model } from '../../../src/index.js';
import { generate, resourceName, toYaml } from '../../../src/cli/generate.js';
import { describeStep, planTable } from '../../../src/cli/migrate.js';
import { tableSchemas } from '../../../src/cli/schema.js';

const Payment = model('Payment', {
  table: 'payments',
  attributes: {
    id: attr.string().partitionKey(),
    merchantId: attr.string(),
    status: attr.enum(['pending', 'done']),
    createdAt: attr.createdAt(),
    amount: attr.cents(),
    expiresAt: attr.ttl().optional(),
  },
  indexes: {
    byMerchant: { name: 'gsi-merchant', partitionKey: 'merchantId', sortKey: 'createdAt' },
    byStatus: { name: 'gsi-status', partitionKey: 'status', projection: ['amount'] },
  },
});
const Order = model('Order', {
  table: 'shop',
  attributes: { shopId: attr.string(), id: attr.string(), pk: attr.template('SHOP#{shopId}').partitionKey(), sk: attr.template('ORDER#{id}').sortKey(), total: attr.cents() },
});
const Shop = model('Shop', { table: 'shop', attributes: { shopId: attr.string(), pk: attr.template('SHOP#{shopId}').partitionKey(), sk: attr.template('PROFILE').sortKey() } });
const schemas = tableSchemas([Payment, Order, Shop], 'prod-');

describe('generate', () => {
  test('CloudFormation: one retained, protected table per table, keys, indexes and TTL as the library creates them', () => {
    const template = parseYaml(generate('cloudformation', schemas)) as { Resources: Record<string, { Type: string; DeletionPolicy: string; Properties: Record<string, unknown> }> };
    expect(Object.keys(template.Resources)).toEqual(['ProdPaymentsTable', 'ProdShopTable']);
    const payments = template.Resources.ProdPaymentsTable;
    expect(payments?.Type).toBe('AWS::DynamoDB::Table');
    expect(payments?.DeletionPolicy).toBe('Retain');
    const d = schemas[0]?.definition;
    expect(payments?.Properties).toMatchObject({
      TableName: 'prod-payments',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: d?.KeySchema,
      AttributeDefinitions: d?.AttributeDefinitions,
      GlobalSecondaryIndexes: d?.GlobalSecondaryIndexes,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(parseYaml(generate('sam', schemas))).toMatchObject({ Transform: 'AWS::Serverless-2016-10-31' });
  });

  test('Terraform: parses as HCL, one aws_dynamodb_table per table with the same keys and indexes', async () => {
    const parsed = (await parseHcl('tables.tf', generate('terraform', schemas))) as { resource: { aws_dynamodb_table: Record<string, [Record<string, unknown>]> } };
    const tables = parsed.resource.aws_dynamodb_table;
    expect(Object.keys(tables)).toEqual(['prod_payments', 'prod_shop']);
    const payments = tables.prod_payments?.[0] as Record<string, unknown>;
    expect(payments).toMatchObject({ name: 'prod-payments', billing_mode: 'PAY_PER_REQUEST', hash_key: 'id', deletion_protection_enabled: true });
    expect(payments.attribute).toEqual(expect.arrayContaining([{ name: 'merchantId', type: 'S' }, { name: 'createdAt', type: 'S' }, { name: 'status', type: 'S' }]));
    expect(payments.global_secondary_index).toEqual([
      { name: 'gsi-merchant', hash_key: 'merchantId', range_key: 'createdAt', projection_type: 'ALL' },
      { name: 'gsi-status', hash_key: 'status', projection_type: 'INCLUDE', non_key_attributes: ['amount'] },
    ]);
    expect(payments.ttl).toEqual([{ attribute_name: 'expiresAt', enabled: true }]);
    expect(tables.prod_shop?.[0]).toMatchObject({ hash_key: 'pk', range_key: 'sk' });
  });

  test('CDK: a TableV2 per table with its keys, indexes and safe defaults', () => {
    const code = generate('cdk', schemas);
    expect(code).toContain("new TableV2(this, \"ProdPaymentsTable\", {");
    expect(code).toContain('partitionKey: { name: "id", type: AttributeType.STRING }');
    expect(code).toContain('indexName: "gsi-status", partitionKey: { name: "status", type: AttributeType.STRING }, projectionType: ProjectionType.INCLUDE, nonKeyAttributes: ["amount"]');
    expect(code).toContain('timeToLiveAttribute: "expiresAt"');
    expect(code).toContain('removalPolicy: RemovalPolicy.RETAIN');
    expect(code.match(/new TableV2/g)).toHaveLength(2);
  });

  test('names and YAML values are safe', () => {
    expect(resourceName('my-payments.v2')).toBe('MyPaymentsV2');
    expect(resourceName('2024-archive')).toBe('T2024Archive');
    const tricky = { a: 'yes', b: 'x: y # z', c: ['1', 'null'], d: { e: true, f: 3 } };
    expect(parseYaml(toYaml(tricky))).toEqual(tricky);
  });
});

describe('migration plans', () => {
  const [wanted] = tableSchemas([Payment]);
  const table = wanted as NonNullable<typeof wanted>;
  const live = (gsis: typeof table.definition.GlobalSecondaryIndexes, ttl?: string) => ({
    description: { TableStatus: 'ACTIVE' as const, KeySchema: table.definition.KeySchema, GlobalSecondaryIndexes: gsis },
    ttl,
  });

  test('a missing table is created (with its indexes) and its TTL enabled', () => {
    const plan = planTable(table, { description: undefined, ttl: undefined });
    expect(plan.steps.map(describeStep)).toEqual(['create table payments with indexes gsi-merchant, gsi-status', 'enable time to live on payments.expiresAt']);
  });

  test('new indexes are one step each; indexes not in the models are kept unless deletion is allowed', () => {
    const [merchant] = table.definition.GlobalSecondaryIndexes ?? [];
    const legacy = { IndexName: 'gsi-legacy', KeySchema: [{ AttributeName: 'legacy', KeyType: 'HASH' as const }], Projection: { ProjectionType: 'ALL' as const } };
    const plan = planTable(table, live([merchant as never, legacy], 'expiresAt'));
    expect(plan.steps.map(describeStep)).toEqual(['create index gsi-status on payments (and wait for it to backfill)']);
    expect(plan.kept).toEqual(['payments: index gsi-legacy (not in the models) is kept: pass --allow-delete to delete it']);
    const step = plan.steps[0];
    expect(step?.kind === 'createIndex' && step.attributes).toEqual([{ AttributeName: 'status', AttributeType: 'S' }]);
    const allowed = planTable(table, live([merchant as never, legacy], 'expiresAt'), { allowDelete: true });
    expect(allowed.steps.map((s) => s.kind)).toEqual(['deleteIndex', 'createIndex']);
  });

  test('a changed index is deleted and re-created only when allowed; a different key schema is blocked', () => {
    const changed = (table.definition.GlobalSecondaryIndexes ?? []).map((i) => (i.IndexName === 'gsi-status' ? { ...i, Projection: { ProjectionType: 'ALL' as const } } : i));
    expect(planTable(table, live(changed, 'expiresAt')).steps).toEqual([]);
    expect(planTable(table, live(changed, 'expiresAt')).kept[0]).toMatch(/gsi-status \(changed keys or projection\) is kept: pass --allow-delete to delete and re-create it/);
    expect(planTable(table, live(changed, 'expiresAt'), { allowDelete: true }).steps.map(describeStep)).toEqual([
      'DELETE index gsi-status on payments',
      'create index gsi-status on payments (and wait for it to backfill)',
    ]);
    const otherKeys = { description: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }] }, ttl: undefined };
    expect(planTable(table, otherKeys).blocked).toEqual(['payments: the key schema differs (a new table is needed)']);
  });
});
