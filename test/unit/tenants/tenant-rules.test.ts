/**
 * The pure parts of tenant scope: tenant ids, the per-model rules worked out when a handle is made
 * (which keys carry the tenant, reading it back out of a key, separators), the error, and the hooks
 * themselves called directly with contexts (no DynamoDB: the integration tests send the requests).
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { attr, DynamORMError, model, ModelDefinitionError, type ModelHooks, type OperationContext } from '../../../src/index.js';
import { checkTenantId, isTenantId, separatorIn } from '../../../src/tenants/tenant-id.js';
import { tenantModel } from '../../../src/tenants/model-rules.js';
import { TenantModelError, TenantScopeError, tenants, withTenant, currentTenant } from '../../../src/tenants/index.js';

const tenancy = tenants({ field: 'merchantId' });
const Payment = model('Payment', {
  table: 'pay',
  attributes: {
    pk: attr.template('M#{merchantId}').partitionKey(),
    sk: attr.template('P#{paymentId}').sortKey(),
    merchantId: attr.string(),
    paymentId: attr.string(),
    status: attr.string(),
    reference: attr.string(),
    gpk: attr.template('M#{merchantId}#S#{status}'),
  },
  indexes: {
    byStatus: { name: 'gsi1', partitionKey: 'gpk', sortKey: 'paymentId' },
    byReference: { name: 'gsi2', partitionKey: 'reference' },
  },
  extensions: [tenancy],
});

function context(kind: OperationContext['kind'], tenant?: string): OperationContext {
  return { kind, model: 'Payment', table: 'pay', now: new Date(0), deadline: undefined, tenant, actor: undefined, partner: undefined };
}
const hooks = tenancy.forModel(Payment) as ModelHooks;

describe('tenant ids', () => {
  test('valid ids pass; empty, too long, separators, spaces, non-ASCII and non-strings fail', () => {
    for (const ok of ['m', 'm_123', 'acct:9', 'a.b-c@d', 'X'.repeat(128)]) expect(isTenantId(ok)).toBe(true);
    for (const bad of ['', '#', 'a#b', 'a b', ' a', '-a', 'a/b', 'a\u0000', 'é', 'X'.repeat(129), 7, null, undefined, {}]) expect(isTenantId(bad)).toBe(false);
  });

  test('property: an accepted id never holds # or whitespace, and the refusal never repeats the value', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 140 }), (s) => {
        if (isTenantId(s)) {
          expect(/[#\s]/.test(s)).toBe(false);
          expect(s.length).toBeGreaterThan(0);
          expect(s.length).toBeLessThanOrEqual(128);
        } else {
          let message = '';
          try {
            checkTenantId(s, 'test');
          } catch (e) {
            expect(e).toBeInstanceOf(TenantScopeError);
            message = (e as Error).message;
          }
          const text: string = s;
          if (text.length >= 3) expect(message).not.toContain(text);
        }
      }),
    );
  });

  test('separatorIn finds a model separator in an id', () => {
    expect(separatorIn('a:Pb', [':P'])).toBe(':P');
    expect(separatorIn('ab', [':P'])).toBeUndefined();
  });
});

describe('model rules', () => {
  test('the table and a tenant-carrying index read the tenant back; an index that does not carry it has no reader', () => {
    const rules = tenantModel(Payment.compiled, 'merchantId');
    expect(rules.table({ S: 'M#m_1' })).toBe('m_1');
    expect(rules.table({ S: 'X#m_1' })).toBeUndefined();
    expect(rules.indexes.get('byStatus')?.({ S: 'M#m_1#S#paid' })).toBe('m_1');
    expect(rules.indexes.get('byReference')).toBeUndefined();
    expect(rules.unscoped).toEqual([{ alias: 'byReference', fields: ['reference'] }]);
    expect(rules.separators).toEqual(['#S#']);
  });

  test('property: the tenant read from a key built for a tenant is that tenant', () => {
    const rules = tenantModel(Payment.compiled, 'merchantId');
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,20}$/), fc.constantFrom('open', 'paid'), (t, s) => {
        expect(rules.table({ S: `M#${t}` })).toBe(t);
        expect(rules.indexes.get('byStatus')?.({ S: `M#${t}#S#${s}` })).toBe(t);
      }),
    );
  });

  test('a partition key that is the tenant field reads it directly', () => {
    const M = model('M', { table: 'mmm', attributes: { merchantId: attr.string().partitionKey(), name: attr.string() } });
    expect(tenantModel(M.compiled, 'merchantId').table({ S: 'm_9' })).toBe('m_9');
  });

  test('models that cannot be scoped are refused with TenantModelError (a ModelDefinitionError)', () => {
    const Loose = model('Loose', { table: 'loose', attributes: { id: attr.string().partitionKey(), merchantId: attr.string() } });
    const error = (() => {
      try {
        tenantModel(Loose.compiled, 'merchantId');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TenantModelError);
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect((error as TenantModelError).name).toBe('TenantModelError');
    expect(() => tenantModel(Loose.compiled, 'nope')).toThrow(/has no field nope/);
    const Num = model('Num', { table: 'num', attributes: { merchantId: attr.integer().partitionKey() } });
    expect(() => tenantModel(Num.compiled, 'merchantId')).toThrow(/must be a string attribute/);
  });
});

describe('the hooks', () => {
  test('writes are stamped, and another tenant refused', () => {
    const write = hooks.adjustWrite?.(context('create', 'm_a'), { kind: 'create', input: { paymentId: 'p' }, key: undefined });
    expect(write?.input).toEqual({ paymentId: 'p', merchantId: 'm_a' });
    const same = { kind: 'put' as const, input: { merchantId: 'm_a', paymentId: 'p' }, key: undefined };
    expect(hooks.adjustWrite?.(context('put', 'm_a'), same)).toBe(same);
    expect(() => hooks.adjustWrite?.(context('put', 'm_a'), { kind: 'put', input: { merchantId: 'm_b' }, key: undefined })).toThrow(TenantScopeError);
    expect(hooks.adjustWrite?.(context('delete', 'm_a'), { kind: 'delete', input: undefined, key: { paymentId: 'p' } })?.key).toEqual({ paymentId: 'p', merchantId: 'm_a' });
    expect(() => hooks.adjustWrite?.(context('update', 'm_a'), { kind: 'update', input: { merchantId: 'm_b' }, key: { merchantId: 'm_a', paymentId: 'p' } })).toThrow(/patch names another tenant/);
    expect(() => hooks.adjustWrite?.(context('update'), { kind: 'update', input: {}, key: { merchantId: 'm_a', paymentId: 'p' } })).toThrow(expect.objectContaining({ rule: 'no-tenant' }));
  });

  test('queries: the tenant condition is added when left out, not when given, refused when another', () => {
    const read = (conditions: { path: string; op: '='; value: unknown }[], index?: string) => hooks.readConditions?.(context('query', 'm_a'), { conditions, index });
    expect(read([{ path: 'paymentId', op: '=', value: 'p' }])).toEqual([{ path: 'merchantId', op: '=', value: 'm_a' }]);
    expect(read([{ path: 'merchantId', op: '=', value: 'm_a' }])).toEqual([]);
    expect(() => read([{ path: 'merchantId', op: '=', value: 'm_b' }])).toThrow(expect.objectContaining({ rule: 'other-tenant' }));
    // Meant for an index that does not carry the tenant: nothing added, the partition check names it.
    expect(read([{ path: 'reference', op: '=', value: 'r' }])).toEqual([]);
    expect(read([], 'byReference')).toEqual([]);
    expect(read([{ path: 'status', op: '=', value: 'paid' }], 'byStatus')).toEqual([{ path: 'merchantId', op: '=', value: 'm_a' }]);
  });

  test('partitions: the tenant\'s own pass; another tenant\'s, or an index without the tenant, are refused', () => {
    const check = (index: string | undefined, value: string, tenant = 'm_a') => () => hooks.checkPartition?.(context('query', tenant), { index, value: { S: value } });
    expect(check(undefined, 'M#m_a')).not.toThrow();
    expect(check('byStatus', 'M#m_a#S#open')).not.toThrow();
    expect(check(undefined, 'M#m_b')).toThrow(expect.objectContaining({ rule: 'other-tenant' }));
    expect(check('byStatus', 'M#m_b#S#open')).toThrow(expect.objectContaining({ rule: 'other-tenant' }));
    expect(check('byReference', 'r')).toThrow(expect.objectContaining({ rule: 'index-not-scoped' }));
    expect(check(undefined, 'M#m_a', 'a#b')).toThrow(expect.objectContaining({ rule: 'tenant-id' }));
  });

  test('scans are refused without the capability, allowed with it; no tenant is allowed only with it', () => {
    expect(() => hooks.checkRead?.(context('scan', 'm_a'))).toThrow(expect.objectContaining({ rule: 'scan' }));
    expect(() => hooks.checkRead?.(context('scan'))).toThrow(expect.objectContaining({ rule: 'scan' }));
    expect(() => hooks.checkRead?.(context('get'))).toThrow(expect.objectContaining({ rule: 'no-tenant' }));
    const capability = tenancy.allTenants('unit test');
    capability.run(() => {
      expect(() => hooks.checkRead?.(context('scan', 'm_a'))).not.toThrow();
      expect(() => hooks.checkRead?.(context('get'))).not.toThrow();
      expect(hooks.readConditions?.(context('query'), { conditions: [], index: undefined })).toEqual([]);
    });
    expect(() => tenancy.allTenants('')).toThrow(/say why/);
  });

  test('the error names its rule, model, operation and the scope\'s tenant, and is a DynamORMError', () => {
    let error: unknown;
    try {
      hooks.adjustWrite?.(context('create', 'm_a'), { kind: 'create', input: { merchantId: 'm_secret_other' }, key: undefined });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DynamORMError);
    expect(error).toMatchObject({ name: 'TenantScopeError', code: 'TENANT_SCOPE', rule: 'other-tenant', model: 'Payment', operation: 'create', tenant: 'm_a' });
    expect(JSON.stringify(error)).not.toContain('m_secret_other');
    expect((error as Error).message).toBe('Payment.create: the item names another tenant than the scope\'s in merchantId [other-tenant]');
  });
});

describe('withTenant', () => {
  test('sets the tenant for the call chain and refuses to switch to another', async () => {
    expect(await withTenant('m_a', async () => currentTenant())).toBe('m_a');
    expect(currentTenant()).toBeUndefined();
    expect(() => withTenant('m_a', () => withTenant('m_b', () => 0))).toThrow(expect.objectContaining({ rule: 'tenant-switch' }));
    expect(() => withTenant('a#b', () => 0)).toThrow(expect.objectContaining({ rule: 'tenant-id' }));
  });
});
