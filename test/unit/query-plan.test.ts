/**
 * The query planner (src/read/query-plan.ts): which table key or index serves a query's where()
 * conditions, the key condition it compiles to, and the errors when nothing serves them. Pure: no server.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { NoUsableIndexError, ValidationError } from '../../src/errors.js';
import { Placeholders } from '../../src/expr/placeholders.js';
import { attr, model, type AnyModel } from '../../src/index.js';
import { keyConditionExpression, planQuery, type KeyConditionInput, type QueryPlan } from '../../src/read/query-plan.js';

/** A table key with a sort key, a GSI with a sort key, a GSI without one and an LSI. */
const Payment = model('Payment', {
  table: 'payments',
  attributes: {
    merchantId: attr.string().partitionKey(),
    id: attr.string().sortKey(),
    amount: attr.cents(),
    status: attr.enum(['pending', 'paid']),
    customerId: attr.string(),
    createdAt: attr.createdAt(),
    note: attr.string().optional(),
  },
  indexes: {
    byStatus: { name: 'gsi-status', partitionKey: 'status', sortKey: 'createdAt' },
    byCustomer: { name: 'gsi-customer', partitionKey: 'customerId' },
    byAmount: { name: 'lsi-amount', type: 'local', partitionKey: 'merchantId', sortKey: 'amount' },
  },
});

/** A partition key only. */
const Account = model('Account', {
  table: 'accounts',
  attributes: { id: attr.string().partitionKey(), email: attr.string() },
  indexes: { byEmail: { name: 'gsi-email', partitionKey: 'email' } },
});

/** Key templates on the table and on a GSI. */
const Order = model('Order', {
  table: 'payments',
  attributes: {
    pk: attr.template('CUST#{customerId}').partitionKey(),
    sk: attr.template('Y#{year}#O#{orderId}').sortKey(),
    customerId: attr.string(),
    year: attr.integer(),
    orderId: attr.string(),
    merchant: attr.string(),
    day: attr.string(),
    gsi1pk: attr.template('M#{merchant}#D#{day}'),
  },
  indexes: { byMerchantDay: { name: 'gsi1', partitionKey: 'gsi1pk' } },
});

/** A numeric field at the end of a sort key template. */
const Reading = model('Reading', {
  table: 'readings',
  attributes: {
    pk: attr.template('S#{sensor}').partitionKey(),
    sk: attr.template('N#{n}').sortKey(),
    sensor: attr.string(),
    n: attr.integer(),
  },
});

const where = (path: string, op: KeyConditionInput['op'], value: unknown): KeyConditionInput => ({ path, op, value });

function plan(m: AnyModel, conditions: KeyConditionInput[], forced?: string): QueryPlan {
  return planQuery(m.compiled, conditions, forced, `${m.name}.query`);
}

/** The plan's key condition and its placeholders. */
function keyCondition(p: QueryPlan) {
  const ph = new Placeholders();
  const text = keyConditionExpression(p, ph);
  return { text, ...ph.attributes() };
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

function validationError(fn: () => unknown): ValidationError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

function noIndex(fn: () => unknown): NoUsableIndexError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(NoUsableIndexError);
  expect((error as NoUsableIndexError).code).toBe('NO_USABLE_INDEX');
  return error as NoUsableIndexError;
}

describe('planQuery: the table key', () => {
  test('the partition key alone', () => {
    const p = plan(Payment, [where('merchantId', '=', 'm1')]);
    expect(p).toEqual({
      indexAlias: undefined,
      indexName: undefined,
      type: 'table',
      fullKey: undefined,
      partition: { attribute: 'merchantId', value: { S: 'm1' } },
      sort: undefined,
      keyAttributes: ['merchantId', 'id'],
      ownKeyAttributes: ['merchantId', 'id'],
    });
    expect(keyCondition(p)).toEqual({
      text: '#n0 = :v0',
      ExpressionAttributeNames: { '#n0': 'merchantId' },
      ExpressionAttributeValues: { ':v0': { S: 'm1' } },
    });
  });

  test('partition and sort key conditions: =, <, <=, >, >=, between, begins_with', () => {
    for (const op of ['<', '<=', '>', '>='] as const) {
      const p = plan(Payment, [where('merchantId', '=', 'm1'), where('id', op, 'p5')]);
      expect(p).toMatchObject({ type: 'table', fullKey: undefined, sort: { attribute: 'id', op, value: { S: 'p5' } } });
      expect(keyCondition(p)).toEqual({
        text: `#n0 = :v0 AND #n1 ${op} :v1`,
        ExpressionAttributeNames: { '#n0': 'merchantId', '#n1': 'id' },
        ExpressionAttributeValues: { ':v0': { S: 'm1' }, ':v1': { S: 'p5' } },
      });
    }

    const between = plan(Payment, [where('id', 'between', ['a', 'f']), where('merchantId', '=', 'm1')]);
    expect(between.sort).toEqual({ attribute: 'id', op: 'between', value: { S: 'a' }, high: { S: 'f' } });
    expect(keyCondition(between)).toEqual({
      text: '#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2',
      ExpressionAttributeNames: { '#n0': 'merchantId', '#n1': 'id' },
      ExpressionAttributeValues: { ':v0': { S: 'm1' }, ':v1': { S: 'a' }, ':v2': { S: 'f' } },
    });

    const prefix = plan(Payment, [where('merchantId', '=', 'm1'), where('id', 'begins_with', 'p-')]);
    expect(prefix.sort).toEqual({ attribute: 'id', op: 'begins_with', value: { S: 'p-' } });
    expect(keyCondition(prefix).text).toBe('#n0 = :v0 AND begins_with(#n1, :v1)');
  });

  test('equality on the whole primary key gives fullKey (GetItem can serve it)', () => {
    const p = plan(Payment, [where('merchantId', '=', 'm1'), where('id', '=', 'p1')]);
    expect(p.fullKey).toEqual({ merchantId: { S: 'm1' }, id: { S: 'p1' } });
    expect(p.sort).toEqual({ attribute: 'id', op: '=', value: { S: 'p1' } });
    expect(keyCondition(p).text).toBe('#n0 = :v0 AND #n1 = :v1');

    expect(plan(Account, [where('id', '=', 'a1')]).fullKey).toEqual({ id: { S: 'a1' } });
  });

  test('no fullKey without equality on the sort key, nor on an index', () => {
    expect(plan(Payment, [where('merchantId', '=', 'm1'), where('id', '<', 'p1')]).fullKey).toBeUndefined();
    expect(plan(Payment, [where('merchantId', '=', 'm1')]).fullKey).toBeUndefined();
    const gsi = plan(Account, [where('email', '=', 'a@example.com')]);
    expect(gsi).toMatchObject({ type: 'global', indexName: 'gsi-email', fullKey: undefined });
  });
});

describe('planQuery: choosing an index', () => {
  test('a GSI is chosen from its partition key', () => {
    const p = plan(Payment, [where('customerId', '=', 'c1')]);
    expect(p).toEqual({
      indexAlias: 'byCustomer',
      indexName: 'gsi-customer',
      type: 'global',
      fullKey: undefined,
      partition: { attribute: 'customerId', value: { S: 'c1' } },
      sort: undefined,
      keyAttributes: ['merchantId', 'id', 'customerId'],
      ownKeyAttributes: ['customerId'],
    });
  });

  test('a GSI sort key condition is encoded with the field codec (dates as ISO text)', () => {
    const p = plan(Payment, [where('status', '=', 'paid'), where('createdAt', 'between', [new Date('2026-01-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z')])]);
    expect(p).toMatchObject({
      indexAlias: 'byStatus',
      indexName: 'gsi-status',
      partition: { attribute: 'status', value: { S: 'paid' } },
      sort: { attribute: 'createdAt', op: 'between', value: { S: '2026-01-01T00:00:00.000Z' }, high: { S: '2026-02-01T00:00:00.000Z' } },
      ownKeyAttributes: ['status', 'createdAt'],
    });
  });

  test('a candidate with a sort key condition beats one without', () => {
    // The table and the LSI share the partition key; only the LSI has amount as its sort key.
    const p = plan(Payment, [where('merchantId', '=', 'm1'), where('amount', '>', 500)]);
    expect(p).toMatchObject({
      indexAlias: 'byAmount',
      indexName: 'lsi-amount',
      type: 'local',
      fullKey: undefined,
      sort: { attribute: 'amount', op: '>', value: { N: '500' } },
      keyAttributes: ['merchantId', 'id', 'amount'],
      ownKeyAttributes: ['merchantId', 'amount'],
    });
  });

  test('the table wins a tie', () => {
    const p = plan(Payment, [where('merchantId', '=', 'm1')]);
    expect(p.type).toBe('table');
    expect(p.indexAlias).toBeUndefined();
  });

  test('a forced index is used even when the table would do', () => {
    const p = plan(Payment, [where('merchantId', '=', 'm1')], 'byAmount');
    expect(p).toMatchObject({ indexAlias: 'byAmount', indexName: 'lsi-amount', type: 'local', fullKey: undefined, sort: undefined });
  });

  test('a forced index that cannot serve the conditions is a NoUsableIndexError naming it', () => {
    const error = noIndex(() => plan(Payment, [where('merchantId', '=', 'm1'), where('id', '=', 'p1')], 'byStatus'));
    expect(error.message).toContain('no key of index byStatus serves where(merchantId =, id =)');
  });

  test('an unknown forced alias is a ValidationError listing the indexes', () => {
    const error = validationError(() => plan(Payment, [where('merchantId', '=', 'm1')], 'byNothing'));
    expect(error.rule).toBe('unknown-index');
    expect(error.message).toBe('Payment.query: Payment has no index "byNothing"; it has byStatus, byCustomer, byAmount [unknown-index]');
    const none = validationError(() => plan(Reading, [where('sensor', '=', 's')], 'x'));
    expect(none.message).toContain('it has none');
  });
});

describe('planQuery: key values over DynamoDB\'s limits (issue 14)', () => {
  const Sized = model('Sized', {
    table: 'sized',
    attributes: { id: attr.string().partitionKey(), at: attr.string().sortKey() },
  });
  const rule = (conditions: KeyConditionInput[]) => {
    try {
      planQuery(Sized.compiled, conditions, undefined, 'Sized.query');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return [(error as ValidationError).rule, (error as ValidationError).path];
    }
    return undefined;
  };
  test('a sort key condition over 1024 bytes, or a partition value over 2048, is refused', () => {
    expect(rule([{ path: 'id', op: '=', value: 'x'.repeat(2048) }, { path: 'at', op: '>', value: 'y'.repeat(1024) }])).toBeUndefined();
    expect(rule([{ path: 'id', op: '=', value: 'x'.repeat(2049) }])).toEqual(['key-size', ['id']]);
    expect(rule([{ path: 'id', op: '=', value: 'a' }, { path: 'at', op: '>', value: 'y'.repeat(1025) }])).toEqual(['key-size', ['at']]);
    expect(rule([{ path: 'id', op: '=', value: 'a' }, { path: 'at', op: 'between', value: ['a', 'y'.repeat(1025)] }])).toEqual(['key-size', ['at']]);
    expect(rule([{ path: 'id', op: '=', value: 'a' }, { path: 'at', op: 'begins_with', value: 'y'.repeat(1025) }])).toEqual(['key-size', ['at']]);
  });
  test('operators that are none are refused, whatever their type', () => {
    for (const op of ['LIKE', '==', Symbol('op'), 5, null, { toString: () => '=' }]) {
      expect(rule([{ path: 'id', op: op as never, value: 'a' }])).toEqual(['operator', ['id']]);
    }
  });
});

describe('planQuery: no usable index', () => {
  test('no conditions: the error names the keys and indexes and suggests a scan', () => {
    const error = noIndex(() => plan(Payment, []));
    expect(error.message).toContain('Payment.query: a query needs where() conditions on a partition key');
    expect(error.message).toContain(
      'Keys and indexes: table (merchantId, id); byStatus [gsi-status] (status, createdAt); byCustomer [gsi-customer] (customerId); byAmount [lsi-amount] (merchantId, amount)',
    );
    expect(error.message).toMatch(/scan/);
  });

  test('a non-key condition cannot become a key condition', () => {
    const error = noIndex(() => plan(Payment, [where('merchantId', '=', 'm1'), where('note', '=', 'x')]));
    expect(error.message).toContain('Payment.query: no table key or index serves where(merchantId =, note =)');
    expect(error.message).toContain('table (merchantId, id)');
    expect(error.message).toContain('.filter()');
    expect(error.message).toMatch(/scan/);
  });

  test('a partition key needs equality', () => {
    noIndex(() => plan(Payment, [where('merchantId', 'begins_with', 'm')]));
    noIndex(() => plan(Payment, [where('merchantId', '>', 'm')]));
  });

  test('a sort key condition without its partition key', () => {
    noIndex(() => plan(Payment, [where('id', '=', 'p1')]));
  });

  test('two conditions on one sort key are not one key condition', () => {
    noIndex(() => plan(Payment, [where('merchantId', '=', 'm1'), where('id', '>', 'a'), where('id', '<', 'f')]));
  });

  test('templates are shown in the message', () => {
    const error = noIndex(() => plan(Order, [where('merchant', '=', 'm1')]));
    expect(error.message).toContain('table (pk = CUST#{customerId}, sk = Y#{year}#O#{orderId}); byMerchantDay [gsi1] (gsi1pk = M#{merchant}#D#{day})');
  });
});

describe('planQuery: key templates', () => {
  test('the partition template is filled from its fields; the sort template prefix keeps to the model', () => {
    const p = plan(Order, [where('customerId', '=', 'c1')]);
    expect(p).toMatchObject({
      type: 'table',
      fullKey: undefined,
      partition: { attribute: 'pk', value: { S: 'CUST#c1' } },
      sort: { attribute: 'sk', op: 'begins_with', value: { S: 'Y#' } },
    });
    expect(keyCondition(p)).toEqual({
      text: '#n0 = :v0 AND begins_with(#n1, :v1)',
      ExpressionAttributeNames: { '#n0': 'pk', '#n1': 'sk' },
      ExpressionAttributeValues: { ':v0': { S: 'CUST#c1' }, ':v1': { S: 'Y#' } },
    });
  });

  test('leading sort template fields given by equality form a begins_with prefix', () => {
    expect(plan(Order, [where('customerId', '=', 'c1'), where('year', '=', 2026)]).sort).toEqual({
      attribute: 'sk',
      op: 'begins_with',
      value: { S: 'Y#2026#O#' },
    });
  });

  test('begins_with on the next template field extends the prefix', () => {
    expect(plan(Order, [where('customerId', '=', 'c1'), where('year', '=', 2026), where('orderId', 'begins_with', 'A1')]).sort).toEqual({
      attribute: 'sk',
      op: 'begins_with',
      value: { S: 'Y#2026#O#A1' },
    });
  });

  test('between on the last template field', () => {
    expect(plan(Order, [where('customerId', '=', 'c1'), where('year', '=', 2026), where('orderId', 'between', ['A', 'C'])]).sort).toEqual({
      attribute: 'sk',
      op: 'between',
      value: { S: 'Y#2026#O#A' },
      high: { S: 'Y#2026#O#C' },
    });
  });

  test("every sort template field given: '=' on the whole key, and fullKey", () => {
    const p = plan(Order, [where('orderId', '=', 'A1'), where('customerId', '=', 'c1'), where('year', '=', 2026)]);
    expect(p.sort).toEqual({ attribute: 'sk', op: '=', value: { S: 'Y#2026#O#A1' } });
    expect(p.fullKey).toEqual({ pk: { S: 'CUST#c1' }, sk: { S: 'Y#2026#O#A1' } });
    expect(keyCondition(p).text).toBe('#n0 = :v0 AND #n1 = :v1');
  });

  test('a template field after a missing one cannot be used', () => {
    noIndex(() => plan(Order, [where('customerId', '=', 'c1'), where('orderId', '=', 'A1')]));
    // between only on the last field, where the template order is the field order
    noIndex(() => plan(Order, [where('customerId', '=', 'c1'), where('year', 'between', [2025, 2026])]));
  });

  test('a GSI whose partition key is a template of several fields', () => {
    const p = plan(Order, [where('day', '=', '2026-01-02'), where('merchant', '=', 'm1')]);
    expect(p).toMatchObject({
      indexAlias: 'byMerchantDay',
      indexName: 'gsi1',
      type: 'global',
      fullKey: undefined,
      partition: { attribute: 'gsi1pk', value: { S: 'M#m1#D#2026-01-02' } },
      sort: undefined,
      keyAttributes: ['pk', 'sk', 'gsi1pk'],
      ownKeyAttributes: ['gsi1pk'],
    });
  });

  test('a partition template needs every one of its fields', () => {
    noIndex(() => plan(Order, [where('merchant', '=', 'm1')]));
  });
});

describe('planQuery: bad values', () => {
  test('a value of the wrong type is a ValidationError', () => {
    expect(validationError(() => plan(Payment, [where('merchantId', '=', 42)]))).toMatchObject({ rule: 'type', path: ['merchantId'] });
    expect(validationError(() => plan(Payment, [where('merchantId', '=', 'm1'), where('amount', '>', 'lots')]))).toMatchObject({
      rule: 'type',
      path: ['amount'],
    });
    expect(validationError(() => plan(Payment, [where('merchantId', '=', 'm1'), where('id', 'begins_with', 5)]))).toMatchObject({
      rule: 'type',
      path: ['id'],
    });
    expect(validationError(() => plan(Order, [where('customerId', '=', 'c1'), where('year', '=', 'x')]))).toMatchObject({
      rule: 'type',
      path: ['year'],
    });
    expect(validationError(() => plan(Payment, [where('status', '=', 'lost')])).rule).toBe('enum');
  });

  test('missing and empty key values are a ValidationError', () => {
    expect(validationError(() => plan(Payment, [where('merchantId', '=', '')])).rule).toBe('required');
    expect(validationError(() => plan(Payment, [where('merchantId', '=', null)])).rule).toBe('required');
    expect(validationError(() => plan(Payment, [where('merchantId', '=', 'm1'), where('id', 'between', 'a')])).rule).toBe('required');
  });

  test('the error names the query', () => {
    expect(validationError(() => plan(Payment, [where('merchantId', '=', 42)])).message).toMatch(/^Payment\.query: merchantId: /);
  });

  // Regression: a wrongly typed field of a partition key template is reported as NoUsableIndexError ("no table
  // key or index serves where(customerId =)") instead of the ValidationError a plain partition key gives.
  test('a wrongly typed partition template field is a ValidationError', () => {
    expect(validationError(() => plan(Order, [where('customerId', '=', 5)]))).toMatchObject({ rule: 'type', path: ['customerId'] });
  });

  // Regression: same for a value holding the template separator; writes reject it as 'key-separator'.
  test('a partition template field holding its separator is a ValidationError', () => {
    expect(validationError(() => plan(Order, [where('merchant', '=', 'a#D#b'), where('day', '=', 'd')])).rule).toBe('key-separator');
  });

  // Regression: begins_with with a non-string on a sort template field is NoUsableIndexError; on a plain sort key it is ValidationError 'type'.
  test('begins_with with a non-string on a sort template field is a ValidationError', () => {
    expect(validationError(() => plan(Order, [where('customerId', '=', 'c1'), where('year', '=', 2026), where('orderId', 'begins_with', 5)])).rule).toBe(
      'type',
    );
  });

  // Regression: between on a numeric last template field compares key text, not numbers: [2, 10] becomes
  // BETWEEN "N#2" AND "N#10" (low above high, which DynamoDB rejects) and [2, 3] also matches n = 25 ("N#25").
  test('between on a numeric template field is never planned as a range in the wrong order', () => {
    for (const [low, high, outside] of [
      [2, 10, 'N#25'],
      [2, 3, 'N#25'],
    ] as const) {
      let p: QueryPlan;
      try {
        p = plan(Reading, [where('sensor', '=', 's1'), where('n', 'between', [low, high])]);
      } catch {
        continue; // refusing the range is also correct
      }
      const sort = p.sort as { value: { S: string }; high: { S: string } };
      expect(sort.value.S <= sort.high.S).toBe(true);
      expect(outside >= sort.value.S && outside <= sort.high.S).toBe(false);
    }
  });
});

describe('planQuery: names that are no field', () => {
  test('a where() on a field the model does not have is unknown-field, not "no usable index"', () => {
    const error = validationError(() => plan(Payment, [where('merchantId', '=', 'm1'), where('colour', '=', 'red')]));
    expect(error).toMatchObject({ rule: 'unknown-field', path: ['colour'] });
  });
  test('a nested path of a real field is still a query no index serves', () => {
    expect(() => plan(Payment, [where('merchantId', '=', 'm1'), where('id.x', '=', 'y')])).toThrow(NoUsableIndexError);
  });
});

describe('keyConditionExpression', () => {
  test('adds to placeholders already in use', () => {
    const ph = new Placeholders();
    ph.name('status');
    ph.value({ S: 'paid' });
    const text = keyConditionExpression(plan(Payment, [where('merchantId', '=', 'm1'), where('id', '>=', 'p')]), ph);
    expect(text).toBe('#n1 = :v1 AND #n2 >= :v2');
    expect(ph.names).toEqual({ '#n0': 'status', '#n1': 'merchantId', '#n2': 'id' });
  });

  test('property: any partition value is sent as a value placeholder, never inline', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'binary' }), fc.option(fc.string({ minLength: 1, unit: 'binary' }), { nil: undefined }), (value, prefix) => {
        const conditions = [where('merchantId', '=', value)];
        if (prefix !== undefined) conditions.push(where('id', 'begins_with', prefix));
        const p = plan(Payment, conditions);
        expect(p.partition).toEqual({ attribute: 'merchantId', value: { S: value } });
        const { text, ExpressionAttributeNames, ExpressionAttributeValues } = keyCondition(p);
        // The text is fixed whatever the values: it holds only placeholders.
        expect(text).toBe(prefix === undefined ? '#n0 = :v0' : '#n0 = :v0 AND begins_with(#n1, :v1)');
        if (!'#n0 = :v0 AND begins_with(#n1, :v1)'.includes(value)) expect(text).not.toContain(value);
        expect(ExpressionAttributeNames).toEqual(prefix === undefined ? { '#n0': 'merchantId' } : { '#n0': 'merchantId', '#n1': 'id' });
        expect(ExpressionAttributeValues).toEqual(prefix === undefined ? { ':v0': { S: value } } : { ':v0': { S: value }, ':v1': { S: prefix } });
      }),
      { numRuns: 300 },
    );
  });
});
