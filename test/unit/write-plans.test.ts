/**
 * The pure write planners (src/write/plans.ts): the exact DynamoDB input each write kind builds, the
 * validation that happens before anything is sent, and how a failed condition is explained.
 * test/integration/ runs the same plans against DynamoDB Local; nothing here talks to a server.
 */
import { describe, expect, test } from 'vitest';
import {
  ConditionalCheckFailedError,
  ItemAlreadyExistsError,
  ItemNotFoundError,
  ValidationError,
  VersionConflictError,
  attr,
  model,
  type AnyModel,
  type ConditionInput,
} from '../../src/index.js';
import { planCheck, planCreate, planDelete, planKey, planPut, planUpdate, type PlanContext } from '../../src/write/plans.js';

const NOW = new Date('2026-01-02T03:04:05.000Z');
const ISO = { S: '2026-01-02T03:04:05.000Z' };

/** Versioned, with clock fields, a default and an optional field. */
const Payment = model('Payment', {
  table: 'payments',
  attributes: {
    id: attr.string().partitionKey(),
    amount: attr.cents(),
    currency: attr.string().default('USD'),
    status: attr.enum(['pending', 'paid', 'failed']),
    note: attr.string().optional(),
    createdAt: attr.createdAt(),
    updatedAt: attr.updatedAt(),
    version: attr.version(),
  },
});

/** Key templates, and a version field that is neither named nor stored as `version`. */
const Order = model('Order', {
  table: 'payments',
  attributes: {
    pk: attr.template('CUST#{customerId}').partitionKey(),
    sk: attr.template('ORDER#{orderId}').sortKey(),
    customerId: attr.string(),
    orderId: attr.string(),
    total: attr.cents(),
    rev: attr.version().storedAs('_rev'),
  },
});

/** Unversioned, no clock fields, a numeric sort key, no entity attribute. */
const Note = model('Note', {
  table: 'notes',
  entityAttribute: false,
  attributes: {
    topic: attr.string().partitionKey(),
    seq: attr.integer().sortKey(),
    text: attr.string(),
    pinned: attr.boolean().optional(),
  },
});

function ctx(m: AnyModel): PlanContext {
  return { meta: m.compiled, tableName: 'p-payments', now: NOW };
}

/** A typed condition for `m`, in the untyped form the planners take. */
function cond<M extends AnyModel>(_m: M, input: ConditionInput<M>): ConditionInput<never> {
  return input as unknown as ConditionInput<never>;
}

/** The ValidationError thrown by `fn`. */
function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

const payment = { id: 'p1', amount: 1250, status: 'pending' };

const paymentItem = {
  id: { S: 'p1' },
  amount: { N: '1250' },
  currency: { S: 'USD' },
  status: { S: 'pending' },
  createdAt: ISO,
  updatedAt: ISO,
  _type: { S: 'Payment' },
};

describe('planCreate', () => {
  test('a versioned item: version 1, clock fields from now, defaults, entity type; the key must be free', () => {
    const plan = planCreate(ctx(Payment), payment);
    expect(plan.operation).toBe('PutItem');
    expect(plan.input).toEqual({
      TableName: 'p-payments',
      Item: { ...paymentItem, version: { N: '1' } },
      ConditionExpression: 'attribute_not_exists(#n0)',
      ExpressionAttributeNames: { '#n0': 'id' },
    });
    expect(plan.input).not.toHaveProperty('ExpressionAttributeValues');
    expect(plan.item).toBe(plan.input.Item);
    expect(plan.target).toEqual({ model: 'Payment', key: { id: 'p1' } });
  });

  test('a given version is ignored: a created item always starts at 1', () => {
    const plan = planCreate(ctx(Payment), { ...payment, version: 9 });
    expect(plan.item?.version).toEqual({ N: '1' });
  });

  test('key templates are filled; the existence condition names the stored partition key', () => {
    const plan = planCreate(ctx(Order), { customerId: 'c1', orderId: 'o1', total: 500 });
    expect(plan.input).toEqual({
      TableName: 'p-payments',
      Item: {
        pk: { S: 'CUST#c1' },
        sk: { S: 'ORDER#o1' },
        customerId: { S: 'c1' },
        orderId: { S: 'o1' },
        total: { N: '500' },
        _rev: { N: '1' },
        _type: { S: 'Order' },
      },
      ConditionExpression: 'attribute_not_exists(#n0)',
      ExpressionAttributeNames: { '#n0': 'pk' },
    });
    expect(plan.target).toEqual({ model: 'Order', key: { customerId: 'c1', orderId: 'o1' } });
  });

  test('an unversioned model writes no version and no entity attribute when switched off', () => {
    const plan = planCreate(ctx(Note), { topic: 't', seq: 3, text: 'hello' });
    expect(plan.input).toEqual({
      TableName: 'p-payments',
      Item: { topic: { S: 't' }, seq: { N: '3' }, text: { S: 'hello' } },
      ConditionExpression: 'attribute_not_exists(#n0)',
      ExpressionAttributeNames: { '#n0': 'topic' },
    });
  });

  test('a user condition is joined to the existence condition with AND', () => {
    const plan = planCreate(
      ctx(Payment),
      payment,
      cond(Payment, (c) => c.or(c.notExists('note'), c.where('amount', '<', 10))),
    );
    expect(plan.input).toMatchObject({
      ConditionExpression: '(attribute_not_exists(#n0)) AND ((attribute_not_exists(#n1)) OR (#n2 < :v0))',
      ExpressionAttributeNames: { '#n0': 'id', '#n1': 'note', '#n2': 'amount' },
      ExpressionAttributeValues: { ':v0': { N: '10' } },
    });
  });

  test('bad input throws ValidationError before anything is built', () => {
    expect(validationError(() => planCreate(ctx(Payment), { ...payment, colour: 'red' }))).toMatchObject({
      rule: 'unknown-field',
      path: ['colour'],
    });
    expect(validationError(() => planCreate(ctx(Payment), { id: 'p1', status: 'pending' }))).toMatchObject({
      rule: 'required',
      path: ['amount'],
    });
    expect(validationError(() => planCreate(ctx(Payment), { ...payment, status: 'lost' })).rule).toBe('enum');
    expect(validationError(() => planCreate(ctx(Payment), { ...payment, id: '' })).rule).toBe('required');
    expect(validationError(() => planCreate(ctx(Order), { customerId: 'c1', orderId: 'o1', total: 500, pk: 'CUST#c2' })).rule).toBe(
      'key-change',
    );
  });

  test('the condition failure is explained: a stored item means it already exists', () => {
    const plan = planCreate(ctx(Payment), payment);
    const stored = { id: 'p1', amount: 1, version: 4 };
    const exists = plan.explain(stored);
    expect(exists).toBeInstanceOf(ItemAlreadyExistsError);
    expect(exists).toMatchObject({ code: 'ALREADY_EXISTS', model: 'Payment', key: { id: 'p1' }, item: stored });

    // No stored item: the key was free, so the caller's own condition failed.
    const failed = plan.explain(undefined);
    expect(failed.constructor).toBe(ConditionalCheckFailedError);
    expect(failed).toMatchObject({ code: 'CONDITIONAL_CHECK_FAILED', model: 'Payment', key: { id: 'p1' }, item: undefined });
  });
  test('a key filled by .default() is named by the value written, not undefined (issue 14)', () => {
    let n = 0;
    const Generated = model('Generated', {
      table: 'generated',
      attributes: {
        id: attr.string().partitionKey().default(() => `gen-${++n}`).loggable(),
        seq: attr.integer().sortKey().default(7),
        body: attr.string(),
      },
    });
    const create = planCreate(ctx(Generated), { body: 'x' });
    expect(create.target.key).toEqual({ id: 'gen-1', seq: 7 });
    expect(create.item?.id).toEqual({ S: 'gen-1' });
    const exists = create.explain({ id: 'gen-1', seq: 7, body: 'y' });
    expect(exists).toBeInstanceOf(ItemAlreadyExistsError);
    expect((exists as ItemAlreadyExistsError).key).toEqual({ id: 'gen-1', seq: 7 });
    expect(exists.message).toBe('Generated {id="gen-1", seq=<redacted>} already exists');
    const put = planPut(ctx(Generated), { body: 'x', seq: 3 }, {});
    expect(put.target.key).toEqual({ id: 'gen-2', seq: 3 });
    // Template components with defaults are key input too.
    const Templated = model('Templated', {
      table: 'templated',
      attributes: { pk: attr.template('T#{tenant}').partitionKey(), tenant: attr.string().default('acme'), body: attr.string() },
    });
    expect(planCreate(ctx(Templated), { body: 'x' }).target.key).toEqual({ tenant: 'acme' });
  });
});

describe('planPut', () => {
  test('with version 3: expects 3 and writes 4', () => {
    const plan = planPut(ctx(Payment), { ...payment, version: 3 }, {});
    expect(plan.operation).toBe('PutItem');
    expect(plan.input).toEqual({
      TableName: 'p-payments',
      Item: { ...paymentItem, version: { N: '4' } },
      ConditionExpression: '#n0 = :v0',
      ExpressionAttributeNames: { '#n0': 'version' },
      ExpressionAttributeValues: { ':v0': { N: '3' } },
    });
    expect(plan.target).toEqual({ model: 'Payment', key: { id: 'p1' } });
  });

  test('with no version: the key must be free, and version 1 is written', () => {
    const plan = planPut(ctx(Payment), payment, {});
    expect(plan.input).toEqual({
      TableName: 'p-payments',
      Item: { ...paymentItem, version: { N: '1' } },
      ConditionExpression: 'attribute_not_exists(#n0)',
      ExpressionAttributeNames: { '#n0': 'id' },
    });
  });

  test('expectedVersion wins over the item version; 0 means the item must not exist', () => {
    const seven = planPut(ctx(Payment), { ...payment, version: 3 }, { expectedVersion: 7 });
    expect(seven.input).toMatchObject({ ConditionExpression: '#n0 = :v0', ExpressionAttributeValues: { ':v0': { N: '7' } } });
    expect(seven.item?.version).toEqual({ N: '8' });

    const zero = planPut(ctx(Payment), { ...payment, version: 3 }, { expectedVersion: 0 });
    expect(zero.input).toMatchObject({ ConditionExpression: 'attribute_not_exists(#n0)', ExpressionAttributeNames: { '#n0': 'id' } });
    expect(zero.item?.version).toEqual({ N: '1' });
  });

  test('the version condition uses the stored name of the version field', () => {
    const plan = planPut(ctx(Order), { customerId: 'c1', orderId: 'o1', total: 500, rev: 2 }, {});
    expect(plan.input).toMatchObject({
      ConditionExpression: '#n0 = :v0',
      ExpressionAttributeNames: { '#n0': '_rev' },
      ExpressionAttributeValues: { ':v0': { N: '2' } },
    });
    expect(plan.item).toMatchObject({ _rev: { N: '3' }, pk: { S: 'CUST#c1' }, sk: { S: 'ORDER#o1' } });
    expect(plan.item).not.toHaveProperty('rev');
  });

  test('a user condition is joined with AND after the version condition', () => {
    const plan = planPut(ctx(Payment), { ...payment, version: 3 }, { condition: cond(Payment, (c) => c.where('status', '=', 'pending')) });
    expect(plan.input).toMatchObject({
      ConditionExpression: '(#n0 = :v0) AND (#n1 = :v1)',
      ExpressionAttributeNames: { '#n0': 'version', '#n1': 'status' },
      ExpressionAttributeValues: { ':v0': { N: '3' }, ':v1': { S: 'pending' } },
    });
  });

  test('an unversioned put has no condition of its own', () => {
    const plan = planPut(ctx(Note), { topic: 't', seq: 1, text: 'x' }, {});
    expect(plan.input).toEqual({ TableName: 'p-payments', Item: { topic: { S: 't' }, seq: { N: '1' }, text: { S: 'x' } } });
    const conditioned = planPut(ctx(Note), { topic: 't', seq: 1, text: 'x' }, { condition: cond(Note, (c) => c.exists('text')) });
    expect(conditioned.input).toMatchObject({ ConditionExpression: 'attribute_exists(#n0)', ExpressionAttributeNames: { '#n0': 'text' } });
  });

  test('a bad expected version throws ValidationError (rule version)', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(validationError(() => planPut(ctx(Payment), payment, { expectedVersion: bad })).rule).toBe('version');
    }
    expect(validationError(() => planPut(ctx(Payment), { ...payment, version: -2 }, {})).rule).toBe('version');
  });

  // Regression: planPut reports the path ['version'] whatever the version field is called (update and delete use the field name).
  test('a bad expected version is reported at the path of the version field', () => {
    expect(validationError(() => planPut(ctx(Order), { customerId: 'c1', orderId: 'o1', total: 1, rev: -1 }, {})).path).toEqual(['rev']);
  });

  // Regression: update and delete reject expectedVersion on an unversioned model (rule 'version'); put silently
  // drops it and overwrites unconditionally, though the caller asked for a compare-and-swap.
  test('expectedVersion on an unversioned model is rejected, as for update and delete', () => {
    expect(validationError(() => planPut(ctx(Note), { topic: 't', seq: 1, text: 'x' }, { expectedVersion: 3 })).rule).toBe('version');
  });

  test('unknown fields are rejected', () => {
    expect(validationError(() => planPut(ctx(Payment), { ...payment, colour: 'red' }, {})).rule).toBe('unknown-field');
  });

  test('explain: a different stored version is a VersionConflictError with both versions', () => {
    const plan = planPut(ctx(Payment), { ...payment, version: 3 }, {});
    const stored = { id: 'p1', version: 5 };
    const error = plan.explain(stored);
    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ code: 'VERSION_CONFLICT', expectedVersion: 3, actualVersion: 5, item: stored, key: { id: 'p1' } });
    expect(error.message).toContain('expected version 3, found 5');

    const gone = plan.explain(undefined);
    expect(gone).toBeInstanceOf(VersionConflictError);
    expect(gone).toMatchObject({ expectedVersion: 3, actualVersion: undefined });
  });

  test('explain: with no version, a stored item means the key is taken: already exists', () => {
    const plan = planPut(ctx(Payment), payment, {});
    const error = plan.explain({ id: 'p1', version: 2 });
    expect(error).toBeInstanceOf(ItemAlreadyExistsError);
    expect(error).not.toBeInstanceOf(VersionConflictError);
  });

  test('explain: the expected version stored means the user condition failed', () => {
    const plan = planPut(ctx(Payment), { ...payment, version: 3 }, { condition: cond(Payment, (c) => c.where('status', '=', 'paid')) });
    const error = plan.explain({ id: 'p1', version: 3, status: 'pending' });
    expect(error.constructor).toBe(ConditionalCheckFailedError);
    expect(planPut(ctx(Note), { topic: 't', seq: 1, text: 'x' }, {}).explain(undefined).constructor).toBe(ConditionalCheckFailedError);
  });
});

describe('planUpdate', () => {
  test('the version of the item read is checked and bumped; updatedAt is set from now', () => {
    const plan = planUpdate(ctx(Payment), { ...payment, version: 3 }, { status: 'paid' }, {});
    expect(plan.operation).toBe('UpdateItem');
    expect(plan.input).toEqual({
      TableName: 'p-payments',
      Key: { id: { S: 'p1' } },
      UpdateExpression: 'SET #n0 = :v0, #n1 = :v1, #n2 = :v2',
      ConditionExpression: '(attribute_exists(#n3)) AND (#n2 = :v3)',
      ExpressionAttributeNames: { '#n0': 'status', '#n1': 'updatedAt', '#n2': 'version', '#n3': 'id' },
      ExpressionAttributeValues: { ':v0': { S: 'paid' }, ':v1': ISO, ':v2': { N: '4' }, ':v3': { N: '3' } },
    });
    expect(plan.target).toEqual({ model: 'Payment', key: { id: 'p1' } });
    expect(plan.item).toBeUndefined();
  });

  test('expectedVersion wins over the version of the key object', () => {
    const plan = planUpdate(ctx(Payment), { id: 'p1', version: 3 }, { note: 'n' }, { expectedVersion: 6 });
    expect(plan.input).toMatchObject({
      UpdateExpression: 'SET #n0 = :v0, #n1 = :v1, #n2 = :v2',
      ConditionExpression: '(attribute_exists(#n3)) AND (#n2 = :v3)',
      ExpressionAttributeValues: { ':v2': { N: '7' }, ':v3': { N: '6' } },
    });
  });

  test("expectedVersion 'any' adds 1 to the version and only requires the item to exist", () => {
    const plan = planUpdate(ctx(Payment), { id: 'p1' }, { status: 'paid' }, { expectedVersion: 'any' });
    expect(plan.input).toEqual({
      TableName: 'p-payments',
      Key: { id: { S: 'p1' } },
      UpdateExpression: 'SET #n0 = :v0, #n1 = :v1 ADD #n2 :v2',
      ConditionExpression: 'attribute_exists(#n3)',
      ExpressionAttributeNames: { '#n0': 'status', '#n1': 'updatedAt', '#n2': 'version', '#n3': 'id' },
      ExpressionAttributeValues: { ':v0': { S: 'paid' }, ':v1': ISO, ':v2': { N: '1' } },
    });
  });

  test('a user condition is joined with AND after existence and version', () => {
    const plan = planUpdate(ctx(Order), { customerId: 'c1', orderId: 'o1', rev: 2 }, { total: 5 }, {
      condition: cond(Order, (c) => c.where('total', '<', 10)),
    });
    expect(plan.input).toEqual({
      TableName: 'p-payments',
      Key: { pk: { S: 'CUST#c1' }, sk: { S: 'ORDER#o1' } },
      UpdateExpression: 'SET #n0 = :v0, #n1 = :v1',
      ConditionExpression: '(attribute_exists(#n2)) AND (#n1 = :v2) AND (#n0 < :v3)',
      ExpressionAttributeNames: { '#n0': 'total', '#n1': '_rev', '#n2': 'pk' },
      ExpressionAttributeValues: { ':v0': { N: '5' }, ':v1': { N: '3' }, ':v2': { N: '2' }, ':v3': { N: '10' } },
    });
    expect(plan.target).toEqual({ model: 'Order', key: { customerId: 'c1', orderId: 'o1' } });
  });

  test('an unversioned update only requires the item to exist', () => {
    const plan = planUpdate(ctx(Note), { topic: 't', seq: 2 }, { text: 'y', pinned: true }, {});
    expect(plan.input).toEqual({
      TableName: 'p-payments',
      Key: { topic: { S: 't' }, seq: { N: '2' } },
      UpdateExpression: 'SET #n0 = :v0, #n1 = :v1',
      ConditionExpression: 'attribute_exists(#n2)',
      ExpressionAttributeNames: { '#n0': 'text', '#n1': 'pinned', '#n2': 'topic' },
      ExpressionAttributeValues: { ':v0': { S: 'y' }, ':v1': { BOOL: true } },
    });
  });

  test('bad input throws ValidationError with the rule that failed', () => {
    const cases: [string, () => unknown, string, (string | number)[]?][] = [
      ['missing version on a versioned model', () => planUpdate(ctx(Payment), { id: 'p1' }, { status: 'paid' }, {}), 'version-required', ['version']],
      ['missing version, field named rev', () => planUpdate(ctx(Order), { customerId: 'c1', orderId: 'o1' }, { total: 1 }, {}), 'version-required', ['rev']],
      ['expectedVersion on an unversioned model', () => planUpdate(ctx(Note), { topic: 't', seq: 1 }, { text: 'x' }, { expectedVersion: 2 }), 'version'],
      ["'any' on an unversioned model", () => planUpdate(ctx(Note), { topic: 't', seq: 1 }, { text: 'x' }, { expectedVersion: 'any' }), 'version'],
      ['expected version 0', () => planUpdate(ctx(Payment), { id: 'p1' }, { status: 'paid' }, { expectedVersion: 0 }), 'version'],
      ['fractional expected version', () => planUpdate(ctx(Payment), { id: 'p1', version: 1.5 }, { status: 'paid' }, {}), 'version'],
      ['unknown field', () => planUpdate(ctx(Payment), { id: 'p1', version: 1 }, { colour: 'red' }, {}), 'unknown-field', ['colour']],
      ['empty patch', () => planUpdate(ctx(Payment), { id: 'p1', version: 1 }, {}, {}), 'empty-update'],
      ['patch of undefined values only', () => planUpdate(ctx(Payment), { id: 'p1', version: 1 }, { note: undefined }, {}), 'empty-update'],
      ['key change', () => planUpdate(ctx(Payment), { id: 'p1', version: 1 }, { id: 'p2' }, {}), 'key-change', ['id']],
      ['key template field change', () => planUpdate(ctx(Order), { customerId: 'c1', orderId: 'o1', rev: 1 }, { orderId: 'o2' }, {}), 'key-change', ['orderId']],
      ['generated field', () => planUpdate(ctx(Payment), { id: 'p1', version: 1 }, { updatedAt: NOW }, {}), 'computed'],
      ['missing key', () => planUpdate(ctx(Payment), { version: 1 }, { status: 'paid' }, {}), 'required', ['id']],
      ['wrong value type', () => planUpdate(ctx(Payment), { id: 'p1', version: 1 }, { amount: 'ten' }, {}), 'type', ['amount']],
    ];
    for (const [what, fn, rule, path] of cases) {
      const error = validationError(fn);
      expect(error.rule, what).toBe(rule);
      if (path) expect(error.path, what).toEqual(path);
      expect(error.message, what).toMatch(/^(Payment|Order|Note)\.update: /);
    }
  });

  test('explain: no stored item is ItemNotFoundError; another version is a VersionConflictError', () => {
    const plan = planUpdate(ctx(Payment), { id: 'p1', version: 3 }, { status: 'paid' }, {});
    const missing = plan.explain(undefined);
    expect(missing).toBeInstanceOf(ItemNotFoundError);
    expect(missing).toMatchObject({ code: 'NOT_FOUND', model: 'Payment', key: { id: 'p1' } });

    const stored = { id: 'p1', version: 5, status: 'pending' };
    const conflict = plan.explain(stored);
    expect(conflict).toBeInstanceOf(VersionConflictError);
    expect(conflict).toMatchObject({ expectedVersion: 3, actualVersion: 5, item: stored });

    const sameVersion = plan.explain({ id: 'p1', version: 3 });
    expect(sameVersion.constructor).toBe(ConditionalCheckFailedError);
  });

  test("explain with 'any': a stored item means the user condition failed", () => {
    const plan = planUpdate(ctx(Payment), { id: 'p1' }, { status: 'paid' }, { expectedVersion: 'any' });
    expect(plan.explain(undefined)).toBeInstanceOf(ItemNotFoundError);
    expect(plan.explain({ id: 'p1', version: 9 }).constructor).toBe(ConditionalCheckFailedError);
  });
});

describe('planDelete', () => {
  test('a versioned delete requires the item at the expected version', () => {
    const plan = planDelete(ctx(Payment), { ...payment, version: 3 }, {});
    expect(plan.operation).toBe('DeleteItem');
    expect(plan.input).toEqual({
      TableName: 'p-payments',
      Key: { id: { S: 'p1' } },
      ConditionExpression: '(attribute_exists(#n0)) AND (#n1 = :v0)',
      ExpressionAttributeNames: { '#n0': 'id', '#n1': 'version' },
      ExpressionAttributeValues: { ':v0': { N: '3' } },
    });
  });

  test("'any' only requires the item to exist", () => {
    const plan = planDelete(ctx(Payment), { id: 'p1' }, { expectedVersion: 'any' });
    expect(plan.input).toEqual({
      TableName: 'p-payments',
      Key: { id: { S: 'p1' } },
      ConditionExpression: 'attribute_exists(#n0)',
      ExpressionAttributeNames: { '#n0': 'id' },
    });
  });

  test('an unversioned delete has no condition unless given one', () => {
    expect(planDelete(ctx(Note), { topic: 't', seq: 1 }, {}).input).toEqual({ TableName: 'p-payments', Key: { topic: { S: 't' }, seq: { N: '1' } } });
    const plan = planDelete(ctx(Note), { topic: 't', seq: 1 }, { condition: cond(Note, (c) => c.where('pinned', '=', false)) });
    expect(plan.input).toEqual({
      TableName: 'p-payments',
      Key: { topic: { S: 't' }, seq: { N: '1' } },
      ConditionExpression: '#n0 = :v0',
      ExpressionAttributeNames: { '#n0': 'pinned' },
      ExpressionAttributeValues: { ':v0': { BOOL: false } },
    });
  });

  test('templated keys and a user condition', () => {
    const plan = planDelete(ctx(Order), { customerId: 'c1', orderId: 'o1', rev: 4 }, { condition: cond(Order, (c) => c.where('total', '=', 0)) });
    expect(plan.input).toEqual({
      TableName: 'p-payments',
      Key: { pk: { S: 'CUST#c1' }, sk: { S: 'ORDER#o1' } },
      ConditionExpression: '(attribute_exists(#n0)) AND (#n1 = :v0) AND (#n2 = :v1)',
      ExpressionAttributeNames: { '#n0': 'pk', '#n1': '_rev', '#n2': 'total' },
      ExpressionAttributeValues: { ':v0': { N: '4' }, ':v1': { N: '0' } },
    });
  });

  test('validation happens first', () => {
    expect(validationError(() => planDelete(ctx(Payment), { id: 'p1' }, {})).rule).toBe('version-required');
    expect(validationError(() => planDelete(ctx(Note), { topic: 't', seq: 1 }, { expectedVersion: 1 })).rule).toBe('version');
    expect(validationError(() => planDelete(ctx(Note), { topic: 't' }, {})).path).toEqual(['seq']);
  });

  test('explain: missing item, version conflict, failed user condition', () => {
    const plan = planDelete(ctx(Payment), { id: 'p1', version: 3 }, {});
    expect(plan.explain(undefined)).toBeInstanceOf(ItemNotFoundError);
    expect(plan.explain({ id: 'p1', version: 4 })).toMatchObject({ expectedVersion: 3, actualVersion: 4 });
    expect(plan.explain({ id: 'p1', version: 3 }).constructor).toBe(ConditionalCheckFailedError);
  });
});

describe('planCheck', () => {
  test('a condition check on a key', () => {
    const plan = planCheck(ctx(Order), { customerId: 'c1', orderId: 'o1' }, cond(Order, (c) => c.where('total', '>=', 100)));
    expect(plan.operation).toBe('ConditionCheck');
    expect(plan.input).toEqual({
      TableName: 'p-payments',
      Key: { pk: { S: 'CUST#c1' }, sk: { S: 'ORDER#o1' } },
      ConditionExpression: '(attribute_exists(#n0)) AND (#n1 >= :v0)',
      ExpressionAttributeNames: { '#n0': 'pk', '#n1': 'total' },
      ExpressionAttributeValues: { ':v0': { N: '100' } },
    });
    expect(plan.target).toEqual({ model: 'Order', key: { customerId: 'c1', orderId: 'o1' } });
  });

  test('explain: a stored item failed the condition; no stored item was not found', () => {
    const plan = planCheck(ctx(Payment), { id: 'p1' }, cond(Payment, (c) => c.where('status', '=', 'paid')));
    const stored = { id: 'p1', status: 'pending' };
    const failed = plan.explain(stored);
    expect(failed.constructor).toBe(ConditionalCheckFailedError);
    expect(failed).toMatchObject({ item: stored, key: { id: 'p1' } });
    expect(plan.explain(undefined)).toBeInstanceOf(ItemNotFoundError);
  });

  test('a bad key or condition throws ValidationError', () => {
    expect(validationError(() => planCheck(ctx(Payment), {}, cond(Payment, (c) => c.exists('note')))).rule).toBe('required');
    expect(validationError(() => planCheck(ctx(Payment), { id: 'p1' }, cond(Payment, (c) => c.where('amount', '=', 'x' as never)))).rule).toBe('type');
  });

  // Regression: planCheck's contract is "the item must exist and satisfy the condition", but only the user
  // condition is sent: a condition that holds on a missing item (notExists, not(...)) passes the check.
  test('the checked item must exist, whatever the condition', () => {
    const plan = planCheck(ctx(Payment), { id: 'p1' }, cond(Payment, (c) => c.notExists('note')));
    const names = plan.input.ExpressionAttributeNames as Record<string, string>;
    const idName = Object.keys(names).find((k) => names[k] === 'id');
    expect(idName).toBeDefined();
    expect(plan.input.ConditionExpression).toContain(`attribute_exists(${idName})`);
  });
});

describe('planKey', () => {
  test('only the key attributes of a put, whatever else the item holds', () => {
    expect(planKey(planCreate(ctx(Payment), payment), Payment.compiled)).toEqual({ id: { S: 'p1' } });
    expect(planKey(planPut(ctx(Order), { customerId: 'c1', orderId: 'o1', total: 1 }, {}), Order.compiled)).toEqual({
      pk: { S: 'CUST#c1' },
      sk: { S: 'ORDER#o1' },
    });
  });

  test('the key of an update, delete or check', () => {
    expect(planKey(planUpdate(ctx(Note), { topic: 't', seq: 7 }, { text: 'x' }, {}), Note.compiled)).toEqual({ topic: { S: 't' }, seq: { N: '7' } });
    expect(planKey(planDelete(ctx(Payment), { id: 'p1', version: 1 }, {}), Payment.compiled)).toEqual({ id: { S: 'p1' } });
    expect(planKey(planCheck(ctx(Order), { customerId: 'c1', orderId: 'o1' }, cond(Order, (c) => c.exists('total'))), Order.compiled)).toEqual({
      pk: { S: 'CUST#c1' },
      sk: { S: 'ORDER#o1' },
    });
  });

  test('plans of the same item have the same key', () => {
    const a = planKey(planCreate(ctx(Order), { customerId: 'c1', orderId: 'o1', total: 1 }), Order.compiled);
    const b = planKey(planDelete(ctx(Order), { customerId: 'c1', orderId: 'o1', rev: 1 }, {}), Order.compiled);
    expect(a).toEqual(b);
  });
});
