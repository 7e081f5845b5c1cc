import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ModelDefinitionError, ValidationError } from '../../src/errors.js';
import { itemSize, MAX_ITEM_BYTES, valueSize } from '../../src/marshal/item-size.js';
import { attr, type Shape } from '../../src/model/attributes.js';
import { decodeItem, encodeItem, encodeKey } from '../../src/model/item-codec.js';
import { model, type AnyModel } from '../../src/model/model.js';

const NOW = new Date('2024-05-01T10:00:00.000Z');

let counter = 0;
const Payment = model('Payment', {
  table: 'payments',
  attributes: {
    id: attr.string().partitionKey(),
    amount: attr.cents(),
    currency: attr.string().default('USD'),
    reference: attr.string().default(() => `ref-${++counter}`),
    note: attr.string().optional(),
    tags: attr.stringSet(),
    status: attr.enum(['pending', 'paid']).storedAs('st'),
    createdAt: attr.createdAt(),
    updatedAt: attr.updatedAt({ storage: 'epochMillis' }),
    version: attr.version(),
  },
});

const Txn = model('Txn', {
  table: 'single',
  attributes: {
    pk: attr.template('TENANT#{tenantId}').partitionKey(),
    sk: attr.template('TXN#{transactionId}#AT#{seq}').sortKey(),
    tenantId: attr.string(),
    transactionId: attr.string(),
    seq: attr.integer(),
    merchant: attr.string(),
    byMerchant: attr.template('M#{merchant}##{tenantId}'),
  },
  indexes: { merchant: { name: 'gsi-merchant', partitionKey: 'byMerchant' } },
});

const encode = (m: AnyModel, input: Record<string, unknown>, version?: number) =>
  encodeItem(m.compiled, input, { now: NOW, label: `${m.name}.create`, ...(version !== undefined ? { version } : {}) });

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

/** The message of the ModelDefinitionError thrown by `fn`. */
function definitionError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelDefinitionError);
    return (error as Error).message;
  }
  throw new Error('expected a ModelDefinitionError');
}

describe('encodeItem', () => {
  test('fills defaults, clock fields, version and entity type; leaves absent optional fields out', () => {
    const item = encode(Payment, { id: 'p1', amount: 1250, status: 'pending', tags: ['a'] });
    expect(item).toEqual({
      id: { S: 'p1' },
      amount: { N: '1250' },
      currency: { S: 'USD' },
      reference: { S: expect.stringMatching(/^ref-\d+$/) },
      tags: { SS: ['a'] },
      st: { S: 'pending' },
      createdAt: { S: NOW.toISOString() },
      updatedAt: { N: String(NOW.getTime()) },
      version: { N: '1' },
      _type: { S: 'Payment' },
    });
  });
  test('a default function is called for every write', () => {
    const a = encode(Payment, { id: 'a', amount: 1, status: 'paid', tags: [] });
    const b = encode(Payment, { id: 'b', amount: 1, status: 'paid', tags: [] });
    expect(a.reference).not.toEqual(b.reference);
  });
  test('given values win over defaults; createdAt may be given; updatedAt and version never', () => {
    const created = new Date('2020-01-01T00:00:00.000Z');
    const item = encode(
      Payment,
      { id: 'p', amount: 1, status: 'paid', tags: [], currency: 'EUR', createdAt: created, updatedAt: created, version: 99 },
      7,
    );
    expect(item.currency).toEqual({ S: 'EUR' });
    expect(item.createdAt).toEqual({ S: created.toISOString() });
    expect(item.updatedAt).toEqual({ N: String(NOW.getTime()) });
    expect(item.version).toEqual({ N: '7' });
  });
  test('an empty set is not stored', () => {
    expect(encode(Payment, { id: 'p', amount: 1, status: 'paid', tags: new Set() })).not.toHaveProperty('tags');
  });
  test('every issue is reported at once, with its path', () => {
    const error = validationError(() => encode(Payment, { amount: 1.5, status: 'lost', extra: 1, tags: 'x' }));
    expect(error.issues.map((i) => [i.rule, i.path.join('.')])).toEqual([
      ['unknown-field', 'extra'],
      ['required', 'id'],
      ['cents', 'amount'],
      ['type', 'tags'],
      ['enum', 'status'],
    ]);
    expect(error.message).toMatch(/^Payment.create: extra: /);
  });
  test('unknown fields that are undefined are ignored; prototype names are not fields', () => {
    expect(() => encode(Payment, { id: 'p', amount: 1, status: 'paid', tags: [], other: undefined })).not.toThrow();
    expect(validationError(() => encode(Payment, { id: 'p', amount: 1, status: 'paid', tags: [], toString: 'x' })).rule).toBe('unknown-field');
  });
  test('empty key values are rejected', () => {
    expect(validationError(() => encode(Payment, { id: '', amount: 1, status: 'paid', tags: [] })).path).toEqual(['id']);
  });
  test('not an object', () => {
    for (const bad of [null, [], 'x']) expect(validationError(() => encode(Payment, bad as never)).rule).toBe('type');
  });
  test('optional fields named like Object.prototype members are absent unless given', () => {
    const Odd = model('Odd', {
      table: 'odd',
      attributes: { id: attr.string().partitionKey(), constructor: attr.string().optional(), valueOf: attr.integer().optional() },
    });
    expect(encode(Odd, { id: 'a' })).toEqual({ id: { S: 'a' }, _type: { S: 'Odd' } });
    const item = encode(Odd, { id: 'a', constructor: 'c', valueOf: 2 });
    expect(decodeItem(Odd.compiled, item)).toEqual({ id: 'a', constructor: 'c', valueOf: 2 });
    // Stored attributes absent from the item are not read from Object.prototype.
    const decoded = decodeItem(Odd.compiled, { id: { S: 'a' } });
    expect(Object.keys(decoded)).toEqual(['id']);
    const Stored = model('Stored', { table: 'odd', attributes: { id: attr.string().partitionKey(), note: attr.string().optional().storedAs('toString') } });
    expect(Object.keys(decodeItem(Stored.compiled, { id: { S: 'a' } }))).toEqual(['id']);
  });
});

describe('key templates', () => {
  const txn = { tenantId: 'acme', transactionId: 'tx-1', seq: 7, merchant: 'm1' };
  test('are filled on write', () => {
    const item = encode(Txn, txn);
    expect(item.pk).toEqual({ S: 'TENANT#acme' });
    expect(item.sk).toEqual({ S: 'TXN#tx-1#AT#7' });
    expect(item.byMerchant).toEqual({ S: 'M#m1##acme' });
  });
  test('a given template value must match', () => {
    expect(() => encode(Txn, { ...txn, pk: 'TENANT#acme' })).not.toThrow();
    const error = validationError(() => encode(Txn, { ...txn, pk: 'TENANT#other' }));
    expect([error.rule, error.path]).toEqual(['key-change', ['pk']]);
  });
  test('a value holding the separator that follows it is rejected', () => {
    const error = validationError(() => encode(Txn, { ...txn, transactionId: 'a#AT#b' }));
    expect([error.rule, error.path]).toEqual(['key-separator', ['transactionId']]);
    expect(validationError(() => encode(Txn, { ...txn, merchant: 'x##y' })).rule).toBe('key-separator');
  });
  test('a value ending with the start of the separator is rejected too (it would move the split)', () => {
    // 'M#' + 'x#' + '##' + 'acme' = 'M#x####acme', which parses back as merchant 'x'.
    const error = validationError(() => encode(Txn, { ...txn, merchant: 'x#' }));
    expect([error.rule, error.path]).toEqual(['key-separator', ['merchant']]);
  });
  test('the last field may hold anything, separators included', () => {
    const item = encode(Txn, { ...txn, tenantId: 'a#TXN#b' });
    expect(item.pk).toEqual({ S: 'TENANT#a#TXN#b' });
  });
  test('empty components are rejected', () => {
    expect(validationError(() => encode(Txn, { ...txn, tenantId: '' })).path).toEqual(['tenantId']);
  });
  test('are parsed back on read when the component fields are not stored', () => {
    const item = encode(Txn, txn);
    const { tenantId: _t, transactionId: _x, seq: _s, merchant: _m, ...keysOnly } = item;
    expect(decodeItem(Txn.compiled, keysOnly)).toEqual({
      pk: 'TENANT#acme',
      sk: 'TXN#tx-1#AT#7',
      byMerchant: 'M#m1##acme',
      tenantId: 'acme',
      transactionId: 'tx-1',
      seq: 7,
      merchant: 'm1',
    });
  });
  test('property: what is written parses back to the same fields, or is rejected before sending', () => {
    const text = fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom('#', 'A', 'T', 'X', 'N', 'M', 'a', '-') });
    fc.assert(
      fc.property(text, text, text, fc.integer({ min: -1000, max: 1000 }), (tenantId, transactionId, merchant, seq) => {
        const input = { tenantId, transactionId, merchant, seq };
        let item;
        try {
          item = encode(Txn, input);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).rule).toBe('key-separator');
          return;
        }
        const keysOnly = { pk: item.pk!, sk: item.sk!, byMerchant: item.byMerchant! };
        expect(decodeItem(Txn.compiled, keysOnly)).toMatchObject(input);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('encodeKey', () => {
  test('simple and template keys', () => {
    expect(encodeKey(Payment.compiled, { id: 'p1' }, 'get')).toEqual({ key: { id: { S: 'p1' } }, fields: { id: 'p1' } });
    expect(encodeKey(Txn.compiled, { tenantId: 'acme', transactionId: 't', seq: 1 }, 'get').key).toEqual({
      pk: { S: 'TENANT#acme' },
      sk: { S: 'TXN#t#AT#1' },
    });
  });
  test('other fields of an item are ignored', () => {
    expect(encodeKey(Payment.compiled, { id: 'p1', amount: 'whatever', version: 3 }, 'get').key).toEqual({ id: { S: 'p1' } });
  });
  test('missing, null, empty and wrongly typed key values are rejected', () => {
    expect(validationError(() => encodeKey(Payment.compiled, {}, 'get')).rule).toBe('required');
    expect(validationError(() => encodeKey(Payment.compiled, { id: null }, 'get')).rule).toBe('required');
    expect(validationError(() => encodeKey(Payment.compiled, { id: '' }, 'get')).rule).toBe('required');
    expect(validationError(() => encodeKey(Payment.compiled, { id: 5 }, 'get')).rule).toBe('type');
    const error = validationError(() => encodeKey(Txn.compiled, { tenantId: 'a' }, 'get'));
    expect(error.rule).toBe('required');
    expect(error.path).toEqual(['transactionId']);
    expect(validationError(() => encodeKey(Txn.compiled, { tenantId: 'a', transactionId: 'x#AT#y', seq: 1 }, 'get')).rule).toBe('key-separator');
    expect(validationError(() => encodeKey(Payment.compiled, null as never, 'get')).rule).toBe('type');
  });
  test('numeric and binary keys', () => {
    const N = model('N', { table: 'n', attributes: { id: attr.bigint().partitionKey(), at: attr.binary().sortKey() } });
    const big = 123456789012345678901234567890n;
    expect(encodeKey(N.compiled, { id: big, at: new Uint8Array([1]) }, 'get').key).toEqual({ id: { N: big.toString() }, at: { B: new Uint8Array([1]) } });
    expect(validationError(() => encodeKey(N.compiled, { id: 1n, at: new Uint8Array() }, 'get')).rule).toBe('required');
  });
});

describe('key value sizes (found by fuzzing, issue 14)', () => {
  // DynamoDB takes partition key values of at most 2048 bytes and sort key values of at most 1024, for
  // the table and for its indexes (test/integration/bad-input.test.ts shows its own refusals).
  const K = model('K', {
    table: 'k',
    attributes: {
      id: attr.string().partitionKey(),
      at: attr.string().sortKey(),
      g: attr.string().optional(),
      gs: attr.binary().optional(),
      note: attr.string().optional(),
    },
    indexes: { byG: { name: 'gsi-g', partitionKey: 'g', sortKey: 'gs' } },
  });
  const item = (patch: Record<string, unknown>) => () => encodeItem(K.compiled, { id: 'a', at: 'b', ...patch }, { now: NOW, label: 'K.create' });
  const issue = (fn: () => unknown) => validationError(fn).issues[0];
  test('items: table and index keys up to the limit go, one byte more is refused', () => {
    expect(item({ id: 'x'.repeat(2048), at: 'y'.repeat(1024), g: 'z'.repeat(2048), gs: new Uint8Array(1024) })).not.toThrow();
    expect(issue(item({ id: 'x'.repeat(2049) }))).toMatchObject({ rule: 'key-size', path: ['id'] });
    expect(issue(item({ at: 'y'.repeat(1025) }))).toMatchObject({ rule: 'key-size', path: ['at'] });
    expect(issue(item({ g: 'z'.repeat(2049) }))).toMatchObject({ rule: 'key-size', path: ['g'] });
    expect(issue(item({ gs: new Uint8Array(1025) }))).toMatchObject({ rule: 'key-size', path: ['gs'] });
    // Bytes, not characters: 1024 two-byte characters fill a partition key exactly.
    expect(item({ id: 'é'.repeat(1024) })).not.toThrow();
    expect(issue(item({ id: 'é'.repeat(1025) }))?.message).toBe('is 2050 bytes; DynamoDB takes at most 2048 bytes for a partition key value');
    // Other attributes have no such limit.
    expect(item({ note: 'n'.repeat(100_000) })).not.toThrow();
  });
  test('keys of get, update, delete', () => {
    expect(() => encodeKey(K.compiled, { id: 'x'.repeat(2048), at: 'y'.repeat(1024) }, 'K.get')).not.toThrow();
    expect(issue(() => encodeKey(K.compiled, { id: 'x'.repeat(2049), at: 'b' }, 'K.get'))).toMatchObject({ rule: 'key-size', path: ['id'] });
    expect(issue(() => encodeKey(K.compiled, { id: 'a', at: 'y'.repeat(1025) }, 'K.get'))).toMatchObject({ rule: 'key-size', path: ['at'] });
  });
});

describe('index keys', () => {
  test('empty strings are rejected for index key fields (DynamoDB refuses them), allowed elsewhere', () => {
    const M = model('M', {
      table: 'm',
      attributes: { id: attr.string().partitionKey(), merchant: attr.string().optional(), note: attr.string().optional() },
      indexes: { byMerchant: { name: 'gsi', partitionKey: 'merchant' } },
    });
    expect(validationError(() => encode(M, { id: 'a', merchant: '' })).path).toEqual(['merchant']);
    expect(() => encode(M, { id: 'a', note: '' })).not.toThrow();
    expect(() => encode(M, { id: 'a' })).not.toThrow(); // sparse index
  });
});

describe('item size', () => {
  const Blob = model('Blob', { table: 'blob', attributes: { id: attr.string().partitionKey(), data: attr.string(), extra: attr.string().optional() } });
  test('items up to 400 KB pass, larger ones are rejected before sending', () => {
    const base = encode(Blob, { id: 'a', data: '' });
    const room = MAX_ITEM_BYTES - itemSize(base);
    expect(itemSize(encode(Blob, { id: 'a', data: 'x'.repeat(room) }))).toBe(MAX_ITEM_BYTES);
    const error = validationError(() => encode(Blob, { id: 'a', data: 'x'.repeat(room + 1) }));
    expect(error.rule).toBe('item-size');
  });
  test('multi-byte characters count as their UTF-8 bytes', () => {
    const base = encode(Blob, { id: 'a', data: '' });
    const room = MAX_ITEM_BYTES - itemSize(base);
    expect(() => encode(Blob, { id: 'a', data: 'é'.repeat(Math.floor(room / 2)) })).not.toThrow();
    expect(validationError(() => encode(Blob, { id: 'a', data: 'é'.repeat(Math.floor(room / 2) + 1) })).rule).toBe('item-size');
  });
  test('sizes follow the published rules', () => {
    expect(itemSize({ ab: { S: 'xyz' } })).toBe(5);
    expect(itemSize({ l: { L: [{ S: 'a' }, { S: 'bc' }] } })).toBe(1 + 3 + 2 + 3);
    expect(itemSize({ m: { M: { k: { S: 'v' } } } })).toBe(1 + 3 + 1 + 2);
    expect(itemSize({ bin: { B: new Uint8Array(10) } })).toBe(13);
  });
  test('value sizes match what DynamoDB Local counts, byte for byte', () => {
    // Measured by filling an item to the limit around each value on DynamoDB Local.
    const d38 = '12345678901234567890123456789012345678';
    const measured: [AttributeValue, number][] = [
      [{ N: d38 }, 20],
      [{ N: d38.slice(1) }, 20],
      [{ N: `-${d38}` }, 21],
      [{ N: `${d38}0` }, 21], // 38 digits over 20 digit pairs
      [{ N: `-${d38}0` }, 21], // ... and then no terminator byte for negatives
      [{ N: `-${d38.slice(0, 37)}.${d38.slice(37)}` }, 21],
      [{ N: `-${d38.slice(0, 36)}.${d38.slice(36)}` }, 21],
      [{ N: `-${d38.slice(0, 36)}` }, 20],
      [{ N: '0' }, 1],
      [{ N: '-0' }, 1],
      [{ N: '1' }, 2],
      [{ N: '5' }, 2],
      [{ N: '12' }, 2],
      [{ N: '123' }, 3],
      [{ N: '100' }, 2],
      [{ N: '0.001' }, 2],
      [{ N: '1.01' }, 3],
      [{ N: '10.1' }, 3],
      [{ N: '1E-130' }, 2],
      [{ N: '-1' }, 3],
      [{ N: '-12' }, 3],
      [{ N: '-123' }, 4],
      [{ N: '-1234' }, 4],
      [{ N: '-1.5' }, 4],
      [{ N: '-0.1' }, 3],
      [{ N: '-0.001' }, 3],
      [{ N: '-100' }, 3],
      [{ N: '-1E+100' }, 3],
      [{ L: [] }, 3],
      [{ L: [{ N: '1' }] }, 6],
      [{ L: [{ N: '-1' }] }, 7],
      [{ L: Array.from({ length: 10 }, () => ({ S: 'ab' })) }, 33],
      [{ M: {} }, 3],
      [{ M: { k: { S: 'v' } } }, 6],
      [{ M: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, { S: 'v' }])) }, 43],
      [{ L: [{ M: { a: { N: '1' } } }, { M: {} }] }, 15],
      [{ M: { a: { L: [{ S: 'x' }] } } }, 10],
      [{ NS: ['1', '22'] }, 4],
      [{ NS: ['-1', '-2'] }, 6],
      [{ SS: ['ab', 'c'] }, 3],
      [{ BS: [new Uint8Array(3), new Uint8Array(4)] }, 7],
      [{ B: new Uint8Array(10) }, 10],
      [{ BOOL: true }, 1],
      [{ NULL: true }, 1],
    ];
    for (const [value, bytes] of measured) expect(valueSize(value), JSON.stringify(value).slice(0, 60)).toBe(bytes);
  });
});

describe('decodeItem', () => {
  test('round-trips an encoded item; missing sets read as empty sets; unknown attributes are ignored', () => {
    const item = encode(Payment, { id: 'p1', amount: 5, status: 'paid', tags: [] });
    const decoded = decodeItem(Payment.compiled, { ...item, stranger: { S: 'x' } });
    expect(decoded).toEqual({
      id: 'p1',
      amount: 5,
      currency: 'USD',
      reference: expect.stringMatching(/^ref-/),
      tags: new Set(),
      status: 'paid',
      createdAt: NOW,
      updatedAt: NOW,
      version: 1,
    });
  });
  test('a stored value that does not fit the model is a stored-value ValidationError with its path', () => {
    const item = encode(Payment, { id: 'p1', amount: 5, status: 'paid', tags: [] });
    const unsafe = validationError(() => decodeItem(Payment.compiled, { ...item, amount: { N: '90071992547409930' } }));
    expect([unsafe.rule, unsafe.path]).toEqual(['stored-value', ['amount']]);
    expect(unsafe.message).toMatch(/not a safe integer/);
    expect(validationError(() => decodeItem(Payment.compiled, { ...item, amount: { S: '5' } })).rule).toBe('stored-value');
    expect(validationError(() => decodeItem(Payment.compiled, { ...item, st: { S: 'refunded' } })).path).toEqual(['status']);
  });
  test('nested stored values report the nested path', () => {
    const M = model('Nested', { table: 'n', attributes: { id: attr.string().partitionKey(), lines: attr.list(attr.object({ cents: attr.cents() })) } });
    const error = validationError(() =>
      decodeItem(M.compiled, { id: { S: 'a' }, lines: { L: [{ M: { cents: { N: '1' } } }, { M: { cents: { N: '1.5' } } }] } }),
    );
    expect(error.path).toEqual(['lines', 1, 'cents']);
  });
});

describe('model() definition errors', () => {
  const s = attr.string;
  const def = (attributes: Shape, extra: object = {}) => () =>
    model('Bad', { table: 't', attributes, ...extra } as never);

  test('keys', () => {
    expect(definitionError(def({ a: s() }))).toMatch(/exactly one partitionKey\(\) is required, found 0/);
    expect(definitionError(def({ a: s().partitionKey(), b: s().partitionKey() }))).toMatch(/found 2/);
    expect(definitionError(def({ a: s().partitionKey(), b: s().sortKey(), c: s().sortKey() }))).toMatch(/at most one sortKey/);
    expect(definitionError(() => model('Bad', { table: 't', attributes: { a: attr.boolean().partitionKey() } }))).toMatch(/must be a string, number or binary/);
    expect(definitionError(def({ a: s().optional().partitionKey() }))).toMatch(/cannot be optional/);
  });
  test('names', () => {
    expect(definitionError(() => model('Bad', { table: '', attributes: { a: s().partitionKey() } }))).toMatch(/table name/);
    expect(definitionError(def({ a: s().partitionKey(), b: s().storedAs('a') }))).toMatch(/both stored as "a"/);
    expect(definitionError(def({ a: s().partitionKey(), b: s().storedAs('') }))).toMatch(/empty stored name/);
    expect(definitionError(def({ a: s().partitionKey(), b: s().storedAs('__proto__') }))).toMatch(/__proto__/);
    expect(definitionError(def(Object.fromEntries([['a', s().partitionKey()], ['__proto__', s()]])))).toMatch(/__proto__/);
    expect(definitionError(def({ a: s().partitionKey(), b: { spec: undefined } as never }))).toMatch(/not an attribute/);
    expect(definitionError(def({ a: s().partitionKey(), b: s().storedAs('_type') }))).toMatch(/entity attribute/);
    expect(definitionError(() => model('Bad', { table: 't', attributes: { a: s().partitionKey(), o: attr.object({ x: s().storedAs('') }) } }))).toMatch(
      /cannot be empty/,
    );
  });
  test('key templates', () => {
    expect(definitionError(def({ pk: attr.template('A#{nope}').partitionKey() }))).toMatch(/uses \{nope\}, which is not a field/);
    expect(definitionError(def({ pk: attr.template('A#{b}').partitionKey(), b: attr.template('B#{c}'), c: s() }))).toMatch(/itself a template/);
    expect(definitionError(() => model('Bad', { table: 't', attributes: { pk: attr.template('A#{b}').partitionKey(), b: attr.boolean() } }))).toMatch(
      /must be a string, enum or number/,
    );
    expect(definitionError(def({ pk: attr.template('A#{b}{c}').partitionKey(), b: s(), c: s() }))).toMatch(/literal text between/);
    expect(definitionError(def({ pk: attr.template('A#{b').partitionKey(), b: s() }))).toMatch(/unbalanced/);
  });
  test('indexes', () => {
    const base = { a: s().partitionKey(), b: s().sortKey(), c: s(), l: attr.list(s()) };
    expect(definitionError(def(base, { indexes: { x: { name: 'gsi', partitionKey: 'nope' } } }))).toMatch(/index x: partition key nope is not a field/);
    expect(definitionError(def(base, { indexes: { x: { name: 'gsi', partitionKey: 'c', sortKey: 'nope' } } }))).toMatch(/sort key nope/);
    expect(definitionError(def(base, { indexes: { x: { name: 'gsi', partitionKey: 'l' } } }))).toMatch(/must be a string, number, date or binary/);
    expect(definitionError(def(base, { indexes: { x: { name: '', partitionKey: 'c' } } }))).toMatch(/needs a name/);
    expect(definitionError(def(base, { indexes: { x: { name: 'lsi', type: 'local', partitionKey: 'c', sortKey: 'b' } } }))).toMatch(
      /local index x must use the table partition key a/,
    );
    expect(definitionError(def(base, { indexes: { x: { name: 'lsi', type: 'local', partitionKey: 'a' } } }))).toMatch(/needs a sort key/);
    expect(definitionError(def(base, { indexes: { x: { name: 'gsi', partitionKey: 'c', projection: ['nope'] } } }))).toMatch(/projected field nope/);
  });
  test('a local index needs a table sort key (DynamoDB refuses it otherwise)', () => {
    const noSort = { a: s().partitionKey(), c: s() };
    expect(definitionError(def(noSort, { indexes: { x: { name: 'lsi-c', type: 'local', partitionKey: 'a', sortKey: 'c' } } }))).toMatch(
      /local index x needs a table with a sort key; Bad has none/,
    );
    expect(() => model('Ok', { table: 't', attributes: noSort, indexes: { x: { name: 'gsi-c', partitionKey: 'c' } } })).not.toThrow();
    expect(definitionError(def(noSort, { indexes: { x: { name: 'gsi-c', type: 'sideways', partitionKey: 'c' } } }))).toMatch(/type is global or local/);
  });
  test("table and index names follow DynamoDB's rules (3 to 255 of a-z A-Z 0-9 _ - .)", () => {
    const attributes = { a: s().partitionKey(), b: s().sortKey(), c: s() };
    for (const table of ['no spaces', 'semi;colon', 'slash/', 'é', 'x'.repeat(256), 'tab\t']) {
      expect(definitionError(() => model('Bad', { table, attributes }))).toMatch(/model Bad: the table name (may hold only|must be 1 to 255)/);
    }
    // The configured prefix comes in front: a short name is checked with it, when a database uses the model.
    for (const table of ['t', 'ab', 'a.b-c_D9', 'x'.repeat(255)]) expect(() => model('Ok', { table, attributes })).not.toThrow();
    expect(definitionError(() => model('Bad', { table: 5 as never, attributes }))).toMatch(/the table name is a string, got a number/);
    for (const name of ['ab', 'has space', 'x'.repeat(256), 'gsi#1']) {
      expect(definitionError(def(attributes, { indexes: { x: { name, partitionKey: 'c' } } }))).toMatch(/index x: the index name (may hold only|must be 3 to 255)/);
    }
    expect(() => model('Ok', { table: 't', attributes, indexes: { x: { name: 'g.1', partitionKey: 'c' } } })).not.toThrow();
  });
  test('a definition that is not an object is a definition error, not a TypeError', () => {
    expect(definitionError(() => model('Bad', null as never))).toMatch(/the definition is an object/);
    expect(definitionError(() => model('Bad', { table: 't' } as never))).toMatch(/the definition is an object/);
    expect(definitionError(() => model('Bad', { table: 't', attributes: { a: s().partitionKey() }, indexes: 'gsi' } as never))).toMatch(/the definition is an object/);
    expect(definitionError(def({ a: s().partitionKey(), c: s() }, { indexes: { x: null } }))).toMatch(/index x needs a name/);
    expect(definitionError(() => model(undefined as never, { table: 't', attributes: { a: s().partitionKey() } }))).toMatch(/a model needs a name/);
  });
  test('roles', () => {
    expect(definitionError(() => model('Bad', { table: 't', attributes: { a: s().partitionKey(), v1: attr.version(), v2: attr.version() } }))).toMatch(
      /only one version attribute/,
    );
    expect(
      definitionError(() => model('Bad', { table: 't', attributes: { a: s().partitionKey(), c1: attr.createdAt(), c2: attr.createdAt() } })),
    ).toMatch(/only one createdAt/);
  });
  test('a valid model compiles its metadata once', () => {
    expect(Txn.compiled.keyInputFields.map((f) => f.name)).toEqual(['tenantId', 'transactionId', 'seq']);
    expect(Txn.compiled.indexes[0]).toMatchObject({ alias: 'merchant', name: 'gsi-merchant', type: 'global' });
    expect(Payment.compiled.byStored.get('st')?.name).toBe('status');
    expect(Object.isFrozen(Payment)).toBe(true);
  });
});
