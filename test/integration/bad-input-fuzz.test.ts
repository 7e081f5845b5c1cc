/**
 * Fuzz: generated bad input to the public write, read and condition API (issue 14, section 5). Every
 * input holds at least one defect by construction (a value of the wrong type for its field, null or
 * undefined, a sparse array, a value over DynamoDB's limits, a document nested too deep, NaN, a
 * symbol, a function, an object whose toString/valueOf/toJSON throw, a bad argument), often next to
 * valid writes in one batch or transaction. Each must fail with a DynamORM error (never a TypeError
 * or another plain error), with no request sent (a middleware records them) and nothing written (the
 * table is read raw at the end). A valid-looking input that got through would be sent: the recorder
 * fails the run, so the generators are checked too. 6,000 inputs by default (a few seconds);
 * FUZZ_RUNS=30000 for a longer run (stopped after 15 s either way). The count is printed.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  add,
  append,
  attr,
  DynamORMError,
  getKeys,
  ifNotExists,
  model,
  prepend,
  putItems,
  remove,
  removeFromSet,
  txGet,
  type DynamORMRequest,
} from '../../src/index.js';
import { recordRequests, testDb } from '../support/db.js';

const Fuzz = model('Fuzz', {
  table: 'fuzz',
  attributes: {
    id: attr.string().partitionKey(),
    seq: attr.integer().sortKey(),
    amount: attr.cents(),
    rate: attr.number().optional(),
    big: attr.bigint().optional(),
    exact: attr.decimal().optional(),
    flag: attr.boolean().optional(),
    status: attr.enum(['new', 'paid']).optional(),
    at: attr.date().optional(),
    expires: attr.ttl().optional(),
    tags: attr.stringSet().optional(),
    scores: attr.numberSet().optional(),
    blob: attr.binary().optional(),
    lines: attr.list(attr.object({ sku: attr.string(), qty: attr.integer() })).optional(),
    labels: attr.record(attr.string()).optional(),
    doc: attr.json().optional(),
    address: attr.object({ city: attr.string(), zip: attr.string().optional() }).optional(),
    note: attr.string().optional(),
  },
  indexes: { byStatus: { name: 'gsi-status', partitionKey: 'status', sortKey: 'seq' } },
});

const sent: DynamORMRequest[] = [];
const db = testDb({ middleware: [recordRequests(sent)], cursorSecret: 'fuzz-cursor-secret-0123456789abcdef' });
const fuzz = db.model(Fuzz);
const SEED = { id: 'seed', seq: 1, amount: 100, note: 'untouched', tags: new Set(['a']), lines: [{ sku: 's', qty: 1 }] };
const valid = (n: number) => ({ id: `ok-${n}`, seq: n, amount: n });

beforeAll(async () => {
  await db.tables.create(Fuzz);
  await fuzz.create(SEED);
});
afterAll(() => db.destroy());

// ---------------------------------------------------------------------------------------------
// Values. `trap` objects throw from every conversion a library might try on them.

function trap(): object {
  const boom = () => {
    throw new Error('trap: converted');
  };
  return { toString: boom, valueOf: boom, toJSON: boom, [Symbol.toPrimitive]: boom };
}
class Money {
  constructor(readonly cents: number) {}
}
const HUGE_STRING = 'x'.repeat(410 * 1024);
const HUGE_NUMBERS = Array.from({ length: 150_000 }, (_, i) => i * 1.5);
/** The longest array JavaScript has, all holes: refused at once, not walked. */
const ENDLESS = new Array(2 ** 32 - 1);
const deepMaps = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
};
const deepLists = (n: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < n; i++) v = [v];
  return v;
};
function cyclic(): object {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
}
/** An array with a hole at a random place (`[..., <hole>, ...]`). */
const sparseOf = <T>(element: fc.Arbitrary<T>) =>
  fc.tuple(fc.array(element, { maxLength: 4 }), fc.array(element, { maxLength: 4 })).map(([before, after]) => {
    const out: T[] = [...before];
    out.length = before.length + 1; // the hole
    out.push(...after);
    return out;
  });

/** Values of no JSON or DynamoDB type (never undefined: that is "absent" for an optional field). */
const exotic: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 5 }).map((s) => Symbol(s)),
  fc.constant(() => 1),
  fc.constant(function named() {}),
  fc.constant(null).map(trap),
  fc.constant(null).map(cyclic),
  fc.constant(new Map([['a', 1]])),
  fc.constant(new Money(5)),
  fc.constant(new Date(Number.NaN)),
  fc.constant(new ArrayBuffer(2)),
  fc.constant(Promise.resolve(1)),
  fc.constant(/re/),
  fc.constant(new Error('e')),
  fc.constant(new Int16Array(2)),
);
/** Any value, for fields of another type to refuse. */
const anything: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constantFrom(Number.NaN, Infinity, -Infinity),
  fc.string({ maxLength: 8 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.bigInt(),
  fc.date({ noInvalidDate: true }),
  fc.uint8Array({ maxLength: 4 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
  fc.constant(new Set(['a'])),
  exotic,
);
const not = (...types: ((v: unknown) => boolean)[]) => anything.filter((v) => !types.some((t) => t(v)));
const isString = (v: unknown) => typeof v === 'string';
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isArray = Array.isArray;
const isPlain = (v: unknown) => typeof v === 'object' && v !== null && [Object.prototype, null].includes(Object.getPrototypeOf(v));
const isSetOrArray = (v: unknown) => v instanceof Set || Array.isArray(v);
const isDate = (v: unknown) => v instanceof Date && !Number.isNaN(v.getTime());

/** A JSON leaf DynamoDB or JSON cannot hold. */
const badJsonLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e200, -1e-200, 10n, undefined),
  fc.constant(new Date()),
  fc.constant(new Set([1])),
  fc.constant(new Uint8Array([1])),
  exotic,
);
/** A json document with one defect somewhere inside a valid one. */
const badJson: fc.Arbitrary<unknown> = fc.oneof(
  // (An undefined member of an object is left out, as JSON.stringify does: that one goes in a list.)
  fc.tuple(fc.jsonValue({ maxDepth: 2 }), badJsonLeaf).map(([ok, bad]) => ({ ok, inner: [ok, bad === undefined ? [bad] : { bad }] })),
  fc.tuple(fc.jsonValue({ maxDepth: 2 }), badJsonLeaf).map(([ok, bad]) => [bad, ok]),
  badJsonLeaf.filter((v) => v !== undefined),
  sparseOf(fc.jsonValue({ maxDepth: 1 })),
  fc.integer({ min: 32, max: 60 }).map(deepMaps),
  fc.integer({ min: 32, max: 60 }).map(deepLists),
  fc.jsonValue({ maxDepth: 1 }).map((ok) => ({ '': ok })),
  fc.constant({ big: HUGE_STRING }),
  fc.constant({ endless: ENDLESS }),
);

/** For each field, values it must refuse. Optional fields never get `undefined` (that means absent). */
const badFor: Record<string, fc.Arbitrary<unknown>> = {
  id: fc.oneof(not(isString), fc.constant(''), fc.constant(undefined), fc.constant(HUGE_STRING)),
  seq: fc.oneof(not(isNumber), fc.double().filter((d) => !Number.isSafeInteger(d)), fc.constant(2 ** 53), fc.constant(undefined)),
  amount: fc.oneof(not(isNumber), fc.double({ noInteger: true }), fc.constantFrom(2 ** 53, -(2 ** 60)), fc.constant(undefined)),
  rate: fc.oneof(not(isNumber), fc.double({ min: 1e126, max: 1e300, noNaN: true }), fc.double({ min: 1e-320, max: 1e-131, noNaN: true })),
  big: fc.oneof(
    not((v) => typeof v === 'bigint'),
    // More than 38 significant digits (10n ** 40n has one: it fits).
    fc.bigInt({ min: 10n ** 38n, max: 10n ** 60n }).filter((b) => b.toString().replace(/0+$/, '').length > 38),
  ),
  exact: fc.oneof(not(isString), fc.constantFrom('abc', '', '1e200', 'NaN', '1.2.3', ' 1', '0x10', '1'.repeat(39), '--1')),
  flag: not((v) => typeof v === 'boolean'),
  status: fc.oneof(not(isString), fc.string({ maxLength: 6 }).filter((s) => s !== 'new' && s !== 'paid')),
  at: not(isDate),
  expires: fc.oneof(
    not((v) => isDate(v) || isNumber(v)),
    fc.constantFrom(-1, 1.5, 1_700_000_000_000, Number.MAX_SAFE_INTEGER),
  ),
  tags: fc.oneof(
    not(isSetOrArray),
    fc.array(not(isString), { minLength: 1, maxLength: 3 }),
    sparseOf(fc.string({ maxLength: 3 })),
    fc.constant(ENDLESS),
    fc.constant(new Set([1, 'a'])),
  ),
  scores: fc.oneof(not(isSetOrArray), fc.array(not(isNumber), { minLength: 1, maxLength: 3 }), sparseOf(fc.integer()), fc.constant(new Set([Number.NaN]))),
  blob: not((v) => v instanceof Uint8Array),
  lines: fc.oneof(
    not(isArray),
    fc.array(not(isPlain), { minLength: 1, maxLength: 2 }),
    fc.constant([{ sku: 1, qty: 1 }]),
    fc.constant([{ sku: 'a' }]),
    fc.constant([{ sku: 'a', qty: 1, extra: true }]),
    sparseOf(fc.constant({ sku: 'a', qty: 1 })),
    fc.constant(ENDLESS),
    fc.constant([undefined]),
  ),
  labels: fc.oneof(
    not(isPlain),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), not(isString).filter((v) => v !== undefined), { minKeys: 1, maxKeys: 2 }),
    fc.constant({ '': 'x' }),
    fc.constant({ big: HUGE_STRING }),
  ),
  doc: badJson,
  address: fc.oneof(not(isPlain), fc.constant({}), fc.constant({ city: 5 }), fc.constant({ city: 'x', extra: 1 }), fc.constant({ city: 'x', zip: null })),
  note: fc.oneof(not(isString), fc.constant(HUGE_STRING)),
};
const FIELDS = Object.keys(badFor);
const OPTIONAL = FIELDS.filter((f) => !['id', 'seq', 'amount'].includes(f));
const fieldAndBad = fc.constantFrom(...FIELDS).chain((field) => badFor[field]!.map((bad) => ({ field, bad })));
const optionalAndBad = fc.constantFrom(...OPTIONAL).chain((field) => badFor[field]!.map((bad) => ({ field, bad })));

/** Arguments that are no object: items, keys, patches, options. */
const notAnObject = fc.oneof(fc.constant(null), fc.constant(undefined), fc.string({ maxLength: 4 }), fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }), exotic.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)));
/** Options that are no options object (undefined is "no options"). */
const badOptions = notAnObject.filter((v) => v !== undefined);

// ---------------------------------------------------------------------------------------------
// Conditions: bad ones built every way.

type AnyBuilder = Record<string, (...args: unknown[]) => unknown>;
const knownPath = (p: unknown) => typeof p === 'string' && (FIELDS.includes(p) || p === 'address.city' || p === 'address.zip');
const badPath = fc.oneof(fc.string({ maxLength: 8 }).filter((p) => !knownPath(p)), not(isString));
const badOp = fc.oneof(fc.string({ maxLength: 12 }).filter((o) => !['=', '<>', '<', '<=', '>', '>=', 'between', 'in', 'begins_with', 'contains'].includes(o)), not(isString));
const badCondition: fc.Arbitrary<unknown> = fc.oneof(
  anything.filter((v) => typeof v !== 'function'),
  anything.map((v) => () => v),
  badPath.map((p) => (c: AnyBuilder) => c.where!(p, '=', 1)),
  badPath.map((p) => (c: AnyBuilder) => c.exists!(p)),
  badOp.map((op) => (c: AnyBuilder) => c.where!('amount', op, 1)),
  badOp.map((op) => (c: AnyBuilder) => c.size!('note', op, 1)),
  // A huge string is a bad value to store, but a condition may compare with one.
  fieldAndBad.filter(({ bad }) => bad !== undefined && bad !== HUGE_STRING).map(({ field, bad }) => (c: AnyBuilder) => c.where!(field, '=', bad)),
  fc.constant((c: AnyBuilder) => c.where!('amount', '=', undefined)),
  not(isString).map((v) => (c: AnyBuilder) => c.where!('note', 'begins_with', v)),
  anything.filter((v) => !Array.isArray(v) || v.length !== 2).map((v) => (c: AnyBuilder) => c.where!('amount', 'between', v)),
  fc.oneof(not(isArray), fc.constant([]), fc.constant(Array.from({ length: 101 }, (_, i) => i)), sparseOf(fc.integer())).map((v) => (c: AnyBuilder) => c.where!('amount', 'in', v)),
  not((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0).map((v) => (c: AnyBuilder) => c.size!('note', '>', v)),
  anything.map((v) => (c: AnyBuilder) => c.and!(c.exists!('note'), v)),
  anything.map((v) => (c: AnyBuilder) => c.not!(v)),
  fc.constant((c: AnyBuilder) => c.or!()),
);

// ---------------------------------------------------------------------------------------------
// Calls: each holds at least one defect.

interface Call {
  readonly name: string;
  readonly run: () => unknown;
  /** The bad value, shown when the call does not fail as it should. */
  readonly bad?: unknown;
}
const call = (name: string, run: () => unknown, bad?: unknown): Call => ({ name, run, bad });
/** A value as a failure message shows it (huge ones cut short). */
const show = (value: unknown): string => {
  if (value === ENDLESS) return 'new Array(2 ** 32 - 1)';
  try {
    return fc.stringify(value).slice(0, 300);
  } catch {
    return `(${typeof value})`;
  }
};
/** An item with one bad field (for a required field, `undefined` is bad too). */
const badItem = fieldAndBad.map(({ field, bad }) => ({ field, item: { ...valid(7), [field]: bad } }));
const key = { id: 'seed', seq: 1 };

const writes: fc.Arbitrary<Call> = fc.oneof(
  badItem.map(({ field, item }) => call(`create: bad ${field}`, () => fuzz.create(item as never), item)),
  badItem.map(({ field, item }) => call(`put: bad ${field}`, () => fuzz.put(item as never), item)),
  optionalAndBad.map(({ field, bad }) => call(`update: bad ${field}`, () => fuzz.update(key, { [field]: bad } as never), bad)),
  fieldAndBad.filter(({ field }) => ['id', 'seq'].includes(field)).map(({ field, bad }) => call(`update: bad key ${field}`, () => fuzz.update({ ...key, [field]: bad } as never, { note: 'n' }), bad)),
  fieldAndBad.filter(({ field }) => ['id', 'seq'].includes(field)).map(({ field, bad }) => call(`delete: bad key ${field}`, () => fuzz.delete({ ...key, [field]: bad } as never), bad)),
  fieldAndBad.filter(({ field }) => ['id', 'seq'].includes(field)).map(({ field, bad }) => call(`get: bad key ${field}`, () => fuzz.get({ ...key, [field]: bad } as never), bad)),
  notAnObject.map((v) => call('create: no item object', () => fuzz.create(v as never), v)),
  notAnObject.map((v) => call('put: no item object', () => fuzz.put(v as never), v)),
  notAnObject.map((v) => call('update: no patch object', () => fuzz.update(key, v as never), v)),
  notAnObject.map((v) => call('update: no key object', () => fuzz.update(v as never, { note: 'n' }), v)),
  notAnObject.map((v) => call('get: no key object', () => fuzz.get(v as never), v)),
  notAnObject.map((v) => call('delete: no key object', () => fuzz.delete(v as never), v)),
  badOptions.map((o) => call('create: bad options', () => fuzz.create(valid(8), o as never), o)),
  badOptions.map((o) => call('update: bad options', () => fuzz.update(key, { note: 'n' }, o as never), o)),
  badOptions.map((o) => call('delete: bad options', () => fuzz.delete(key, o as never), o)),
  badOptions.map((o) => call('get: bad options', () => fuzz.get(key, o as never), o)),
  // Update actions with bad values, or on fields that cannot take them.
  fc
    .oneof(
      badFor.lines!.filter(isArray).map((v) => ({ lines: append(v as never) })),
      badFor.lines!.filter(isArray).map((v) => ({ lines: prepend(v as never) })),
      not(isArray).map((v) => ({ lines: append(v as never) })),
      fc.constant({ lines: append(HUGE_NUMBERS as never) }),
      fc.constant({ lines: append([{ sku: HUGE_STRING, qty: 1 }]) }),
      badFor.amount!.map((v) => ({ amount: add(v as never) })),
      badFor.scores!.map((v) => ({ scores: add(v as never) })),
      badFor.tags!.map((v) => ({ tags: removeFromSet(v as never) })),
      badFor.note!.map((v) => ({ note: ifNotExists(v) })),
      anything.map((v) => ({ note: add(v as never) })),
      anything.map((v) => ({ amount: append([v]) })),
      fc.constant({ amount: remove() }),
      fc.constant({ tags: ifNotExists(new Set([HUGE_STRING])) }),
    )
    .map((patch) => call(`update action: ${Object.keys(patch)[0]}`, () => fuzz.update(key, patch as never), patch)),
  // A bad condition on a valid write.
  badCondition.map((condition) => call('create: bad condition', () => fuzz.create(valid(9), { condition: condition as never }), condition)),
  badCondition.map((condition) => call('update: bad condition', () => fuzz.update(key, { note: 'n' }, { condition: condition as never }), condition)),
  badCondition.map((condition) => call('delete: bad condition', () => fuzz.delete(key, { condition: condition as never }), condition)),
  // One bad write among valid ones: nothing of the batch or transaction is sent.
  fc.tuple(badItem, fc.nat(3)).map(([{ field, item }, at]) => {
    const items: unknown[] = [valid(10), valid(11), valid(12)];
    items.splice(at, 0, item);
    return call(`batchPut: bad ${field} among valid items`, () => fuzz.batchPut(items as never), item);
  }),
  fc.tuple(badItem, fc.nat(2)).map(([{ field, item }, at]) =>
    call(`transaction: bad ${field} among valid actions`, () =>
      db.transaction((tx) => {
        for (let i = 0; i < 3; i++) {
          if (i === at) tx.put(Fuzz, item as never);
          else tx.create(Fuzz, valid(20 + i));
        }
      }),
      item,
    ),
  ),
  badCondition.map((condition) =>
    call('transaction: check with a bad condition', () => db.transaction((tx) => void tx.create(Fuzz, valid(30)).check(Fuzz, key, condition as never)), condition),
  ),
  anything.filter((v) => !Array.isArray(v)).map((v) => call('batchPut: no array', () => fuzz.batchPut(v as never), v)),
  anything.filter((v) => !Array.isArray(v)).map((v) => call('batchDelete: no array', () => fuzz.batchDelete(v as never), v)),
  anything.map((v) => call('batchWrite: bad request', () => db.batchWrite([putItems(Fuzz, [valid(40)]), v] as never), v)),
  anything.filter((v) => typeof v !== 'function').map((v) => call('transaction: no function', () => db.transaction(v as never), v)),
  anything.map((v) => call('transaction: not a model', () => db.transaction((tx) => void tx.create(v as never, valid(41))), v)),
);

const reads: fc.Arbitrary<Call> = fc.oneof(
  fieldAndBad.filter(({ field, bad }) => ['id', 'seq'].includes(field) && bad !== undefined).map(({ field, bad }) =>
    call(`query: bad key value ${field}`, () => (field === 'id' ? fuzz.where('id', '=', bad as never) : fuzz.where('id', '=', 'seed').where('seq', '>', bad as never)).all(), bad),
  ),
  fieldAndBad.filter(({ field, bad }) => field === 'status' && bad !== undefined).map(({ bad }) => call('query: bad index key value', () => fuzz.where('status', '=', bad as never).all(), bad)),
  badPath.map((p) => call('query: bad path', () => fuzz.where(p as never, '=', 1 as never).all(), p)),
  badOp.map((op) => call('query: bad operator', () => fuzz.where('id', op as never, 'seed' as never).all(), op)),
  badCondition.map((condition) => call('query: bad filter', () => fuzz.where('id', '=', 'seed').filter(condition as never).all(), condition)),
  badCondition.map((condition) => call('scan: bad filter', () => fuzz.scan().filter(condition as never).all(), condition)),
  fc.tuple(badPath, badOp, anything).map(([p, op, v]) => call('scan: bad filter triple', () => fuzz.scan().filter(p as never, op as never, v as never).all(), [p, op, v])),
  optionalAndBad.filter(({ bad }) => bad !== undefined && bad !== HUGE_STRING).map(({ field, bad }) => call(`scan: bad filter value for ${field}`, () => fuzz.scan().filter(field as never, '=', bad as never).all(), bad)),
  anything.filter((v) => !knownPath(v)).map((v) => call('query: bad select', () => fuzz.where('id', '=', 'seed').select(v as never).first(), v)),
  anything.filter((v) => !(typeof v === 'number' && Number.isSafeInteger(v) && v > 0)).map((v) => call('query: bad limit', () => fuzz.where('id', '=', 'seed').limit(v as never).all(), v)),
  anything.filter((v) => !(typeof v === 'number' && Number.isSafeInteger(v) && v > 0)).map((v) => call('scan: bad pageSize', () => fuzz.scan().pageSize(v as never).all(), v)),
  anything.filter((v) => !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= 1_000_000)).map((v) => call('scan: bad segments', () => fuzz.scan().parallel(v as never).all(), v)),
  anything.filter((v) => v !== 'byStatus').map((v) => call('scan: bad index', () => fuzz.scan().index(v as never).all(), v)),
  anything.filter((v) => v !== 'asc' && v !== 'desc').map((v) => call('query: bad order', () => fuzz.where('id', '=', 'seed').order(v as never).all(), v)),
  anything.map((v) => call('query: bad cursor', () => fuzz.where('id', '=', 'seed').page(v === undefined ? 'x' : (v as never)), v)),
  fc.oneof(not(isArray), fc.array(not(isString), { minLength: 1, maxLength: 2 }), fc.constant([])).map((p) => call('get: bad projection', () => fuzz.get(key, { projection: p as never }), p)),
  notAnObject.map((v) => call('batchGet: bad key', () => fuzz.batchGet([key, v] as never), v)),
  anything.filter((v) => !Array.isArray(v)).map((v) => call('batchGet: no array', () => fuzz.batchGet(v as never), v)),
  anything.map((v) => call('db.batchGet: bad request', () => db.batchGet([getKeys(Fuzz, [key]), v] as never), v)),
  anything.map((v) => call('db.transactGet: bad request', () => db.transactGet([txGet(Fuzz, key), v] as never), v)),
  notAnObject.map((v) => call('db.transactGet: bad key', () => db.transactGet([txGet(Fuzz, v as never)]), v)),
  anything.map((v) => call('collection: bad values', () => db.collection([Fuzz]).all((v === undefined || isPlain(v) ? null : v) as never), v)),
  anything.map((v) => call('db.model: not a model', () => db.model(v as never), v)),
);

let tried = 0;
const outcomes = new Map<string, number>();

test('bad input to writes, reads and conditions: a DynamORM error, nothing sent, nothing written', async () => {
  const before = await db.client.send(new ScanCommand({ TableName: db.tableName(Fuzz), ConsistentRead: true }));
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(fc.oneof(writes, reads), async (input) => {
      tried++;
      sent.length = 0;
      let error: unknown;
      try {
        await input.run();
      } catch (e) {
        error = e;
      }
      const what = () =>
        `${input.name} (${show(input.bad)}): ${error instanceof Error ? `${error.name}: ${error.message}` : `resolved, or threw ${typeof error}`}; sent ${sent.map((r) => r.operation).join(', ') || 'nothing'}`;
      if (!(error instanceof DynamORMError) || sent.length > 0) expect.fail(what());
      // Errors print and serialise without tripping over the bad value.
      expect(() => `${String(error)} ${JSON.stringify(error)}`, what()).not.toThrow();
      const name = `${(error as Error).name} ${(error as { rule?: string }).rule ?? ''}`.trim();
      outcomes.set(name, (outcomes.get(name) ?? 0) + 1);
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 6000), interruptAfterTimeLimit: 15_000 },
  );
  const after = await db.client.send(new ScanCommand({ TableName: db.tableName(Fuzz), ConsistentRead: true }));
  expect(after.Items).toEqual(before.Items);
  expect(after.Count).toBe(1);
  const summary = [...outcomes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`bad-input fuzz: ${tried} inputs tried in ${Date.now() - started} ms, 0 requests sent, nothing written (${summary})`);
  expect(tried).toBeGreaterThan(1000);
}, 60_000);
