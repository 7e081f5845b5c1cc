import { describe, expectTypeOf, test } from 'vitest';
import { attr, model, type Extension, type ReadIntent, type ReadPartition } from '../../src/index.js';
import {
  currentTenant,
  isTenantId,
  TenantModelError,
  tenants,
  TenantScopeError,
  withTenant,
  type AllTenants,
  type TenantExtension,
  type TenantRule,
  type TenantsOptions,
} from '../../src/tenants/index.js';

const tenancy = tenants({ field: 'merchantId' });
const Payment = model('Payment', {
  table: 'payments',
  attributes: { merchantId: attr.string().partitionKey(), paymentId: attr.string().sortKey() },
  extensions: [tenancy],
});

describe('dynamorm/tenants', () => {
  test('tenants() makes an extension that models list, and capabilities', () => {
    expectTypeOf(tenancy).toEqualTypeOf<TenantExtension>();
    expectTypeOf(tenancy).toMatchTypeOf<Extension>();
    expectTypeOf(tenancy.field).toEqualTypeOf<string>();
    expectTypeOf(tenancy.allTenants).parameters.toEqualTypeOf<[reason: string]>();
    expectTypeOf(tenancy.allTenants('x')).toEqualTypeOf<AllTenants>();
    expectTypeOf(Payment.extensions).toEqualTypeOf<readonly Extension[]>();
    expectTypeOf<TenantsOptions>().toEqualTypeOf<{ readonly field: string }>();
    // @ts-expect-error the tenant field is required
    tenants({});
  });

  test('withTenant and capability.run return what the function returns', () => {
    expectTypeOf(withTenant('m_1', () => 1)).toEqualTypeOf<number>();
    expectTypeOf(withTenant('m_1', async () => 'x')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(tenancy.allTenants('jobs').run(() => true)).toEqualTypeOf<boolean>();
    expectTypeOf(currentTenant()).toEqualTypeOf<string | undefined>();
    // @ts-expect-error a tenant id is a string
    withTenant(7, () => 1);
  });

  test('errors and guards', () => {
    expectTypeOf(new TenantScopeError('scan', 'm').rule).toEqualTypeOf<TenantRule>();
    expectTypeOf<TenantRule>().toEqualTypeOf<'no-tenant' | 'other-tenant' | 'index-not-scoped' | 'scan' | 'tenant-switch' | 'tenant-id'>();
    expectTypeOf(new TenantScopeError('scan', 'm').tenant).toEqualTypeOf<string | undefined>();
    expectTypeOf(new TenantModelError('m')).toHaveProperty('code');
    const value: unknown = 'm_1';
    if (isTenantId(value)) expectTypeOf(value).toEqualTypeOf<string>();
  });

  test('the read seams extensions see', () => {
    expectTypeOf<ReadIntent['index']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ReadPartition['value']>().toHaveProperty('S');
  });
});
