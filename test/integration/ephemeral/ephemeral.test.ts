/**
 * Ephemeral fields on DynamoDB Local: validated, seen by the write hooks that run before they are
 * dropped, and never sent. Every request is recorded and searched for the value; raw items are read
 * back; a companion record built from the write (as an audit record would be) is checked too.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  attr,
  defineExtension,
  model,
  ModelDefinitionError,
  NoUsableIndexError,
  putItems,
  remove,
  ValidationError,
  type DynamORMRequest,
  type Item,
  type WritePlan,
} from '../../../src/index.js';
import { ephemeral } from '../../../src/ephemeral/index.js';
import { rawItem, recordRequests, testDb } from '../../support/db.js';

const CVV = '7391';
const PIN = '402817';

const Payment = model('EphPayment', {
  table: 'eph',
  attributes: {
    pk: attr.template('PAY#{id}').partitionKey(),
    id: attr.string(),
    amount: attr.cents(),
    note: attr.string().optional(),
    cvv: ephemeral(attr.string().validate((v) => /^[0-9]{3,4}$/.test(v), 'cvv')),
    pin: ephemeral(attr.string().optional()),
    version: attr.version(),
  },
});

/** What a database extension saw: the input its adjustWrite got, and the input its companions got. */
const seen: { adjusted: Record<string, unknown>[]; planned: Record<string, unknown>[] } = { adjusted: [], planned: [] };

/** A test extension that records the write before ephemeral fields are dropped and writes an "audit" record of what it planned. */
const spy = defineExtension({
  name: 'spy',
  forModel: (m) =>
    m === Payment
      ? {
          adjustWrite(_context, write) {
            if (write.input) seen.adjusted.push({ ...write.input });
            return write;
          },
          companions(context, { intent, primary }): WritePlan[] {
            seen.planned.push({ ...(intent.input ?? {}) });
            const body = JSON.stringify({ input: intent.input ?? null, item: primary.item ?? null });
            return [
              {
                operation: 'PutItem',
                input: { TableName: context.table, Item: { pk: { S: `AUDIT#${seen.planned.length}#${context.kind}` }, _type: { S: 'Audit' }, body: { S: body } } },
                target: { model: 'Audit', key: {} },
                explain: () => new Error('audit record not written'),
              },
            ];
          },
        }
      : undefined,
});

const sent: DynamORMRequest[] = [];
const db = testDb({ extensions: [spy], middleware: [recordRequests(sent)] });
const payments = db.model(Payment);

beforeAll(async () => {
  await db.tables.create(Payment, { ifNotExists: true });
});
afterAll(() => db.destroy());

/** Whether any request sent holds `value` as a whole string value (quoted, so a random token cannot match by chance). */
const anySent = (value: string) => sent.some((r) => JSON.stringify(r.input).includes(`"${value}"`) || JSON.stringify(r.input).includes(value + '\\"'));

async function scanAll(): Promise<Record<string, AttributeValue>[]> {
  const out = await db.client.send(new ScanCommand({ TableName: db.tableName(Payment), ConsistentRead: true }));
  return out.Items ?? [];
}

describe('writes', () => {
  test('create: hooks before the drop see the CVV; no request, item, or companion record holds it', async () => {
    sent.length = 0;
    seen.adjusted.length = 0;
    seen.planned.length = 0;
    const created = await payments.create({ id: 'p1', amount: 1250, cvv: CVV, pin: PIN });
    expect(created).toEqual({ pk: 'PAY#p1', id: 'p1', amount: 1250, version: 1 });
    expect('cvv' in created).toBe(false);
    expect(seen.adjusted[0]).toMatchObject({ cvv: CVV, pin: PIN });
    expect(seen.planned[0]).not.toHaveProperty('cvv');
    expect(seen.planned[0]).not.toHaveProperty('pin');
    expect(sent.length).toBeGreaterThan(0);
    expect(anySent(CVV)).toBe(false);
    expect(anySent(PIN)).toBe(false);
    const raw = await rawItem(db, Payment, { pk: { S: 'PAY#p1' } });
    expect(raw).toBeDefined();
    expect(Object.keys(raw ?? {})).not.toContain('cvv');
    expect(JSON.stringify(await scanAll())).not.toContain(CVV);
    expect(JSON.stringify(await scanAll())).not.toContain(PIN);
  });

  test('update and put: validated, then dropped from the update expression and the item', async () => {
    sent.length = 0;
    const updated = await payments.update({ id: 'p1', version: 1 }, { note: 'captured', cvv: CVV });
    expect(updated).toMatchObject({ note: 'captured', version: 2 });
    const update = sent.find((r) => r.operation === 'TransactWriteItems')?.input as { TransactItems: { Update?: { UpdateExpression: string; ExpressionAttributeNames: Record<string, string> } }[] };
    const expression = update.TransactItems[0]?.Update;
    expect(Object.values(expression?.ExpressionAttributeNames ?? {})).not.toContain('cvv');
    await payments.put({ id: 'p1', amount: 1300, cvv: CVV, version: 2 });
    expect(anySent(CVV)).toBe(false);
    expect(JSON.stringify(await scanAll())).not.toContain(CVV);
    await expect(payments.update({ id: 'p1', version: 3 }, { cvv: '12' })).rejects.toMatchObject({ rule: 'cvv', path: ['cvv'] });
    await expect(payments.update({ id: 'p1', version: 3 }, { pin: remove() } as never)).rejects.toMatchObject({ rule: 'ephemeral' });
  });

  test('bad values are refused before anything is sent: missing, wrong type, failing the rule', async () => {
    sent.length = 0;
    await expect(payments.create({ id: 'p2', amount: 1 } as never)).rejects.toMatchObject({ rule: 'required', path: ['cvv'] });
    await expect(payments.create({ id: 'p2', amount: 1, cvv: 123 as never })).rejects.toMatchObject({ rule: 'type', path: ['cvv'] });
    await expect(payments.create({ id: 'p2', amount: 1, cvv: '12ab' })).rejects.toMatchObject({ rule: 'cvv', path: ['cvv'] });
    await expect(payments.put({ id: 'p2', amount: 1 } as never)).rejects.toBeInstanceOf(ValidationError);
    // An optional ephemeral field may be left out.
    expect(sent).toEqual([]);
    await payments.create({ id: 'p2', amount: 1, cvv: '123' });
  });

  test('transactions and batches drop it too', async () => {
    sent.length = 0;
    await db.transaction((tx) => void tx.create(Payment, { id: 'p3', amount: 5, cvv: CVV }));
    const Plain = model('EphPlain', { table: 'eph', attributes: { pk: attr.template('PLAIN#{id}').partitionKey(), id: attr.string(), cvv: ephemeral(attr.string()) } });
    await db.batchWrite([putItems(Plain, [{ id: 'b1', cvv: CVV }])]);
    expect(sent.map((r) => r.operation)).toEqual(['TransactWriteItems', 'BatchWriteItem']);
    expect(anySent(CVV)).toBe(false);
    expect(await rawItem(db, Plain, { pk: { S: 'PLAIN#b1' } })).toEqual({ pk: { S: 'PLAIN#b1' }, id: { S: 'b1' }, _type: { S: 'EphPlain' } });
  });
});

describe('conditions, filters and queries', () => {
  test('a condition naming an ephemeral field is a ValidationError before sending', async () => {
    sent.length = 0;
    const condition = ((c: { where: (...a: unknown[]) => unknown }) => c.where('cvv', '=', CVV)) as never;
    await expect(payments.update({ id: 'p1', version: 3 }, { note: 'x' }, { condition })).rejects.toMatchObject({ rule: 'not-conditionable', path: ['cvv'] });
    await expect(payments.create({ id: 'p9', amount: 1, cvv: '111' }, { condition })).rejects.toMatchObject({ rule: 'not-conditionable' });
    const exists = ((c: { exists: (...a: unknown[]) => unknown }) => c.exists('cvv')) as never;
    await expect(payments.delete({ id: 'p1', version: 3 }, { condition: exists })).rejects.toMatchObject({ rule: 'not-conditionable' });
    expect(sent).toEqual([]);
  });

  test('a query or filter naming it is refused before sending', async () => {
    sent.length = 0;
    await expect(payments.where('cvv' as never, '=', CVV as never).all()).rejects.toBeInstanceOf(NoUsableIndexError);
    await expect(payments.where('id', '=', 'p1').filter('cvv' as never, '=', CVV as never).all()).rejects.toMatchObject({ rule: 'not-conditionable' });
    await expect(db.model(Payment).scan().filter('cvv' as never, '=', CVV as never).all()).rejects.toBeInstanceOf(ValidationError);
    expect(anySent(CVV)).toBe(false);
  });
});

describe('reads', () => {
  test('never return it, even when a stored item holds an attribute of its name', async () => {
    await db.client.send(
      new PutItemCommand({
        TableName: db.tableName(Payment),
        Item: { pk: { S: 'PAY#legacy' }, id: { S: 'legacy' }, amount: { N: '7' }, version: { N: '1' }, cvv: { S: '999' }, _type: { S: 'EphPayment' } },
      }),
    );
    const got = await payments.get({ id: 'legacy' }, { consistent: true });
    expect(got).toEqual({ pk: 'PAY#legacy', id: 'legacy', amount: 7, version: 1 });
    const queried = await payments.where('id', '=', 'legacy').all();
    expect(queried[0]).not.toHaveProperty('cvv');
    const scanned = await db.model(Payment).scan().all();
    expect(scanned.some((p) => 'cvv' in p || 'pin' in p)).toBe(false);
    // The type agrees: the read item has no ephemeral field.
    const typed: Item<typeof Payment> = got as Item<typeof Payment>;
    expect(Object.keys(typed)).not.toContain('cvv');
  });
});

describe('definitions', () => {
  test('the attribute brings its extension: a database without extensions handles the model', () => {
    const bare = testDb();
    expect(bare.model(Payment).hooks?.names).toEqual(['ephemeral']);
    expect(db.model(Payment).hooks?.names).toEqual(['spy', 'ephemeral']);
    bare.destroy();
  });

  test('keys, defaults and index keys are refused', () => {
    expect(() => ephemeral(attr.string().partitionKey())).toThrow(ModelDefinitionError);
    expect(() => ephemeral(attr.string().default('x'))).toThrow(ModelDefinitionError);
    expect(() => ephemeral(attr.version())).toThrow(ModelDefinitionError);
    const Indexed = model('EphIndexed', {
      table: 'eph-i',
      attributes: { id: attr.string().partitionKey(), code: ephemeral(attr.string()) },
      indexes: { byCode: { name: 'byCode', partitionKey: 'code' } },
    });
    expect(() => db.model(Indexed)).toThrow(/cannot be an index key/);
  });
});
