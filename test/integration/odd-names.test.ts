/**
 * Property: whatever the attribute names (unicode, '#', '.', ':', spaces, brackets, reserved words such
 * as status, name, size), a model whose fields use them, or stores them under them, can create,
 * conditionally update and read items on DynamoDB Local: every expression stays valid.
 *
 * One table with a fixed key attribute (`pk`) serves every run; each run defines its own model on it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { add, append, attr, ConditionalCheckFailedError, model, ModelDefinitionError, remove, type AnyAttr } from '../../src/index.js';
import { testDb } from '../support/db.js';

const TABLE = 'odd-names';
const Base = model('OddBase', { table: TABLE, attributes: { pk: attr.string().partitionKey() } });

const reserved = [
  'status',
  'name',
  'size',
  'data',
  'key',
  'value',
  'count',
  'date',
  'timestamp',
  'user',
  'order',
  'by',
  'SET',
  'REMOVE',
  'ADD',
  'DELETE',
  'AND',
  'NOT',
  'BETWEEN',
  'IN',
  'attribute_exists',
  'if_not_exists',
  'constructor',
  'toString',
  'hasOwnProperty',
];
const odd = ['a.b', '#a', ':a', '#n0', ':v0', 'a b', ' ', '.', '#', ':', '[0]', 'x[1].y', '(', ')', ',', '=', '<>', "'", '"', '\\', '\u0000', '\n', 'é', '😀', '名前'];

/** An attribute name: 1 to 64 characters, anything goes. */
const attributeName = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }),
  fc.constantFrom(...reserved, ...odd),
  fc.array(fc.constantFrom(...reserved, ...odd), { minLength: 2, maxLength: 4 }).map((parts) => parts.join('')),
);
/** Names the model itself keeps for other purposes. */
const taken = new Set(['pk', '_type', '__proto__']);

type Kind = 'string' | 'number' | 'stringSet' | 'list';
const kinds: readonly Kind[] = ['string', 'number', 'stringSet', 'list'];

const scenario = fc
  .record({
    fields: fc.uniqueArray(attributeName, { minLength: 1, maxLength: 5 }),
    stored: fc.array(fc.option(attributeName, { nil: undefined }), { minLength: 5, maxLength: 5 }),
    kinds: fc.array(fc.constantFrom(...kinds), { minLength: 5, maxLength: 5 }),
    nested: fc.uniqueArray(attributeName, { minLength: 1, maxLength: 3 }),
    objectName: attributeName,
  })
  .map((s) => ({ ...s, storedNames: s.fields.map((f, i) => s.stored[i] ?? f) }))
  .filter((s) => {
    const all = [...s.fields, ...s.storedNames, s.objectName];
    if (all.some((n) => taken.has(n))) return false;
    // Field names and stored names must each be unique, across the object field too.
    return new Set([...s.fields, s.objectName]).size === s.fields.length + 1 && new Set([...s.storedNames, s.objectName]).size === s.fields.length + 1;
  });
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

const db = testDb();
beforeAll(async () => {
  await db.tables.create(Base);
});
afterAll(() => db.destroy());

let run = 0;

function attribute(kind: Kind, stored: string | undefined): AnyAttr {
  const base = kind === 'string' ? attr.string() : kind === 'number' ? attr.number() : kind === 'stringSet' ? attr.stringSet() : attr.list(attr.string());
  const optional = base.optional();
  return stored === undefined ? optional : optional.storedAs(stored);
}

function initialValue(kind: Kind, i: number): unknown {
  return kind === 'string' ? `v${i}` : kind === 'number' ? i : kind === 'stringSet' ? new Set(['a', 'b']) : ['x'];
}

/** The model of a scenario: one optional field per name, plus an object whose own fields have odd names. */
function modelOf(s: Scenario) {
  const attributes: Record<string, AnyAttr> = Object.fromEntries([
    ['pk', attr.string().partitionKey()],
    ...s.fields.map((name, i) => [name, attribute(s.kinds[i] as Kind, s.stored[i])]),
    [s.objectName, attr.object(Object.fromEntries(s.nested.map((n) => [n, attr.string().optional()]))).optional()],
  ]);
  return model('Odd', { table: TABLE, attributes });
}

describe('odd attribute names on DynamoDB Local', () => {
  test('create, conditional update and read with arbitrary names', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const Odd = modelOf(s);
        const items = db.model(Odd);
        const pk = `run-${run++}`;
        const kindOf = (i: number) => s.kinds[i] as Kind;

        const input: Record<string, unknown> = { pk };
        s.fields.forEach((name, i) => (input[name] = initialValue(kindOf(i), i)));
        input[s.objectName] = Object.fromEntries(s.nested.map((n, j) => [n, `n${j}`]));
        const created = await items.create(input as never);
        expect(created).toEqual(input);

        // A condition touching every field (and the nested ones that a dotted path can reach).
        const reachable = s.objectName.includes('.') ? [] : s.nested.filter((n) => !n.includes('.'));
        // Field names are only known at run time, so the builder is used untyped here.
        const condition = (values: Record<string, unknown>) => (c: unknown) => {
          const b = c as {
            where: (p: string, op: string, v: unknown) => unknown;
            exists: (p: string) => unknown;
            size: (p: string, op: string, v: unknown) => unknown;
            and: (...cs: unknown[]) => unknown;
            or: (...cs: unknown[]) => unknown;
            not: (c: unknown) => unknown;
          };
          const parts = s.fields.map((name, i) => {
            const kind = kindOf(i);
            if (kind === 'string' || kind === 'number') return b.and(b.exists(name), b.where(name, '=', values[name]));
            if (kind === 'stringSet') return b.and(b.where(name, 'contains', 'a'), b.size(name, '>=', 1));
            return b.or(b.size(name, 'between', [1, 10]), b.not(b.exists(name)));
          });
          for (const n of reachable) parts.push(b.where(`${s.objectName}.${n}`, 'begins_with', 'n'));
          return b.and(...parts) as never;
        };

        const patch: Record<string, unknown> = {};
        const expected: Record<string, unknown> = { ...input };
        s.fields.forEach((name, i) => {
          const kind = kindOf(i);
          if (kind === 'string') patch[name] = expected[name] = i === 0 ? 'changed' : `w${i}`;
          else if (kind === 'number') {
            patch[name] = add(5);
            expected[name] = i + 5;
          } else if (kind === 'stringSet') {
            patch[name] = add(['c']);
            expected[name] = new Set(['a', 'b', 'c']);
          } else {
            patch[name] = append(['y']);
            expected[name] = ['x', 'y'];
          }
        });
        // The last field goes, whatever its kind.
        const last = s.fields[s.fields.length - 1] as string;
        patch[last] = remove();
        delete expected[last];

        const updated = await items.update({ pk } as never, patch as never, { condition: condition(input) as never });
        expect(updated).toEqual(expected);

        // The same condition no longer holds on fields whose values changed: a clean conditional failure.
        if (s.fields.some((_, i) => kindOf(i) === 'string' || kindOf(i) === 'number')) {
          const again = items.update({ pk } as never, { [last]: remove() } as never, { condition: condition(input) as never });
          await expect(again).rejects.toBeInstanceOf(ConditionalCheckFailedError);
        }

        const read = await items.get({ pk } as never, { consistent: true });
        expect(read).toEqual(expected);
        const projected = await items.get({ pk } as never, { consistent: true, projection: [s.fields[0], s.objectName] as never });
        const wanted = Object.fromEntries([s.fields[0] as string, s.objectName].filter((n) => Object.hasOwn(expected, n)).map((n) => [n, expected[n]]));
        expect(projected).toEqual(wanted);
      }),
      { numRuns: 40 },
    );
  });

  test('__proto__ cannot be a field or stored name: the AWS SDK drops it, so model() refuses it', () => {
    const fields = Object.fromEntries([
      ['pk', attr.string().partitionKey()],
      ['__proto__', attr.string()],
    ]);
    expect(() => model('Proto', { table: TABLE, attributes: fields })).toThrow(ModelDefinitionError);
    expect(() => model('Proto', { table: TABLE, attributes: { pk: attr.string().partitionKey(), x: attr.string().storedAs('__proto__') } })).toThrow(
      ModelDefinitionError,
    );
  });
});
