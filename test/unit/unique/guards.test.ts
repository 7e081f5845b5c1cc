/**
 * Guard items and the unique extension's planning (src/unique/), without a server: guard keys (a
 * hash that never shows the value, distinct per model, field, scope and value), the conditions of
 * guard puts and deletes, which guards each write kind adds, and the refusals of unguardable models.
 */
import fc from 'fast-check';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import { attr, model, ModelDefinitionError, remove, add, ValidationError, type AnyModel, type OperationContext } from '../../../src/index.js';
import { uniqueValues, UniqueConstraintError, UniqueGuardMismatchError } from '../../../src/unique/index.js';
import { deleteGuard, guardLayout, guardPartition, putGuard, type GuardLayout } from '../../../src/unique/guards.js';
import { planCreate, planDelete, planPut, planUpdate, type PlanContext, type WritePlan } from '../../../src/write/plans.js';

const User = model('User', {
  table: 'users',
  attributes: {
    pk: attr.template('USER#{id}').partitionKey(),
    id: attr.string(),
    email: attr.string().unique(),
    merchantId: attr.string().optional(),
    reference: attr.string().optional().unique({ scope: ['merchantId'] }),
    note: attr.string().optional(),
  },
});
const layout = guardLayout(User.compiled) as GuardLayout;
const email = layout.unique[0]!;
const reference = layout.unique[1]!;
const NOW = new Date('2026-01-02T03:04:05.000Z');
const ctx: PlanContext = { meta: User.compiled, tableName: 'users', now: NOW, token: 'tok' };
const context = { kind: 'create', model: 'User', table: 'users', now: NOW } as OperationContext;
const hooks = uniqueValues().forModel(User as AnyModel)!;

describe('guard keys', () => {
  test('name the model and field, and hash the value', () => {
    const pk = guardPartition(layout, email, [{ S: 'ada@example.com' }]);
    expect(pk).toMatch(/^_unique#User#email#[A-Za-z0-9_-]{43}$/);
    expect(pk).not.toContain('ada');
    expect(guardPartition(layout, email, [{ S: 'ada@example.com' }])).toBe(pk);
  });

  test('differ by value type, field and scope', () => {
    expect(guardPartition(layout, email, [{ S: '1' }])).not.toBe(guardPartition(layout, email, [{ N: '1' }]));
    expect(guardPartition(layout, reference, [{ S: 'm1' }, { S: 'R' }])).not.toBe(guardPartition(layout, reference, [{ S: 'm2' }, { S: 'R' }]));
    // Scope and value cannot trade places or run together.
    expect(guardPartition(layout, reference, [{ S: 'a#' }, { S: 'b' }])).not.toBe(guardPartition(layout, reference, [{ S: 'a' }, { S: '#b' }]));
  });

  test('property: distinct scope/value pairs never share a guard, and no guard shows its value', () => {
    fc.assert(
      fc.property(fc.tuple(fc.string({ minLength: 4 }), fc.string({ minLength: 4 })), fc.tuple(fc.string({ minLength: 4 }), fc.string({ minLength: 4 })), (a, b) => {
        const ka = guardPartition(layout, reference, a.map((S) => ({ S })));
        const kb = guardPartition(layout, reference, b.map((S) => ({ S })));
        expect(ka === kb).toBe(a[0] === b[0] && a[1] === b[1]);
        // A 43-character hash may hold a short string by chance; a value with a character outside base64url cannot appear.
        if (/[^A-Za-z0-9_-]/.test(a[1])) expect(ka.slice('_unique#User#reference#'.length)).not.toContain(a[1]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('guard actions', () => {
  const owner = { pk: { S: 'USER#u1' } };
  const target = { model: 'User', key: { id: 'u1' } };

  test('a put requires the guard free or already the owner’s, and explains itself as UniqueConstraintError', () => {
    const plan = putGuard(layout, 'users', email, 'G', owner, target);
    expect(plan.input).toEqual({
      TableName: 'users',
      Item: { pk: { S: 'G' }, _opk: { S: 'USER#u1' }, _type: { S: '_unique' } },
      ConditionExpression: 'attribute_not_exists(#pk) OR (#opk = :opk)',
      ExpressionAttributeNames: { '#pk': 'pk', '#opk': '_opk' },
      ExpressionAttributeValues: { ':opk': { S: 'USER#u1' } },
    });
    const error = plan.explain(undefined);
    expect(error).toBeInstanceOf(UniqueConstraintError);
    expect((error as UniqueConstraintError).field).toBe('email');
  });

  test('a strict delete requires ownership; a lenient one also accepts a missing guard', () => {
    expect(deleteGuard(layout, 'users', email, 'G', owner, target, true).input.ConditionExpression).toBe('#opk = :opk');
    expect(deleteGuard(layout, 'users', email, 'G', owner, target, false).input.ConditionExpression).toBe('attribute_not_exists(#pk) OR (#opk = :opk)');
    expect(deleteGuard(layout, 'users', email, 'G', owner, target, true).explain(undefined)).toBeInstanceOf(UniqueGuardMismatchError);
  });
});

describe('which guards a write carries', () => {
  const companions = (kind: 'create' | 'put' | 'update' | 'delete', primary: WritePlan, input: Record<string, unknown> | undefined, stored?: Record<string, unknown>) =>
    hooks.companions?.({ ...context, kind }, { intent: { kind, input, key: kind === 'create' || kind === 'put' ? undefined : { id: 'u1' } }, primary, stored }) ?? [];
  const ops = (plans: readonly WritePlan[]) => plans.map((p) => `${p.operation} ${String(((p.input.Item ?? p.input.Key) as Record<string, AttributeValue>).pk?.S).split('#')[2]}`);

  test('create: one guard per value present (a scoped value needs its scope value)', () => {
    expect(ops(companions('create', planCreate(ctx, { id: 'u1', email: 'a@x' }), { id: 'u1', email: 'a@x' }))).toEqual(['PutItem email']);
    expect(companions('create', planCreate(ctx, { id: 'u1', email: 'a@x', reference: 'R' }), {})).toHaveLength(1);
    expect(companions('create', planCreate(ctx, { id: 'u1', email: 'a@x', reference: 'R', merchantId: 'm' }), {})).toHaveLength(2);
  });

  test('put: unchanged values are put again; changed ones are moved', () => {
    const stored = { pk: 'USER#u1', id: 'u1', email: 'a@x' };
    expect(ops(companions('put', planPut(ctx, { id: 'u1', email: 'a@x' }, {}), {}, stored))).toEqual(['PutItem email']);
    expect(ops(companions('put', planPut(ctx, { id: 'u1', email: 'b@x' }, {}), {}, stored))).toEqual(['PutItem email', 'DeleteItem email']);
  });

  test('update: only when the patch names a unique or scope field; remove() deletes the guard', () => {
    const stored = { pk: 'USER#u1', id: 'u1', email: 'a@x', merchantId: 'm', reference: 'R' };
    expect(hooks.wantsStoredItem?.(context, { kind: 'update', input: { note: 'n' }, key: { id: 'u1' } })).toBe(false);
    expect(hooks.wantsStoredItem?.(context, { kind: 'update', input: { merchantId: 'm2' }, key: { id: 'u1' } })).toBe(true);
    const patch = { merchantId: 'm2' };
    const moved = companions('update', planUpdate(ctx, { id: 'u1' }, patch, {}), patch, stored);
    expect(ops(moved)).toEqual(['PutItem email', 'PutItem reference', 'DeleteItem reference']);
    // Re-asserting the unchanged email does no harm; the reference guard moves to the new merchant.
    const removed = { reference: remove() };
    expect(ops(companions('update', planUpdate(ctx, { id: 'u1' }, removed, {}), removed, stored))).toEqual(['PutItem email', 'DeleteItem reference']);
  });

  test('update: an action other than a value, ifNotExists() or remove() on a unique field is refused', () => {
    const Counter = model('Counter', { table: 'c', attributes: { id: attr.string().partitionKey(), seq: attr.integer().unique() } });
    const counterHooks = uniqueValues().forModel(Counter as AnyModel)!;
    const patch = { seq: add(1) };
    const primary = planUpdate({ ...ctx, meta: Counter.compiled }, { id: 'c' }, patch, {});
    expect(() => counterHooks.companions?.({ ...context, kind: 'update' }, { intent: { kind: 'update', input: patch, key: { id: 'c' } }, primary, stored: { id: 'c', seq: 1 } })).toThrow(ValidationError);
  });

  test('update of an item that was not there: ItemNotFoundError before sending', () => {
    const patch = { email: 'b@x' };
    expect(() => companions('update', planUpdate(ctx, { id: 'u1' }, patch, {}), patch, undefined)).toThrow(/not found/);
  });

  test('delete: the stored values’ guards, strict for an unversioned model', () => {
    const plans = companions('delete', planDelete(ctx, { id: 'u1' }, {}), undefined, { pk: 'USER#u1', id: 'u1', email: 'a@x' });
    expect(ops(plans)).toEqual(['DeleteItem email']);
    expect(plans[0]?.input.ConditionExpression).toBe('#opk = :opk');
  });
});

describe('models that cannot be guarded are refused', () => {
  test.each([
    ['a number partition key', { id: attr.integer().partitionKey(), e: attr.string().unique() }, /string partition key/],
    ['a unique key field', { id: attr.string().partitionKey().unique() }, /primary key/],
    ['a list', { id: attr.string().partitionKey(), e: attr.list(attr.string()).unique() }, /scalar/],
    ['a scope that is no field', { id: attr.string().partitionKey(), e: attr.string().unique({ scope: ['x'] }) }, /not a field/],
  ])('%s', (_name, attributes, message) => {
    const M = model('Bad', { table: 't', attributes: attributes as never });
    expect(() => guardLayout(M.compiled)).toThrow(ModelDefinitionError);
    expect(() => guardLayout(M.compiled)).toThrow(message);
  });

  test('a model without the entity attribute (reads could not tell guards from items)', () => {
    const M = model('NoEntity', { table: 't', entityAttribute: false, attributes: { id: attr.string().partitionKey(), e: attr.string().unique() } });
    expect(() => guardLayout(M.compiled)).toThrow(/entity attribute/);
  });

  test('a model without unique fields gets no hooks', () => {
    const Plain = model('Plain', { table: 't', attributes: { id: attr.string().partitionKey(), e: attr.string() } });
    expect(uniqueValues().forModel(Plain as AnyModel)).toBeUndefined();
  });
});
