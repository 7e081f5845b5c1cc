/**
 * The pure parts of data migrations: which migrations are pending and in what order, segment places
 * as the record stores them, the "unchanged since read" condition (every attribute read compared once,
 * every known attribute that was absent still absent, too large refused), merging it into a write's
 * own condition, definitions refused before anything is sent, and the errors' names and messages.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { attr, model } from '../../src/index.js';
import {
  defineMigration,
  isMigration,
  MigrationDefinitionError,
  MigrationLeaseLostError,
  MigrationLockedError,
  migrationsOf,
  MigrationStoppedError,
  pendingMigrations,
} from '../../src/migrations/index.js';
import {
  decodePosition,
  encodePosition,
  MAX_COMPARED_ATTRIBUTES,
  positionsOf,
  sameKey,
  unchangedCondition,
  withCondition,
} from '../../src/migrations/plan.js';

const Payment = model('Payment', { table: 'p', attributes: { id: attr.string().partitionKey(), amount: attr.cents(), currency: attr.string().optional() } });
const m = (id: string) => defineMigration({ id, model: Payment, transform: () => undefined });

describe('pendingMigrations', () => {
  test('runs in the order of the ids; completed ones are left out; each says how it runs', () => {
    const [a, b, c, d] = [m('2026-12-03-c'), m('2026-12-01-a'), m('2026-12-04-d'), m('2026-12-02-b')] as const;
    const pending = pendingMigrations([a, b, c, d], [
      { id: '2026-12-01-a', status: 'completed' },
      { id: '2026-12-02-b', status: 'stopped' },
      { id: '2026-12-04-d', status: 'incomplete' },
    ]);
    expect(pending.map((p) => [p.migration.id, p.action])).toEqual([
      ['2026-12-02-b', 'resume'],
      ['2026-12-03-c', 'start'],
      ['2026-12-04-d', 'new pass'],
    ]);
    expect(pendingMigrations([a], [{ id: a.id, status: 'running' }])[0]?.action).toBe('resume');
  });

  test('the same migration listed twice runs once; two migrations with one id are refused', () => {
    const a = m('x');
    expect(pendingMigrations([a, a], [])).toHaveLength(1);
    expect(() => pendingMigrations([a, m('x')], [])).toThrow(MigrationDefinitionError);
  });
});

describe('defineMigration', () => {
  test('refuses a bad id, a missing transform or model, before anything is sent', () => {
    expect(() => m('')).toThrow(MigrationDefinitionError);
    expect(() => m('has space')).toThrow(/an id is 1 to 200/);
    expect(() => m('-leading')).toThrow(MigrationDefinitionError);
    expect(() => defineMigration({ id: 'a', model: Payment, transform: undefined as never })).toThrow(/transform must be a function/);
    expect(() => defineMigration({ id: 'a', model: {} as never, transform: () => undefined })).toThrow(/model must be a model/);
  });

  test('a module\'s migrations: single exports and arrays, each once, nothing else', () => {
    const a = m('a');
    const b = m('b');
    expect(migrationsOf({ a, list: [b, a, 1], Payment, other: 'x' })).toEqual([a, b]);
    expect(isMigration(a)).toBe(true);
    expect(isMigration({ id: 'a' })).toBe(false);
  });
});

const keyArb = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }),
  fc.oneof(
    fc.string().map((S): AttributeValue => ({ S })),
    fc.integer().map((n): AttributeValue => ({ N: String(n) })),
    fc.uint8Array({ minLength: 1, maxLength: 8 }).map((B): AttributeValue => ({ B })),
  ),
  { minKeys: 1, maxKeys: 2 },
);

describe('segment places', () => {
  test('a key survives the record, whatever its types', () => {
    fc.assert(
      fc.property(keyArb, (key) => {
        const back = decodePosition(encodePosition(key));
        expect(back).toEqual(Object.fromEntries(Object.entries(key).map(([k, v]) => [k, v.B ? { B: new Uint8Array(v.B) } : v])));
      }),
    );
  });

  test('start and done stay themselves; anything unreadable starts the segment again (safe: marked items are skipped)', () => {
    expect(decodePosition(encodePosition('start'))).toBe('start');
    expect(decodePosition(encodePosition('done'))).toBe('done');
    for (const junk of [undefined, 3, '{', '"x"', '{"a":["X","1"]}']) expect(decodePosition(junk)).toBe('start');
    expect(positionsOf({ '1': 'done' }, 3)).toEqual(['start', 'done', 'start']);
    expect(positionsOf(undefined, 2)).toEqual(['start', 'start']);
  });
});

const rawArb = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 10 }),
  fc.oneof(
    fc.string().map((S): AttributeValue => ({ S })),
    fc.integer().map((n): AttributeValue => ({ N: String(n) })),
    fc.constant<AttributeValue>({ M: { a: { L: [{ S: 'x' }] } } }),
    fc.constant<AttributeValue>({ SS: ['a', 'b'] }),
    fc.boolean().map((BOOL): AttributeValue => ({ BOOL })),
  ),
  { minKeys: 1, maxKeys: 30 },
);

describe('unchangedCondition', () => {
  test('compares every attribute read exactly once, and requires every known attribute that was absent to stay absent', () => {
    fc.assert(
      fc.property(rawArb, fc.array(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: 20 }), (raw, known) => {
        const condition = unchangedCondition(raw, known);
        if (!condition) return;
        const named = Object.values(condition.names);
        // Every attribute named once; values are the ones read.
        expect(new Set(named).size).toBe(named.length);
        expect(new Set(named)).toEqual(new Set([...Object.keys(raw), ...known]));
        for (const [placeholder, attribute] of Object.entries(condition.names)) {
          const value = `:${placeholder.slice(1)}`;
          if (Object.hasOwn(raw, attribute)) {
            expect(condition.expression).toContain(`${placeholder} = ${value}`);
            expect(condition.values[value]).toBe(raw[attribute]);
          } else {
            expect(condition.expression).toContain(`attribute_not_exists(${placeholder})`);
            expect(condition.values[value]).toBeUndefined();
          }
        }
        expect(Object.keys(condition.values)).toHaveLength(Object.keys(raw).length);
      }),
    );
  });

  test('an item with more attributes than one condition may compare is refused (undefined), not half-checked', () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_COMPARED_ATTRIBUTES + 1 }, (_, i) => [`a${i}`, { S: 'x' }]));
    expect(unchangedCondition(wide, [])).toBeUndefined();
    const justFits = Object.fromEntries(Array.from({ length: MAX_COMPARED_ATTRIBUTES }, (_, i) => [`a${i}`, { S: 'x' }]));
    expect(unchangedCondition(justFits, [])).toBeDefined();
  });

  test('joins a write\'s own condition with AND and keeps both sets of placeholders', () => {
    const own = { TableName: 't', ConditionExpression: '#n0 = :v0 OR attribute_not_exists(#n1)', ExpressionAttributeNames: { '#n0': 'version', '#n1': 'id' }, ExpressionAttributeValues: { ':v0': { N: '2' } } };
    const merged = withCondition(own, unchangedCondition({ id: { S: 'p1' }, amount: { N: '5' } }, ['currency']) as NonNullable<ReturnType<typeof unchangedCondition>>);
    expect(merged).toEqual({
      TableName: 't',
      ConditionExpression: '(#n0 = :v0 OR attribute_not_exists(#n1)) AND (#mg0 = :mg0 AND #mg1 = :mg1 AND attribute_not_exists(#mg2))',
      ExpressionAttributeNames: { '#n0': 'version', '#n1': 'id', '#mg0': 'id', '#mg1': 'amount', '#mg2': 'currency' },
      ExpressionAttributeValues: { ':v0': { N: '2' }, ':mg0': { S: 'p1' }, ':mg1': { N: '5' } },
    });
    const alone = withCondition({ TableName: 't' }, { expression: 'attribute_not_exists(#mg0)', names: { '#mg0': 'a' }, values: {} });
    expect(alone).toEqual({ TableName: 't', ConditionExpression: 'attribute_not_exists(#mg0)', ExpressionAttributeNames: { '#mg0': 'a' } });
  });

  test('sameKey compares the key attributes only, by type and value', () => {
    expect(sameKey({ pk: { S: 'a' }, x: { S: '1' } }, { pk: { S: 'a' }, x: { S: '2' } }, ['pk'])).toBe(true);
    expect(sameKey({ pk: { S: 'a' } }, { pk: { S: 'b' } }, ['pk'])).toBe(false);
    expect(sameKey({ pk: { S: '1' } }, { pk: { N: '1' } }, ['pk'])).toBe(false);
    expect(sameKey({ pk: { S: 'a' }, sk: { N: '1' } }, { pk: { S: 'a' } }, ['pk', 'sk'])).toBe(false);
  });
});

describe('errors', () => {
  test('stable names and codes; messages name the migration, never an item', () => {
    const cases = [
      [new MigrationLockedError('m1', 500), 'MigrationLockedError', 'MIGRATION_LOCKED'],
      [new MigrationLeaseLostError('m1'), 'MigrationLeaseLostError', 'MIGRATION_LEASE_LOST'],
      [new MigrationStoppedError('m1', 'transform', new Error('card 4111111111111111')), 'MigrationStoppedError', 'MIGRATION_STOPPED'],
      [new MigrationDefinitionError('m1', 'bad'), 'MigrationDefinitionError', 'MIGRATION_DEFINITION'],
    ] as const;
    for (const [error, name, code] of cases) {
      expect(error.name).toBe(name);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(/^migration m1: /);
      expect(error.migration).toBe('m1');
      expect(error.message).not.toContain('4111');
    }
    // What the transform threw is kept for the caller, out of what logs show.
    expect(JSON.stringify(cases[2][0])).not.toContain('4111');
    expect((cases[2][0].transformError as Error).message).toContain('4111');
  });
});
