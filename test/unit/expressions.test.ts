import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { buildCondition, compileCondition, type ConditionInput } from '../../src/expr/condition.js';
import { Placeholders } from '../../src/expr/placeholders.js';
import { compileUpdate, type UpdateExtras } from '../../src/expr/update.js';
import { add, append, ifNotExists, prepend, remove, removeFromSet } from '../../src/expr/update-actions.js';
import { attr } from '../../src/model/attributes.js';
import { model, type AnyModel } from '../../src/model/model.js';

const Order = model('Order', {
  table: 'orders',
  attributes: {
    id: attr.string().partitionKey(),
    status: attr.enum(['new', 'paid', 'shipped']),
    amount: attr.cents(),
    total: attr.bigint().optional(),
    price: attr.decimal().optional(),
    name: attr.string().storedAs('customer name'),
    note: attr.string().optional().validate((s) => s.length < 5, 'short'),
    'dotted.name': attr.string().optional(),
    tags: attr.stringSet(),
    scores: attr.numberSet().optional(),
    history: attr.list(attr.string()).optional(),
    address: attr.object({ city: attr.string().storedAs('#city'), zip: attr.string().optional() }).optional(),
    flags: attr.record(attr.boolean()).optional(),
    paidAt: attr.date().optional(),
    createdAt: attr.createdAt(),
    updatedAt: attr.updatedAt(),
    version: attr.version(),
  },
});

const Numbers = model('Numbers', {
  table: 'numbers',
  attributes: { id: attr.string().partitionKey(), values: attr.list(attr.number()).optional() },
});

const Plain = model('Plain', {
  table: 'plain',
  attributes: { id: attr.string().partitionKey(), n: attr.integer().optional(), s: attr.string().optional() },
});

const Templated = model('Templated', {
  table: 'templated',
  attributes: {
    pk: attr.template('TENANT#{tenant}').partitionKey(),
    sk: attr.template('TXN#{txn}').sortKey(),
    tenant: attr.string(),
    txn: attr.string(),
    merchant: attr.string(),
    day: attr.string(),
    gsi1: attr.template('M#{merchant}#D#{day}'),
  },
  indexes: { byMerchantDay: { name: 'gsi1', partitionKey: 'gsi1' } },
});

function condition<M extends AnyModel>(m: M, input: ConditionInput<M>) {
  const ph = new Placeholders();
  const text = compileCondition(m.compiled, buildCondition(input) as never, ph, `${m.name}.test`);
  return { text, names: ph.names, values: ph.values };
}

const NOW = new Date('2024-05-01T10:00:00.000Z');

function update(m: AnyModel, patch: Record<string, unknown>, extras: Partial<UpdateExtras> = {}) {
  const ph = new Placeholders();
  const text = compileUpdate(m.compiled, patch, { now: NOW, ...extras }, ph, `${m.name}.update`);
  return { text, names: ph.names, values: ph.values };
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

/** What is left of an expression once placeholders, keywords, functions and punctuation are removed. */
function rawLeftovers(text: string): string {
  return text
    .replace(/#n\d+|:v\d+/g, ' ')
    .replace(/\b(AND|OR|NOT|BETWEEN|IN|SET|REMOVE|ADD|DELETE)\b/g, ' ')
    .replace(/\b(attribute_exists|attribute_not_exists|begins_with|contains|size|if_not_exists|list_append)\(/g, '(')
    .replace(/<>|<=|>=|[=<>(),.[\]\d]/g, ' ')
    .trim();
}

describe('Placeholders', () => {
  test('names are deduplicated, values are not', () => {
    const ph = new Placeholders();
    expect(ph.name('status')).toBe('#n0');
    expect(ph.name('size')).toBe('#n1');
    expect(ph.name('status')).toBe('#n0');
    expect(ph.value({ S: 'a' })).toBe(':v0');
    expect(ph.value({ S: 'a' })).toBe(':v1');
    expect(ph.names).toEqual({ '#n0': 'status', '#n1': 'size' });
    expect(ph.values).toEqual({ ':v0': { S: 'a' }, ':v1': { S: 'a' } });
  });
  test('document paths: a name per map key, [i] for list indexes', () => {
    const ph = new Placeholders();
    expect(ph.path(['a.b', 'c', 2, 'd'])).toBe('#n0.#n1[2].#n2');
    expect(ph.names).toEqual({ '#n0': 'a.b', '#n1': 'c', '#n2': 'd' });
  });
  test('attributes() leaves out empty maps', () => {
    const ph = new Placeholders();
    expect(ph.attributes()).toEqual({});
    ph.name('x');
    expect(ph.attributes()).toEqual({ ExpressionAttributeNames: { '#n0': 'x' } });
    ph.value({ N: '1' });
    expect(ph.attributes()).toEqual({ ExpressionAttributeNames: { '#n0': 'x' }, ExpressionAttributeValues: { ':v0': { N: '1' } } });
  });
});

describe('compileCondition', () => {
  test('comparisons', () => {
    for (const op of ['=', '<>', '<', '<=', '>', '>='] as const) {
      expect(condition(Order, (c) => c.where('amount', op, 100))).toEqual({
        text: `#n0 ${op} :v0`,
        names: { '#n0': 'amount' },
        values: { ':v0': { N: '100' } },
      });
    }
  });
  test('stored names are used, never field names', () => {
    expect(condition(Order, (c) => c.where('name', '=', 'Ann'))).toEqual({
      text: '#n0 = :v0',
      names: { '#n0': 'customer name' },
      values: { ':v0': { S: 'Ann' } },
    });
  });
  test('nested paths use one placeholder per segment, a field with a dot in its name one in all', () => {
    expect(condition(Order, (c) => c.where('address.city', '=', 'Paris'))).toMatchObject({
      text: '#n0.#n1 = :v0',
      names: { '#n0': 'address', '#n1': '#city' },
    });
    expect(condition(Order, (c) => c.exists('dotted.name'))).toEqual({
      text: 'attribute_exists(#n0)',
      names: { '#n0': 'dotted.name' },
      values: {},
    });
  });
  test('between, in, begins_with', () => {
    expect(condition(Order, (c) => c.where('total', 'between', [1n, 10n ** 30n]))).toEqual({
      text: '#n0 BETWEEN :v0 AND :v1',
      names: { '#n0': 'total' },
      values: { ':v0': { N: '1' }, ':v1': { N: '1000000000000000000000000000000' } },
    });
    expect(condition(Order, (c) => c.where('status', 'in', ['new', 'paid']))).toMatchObject({
      text: '#n0 IN (:v0, :v1)',
      values: { ':v0': { S: 'new' }, ':v1': { S: 'paid' } },
    });
    expect(condition(Order, (c) => c.where('name', 'begins_with', 'A'))).toMatchObject({ text: 'begins_with(#n0, :v0)', values: { ':v0': { S: 'A' } } });
  });
  test('contains: a set member, a list element or a substring', () => {
    expect(condition(Order, (c) => c.where('tags', 'contains', 'vip')).values).toEqual({ ':v0': { S: 'vip' } });
    expect(condition(Order, (c) => c.where('scores', 'contains', 1.5)).values).toEqual({ ':v0': { N: '1.5' } });
    expect(condition(Order, (c) => c.where('history', 'contains', 'x')).values).toEqual({ ':v0': { S: 'x' } });
    expect(condition(Order, (c) => c.where('name', 'contains', 'nn'))).toMatchObject({ text: 'contains(#n0, :v0)', values: { ':v0': { S: 'nn' } } });
  });
  test('exists, not exists, size', () => {
    expect(condition(Order, (c) => c.notExists('note')).text).toBe('attribute_not_exists(#n0)');
    expect(condition(Order, (c) => c.size('history', '>', 2))).toEqual({
      text: 'size(#n0) > :v0',
      names: { '#n0': 'history' },
      values: { ':v0': { N: '2' } },
    });
    expect(condition(Order, (c) => c.size('name', 'between', [1, 3])).text).toBe('size(#n0) BETWEEN :v0 AND :v1');
  });
  test('and, or, not group every part; names are shared', () => {
    const out = condition(Order, (c) =>
      c.or(c.and(c.where('status', '=', 'new'), c.where('amount', '<', 5)), c.not(c.where('status', '=', 'paid'))),
    );
    expect(out.text).toBe('((#n0 = :v0) AND (#n1 < :v1)) OR (NOT (#n0 = :v2))');
    expect(out.names).toEqual({ '#n0': 'status', '#n1': 'amount' });
    expect(Object.keys(out.values)).toHaveLength(3);
    expect(condition(Order, (c) => c.and(c.exists('note'))).text).toBe('attribute_exists(#n0)');
  });
  test('reserved words and odd names only ever appear through placeholders', () => {
    const out = condition(Order, (c) =>
      c.and(c.where('status', '=', 'new'), c.exists('name'), c.where('dotted.name', '<>', 'x'), c.where('address.city', '=', 'y')),
    );
    expect(rawLeftovers(out.text)).toBe('');
    expect(Object.values(out.names).sort()).toEqual(['#city', 'address', 'customer name', 'dotted.name', 'status']);
  });
  test('values are validated with the field codec, custom rules are not applied', () => {
    const wrongType = validationError(() => condition(Order, (c) => c.where('amount', '=', '5' as never)));
    expect(wrongType.rule).toBe('type');
    expect(wrongType.path).toEqual(['amount']);
    expect(validationError(() => condition(Order, (c) => c.where('amount', '>', 1.5))).rule).toBe('cents');
    expect(validationError(() => condition(Order, (c) => c.where('status', '=', 'gone' as never))).rule).toBe('enum');
    expect(condition(Order, (c) => c.where('note', '=', 'much too long')).values).toEqual({ ':v0': { S: 'much too long' } });
  });
  test('bad operands are ValidationErrors', () => {
    const rule = (input: ConditionInput<typeof Order>) => validationError(() => condition(Order, input)).rule;
    expect(rule((c) => c.where('status', 'in', []))).toBe('in');
    expect(rule((c) => c.where('amount', 'in', Array.from({ length: 101 }, (_, i) => i)))).toBe('in');
    expect(rule((c) => c.where('amount', 'between', [1] as never))).toBe('type');
    expect(rule((c) => c.where('name', 'begins_with', 5 as never))).toBe('type');
    expect(rule((c) => c.where('amount', 'contains', 5 as never))).toBe('type');
    expect(rule((c) => c.where('scores', 'contains', 'x' as never))).toBe('type');
    expect(rule((c) => c.where('note', '=', undefined as never))).toBe('required');
    expect(rule((c) => c.size('name', '>', -1))).toBe('type');
    expect(rule((c) => c.size('name', '>', 1.5))).toBe('type');
    expect(rule((c) => c.and())).toBe('condition');
    expect(rule((c) => c.where('amount', 'like' as never, 1 as never))).toBe('operator');
  });
  test('unknown fields and paths are ValidationErrors', () => {
    for (const path of ['nope', 'address.nope', 'address.constructor', 'amount.x', 'constructor', '__proto__', '']) {
      const error = validationError(() => condition(Order, (c) => c.exists(path as never)));
      expect(error.rule).toBe('unknown-field');
      expect(error.path).toEqual([path]);
    }
  });
  test('a condition function must return a condition: anything else is a ValidationError (rule condition), never a TypeError', () => {
    const compiled = (input: unknown) => validationError(() => compileCondition(Order.compiled, buildCondition(input as never), new Placeholders(), 'Order.update'));
    for (const input of [() => ({ kind: 'where' }), () => undefined, () => ({}), () => 1, 'amount > 5', 5, null, {}]) {
      const error = compiled(input);
      expect(error.rule).toBe('condition');
      expect(error.message).not.toMatch(/amount > 5/);
    }
    expect(compiled('amount > 5').message).toBe('Order.update: a condition is a function of the condition builder, got a string [condition]');
    expect(compiled(() => undefined).message).toBe('Order.update: a condition function must return a condition built with its argument, got undefined [condition]');
    // Parts of and/or/not that are no conditions.
    for (const input of [(c: never) => (c as { and: (...a: unknown[]) => unknown }).and(undefined), (c: never) => (c as { not: (a: unknown) => unknown }).not({})]) {
      expect(compiled(input).rule).toBe('condition');
    }
  });
  test('operators and sizes forced past the compiler never reach the expression', () => {
    const rule = (input: ConditionInput<typeof Order>) => validationError(() => condition(Order, input)).rule;
    const trap = { toString: () => { throw new Error('toString trap'); } };
    expect(rule((c) => c.size('name', '= :v0 OR attribute_exists(x) OR size(x) =' as never, 1 as never))).toBe('operator');
    expect(rule((c) => c.size('name', '>', trap as never))).toBe('type');
    expect(rule((c) => c.size('name', '>', Symbol('s') as never))).toBe('type');
    expect(rule((c) => c.where('name', 'begins_with', trap as never))).toBe('type');
    expect(rule((c) => c.where('amount', Symbol('op') as never, 1 as never))).toBe('operator');
    expect(rule((c) => c.where('amount', trap as never, 1 as never))).toBe('operator');
    // A sparse list for `in`: the hole is a missing value, not a gap in the expression.
    // eslint-disable-next-line no-sparse-arrays
    expect(rule((c) => c.where('amount', 'in', [1, , 3] as never))).toBe('required');
    for (const path of [123, undefined, null, Symbol('p'), trap]) {
      const error = validationError(() => condition(Order, (c) => c.where(path as never, '=', 1 as never)));
      expect([error.rule, error.path]).toEqual(['unknown-field', []]);
      expect(validationError(() => condition(Order, (c) => c.exists(path as never))).rule).toBe('unknown-field');
    }
  });
});

describe('compileUpdate', () => {
  test('set a plain value, plus updatedAt and the version', () => {
    expect(update(Order, { status: 'paid' }, { nextVersion: 3 })).toEqual({
      text: 'SET #n0 = :v0, #n1 = :v1, #n2 = :v2',
      names: { '#n0': 'status', '#n1': 'updatedAt', '#n2': 'version' },
      values: { ':v0': { S: 'paid' }, ':v1': { S: NOW.toISOString() }, ':v2': { N: '3' } },
    });
    expect(update(Order, { status: 'paid' }, { nextVersion: 'increment' }).text).toBe('SET #n0 = :v0, #n1 = :v1 ADD #n2 :v2');
  });
  test('fields not named are not touched; undefined values are ignored', () => {
    const out = update(Plain, { n: 5, s: undefined });
    expect(out).toEqual({ text: 'SET #n0 = :v0', names: { '#n0': 'n' }, values: { ':v0': { N: '5' } } });
  });
  test('remove, add, removeFromSet, append, prepend, ifNotExists', () => {
    const out = update(Order, {
      note: remove(),
      amount: add(5),
      tags: add(['a', 'b']),
      scores: removeFromSet([1]),
      history: append(['x']),
      total: ifNotExists(10n ** 20n),
    });
    expect(out.text).toBe(
      'SET #n4 = list_append(if_not_exists(#n4, :v3), :v4), #n5 = if_not_exists(#n5, :v5), #n6 = :v6 REMOVE #n0 ADD #n1 :v0, #n2 :v1 DELETE #n3 :v2',
    );
    expect(out.names).toEqual({ '#n0': 'note', '#n1': 'amount', '#n2': 'tags', '#n3': 'scores', '#n4': 'history', '#n5': 'total', '#n6': 'updatedAt' });
    expect(out.values).toEqual({
      ':v0': { N: '5' },
      ':v1': { SS: ['a', 'b'] },
      ':v2': { NS: ['1'] },
      ':v3': { L: [] },
      ':v4': { L: [{ S: 'x' }] },
      ':v5': { N: '100000000000000000000' },
      ':v6': { S: NOW.toISOString() },
    });
  });
  test('prepend puts the new elements first', () => {
    expect(update(Order, { history: prepend(['first']) }).text).toBe('SET #n0 = list_append(:v1, if_not_exists(#n0, :v0)), #n1 = :v2');
  });
  test('an empty set removes the attribute', () => {
    expect(update(Order, { tags: new Set() }).text).toBe('SET #n1 = :v0 REMOVE #n0');
  });
  test('odd and reserved stored names go through placeholders', () => {
    const out = update(Order, { name: 'x', 'dotted.name': 'y', status: 'new' });
    expect(rawLeftovers(out.text)).toBe('');
    expect(out.names).toMatchObject({ '#n0': 'customer name', '#n1': 'dotted.name', '#n2': 'status' });
  });
  test('unknown fields, key changes and computed fields are rejected', () => {
    const issue = (patch: Record<string, unknown>) => {
      const error = validationError(() => update(Order, patch));
      return [error.rule, error.path];
    };
    expect(issue({ nope: 1 })).toEqual(['unknown-field', ['nope']]);
    expect(issue({ constructor: 1 })).toEqual(['unknown-field', ['constructor']]);
    expect(issue({ id: 'other' })).toEqual(['key-change', ['id']]);
    expect(issue({ version: 9 })).toEqual(['computed', ['version']]);
    expect(issue({ updatedAt: new Date() })).toEqual(['computed', ['updatedAt']]);
    expect(issue({ createdAt: new Date() })).toEqual(['computed', ['createdAt']]);
  });
  test('key template fields are part of the key and cannot change', () => {
    expect(validationError(() => update(Templated, { tenant: 'x' })).rule).toBe('key-change');
    expect(validationError(() => update(Templated, { pk: 'TENANT#x' })).rule).toBe('key-change');
  });
  test('index key templates are rebuilt only when all their fields are given', () => {
    expect(validationError(() => update(Templated, { merchant: 'm2' })).rule).toBe('key-template');
    expect(validationError(() => update(Templated, { merchant: add(1 as never as number) })).rule).toBe('update-action');
    const out = update(Templated, { merchant: 'm2', day: '2024-05-01' });
    expect(out.text).toBe('SET #n0 = :v0, #n1 = :v1, #n2 = :v2');
    expect(out.names['#n2']).toBe('gsi1');
    expect(out.values[':v2']).toEqual({ S: 'M#m2#D#2024-05-01' });
    expect(validationError(() => update(Templated, { merchant: 'a#D#b', day: 'd' })).rule).toBe('key-separator');
  });
  test('actions that do not fit the field are rejected', () => {
    const rule = (patch: Record<string, unknown>) => validationError(() => update(Order, patch)).rule;
    expect(rule({ status: remove() })).toBe('update-action'); // required field
    expect(rule({ name: add(1 as never) })).toBe('update-action'); // add on a string
    expect(rule({ status: removeFromSet(['new']) })).toBe('update-action');
    expect(rule({ tags: append(['x']) })).toBe('update-action');
    expect(rule({ history: append('x' as never) })).toBe('update-action');
    expect(rule({ amount: add(1.5) })).toBe('cents');
    expect(rule({ scores: add(['x']) })).toBe('type');
  });
  test("add() is a change: the field's own rules (about its value) do not apply to the amount, its type does", () => {
    const Stock = model('Stock', {
      table: 'stock',
      attributes: { sku: attr.string().partitionKey(), units: attr.integer().validate((n) => n >= 0, 'non-negative') },
    });
    expect(update(Stock, { units: add(-1) }).text).toBe('ADD #n0 :v0');
    expect(validationError(() => update(Stock, { units: -1 })).rule).toBe('non-negative');
    expect(validationError(() => update(Stock, { units: add(1.5) })).rule).not.toBe('non-negative');
  });
  test('null, wrong types and failed rules are rejected', () => {
    expect(validationError(() => update(Order, { note: null })).rule).toBe('type');
    expect(validationError(() => update(Order, { amount: Number.NaN })).rule).toBe('finite');
    expect(validationError(() => update(Order, { note: 'too long' })).rule).toBe('short');
    expect(validationError(() => update(Order, { address: { zip: '1' } })).path).toEqual(['address', 'city']);
  });
  test('a patch that changes nothing is rejected, even on models with updatedAt and version', () => {
    expect(validationError(() => update(Plain, {})).rule).toBe('empty-update');
    expect(validationError(() => update(Plain, { n: undefined })).rule).toBe('empty-update');
    expect(validationError(() => update(Order, {}, { nextVersion: 2 })).rule).toBe('empty-update');
  });
  test('a patch that is not an object is rejected', () => {
    for (const bad of [null, [], 'x']) expect(validationError(() => update(Plain, bad as never)).rule).toBe('type');
  });
  test('every issue is reported at once', () => {
    const error = validationError(() => update(Order, { nope: 1, id: 'x', amount: 'y' }));
    expect(error.issues.map((i) => i.rule)).toEqual(['unknown-field', 'key-change', 'type']);
  });
  test('a patch over 400 KB is rejected', () => {
    expect(validationError(() => update(Plain, { s: 'x'.repeat(400 * 1024 + 1) })).rule).toBe('item-size');
  });
  test('values inside update actions count toward the patch size (issue 14)', () => {
    const numbers = Array.from({ length: 150_000 }, (_, i) => i * 1.5);
    const tooBig = 'x'.repeat(400 * 1024 + 1);
    const cases: Record<string, unknown>[] = [
      { history: append(Array.from({ length: 150_000 }, (_, i) => `entry ${i}`)) },
      { history: prepend([tooBig]) },
      { tags: add(new Set([tooBig])) },
      { tags: removeFromSet([tooBig]) },
      { name: ifNotExists(tooBig) },
      { history: append([tooBig.slice(0, 250 * 1024)]), name: 'y'.repeat(200 * 1024) },
    ];
    for (const patch of cases) expect(validationError(() => update(Order, patch)).rule).toBe('item-size');
    expect(validationError(() => update(Numbers, { values: append(numbers) })).message).toMatch(/the patch alone is \d+ bytes; DynamoDB allows 409600 \[item-size\]/);
    // Just under the limit still goes.
    expect(update(Order, { history: append(['x'.repeat(400 * 1024 - 100)]) }).text).toContain('list_append');
  });
  test('an index key set by an update is held to its size limit (issue 14)', () => {
    const Indexed = model('Indexed', {
      table: 'indexed',
      attributes: { id: attr.string().partitionKey(), g: attr.string().optional(), gs: attr.string().optional() },
      indexes: { byG: { name: 'gsi-g', partitionKey: 'g', sortKey: 'gs' } },
    });
    expect(update(Indexed, { g: 'x'.repeat(2048), gs: 'y'.repeat(1024) }).text).toContain('SET');
    expect(validationError(() => update(Indexed, { g: 'x'.repeat(2049) })).issues[0]).toMatchObject({ rule: 'key-size', path: ['g'] });
    expect(validationError(() => update(Indexed, { gs: ifNotExists('y'.repeat(1025)) })).issues[0]).toMatchObject({ rule: 'key-size', path: ['gs'] });
  });
  test('a sparse array in an update action is refused (issue 14)', () => {
    // eslint-disable-next-line no-sparse-arrays
    const holey = ['a', , 'c'];
    expect(validationError(() => update(Order, { history: append(holey) })).issues[0]).toMatchObject({ rule: 'sparse-array', path: ['history', 1] });
    expect(validationError(() => update(Order, { history: prepend(holey) })).rule).toBe('sparse-array');
    expect(validationError(() => update(Order, { tags: add(holey) })).rule).toBe('sparse-array');
    expect(validationError(() => update(Order, { history: holey })).rule).toBe('sparse-array');
  });
});

describe('property: arbitrary attribute names stay inside placeholders', () => {
  const name = fc.oneof(
    fc.string({ minLength: 1, maxLength: 20, unit: 'binary' }),
    fc.constantFrom('status', 'name', 'size', 'a.b', '#x', ':v0', '#n0', 'a b', 'SET', 'AND', 'constructor', 'toString', 'x[0]', 'é😀'),
  );
  const names = fc.uniqueArray(name, { minLength: 1, maxLength: 6 }).filter((ns) => !ns.includes('__proto__') && !ns.includes('id') && !ns.includes('_type'));

  test('conditions and updates on fields with those names (and stored under them)', () => {
    fc.assert(
      fc.property(names, fc.boolean(), (fieldNames, reverseStored) => {
        const stored = reverseStored ? [...fieldNames].reverse() : fieldNames;
        const shape = Object.fromEntries([
          ['id', attr.string().partitionKey()],
          ...fieldNames.map((n, i) => [n, attr.string().optional().storedAs(stored[i] as string)]),
        ]);
        const M = model('Odd', { table: 'odd', attributes: shape });
        const ph = new Placeholders();
        const cond = compileCondition(
          M.compiled,
          buildCondition((c) =>
            c.and(...fieldNames.map((n) => c.or(c.notExists(n as never), c.where(n as never, '<>', 'v' as never), c.size(n as never, '>', 0)))),
          ) as never,
          ph,
          'test',
        );
        const patch = Object.fromEntries(fieldNames.map((n, i) => [n, i % 2 ? remove() : 'x']));
        const upd = compileUpdate(M.compiled, patch, { now: NOW }, ph, 'test');
        expect(rawLeftovers(cond)).toBe('');
        expect(rawLeftovers(upd)).toBe('');
        // One placeholder per stored name, shared by both expressions.
        expect(Object.values(ph.names).sort()).toEqual([...stored].sort());
        for (const key of Object.keys(ph.names)) expect(key).toMatch(/^#n\d+$/);
        for (const key of Object.keys(ph.values)) expect(key).toMatch(/^:v\d+$/);
      }),
      { numRuns: 200 },
    );
  });
});
