/**
 * Bad input gets a ValidationError with the rule and the field path, and NOTHING is sent: a
 * middleware records every request, and the tables are scanned at the end to show nothing was
 * half-written.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attr, model, ValidationError, type AnyModel, type Item } from '../../src/index.js';
import { recordOperations, testDb } from '../support/db.js';

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return /^\d{12,19}$/.test(digits) && sum % 10 === 0;
}

const Charge = model('Charge', {
  table: 'charges',
  attributes: {
    id: attr.string().partitionKey(),
    seq: attr.integer().sortKey(),
    amount: attr.cents(),
    fee: attr.integer().optional(),
    rate: attr.number().optional(),
    big: attr.bigint().optional(),
    exact: attr.decimal().optional(),
    currency: attr.string().validate((v) => /^[A-Z]{3}$/.test(v) || 'must be an ISO 4217 code', 'currency-code'),
    status: attr.enum(['pending', 'completed']),
    memo: attr.string().optional(),
    cardNumber: attr.string().validate(luhn, 'luhn').optional(),
    card: attr
      .object({
        last4: attr.string().validate((v) => /^\d{4}$/.test(v), 'last4'),
        holder: attr.object({ name: attr.string(), email: attr.string().optional() }),
      })
      .optional(),
    lines: attr.list(attr.object({ sku: attr.string(), amount: attr.cents() })).optional(),
    tags: attr.stringSet().optional(),
    expiresAt: attr.ttl().optional(),
    paidAt: attr.date().optional(),
    version: attr.version(),
  },
});
type Charge = Item<typeof Charge>;

const Scoped = model('Scoped', {
  table: 'scoped',
  attributes: {
    pk: attr.template('TENANT#{tenantId}#ACCT#{accountId}').partitionKey(),
    tenantId: attr.string(),
    accountId: attr.string(),
    name: attr.string(),
  },
});

/** One string beside the key, no entity marker: its stored size is easy to compute exactly. */
const Blob = model('Blob', {
  table: 'blobs',
  entityAttribute: false, // nothing but the fields: the sizes below are exact
  writeToken: false,
  attributes: { id: attr.string().partitionKey(), body: attr.string() },
});

const operations: string[] = [];
const db = testDb({
  middleware: [recordOperations(operations)],
});
const charges = db.model(Charge);
const scoped = db.model(Scoped);
const blobs = db.model(Blob);

const valid = { id: 'ch-1', seq: 1, amount: 1250, currency: 'EUR', status: 'pending' } as const;
let existing: Charge;

beforeAll(async () => {
  await Promise.all([db.tables.create(Charge), db.tables.create(Scoped), db.tables.create(Blob)]);
  existing = await charges.create({ ...valid, id: 'existing' });
});
afterAll(() => db.destroy());

/** Asserts that `call` fails validation with `rule` at `path`, and that no request was sent. */
async function rejected(call: () => Promise<unknown>, rule: string, path: readonly (string | number)[]): Promise<ValidationError> {
  operations.length = 0;
  let error: unknown;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  expect(error, `${rule} at ${path.join('.')}`).toBeInstanceOf(ValidationError);
  const v = error as ValidationError;
  expect(v.code).toBe('VALIDATION');
  expect({ rule: v.rule, path: v.path }).toEqual({ rule, path });
  expect(operations).toEqual([]);
  return v;
}

const create = (patch: Record<string, unknown>) => () => charges.create({ ...valid, ...patch } as never);

describe('keys', () => {
  test('missing key values', async () => {
    const { id: _id, ...withoutId } = valid;
    await rejected(() => charges.create(withoutId as never), 'required', ['id']);
    await rejected(() => charges.get({} as never), 'required', ['id']);
    await rejected(() => charges.get({ id: 'x' } as never), 'required', ['seq']);
    await rejected(() => charges.delete({ seq: 1, version: 1 } as never), 'required', ['id']);
    await rejected(() => charges.update({ id: 'x', version: 1 } as never, { memo: 'm' }), 'required', ['seq']);
    await rejected(() => scoped.get({ tenantId: 't' } as never), 'required', ['accountId']);
    await rejected(() => scoped.create({ accountId: 'a', name: 'n' } as never), 'required', ['tenantId']);
  });

  test('empty and null key values', async () => {
    await rejected(create({ id: '' }), 'required', ['id']);
    await rejected(() => charges.get({ id: '', seq: 1 }), 'required', ['id']);
    await rejected(() => charges.get({ id: null, seq: 1 } as never), 'required', ['id']);
    await rejected(() => scoped.create({ tenantId: '', accountId: 'a', name: 'n' }), 'required', ['tenantId']);
    await rejected(() => scoped.get({ tenantId: 't', accountId: '' }), 'required', ['accountId']);
  });

  test('key values of the wrong type', async () => {
    await rejected(create({ id: 42 }), 'type', ['id']);
    await rejected(create({ seq: '1' }), 'type', ['seq']);
    await rejected(() => charges.get({ id: 'x', seq: 1.5 }), 'integer', ['seq']);
  });

  test('a key template component holding its separator', async () => {
    await rejected(() => scoped.create({ tenantId: 'evil#ACCT#x', accountId: 'a', name: 'n' }), 'key-separator', ['tenantId']);
  });
});

describe('types and fields', () => {
  test('wrong types', async () => {
    await rejected(create({ amount: '1250' }), 'type', ['amount']);
    await rejected(create({ status: 'refunded' }), 'enum', ['status']);
    await rejected(create({ memo: 5 }), 'type', ['memo']);
    await rejected(create({ paidAt: '2024-01-01' }), 'type', ['paidAt']);
    await rejected(create({ paidAt: new Date('not a date') }), 'date', ['paidAt']);
    await rejected(create({ tags: 'a' }), 'type', ['tags']);
    await rejected(create({ big: 5 }), 'type', ['big']);
    await rejected(create({ exact: 1.5 }), 'type', ['exact']);
    await rejected(create({ lines: { sku: 'a' } }), 'type', ['lines']);
    await rejected(create({ amount: null }), 'type', ['amount']);
  });

  test('required fields', async () => {
    const { amount: _amount, ...withoutAmount } = valid;
    await rejected(() => charges.create(withoutAmount as never), 'required', ['amount']);
  });

  test('unknown fields, at the top level and nested', async () => {
    await rejected(create({ amonut: 1250 }), 'unknown-field', ['amonut']);
    await rejected(create({ card: { last4: '4242', holder: { name: 'A' }, pin: '1234' } }), 'unknown-field', ['card', 'pin']);
    await rejected(create({ card: { last4: '4242', holder: { name: 'A', age: 3 } } }), 'unknown-field', ['card', 'holder', 'age']);
    await rejected(() => charges.get({ id: 'x', seq: 1 }, { projection: ['nope' as never] }), 'unknown-field', ['nope']);
  });

  test('nested field errors carry their path', async () => {
    await rejected(create({ card: { last4: '4242', holder: { name: 5 } } }), 'type', ['card', 'holder', 'name']);
    await rejected(create({ card: { last4: '4242', holder: {} } }), 'required', ['card', 'holder', 'name']);
    await rejected(create({ lines: [{ sku: 'a', amount: 1 }, { sku: 'b', amount: 1.5 }] }), 'cents', ['lines', 1, 'amount']);
    await rejected(create({ lines: [{ sku: 'a', amount: 1 }, undefined] }), 'required', ['lines', 1]);
    await rejected(create({ tags: ['a', 5] }), 'type', ['tags', 1]);
  });

  test('every issue is listed, not only the first', async () => {
    const error = await rejected(create({ amount: 1.5, status: 'nope', bogus: true, card: { last4: 'x', holder: { name: 1 } } }), 'unknown-field', ['bogus']);
    const found = error.issues.map((i) => `${i.rule}@${i.path.join('.')}`).sort();
    expect(found).toEqual(['cents@amount', 'enum@status', 'last4@card.last4', 'type@card.holder.name', 'unknown-field@bogus']);
    for (const issue of error.issues) expect(issue.message).toEqual(expect.any(String));
  });
});

describe('numbers DynamoDB cannot store', () => {
  test('NaN and Infinity', async () => {
    await rejected(create({ rate: Number.NaN }), 'finite', ['rate']);
    await rejected(create({ rate: Number.POSITIVE_INFINITY }), 'finite', ['rate']);
    await rejected(create({ amount: Number.NEGATIVE_INFINITY }), 'finite', ['amount']);
  });

  test('magnitudes outside 1E-130 .. 9.99E+125', async () => {
    await rejected(create({ rate: 1e200 }), 'number-range', ['rate']);
    await rejected(create({ rate: -1e126 }), 'number-range', ['rate']);
    await rejected(create({ rate: 5e-324 }), 'number-range', ['rate']);
    await rejected(create({ exact: '1e-131' }), 'number-range', ['exact']);
  });

  test('floats and unsafe integers where integers are required', async () => {
    await rejected(create({ amount: 12.5 }), 'cents', ['amount']);
    await rejected(create({ amount: 2 ** 53 }), 'cents', ['amount']);
    await rejected(create({ fee: 0.1 }), 'integer', ['fee']);
    await rejected(create({ fee: 2 ** 53 }), 'integer', ['fee']);
    await rejected(create({ fee: -(2 ** 53) }), 'integer', ['fee']);
  });

  test('more than 38 significant digits', async () => {
    await rejected(create({ big: 123456789012345678901234567890123456789n }), 'number-range', ['big']); // 39 digits
    await rejected(create({ big: -(10n ** 38n) - 1n }), 'number-range', ['big']);
    await rejected(create({ exact: '1234567890123456789012345678901234567.89' }), 'number-range', ['exact']); // 39 digits
    await rejected(create({ exact: 'twelve' }), 'number-range', ['exact']);
  });

  test('the largest values that fit are accepted and stored exactly', async () => {
    const created = await charges.create({
      ...valid,
      id: 'limits',
      big: 10n ** 38n - 1n,
      exact: '-9.9999999999999999999999999999999999999e125',
      amount: Number.MAX_SAFE_INTEGER,
      fee: Number.MIN_SAFE_INTEGER,
    });
    const read = await charges.get(created, { consistent: true, required: true });
    expect(read.big).toBe(10n ** 38n - 1n);
    expect(read.exact).toBe(`-99999999999999999999999999999999999999${'0'.repeat(88)}`);
    expect(read.amount).toBe(Number.MAX_SAFE_INTEGER);
    expect(read.fee).toBe(Number.MIN_SAFE_INTEGER);
    await charges.delete(read);
    // Precision counts significant digits: 10^100 has one, so DynamoDB keeps it exactly.
    const round = await charges.create({ ...valid, id: 'round', big: 10n ** 100n });
    expect((await charges.get(round, { consistent: true, required: true })).big).toBe(10n ** 100n);
    await charges.delete(round);
  });
});

describe('TTL', () => {
  test('milliseconds are refused (an item that would live for ever)', async () => {
    await rejected(create({ expiresAt: Date.now() }), 'ttl', ['expiresAt']);
    await rejected(create({ expiresAt: 1.5 }), 'ttl', ['expiresAt']);
    await rejected(create({ expiresAt: -1 }), 'ttl', ['expiresAt']);
    await rejected(() => charges.update(existing, { expiresAt: Date.now() }), 'ttl', ['expiresAt']);
  });
});

describe('custom rules', () => {
  test('validate() rules name themselves, and messages never repeat the value', async () => {
    const error = await rejected(create({ currency: 'usd' }), 'currency-code', ['currency']);
    expect(error.message).toContain('must be an ISO 4217 code');
    await rejected(create({ card: { last4: '42x2', holder: { name: 'A' } } }), 'last4', ['card', 'last4']);
    const card = await rejected(create({ cardNumber: '4111111111111112' }), 'luhn', ['cardNumber']);
    expect(card.message).not.toContain('4111111111111112');
    await rejected(() => charges.update(existing, { currency: 'euro' }), 'currency-code', ['currency']);
  });

  test('a value that passes the rule is written', async () => {
    const created = await charges.create({ ...valid, id: 'luhn-ok', cardNumber: '4111111111111111' });
    expect(created.cardNumber).toBe('4111111111111111');
    await charges.delete(created);
  });
});

describe('item size', () => {
  // Stored size = names + values in UTF-8: 'id' + 'b-n' + 'body' + body.
  const sizeWithout = 'id'.length + 'b-1'.length + 'body'.length;
  const limit = 400 * 1024;

  test('an item over 400 KB is refused before sending', async () => {
    await rejected(() => blobs.create({ id: 'b-1', body: 'x'.repeat(limit - sizeWithout + 1) }), 'item-size', []);
    await rejected(() => blobs.create({ id: 'b-1', body: 'é'.repeat(limit / 2) }), 'item-size', []); // 2 bytes each
    await rejected(create({ memo: 'x'.repeat(limit) }), 'item-size', []);
    await rejected(() => charges.update(existing, { memo: 'x'.repeat(limit + 1) }), 'item-size', []);
  });

  test('an item of exactly 400 KB is accepted by DynamoDB', async () => {
    const created = await blobs.create({ id: 'b-1', body: 'x'.repeat(limit - sizeWithout) });
    expect((await blobs.get(created, { consistent: true }))?.body).toHaveLength(limit - sizeWithout);
    await blobs.delete(created);
  });
});

describe('updates', () => {
  test('an update that would change a key', async () => {
    await rejected(() => charges.update(existing, { id: 'other' } as never), 'key-change', ['id']);
    await rejected(() => charges.update(existing, { seq: 2 } as never), 'key-change', ['seq']);
  });

  test('bad values in a patch', async () => {
    await rejected(() => charges.update(existing, { amount: Number.NaN }), 'finite', ['amount']);
    await rejected(() => charges.update(existing, { amount: 0.5 }), 'cents', ['amount']);
    await rejected(() => charges.update(existing, { big: 10n ** 40n + 1n }), 'number-range', ['big']); // 41 significant digits
    await rejected(() => charges.update(existing, { card: { last4: '1234', holder: { name: 7 } } } as never), 'type', ['card', 'holder', 'name']);
    await rejected(() => charges.update(existing, { version: 9 } as never), 'computed', ['version']);
  });

  test('a versioned put with an unusable version', async () => {
    await rejected(() => charges.put({ ...valid, version: -1 }), 'version', ['version']);
    await rejected(() => charges.put({ ...valid, version: 1.5 }), 'version', ['version']);
  });
});

describe('nothing was half-written', () => {
  async function scan(m: AnyModel) {
    const out = await db.client.send(new ScanCommand({ TableName: db.tableName(m), ConsistentRead: true }));
    return out.Items ?? [];
  }

  test('the tables hold only what the valid writes wrote', async () => {
    const stored = await scan(Charge);
    expect(stored.map((i) => i.id?.S)).toEqual(['existing']);
    expect(await charges.get(existing, { consistent: true })).toEqual(existing);
    expect(await scan(Scoped)).toEqual([]);
    expect(await scan(Blob)).toEqual([]);
  });
});
