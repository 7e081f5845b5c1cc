/**
 * Every tracked change writes its audit record in the same transaction: create, put, update, delete
 * and transactions; what a record holds (actor, time, request id, source IP, tracked fields only,
 * version, sequence, links); and what is refused before anything is sent.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { add, remove, type DynamORMRequest } from '../../../src/index.js';
import {
  AuditActorRequiredError,
  AuditConfigError,
  AuditUnsupportedUpdateError,
  audit,
  auditScopeFromEvent,
  tracked,
  verifyAuditChain,
  withActor,
  withAuditScope,
} from '../../../src/audit/index.js';
import { recordRequests, testDb } from '../../support/db.js';
import { Note, Payment, Untracked, paymentLog, rawChain, rawRecords } from './fixtures.js';

let now = new Date('2026-03-01T10:00:00.000Z');
const log = paymentLog({ noteWithoutActor: false });
const sent: DynamORMRequest[] = [];
const db = testDb({ extensions: [log], middleware: [recordRequests(sent)], clock: () => now });
const payments = db.model(Payment);
const notes = db.model(Note);

beforeAll(async () => {
  await db.tables.create([Payment, Note, Untracked]);
  await db.tables.create([log.table]);
});
afterAll(() => db.destroy());

describe('every tracked change has its record', () => {
  test('create, update, put and delete each write one record, in the same transaction as the change', async () => {
    sent.length = 0;
    const created = await withAuditScope({ actor: 'alice', requestId: 'req-1', sourceIp: '203.0.113.9' }, () =>
      payments.create({ id: 'p1', amount: 1000, status: 'pending', note: 'card 4111 1111 1111 1111' }),
    );
    now = new Date('2026-03-01T10:05:00.000Z');
    const updated = await withActor('bob', () => payments.update(created, { status: 'captured', note: 'second secret' }));
    now = new Date('2026-03-02T09:00:00.000Z');
    const put = await withActor('carol', () => payments.put({ id: 'p1', amount: 900, status: 'captured', version: updated.version }));
    await withActor('dave', () => payments.delete(put));
    // Each write is one TransactWriteItems of three actions: the item, the record and the chain head.
    const writes = sent.filter((r) => r.operation === 'TransactWriteItems');
    expect(writes).toHaveLength(4);
    for (const w of writes) expect((w.input as { TransactItems: unknown[] }).TransactItems).toHaveLength(3);

    const chain = await rawChain(db, log, 'Payment', 'p1');
    const [head, ...records] = chain;
    expect(records.map((r) => [r.seq?.N, r.op?.S, r.actor?.S, r.version?.N])).toEqual([
      ['1', 'create', 'alice', '1'],
      ['2', 'update', 'bob', '2'],
      ['3', 'put', 'carol', '3'],
      ['4', 'delete', 'dave', '3'],
    ]);
    expect(head).toMatchObject({ seq: { N: '0' }, head: { N: '4' }, hash: records[3]?.hash });
    // The links: each record's prev is the hash of the one before.
    expect(records[0]?.prev?.S).toBe('0'.repeat(64));
    for (let i = 1; i < records.length; i++) expect(records[i]?.prev?.S).toBe(records[i - 1]?.hash?.S);
    // The first record: request id and source IP from the scope, time from the operation's clock.
    expect(records[0]).toMatchObject({ requestId: { S: 'req-1' }, sourceIp: { S: '203.0.113.9' }, at: { S: '2026-03-01T10:00:00.000Z' }, day: { S: '2026-03-01' } });
    expect(records[0]?.before).toBeUndefined();
    expect(records[0]?.after).toEqual({ M: { amount: { N: '1000' }, status: { S: 'pending' } } });
    expect(records[1]?.before).toEqual(records[0]?.after);
    expect(records[1]?.after).toEqual({ M: { amount: { N: '1000' }, status: { S: 'captured' } } });
    expect(records[2]?.after).toEqual({ M: { amount: { N: '900' }, status: { S: 'captured' } } });
    expect(records[3]?.before).toEqual(records[2]?.after);
    expect(records[3]?.after).toBeUndefined();
    expect(records[0]?.key).toEqual({ M: { id: { S: 'p1' } } });
    // The untracked note's values appear nowhere in the audit table.
    const text = JSON.stringify(await rawRecords(db, log));
    expect(text).not.toContain('4111');
    expect(text).not.toContain('second secret');
    expect(text).not.toContain('"note"');
    expect(await verifyAuditChain(db, Payment, { id: 'p1' })).toMatchObject({ ok: true, records: 4, last: { seq: 4 } });
  });

  test('a chain goes on when an item is deleted and created again', async () => {
    await withActor('alice', async () => {
      const a = await payments.create({ id: 'again', amount: 1, status: 'pending' });
      await payments.delete(a);
      await payments.create({ id: 'again', amount: 2, status: 'pending' });
    });
    const records = (await rawChain(db, log, 'Payment', 'again')).slice(1);
    expect(records.map((r) => r.op?.S)).toEqual(['create', 'delete', 'create']);
    expect((await verifyAuditChain(db, Payment, { id: 'again' })).ok).toBe(true);
  });

  test('update actions on tracked fields are recorded with their exact result', async () => {
    await withActor('alice', async () => {
      await notes.create({ id: 'n1', text: 'hello', count: 5, secret: 'hunter2' });
      await notes.update({ id: 'n1' }, { count: add(3) });
      await notes.update({ id: 'n1' }, { count: remove() });
      const p = await payments.create({ id: 'tags', amount: 1, status: 'pending', tags: new Set(['a']) });
      await payments.update(p, { tags: add(new Set(['b'])) });
    });
    const notesChain = (await rawChain(db, log, 'Note', 'n1')).slice(1);
    expect(notesChain.map((r) => r.after?.M)).toEqual([
      { text: { S: 'hello' }, count: { N: '5' } },
      { text: { S: 'hello' }, count: { N: '8' } },
      { text: { S: 'hello' } },
    ]);
    expect(JSON.stringify(notesChain)).not.toContain('hunter2');
    const tags = (await rawChain(db, log, 'Payment', 'tags')).slice(1);
    expect(new Set(tags[1]?.after?.M?.tags?.SS)).toEqual(new Set(['a', 'b']));
    // The items agree with what the records say they became.
    expect(await notes.get({ id: 'n1' })).toMatchObject({ text: 'hello' });
    expect((await notes.get({ id: 'n1' }))?.count).toBeUndefined();
  });

  test('transactions carry a record per tracked change, and nothing for untracked models', async () => {
    sent.length = 0;
    await withActor('erin', () =>
      db.transaction((tx) => {
        tx.create(Payment, { id: 'tx1p', amount: 5, status: 'pending' });
        tx.create(Note, { id: 'tx1n', text: 'in a transaction' });
        tx.create(Untracked, { id: 'tx1u', text: 'plain' });
      }),
    );
    const input = sent.find((r) => r.operation === 'TransactWriteItems')?.input as { TransactItems: unknown[] };
    expect(input.TransactItems).toHaveLength(3 + 2 + 2);
    expect((await rawChain(db, log, 'Payment', 'tx1p')).slice(1).map((r) => [r.op?.S, r.actor?.S])).toEqual([['create', 'erin']]);
    expect((await rawChain(db, log, 'Note', 'tx1n')).slice(1).map((r) => r.op?.S)).toEqual(['create']);
  });

  test('a failed write writes no record', async () => {
    const before = (await rawRecords(db, log)).length;
    await withActor('alice', async () => {
      await expect(payments.create({ id: 'p1x', amount: 1, status: 'pending' })).resolves.toBeDefined();
      await expect(payments.create({ id: 'p1x', amount: 2, status: 'pending' })).rejects.toMatchObject({ name: 'ItemAlreadyExistsError' });
      await expect(payments.update({ id: 'p1x', version: 9 }, { amount: 3 })).rejects.toMatchObject({ name: 'VersionConflictError' });
    });
    expect((await rawRecords(db, log)).length).toBe(before + 1);
  });

  test('deleting an item that is not there writes no record', async () => {
    const before = (await rawRecords(db, log)).length;
    await withActor('alice', () => notes.delete({ id: 'never-there' }));
    expect((await rawRecords(db, log)).length).toBe(before);
  });
});

describe('refused before anything is sent', () => {
  test('a tracked write with no actor', async () => {
    sent.length = 0;
    const error = await payments.create({ id: 'nobody', amount: 1, status: 'pending' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditActorRequiredError);
    expect(error).toMatchObject({ code: 'AUDIT_ACTOR_REQUIRED', model: 'Payment', operation: 'create' });
    await expect(notes.update({ id: 'n1' }, { text: 'x' })).rejects.toBeInstanceOf(AuditActorRequiredError);
    await expect(db.transaction((tx) => void tx.create(Note, { id: 'tx-nobody', text: 'x' }))).rejects.toBeInstanceOf(AuditActorRequiredError);
    expect(sent).toEqual([]);
  });

  test('an update action whose result cannot be known exactly', async () => {
    const Float = (await import('./float-model.js')).Float;
    const floatLog = audit({ table: 'audit-float', models: [tracked(Float, { fields: ['ratio'] })] });
    const floatDb = testDb({ extensions: [floatLog], middleware: [recordRequests(sent)] });
    sent.length = 0;
    await expect(withActor('a', () => floatDb.model(Float).update({ id: 'f' }, { ratio: add(0.1) }))).rejects.toBeInstanceOf(AuditUnsupportedUpdateError);
    expect(sent).toEqual([]);
    floatDb.destroy();
  });

  test('batch writes of a tracked model', async () => {
    sent.length = 0;
    await expect(withActor('a', () => db.model(Note).batchPut([{ id: 'b1', text: 'x' }]))).rejects.toThrow(/audit record/);
    expect(sent).toEqual([]);
  });

  test('tracking a field that does not exist or is set by DynamORM', () => {
    expect(() => audit({ models: [tracked(Payment, { fields: ['nope' as 'amount'] })] })).toThrow(AuditConfigError);
    expect(() => audit({ models: [tracked(Payment, { fields: ['version'] })] })).toThrow(AuditConfigError);
  });
});

describe('the actor from the scope or the Lambda event, never a global', () => {
  test('concurrent scopes keep their own actors', async () => {
    await Promise.all(['x1', 'x2', 'x3'].map((actor) => withActor(actor, () => notes.create({ id: `scope-${actor}`, text: actor }))));
    for (const actor of ['x1', 'x2', 'x3']) {
      const [record] = (await rawChain(db, log, 'Note', `scope-${actor}`)).slice(1);
      expect(record?.actor?.S).toBe(actor);
    }
  });

  test('an API Gateway event gives actor, request id and source IP', async () => {
    const event = { requestContext: { requestId: 'api-req-7', http: { sourceIp: '198.51.100.4' }, authorizer: { jwt: { claims: { sub: 'user-42' } } } } };
    const scope = auditScopeFromEvent(event, { awsRequestId: 'lambda-req' });
    expect(scope).toEqual({ actor: 'user-42', requestId: 'api-req-7', sourceIp: '198.51.100.4' });
    await withAuditScope(scope, () => notes.create({ id: 'from-event', text: 'x' }));
    const [record] = (await rawChain(db, log, 'Note', 'from-event')).slice(1);
    expect(record).toMatchObject({ actor: { S: 'user-42' }, requestId: { S: 'api-req-7' }, sourceIp: { S: '198.51.100.4' } });
    expect(auditScopeFromEvent({}, { awsRequestId: 'lambda-req' })).toEqual({ actor: undefined, requestId: 'lambda-req', sourceIp: undefined });
  });

  test('a model may allow writes without an actor', async () => {
    const open = paymentLog({ noteWithoutActor: true });
    const openDb = testDb({ extensions: [open] });
    await openDb.tables.create([Note]);
    await openDb.tables.create([open.table]);
    await openDb.model(Note).create({ id: 'anon', text: 'x' });
    const [record] = (await rawChain(openDb, open, 'Note', 'anon')).slice(1);
    expect(record?.op?.S).toBe('create');
    expect(record?.actor).toBeUndefined();
    openDb.destroy();
  });
});
