/**
 * Ephemeral fields without a server (src/ephemeral/): what `ephemeral()` makes of an attribute, the
 * extension's adjustWrite (validates, then drops), the planned write never holding the value, and
 * condition paths refusing the field.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { attr, model, ValidationError, type AnyModel, type OperationContext, type WriteIntent } from '../../../src/index.js';
import { ephemeral, ephemeralFields, isEphemeral } from '../../../src/ephemeral/index.js';
import { resolvePath } from '../../../src/model/paths.js';
import { planCreate, planUpdate } from '../../../src/write/plans.js';

const Payment = model('Payment', {
  table: 'payments',
  attributes: {
    id: attr.string().partitionKey(),
    amount: attr.cents(),
    cvv: ephemeral(attr.string().validate((v) => /^[0-9]{3,4}$/.test(v), 'cvv')),
    otp: ephemeral(attr.string().optional()),
  },
});
const hooks = ephemeralFields.forModel(Payment as AnyModel)!;
const NOW = new Date('2026-01-02T03:04:05.000Z');
const context = { kind: 'create', model: 'Payment', table: 'payments', now: NOW } as OperationContext;
const adjust = (write: WriteIntent) => hooks.adjustWrite?.(context, write) as WriteIntent;

describe('ephemeral()', () => {
  test('marks the field, needs and brings its extension, and refuses conditions', () => {
    const field = Payment.compiled.byName.get('cvv')!;
    expect(isEphemeral(field)).toBe(true);
    expect(isEphemeral(Payment.compiled.byName.get('amount')!)).toBe(false);
    expect(field.spec.needs).toEqual(['ephemeral']);
    expect(Payment.extensions).toEqual([ephemeralFields]);
    expect(() => resolvePath(Payment.compiled, 'cvv', 'Payment.update')).toThrow(ValidationError);
    expect(() => resolvePath(Payment.compiled, 'cvv', 'Payment.update')).toThrow(/not-conditionable/);
    expect(resolvePath(Payment.compiled, 'amount', 'Payment.update').segments).toEqual(['amount']);
  });

  test('wrapping twice changes nothing', () => {
    const once = ephemeral(attr.string());
    expect(ephemeral(once as never)).toBe(once);
  });
});

describe('adjustWrite', () => {
  test('validates (required, type, rules) and drops the fields', () => {
    expect(adjust({ kind: 'create', input: { id: 'p', amount: 1, cvv: '123', otp: '99' }, key: undefined }).input).toEqual({ id: 'p', amount: 1 });
    expect(() => adjust({ kind: 'create', input: { id: 'p', amount: 1 }, key: undefined })).toThrow(/cvv: is required/);
    expect(() => adjust({ kind: 'put', input: { id: 'p', amount: 1, cvv: 7 }, key: undefined })).toThrow(ValidationError);
    expect(() => adjust({ kind: 'create', input: { id: 'p', amount: 1, cvv: '12x' }, key: undefined })).toThrow(/\[cvv\]/);
    // An update need not give it; given, it is checked the same way.
    expect(adjust({ kind: 'update', input: { amount: 2 }, key: { id: 'p' } }).input).toEqual({ amount: 2 });
    expect(() => adjust({ kind: 'update', input: { cvv: 'abc' }, key: { id: 'p' } })).toThrow(ValidationError);
    const del: WriteIntent = { kind: 'delete', input: undefined, key: { id: 'p' } };
    expect(adjust(del)).toBe(del);
  });

  test('property: the planned item and update expression never hold the value', () => {
    const ctx = { meta: Payment.compiled, tableName: 'payments', now: NOW };
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{3,4}$/), fc.string({ minLength: 6 }), (cvv, otp) => {
        const created = adjust({ kind: 'create', input: { id: 'p', amount: 1, cvv, otp }, key: undefined });
        const item = planCreate(ctx, created.input as Record<string, unknown>);
        expect(Object.keys(item.item ?? {})).not.toContain('cvv');
        expect(JSON.stringify(item.input)).not.toContain(JSON.stringify(otp));
        const updated = adjust({ kind: 'update', input: { amount: 2, cvv, otp }, key: { id: 'p' } });
        const plan = planUpdate(ctx, { id: 'p' }, updated.input as Record<string, unknown>, {});
        expect(Object.values(plan.input.ExpressionAttributeNames as Record<string, string>)).not.toContain('cvv');
        expect(Object.values(plan.input.ExpressionAttributeNames as Record<string, string>)).not.toContain('otp');
      }),
      { numRuns: 300 },
    );
  });

  test('a stored attribute of the same name is dropped before decoding', () => {
    const page = [{ id: { S: 'p' }, amount: { N: '1' }, cvv: { S: '123' } }];
    void hooks.beforeDecode?.(context, page);
    expect(page[0]).toEqual({ id: { S: 'p' }, amount: { N: '1' } });
  });
});
