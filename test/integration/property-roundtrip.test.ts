/**
 * Property: for a model holding every supported attribute type, an item put into DynamoDB Local and read
 * back with a consistent get equals the input exactly (big numbers included, decimals in canonical form,
 * sets as Sets, TTL at second precision). The generators are the ones of test/unit/marshal-properties.
 */
import { randomUUID } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attr, model, ValidationError } from '../../src/index.js';
import { MAX_ITEM_BYTES, itemSize } from '../../src/marshal/item-size.js';
import { encodeItem } from '../../src/model/item-codec.js';
import { testDb } from '../support/db.js';

import { Everything, bigint38, canonical, decimal, expectSame, generated, inputAndExpected, json, mapKey, numberSetMembers, objectOf, storableDouble, text } from '../support/every-type.js';

/** Items filled to DynamoDB's 400 KB limit: DynamORM's size count must match DynamoDB's. */
const Sized = model('Sized', {
  table: 'sized',
  attributes: {
    id: attr.string().partitionKey(),
    pad: attr.string(),
    nums: attr.list(attr.number()),
    bigs: attr.list(attr.bigint()),
    decs: attr.record(attr.decimal()),
    ns: attr.numberSet(),
    ss: attr.stringSet(),
    flag: attr.boolean().optional(),
    doc: attr.json(),
  },
});

const db = testDb();
const everything = db.model(Everything);
const sized = db.model(Sized);
beforeAll(async () => {
  await Promise.all([db.tables.create(Everything), db.tables.create(Sized)]);
});
afterAll(() => db.destroy());

describe('marshalling round-trip through DynamoDB Local', () => {
  test('put then consistent get returns the input, for every supported type', async () => {
    await fc.assert(
      fc.asyncProperty(generated, async (g) => {
        const { input, expected } = inputAndExpected(g);
        await everything.put(input as never);
        const read = await everything.get({ id: g.id }, { consistent: true });
        expect(read).toBeDefined();
        expectSame(read as Record<string, unknown>, expected);
      }),
      { numRuns: 100 },
    );
  });

  test('an item DynamORM counts as exactly 400 KB is accepted; one byte more is rejected, by DynamORM before sending and by DynamoDB', async () => {
    const sizedInput = fc.record({
      nums: fc.array(storableDouble, { maxLength: 30 }),
      bigs: fc.array(bigint38, { maxLength: 20 }),
      decs: fc.uniqueArray(fc.tuple(mapKey, decimal), { maxLength: 10, selector: ([k]) => k }),
      ns: numberSetMembers,
      ss: fc.uniqueArray(text, { maxLength: 5 }),
      flag: fc.option(fc.boolean(), { nil: undefined }),
      doc: json,
    });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(sizedInput, async (g) => {
        const id = `sized-${n++}`;
        const input = { id, pad: '', ...g, decs: objectOf(g.decs.map(([k, d]) => [k, d.input])) };
        // Counted with a write token like the one put() stores (a UUID), which is part of the item.
        const token = randomUUID();
        const bare = itemSize(encodeItem(Sized.compiled, input, { now: new Date(), label: 'test', token }));
        const full = { ...input, pad: 'x'.repeat(MAX_ITEM_BYTES - bare) };
        const stored = encodeItem(Sized.compiled, full, { now: new Date(), label: 'test', token });
        expect(itemSize(stored)).toBe(MAX_ITEM_BYTES);
        await sized.put(full as never); // DynamoDB agrees it fits

        const over = { ...full, pad: `${full.pad}x` };
        await expect(sized.put(over as never)).rejects.toSatisfy((e) => e instanceof ValidationError && e.rule === 'item-size');
        // Sent anyway, DynamoDB refuses it too: the count is exact, not merely conservative.
        const raw = new PutItemCommand({ TableName: db.tableName(Sized), Item: { ...stored, pad: { S: `${full.pad}x` } } });
        await expect(db.client.send(raw)).rejects.toThrow(/size/);
      }),
      { numRuns: 20 },
    );
  });

  test('the largest and smallest numbers DynamoDB keeps come back exact', async () => {
    const [g] = fc.sample(generated, { numRuns: 1, seed: 7 });
    const nines = 10n ** 38n - 1n; // 38 significant digits
    const edges: { big: bigint; dec: string; canonical: string }[] = [
      { big: nines, dec: '9.9999999999999999999999999999999999999E+125', canonical: canonical(false, nines, 88) },
      { big: -nines * 10n ** 88n, dec: '1E-130', canonical: canonical(false, 1n, -130) },
      { big: 2n ** 64n + 1n, dec: '-1.2345678901234567890123456789012345678E-93', canonical: canonical(true, 12345678901234567890123456789012345678n, -130) },
      { big: -(2n ** 53n) - 1n, dec: '-0.000', canonical: '0' },
    ];
    for (const [i, edge] of edges.entries()) {
      const id = `edge-${i}`;
      const { input, expected } = inputAndExpected({ ...g!, id, big: edge.big, dec: { input: edge.dec, expected: edge.canonical } });
      await everything.put(input as never);
      const read = (await everything.get({ id }, { consistent: true })) as Record<string, unknown>;
      expect(read.big).toBe(edge.big);
      expect(read.dec).toBe(edge.canonical);
      expectSame(read, expected);
    }
  });
});
