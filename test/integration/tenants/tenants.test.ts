/**
 * Tenant isolation on DynamoDB Local, rule by rule: a model opts in and its partition key must carry
 * the tenant; in a tenant scope writes are stamped and other tenants' items and keys are refused,
 * queries are limited at the key (on the table and on an index that carries the tenant; an index that
 * does not is refused), cursors of another tenant's query are refused, batches, transactions and
 * collections refuse other tenants' keys, scans need an all-tenants capability, and with no tenant in
 * scope everything is refused unless the code holds that capability. Every refusal is checked to have
 * sent nothing, and the raw table to be unchanged.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  attr,
  deleteKeys,
  getKeys,
  InvalidCursorError,
  model,
  ModelDefinitionError,
  putItems,
  txGet,
  ValidationError,
  withScope,
  type DynamORMRequest,
} from '../../../src/index.js';
import { TenantModelError, TenantScopeError, tenants, withTenant, currentTenant } from '../../../src/tenants/index.js';
import { rawItem, recordRequests, testDb } from '../../support/db.js';
import { Currency, everyone, Merchant, Payment, Refund, tenancy } from './models.js';

const A = 'm_a';
const B = 'm_b';
const sent: DynamORMRequest[] = [];
const db = testDb({ cursorSecret: 'tenant-tests-cursor-secret-0123456789', middleware: [recordRequests(sent)] });
const payments = db.model(Payment);
const refunds = db.model(Refund);
const merchants = db.model(Merchant);

function pay(merchantId: string, paymentId: string, status = 'open', reference = `ref-${paymentId}`) {
  return { merchantId, paymentId, status, reference, amount: 100 };
}

/** Every item of the table, raw (the judge of what was written). */
async function rawTable(table = db.tableName(Payment)): Promise<Record<string, AttributeValue>[]> {
  const out = await db.client.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return out.Items ?? [];
}
const rawKeys = async () => (await rawTable()).map((i) => `${i.pk?.S}|${i.sk?.S}`).sort();

/** Runs `fn`, expects a TenantScopeError with `rule`, and checks that nothing was sent. */
async function refused(rule: string, fn: () => unknown): Promise<TenantScopeError> {
  const before = sent.length;
  const error = await Promise.resolve()
    .then(fn)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(TenantScopeError);
  expect((error as TenantScopeError).rule).toBe(rule);
  expect((error as TenantScopeError).code).toBe('TENANT_SCOPE');
  expect(sent.length - before).toBe(0);
  return error as TenantScopeError;
}

beforeAll(async () => {
  await db.tables.create([Payment, Refund, Currency]);
  await db.tables.create([Merchant]);
  await withTenant(A, async () => {
    for (const id of ['a1', 'a2', 'a3', 'a4', 'a5']) await payments.create(pay(A, id, id === 'a5' ? 'paid' : 'open', id === 'a1' ? 'shared-ref' : `ref-${id}`));
    await refunds.create({ merchantId: A, refundId: 'r1', amount: 5 });
    await merchants.create({ merchantId: A, name: 'Alpha' });
  });
  await withTenant(B, async () => {
    for (const id of ['b1', 'b2', 'b3']) await payments.create(pay(B, id, 'open', id === 'b1' ? 'shared-ref' : `ref-${id}`));
    await refunds.create({ merchantId: B, refundId: 'r1', amount: 7 });
    await merchants.create({ merchantId: B, name: 'Beta' });
  });
  await db.model(Currency).create({ pk: 'CUR', sk: 'EUR', name: 'Euro' });
});
afterAll(() => db.destroy());

describe('which models are scoped', () => {
  test('a model that opts in has the hooks; a model of the same table that does not, none', () => {
    expect(payments.hooks?.names).toEqual(['tenants']);
    expect(db.model(Currency).hooks).toBeUndefined();
  });

  test('a model whose partition key does not carry the tenant is refused when its handle is made', () => {
    const Loose = model('Loose', {
      table: 'tenancy',
      attributes: { id: attr.string().partitionKey(), merchantId: attr.string() },
      extensions: [tenancy],
    });
    const error = (() => {
      try {
        db.model(Loose);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TenantModelError);
    expect(error).toBeInstanceOf(ModelDefinitionError);
    expect((error as Error).message).toMatch(/partition key id does not carry the tenant field merchantId/);
  });

  test('a model that opts in without the field, or with a tenant field that is not a string, is refused', () => {
    const NoField = model('NoField', { table: 'tenancy', attributes: { id: attr.string().partitionKey() }, extensions: [tenancy] });
    expect(() => db.model(NoField)).toThrow(TenantModelError);
    const Numeric = model('Numeric', { table: 'tenancy', attributes: { merchantId: attr.integer().partitionKey() }, extensions: [tenancy] });
    expect(() => db.model(Numeric)).toThrow(/must be a string attribute/);
  });

  test('given to the database, the extension scopes every model with the field, and only those', () => {
    const dbWide = tenants({ field: 'merchantId' });
    const Plain = model('Plain', { table: 'tenancy', attributes: { pk: attr.string().partitionKey(), sk: attr.string().sortKey() } });
    const Scoped = model('Scoped', { table: 'tenancy', attributes: { merchantId: attr.string().partitionKey(), note: attr.string() } });
    const other = testDb({ extensions: [dbWide] });
    expect(other.model(Plain).hooks).toBeUndefined();
    expect(other.model(Scoped).hooks?.names).toEqual(['tenants']);
    void other.destroy();
  });
});

describe('no tenant in scope: every operation on a scoped model is refused, nothing is sent', () => {
  test('writes, reads, batches, transactions, collections and scans', async () => {
    expect(currentTenant()).toBeUndefined();
    await refused('no-tenant', () => payments.create(pay(A, 'x1')));
    await refused('no-tenant', () => payments.put(pay(A, 'x1')));
    await refused('no-tenant', () => payments.update({ merchantId: A, paymentId: 'a1' }, { amount: 1 }));
    await refused('no-tenant', () => payments.delete({ merchantId: A, paymentId: 'a1' }));
    await refused('no-tenant', () => payments.get({ merchantId: A, paymentId: 'a1' }));
    await refused('no-tenant', () => payments.where('merchantId', '=', A).all());
    await refused('no-tenant', () => payments.where('merchantId', '=', A).count());
    await refused('no-tenant', () => db.batchGet([getKeys(Payment, [{ merchantId: A, paymentId: 'a1' }])]));
    await refused('no-tenant', () => db.batchWrite([putItems(Refund, [{ merchantId: A, refundId: 'x', amount: 1 }])]));
    await refused('no-tenant', () => db.transaction((tx) => void tx.create(Refund, { merchantId: A, refundId: 'x', amount: 1 })));
    await refused('no-tenant', () => db.transactGet([txGet(Payment, { merchantId: A, paymentId: 'a1' })]));
    await refused('no-tenant', () => db.collection([Payment, Refund]).all({ merchantId: A }));
    await refused('scan', () => payments.scan().all());
  });

  test('a model that does not opt in works as before', async () => {
    expect(await db.model(Currency).get({ pk: 'CUR', sk: 'EUR' })).toMatchObject({ name: 'Euro' });
  });

  test('under the all-tenants capability, every tenant is reachable and scans run', async () => {
    await everyone.run(async () => {
      expect(await payments.get({ merchantId: B, paymentId: 'b1' })).toMatchObject({ merchantId: B });
      expect((await payments.scan().all()).map((p) => p.merchantId).sort()).toEqual([A, A, A, A, A, B, B, B]);
      expect((await payments.where('reference', '=', 'shared-ref').all()).map((p) => p.merchantId).sort()).toEqual([A, B]);
    });
  });

  test('a capability of another tenant extension does not count', async () => {
    const foreign = tenants({ field: 'merchantId' }).allTenants('another extension');
    await foreign.run(() => refused('no-tenant', () => payments.get({ merchantId: A, paymentId: 'a1' })));
  });
});

describe('writes in a tenant scope', () => {
  test('an item without the tenant is stamped with the scope\'s', async () => {
    const { merchantId: _m, ...unstamped } = pay(A, 'stamped');
    const created = await withTenant(A, () => payments.create(unstamped as ReturnType<typeof pay>));
    expect(created.merchantId).toBe(A);
    const raw = await rawItem(db, Payment, { pk: { S: `M#${A}` }, sk: { S: 'P#stamped' } });
    expect(raw).toMatchObject({ merchantId: { S: A }, gpk: { S: `M#${A}#S#open` } });
  });

  test('items and keys of another tenant are refused before sending, in every kind of write; the table is unchanged', async () => {
    const before = await rawTable();
    await withTenant(A, async () => {
      const error = await refused('other-tenant', () => payments.create(pay(B, 'evil')));
      expect(error.message).not.toContain(B);
      expect(error.tenant).toBe(A);
      await refused('other-tenant', () => payments.put(pay(B, 'b1')));
      await refused('other-tenant', () => payments.update({ merchantId: B, paymentId: 'b1' }, { amount: 1 }));
      await refused('other-tenant', () => payments.delete({ merchantId: B, paymentId: 'b1' }));
      await refused('other-tenant', () => db.batchWrite([putItems(Refund, [{ merchantId: A, refundId: 'ok', amount: 1 }, { merchantId: B, refundId: 'evil', amount: 1 }])]));
      await refused('other-tenant', () => db.batchWrite([deleteKeys(Refund, [{ merchantId: B, refundId: 'r1' }])]));
      await refused('other-tenant', () =>
        db.transaction((tx) => {
          tx.create(Refund, { merchantId: A, refundId: 'tx-ok', amount: 1 });
          tx.update(Payment, { merchantId: B, paymentId: 'b1' }, { amount: 2 });
        }),
      );
      await refused('other-tenant', () =>
        db.transaction((tx) => {
          tx.create(Refund, { merchantId: A, refundId: 'tx-ok', amount: 1 });
          tx.check(Payment, { merchantId: B, paymentId: 'b1' }, (c) => c.exists('paymentId'));
        }),
      );
    });
    expect(await rawTable()).toEqual(before);
  });

  test('an update cannot move an item to another tenant', async () => {
    await withTenant(A, async () => {
      const error = await payments.update({ merchantId: A, paymentId: 'a2' }, { merchantId: B } as never).catch((e: unknown) => e);
      expect(error instanceof TenantScopeError || error instanceof ValidationError).toBe(true);
    });
    const raw = await rawItem(db, Payment, { pk: { S: `M#${A}` }, sk: { S: 'P#a2' } });
    expect(raw?.merchantId).toEqual({ S: A });
  });

  test('own writes go through: single, batch and transaction', async () => {
    await withTenant(B, async () => {
      await payments.update({ merchantId: B, paymentId: 'b2' }, { amount: 250 });
      await db.batchWrite([putItems(Refund, [{ merchantId: B, refundId: 'batch', amount: 3 }])]);
      await db.transaction((tx) => {
        tx.create(Refund, { merchantId: B, refundId: 'tx', amount: 4 });
        tx.check(Payment, { merchantId: B, paymentId: 'b2' }, (c) => c.exists('paymentId'));
      });
    });
    const keys = await rawKeys();
    expect(keys).toContain(`M#${B}|R#batch`);
    expect(keys).toContain(`M#${B}|R#tx`);
  });
});

describe('reads in a tenant scope', () => {
  test('get: own key read, another tenant\'s key refused', async () => {
    await withTenant(A, async () => {
      expect(await payments.get({ merchantId: A, paymentId: 'a1' })).toMatchObject({ paymentId: 'a1' });
      await refused('other-tenant', () => payments.get({ merchantId: B, paymentId: 'b1' }));
      expect(await merchants.get({ merchantId: A })).toMatchObject({ name: 'Alpha' });
      await refused('other-tenant', () => merchants.get({ merchantId: B }));
    });
  });

  test('queries are limited at the key: the tenant condition is added, never a filter', async () => {
    await withTenant(A, async () => {
      sent.length = 0;
      const all = await payments.where('merchantId', '=', A).all();
      expect(new Set(all.map((p) => p.merchantId))).toEqual(new Set([A]));
      expect(all.length).toBeGreaterThanOrEqual(5);
      // Left out, the tenant is added as a key condition: only the tenant's partition is read.
      const one = await payments.where('paymentId', '=', 'a3').all();
      expect(one.map((p) => p.paymentId)).toEqual(['a3']);
      for (const request of sent) {
        const input = request.input as { Key?: Record<string, AttributeValue>; ExpressionAttributeValues?: Record<string, AttributeValue>; FilterExpression?: string };
        const values = JSON.stringify(input.Key ?? input.ExpressionAttributeValues);
        expect(values).toContain(`M#${A}`);
        expect(values).not.toContain(B);
        expect(input.FilterExpression ?? '').not.toContain('merchantId');
      }
      await refused('other-tenant', () => payments.where('merchantId', '=', B).all());
      await refused('other-tenant', () => payments.where('merchantId', '=', B).where('paymentId', '=', 'b1').first());
      await refused('other-tenant', () => refunds.where('merchantId', '=', B).count());
    });
  });

  test('an index that carries the tenant is read at the tenant\'s key; one that does not is refused by name', async () => {
    await withTenant(A, async () => {
      sent.length = 0;
      const paid = await payments.where('status', '=', 'paid').all();
      expect(paid.map((p) => p.paymentId)).toEqual(['a5']);
      expect(sent[0]?.input).toMatchObject({ IndexName: 'gsi-status' });
      expect(JSON.stringify((sent[0]?.input as { ExpressionAttributeValues: unknown }).ExpressionAttributeValues)).toContain(`M#${A}#S#paid`);
      expect((await payments.where('status', '=', 'open').index('byStatus').all()).every((p) => p.merchantId === A)).toBe(true);
      const error = await refused('index-not-scoped', () => payments.where('reference', '=', 'shared-ref').all());
      expect(error.message).toMatch(/index byReference does not carry merchantId/);
      await refused('index-not-scoped', () => payments.where('reference', '=', 'shared-ref').index('byReference').first());
      await refused('other-tenant', () => payments.where('merchantId', '=', B).where('status', '=', 'open').all());
    });
  });

  test('cursors are bound to the tenant: another tenant\'s cursor is refused before sending', async () => {
    const pageOfA = await withTenant(A, () => payments.where('merchantId', '=', A).limit(2).page());
    expect(pageOfA.cursor).toBeDefined();
    await withTenant(B, async () => {
      const before = sent.length;
      await expect(payments.where('merchantId', '=', B).limit(2).page(pageOfA.cursor)).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(payments.where('paymentId', 'begins_with', 'b').limit(2).page(pageOfA.cursor)).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(payments.where('merchantId', '=', B).resume(pageOfA.cursor as string).all()).rejects.toBeInstanceOf(InvalidCursorError);
      expect(sent.length).toBe(before);
      // Replaying A's own query in B's scope is refused by the tenant rule itself.
      await refused('other-tenant', () => payments.where('merchantId', '=', A).limit(2).page(pageOfA.cursor));
    });
    const collectionPage = await withTenant(A, () => db.collection([Payment, Refund]).limit(2).page({ merchantId: A }));
    await withTenant(B, async () => {
      await expect(db.collection([Payment, Refund]).limit(2).page({ merchantId: B }, collectionPage.cursor)).rejects.toBeInstanceOf(InvalidCursorError);
    });
    // The cursor still works for its own tenant.
    const next = await withTenant(A, () => payments.where('merchantId', '=', A).limit(2).page(pageOfA.cursor));
    expect(next.items.every((p) => p.merchantId === A)).toBe(true);
  });

  test('batch gets and transactional gets refuse another tenant\'s keys; collections another tenant\'s partition', async () => {
    await withTenant(A, async () => {
      const { items } = await db.batchGet([getKeys(Payment, [{ merchantId: A, paymentId: 'a1' }]), getKeys(Merchant, [{ merchantId: A }])]);
      expect(items[0].map((p) => p.paymentId)).toEqual(['a1']);
      await refused('other-tenant', () => db.batchGet([getKeys(Payment, [{ merchantId: A, paymentId: 'a1' }, { merchantId: B, paymentId: 'b1' }])]));
      await refused('other-tenant', () => db.model(Payment).batchGet([{ merchantId: B, paymentId: 'b1' }]));
      const [own] = await db.transactGet([txGet(Payment, { merchantId: A, paymentId: 'a1' })]);
      expect(own?.merchantId).toBe(A);
      await refused('other-tenant', () => db.transactGet([txGet(Payment, { merchantId: A, paymentId: 'a1' }), txGet(Refund, { merchantId: B, refundId: 'r1' })]));
      const grouped = await db.collection([Payment, Refund]).grouped({ merchantId: A });
      expect(grouped.Refund.map((r) => r.merchantId)).toEqual([A]);
      expect(grouped.Payment.every((p) => p.merchantId === A)).toBe(true);
      await refused('other-tenant', () => db.collection([Payment, Refund]).all({ merchantId: B }));
    });
  });

  test('scans are refused in a tenant scope, unless asked for across tenants under the capability', async () => {
    await withTenant(A, async () => {
      await refused('scan', () => payments.scan().all());
      await refused('scan', () => payments.scan().index('byStatus').count());
      const all = await everyone.run(() => payments.scan().all());
      expect(new Set(all.map((p) => p.merchantId))).toEqual(new Set([A, B]));
      // The capability lets the scan through; the tenant's rules for keys still hold.
      await everyone.run(() => refused('other-tenant', () => payments.get({ merchantId: B, paymentId: 'b1' })));
    });
  });
});

describe('the tenant scope', () => {
  test('tenant ids are checked: empty, too long, separators and non-strings are refused', async () => {
    for (const bad of ['', 'a#b', 'a b', 'x'.repeat(129), '#', 'a\nb', 'ü'] as const) {
      expect(() => withTenant(bad, () => 1)).toThrow(TenantScopeError);
    }
    expect(() => withTenant(7 as unknown as string, () => 1)).toThrow(/tenant id/);
    // A scope set around withTenant is checked by the model's hooks as well.
    await withScope({ tenant: 'a#b' }, () => refused('tenant-id', () => payments.get({ merchantId: A, paymentId: 'a1' })));
  });

  test('a tenant scope cannot switch tenants, except under the capability', async () => {
    expect(() => withTenant(A, () => withTenant(B, () => 1))).toThrow(expect.objectContaining({ rule: 'tenant-switch' }));
    expect(withTenant(A, () => withTenant(A, () => currentTenant()))).toBe(A);
    expect(everyone.run(() => withTenant(A, () => withTenant(B, () => currentTenant())))).toBe(B);
  });

  test('the scope reaches every operation of the call chain, awaited or not', async () => {
    const found = await withTenant(B, async () => {
      await new Promise((r) => setTimeout(r, 1));
      return Promise.all([payments.get({ merchantId: B, paymentId: 'b1' }), refunds.where('refundId', '=', 'r1').first()]);
    });
    expect(found.map((x) => x?.merchantId)).toEqual([B, B]);
  });
});
