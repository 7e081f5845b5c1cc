/**
 * Querying the trail: by item (chain order, strongly consistent), by actor and by time range (the
 * audit table's indexes, time order), streamed a page at a time, with typed, decoded records.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ValidationError, type DynamORMRequest } from '../../../src/index.js';
import { auditTrail, withActor, withAuditScope, type AuditRecord } from '../../../src/audit/index.js';
import { recordRequests, testDb } from '../../support/db.js';
import { Note, Payment, paymentLog, collect } from './fixtures.js';

let now = new Date('2026-05-01T08:00:00.000Z');
const log = paymentLog();
const sent: DynamORMRequest[] = [];
const db = testDb({ extensions: [log], clock: () => now, middleware: [recordRequests(sent)], pageSize: 2 });
const trail = auditTrail(db, log);
const at = (iso: string) => (now = new Date(iso));

beforeAll(async () => {
  await db.tables.create([Payment, Note]);
  await db.tables.create([log.table]);
  const payments = db.model(Payment);
  const notes = db.model(Note);
  at('2026-05-01T08:00:00.000Z');
  const p = await withAuditScope({ actor: 'alice', requestId: 'r1' }, () => payments.create({ id: 'q1', amount: 500, status: 'pending', tags: new Set(['x']) }));
  at('2026-05-01T09:30:00.000Z');
  const p2 = await withActor('bob', () => payments.update(p, { status: 'captured' }));
  at('2026-05-02T23:59:59.000Z');
  await withActor('alice', () => notes.create({ id: 'q1n', text: 'note of alice' }));
  at('2026-05-03T00:00:01.000Z');
  await withActor('alice', () => payments.update(p2, { status: 'refunded', amount: 0 }));
  at('2026-05-05T12:00:00.000Z');
  await withActor('carol', () => notes.update({ id: 'q1n' }, { text: 'edited by carol' }));
});
afterAll(() => db.destroy());

describe('auditTrail', () => {
  test('by item: the records of one item in chain order, typed and decoded', async () => {
    const records = await collect(trail.item(Payment, { id: 'q1' }));
    expect(records.map((r) => [r.seq, r.op, r.actor, r.version])).toEqual([
      [1, 'create', 'alice', 1],
      [2, 'update', 'bob', 2],
      [3, 'update', 'alice', 3],
    ]);
    const first = records[0] as AuditRecord<{ amount: number; status: string; tags: Set<string> }>;
    expect(first).toMatchObject({ model: 'Payment', key: { id: 'q1' }, requestId: 'r1', at: new Date('2026-05-01T08:00:00.000Z'), changed: [] });
    expect(first.after).toEqual({ amount: 500, status: 'pending', tags: new Set(['x']) });
    expect(records[2]?.before).toMatchObject({ status: 'captured', amount: 500 });
    expect(records[2]?.after).toMatchObject({ status: 'refunded', amount: 0 });
    expect((await collect(trail.item(Note, { id: 'q1n' }))).map((r) => r.after?.text)).toEqual(['note of alice', 'edited by carol']);
  });

  test('by actor, optionally within a time range', async () => {
    const alice = await collect(trail.byActor('alice'));
    expect(alice.map((r) => [r.model, r.op, r.at.toISOString()])).toEqual([
      ['Payment', 'create', '2026-05-01T08:00:00.000Z'],
      ['Note', 'create', '2026-05-02T23:59:59.000Z'],
      ['Payment', 'update', '2026-05-03T00:00:01.000Z'],
    ]);
    const late = await collect(trail.byActor('alice', { from: new Date('2026-05-02T00:00:00.000Z') }));
    expect(late).toHaveLength(2);
    const early = await collect(trail.byActor('alice', { to: new Date('2026-05-02T23:59:59.000Z') }));
    expect(early).toHaveLength(2);
    expect(await collect(trail.byActor('nobody'))).toEqual([]);
  });

  test('by time range, across days, both ends included', async () => {
    const range = await collect(trail.between({ from: new Date('2026-05-01T09:30:00.000Z'), to: new Date('2026-05-03T00:00:01.000Z') }));
    expect(range.map((r) => [r.actor, r.at.toISOString()])).toEqual([
      ['bob', '2026-05-01T09:30:00.000Z'],
      ['alice', '2026-05-02T23:59:59.000Z'],
      ['alice', '2026-05-03T00:00:01.000Z'],
    ]);
    expect(await collect(trail.between({ from: new Date('2026-05-04T00:00:00.000Z'), to: new Date('2026-05-04T23:59:59.999Z') }))).toEqual([]);
  });

  test('streamed: pages are read as the caller iterates, and it may stop early', async () => {
    sent.length = 0;
    for await (const record of trail.item(Payment, { id: 'q1' })) {
      expect(record.seq).toBe(1);
      break;
    }
    // Page size 2: one page was enough for the first record.
    expect(sent.filter((r) => r.operation === 'Query')).toHaveLength(1);
    expect(sent[0]?.context).toMatchObject({ kind: 'query', model: 'AuditRecord' });
  });

  test('bad input is refused before anything is sent', async () => {
    sent.length = 0;
    expect(() => trail.between({ from: new Date('2026-05-03'), to: new Date('2026-05-01') })).toThrow(ValidationError);
    expect(() => trail.byActor('', {})).toThrow(ValidationError);
    expect(() => trail.byActor('alice', { from: new Date('nope') })).toThrow(ValidationError);
    expect(() => trail.item(Payment, {} as { id: string })).toThrow(ValidationError);
    expect(sent).toEqual([]);
  });
});
