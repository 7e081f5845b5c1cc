/**
 * Property: for random sequences of operations by random tenants (create, put, update, delete, get,
 * queries on the table and on an index, batch writes and gets, transactions and transactional gets,
 * collections, paginated reads with cursors handed to other tenants, scans), no operation in tenant
 * A's scope observes or changes tenant B's items.
 *
 * Each run gets tenants of its own and a model of the expected items per tenant. An operation whose
 * items or keys all belong to the acting tenant must behave as on a plain table (its result is
 * compared with the model); one that touches another tenant must be refused with TenantScopeError
 * and send nothing. Every item any read returns must be the actor's. After each run the raw table
 * (read with the SDK, past DynamORM) must hold exactly the model's items.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import fc from 'fast-check';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  deleteKeys,
  getKeys,
  InvalidCursorError,
  ItemAlreadyExistsError,
  ItemNotFoundError,
  putItems,
  TransactionCanceledError,
  txGet,
  type DynamORMRequest,
} from '../../../src/index.js';
import { TenantScopeError, withTenant } from '../../../src/tenants/index.js';
import { recordRequests, testDb } from '../../support/db.js';
import { Payment, Refund } from './models.js';

const RUNS = Number(process.env.TENANT_PROPERTY_RUNS ?? 15);
const sent: DynamORMRequest[] = [];
const db = testDb({ cursorSecret: 'tenant-property-cursor-secret-0123456789', middleware: [recordRequests(sent)] });
const payments = db.model(Payment);

beforeAll(async () => {
  await db.tables.create([Payment, Refund]);
});
afterAll(() => db.destroy());

type T = 0 | 1 | 2; // a tenant of the run (actors); for owners, an offset from the actor (0: the actor itself)
const tenant = fc.constantFrom<T>(0, 1, 2);
// Most items and keys are the actor's own (so most operations run and are checked against the model).
const owner = fc.oneof({ weight: 5, arbitrary: fc.constant<T>(0) }, { weight: 1, arbitrary: fc.constantFrom<T>(1, 2) });
const paymentId = fc.constantFrom('p1', 'p2', 'p3', 'p4');
const refundId = fc.constantFrom('r1', 'r2', 'r3');
const status = fc.constantFrom('open', 'paid');
const amount = fc.integer({ min: 0, max: 1000 });

type Op =
  | { op: 'create' | 'put'; actor: T; owner: T; id: string; status: string; amount: number; stamp: boolean }
  | { op: 'update'; actor: T; owner: T; id: string; amount: number }
  | { op: 'delete' | 'get'; actor: T; owner: T; id: string }
  | { op: 'queryTable'; actor: T; owner: T; named: boolean }
  | { op: 'queryIndex'; actor: T; owner: T; status: string; named: boolean }
  | { op: 'queryUnscoped' | 'scan'; actor: T }
  | { op: 'batchWrite'; actor: T; puts: { owner: T; id: string; amount: number }[]; deletes: { owner: T; id: string }[] }
  | { op: 'batchGet'; actor: T; keys: { owner: T; id: string }[] }
  | { op: 'transaction'; actor: T; refundPuts: { owner: T; id: string; amount: number }[]; paymentUpdates: { owner: T; id: string; amount: number }[] }
  | { op: 'transactGet'; actor: T; keys: { owner: T; id: string }[] }
  | { op: 'collection'; actor: T; owner: T }
  | { op: 'pages'; actor: T; reader: T; size: number };

// Keys within one batch or transaction are distinct (DynamoDB refuses two writes to one key).
const byKey = (x: { owner: T; id: string }) => `${x.owner}/${x.id}`;
const ops: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('create' as const, 'put' as const), actor: tenant, owner: owner, id: paymentId, status, amount, stamp: fc.boolean() }),
  fc.record({ op: fc.constant('update' as const), actor: tenant, owner: owner, id: paymentId, amount }),
  fc.record({ op: fc.constantFrom('delete' as const, 'get' as const), actor: tenant, owner: owner, id: paymentId }),
  fc.record({ op: fc.constant('queryTable' as const), actor: tenant, owner: owner, named: fc.boolean() }),
  fc.record({ op: fc.constant('queryIndex' as const), actor: tenant, owner: owner, status, named: fc.boolean() }),
  fc.record({ op: fc.constantFrom('queryUnscoped' as const, 'scan' as const), actor: tenant }),
  fc.record({
    op: fc.constant('batchWrite' as const),
    actor: tenant,
    puts: fc.uniqueArray(fc.record({ owner: owner, id: refundId, amount }), { selector: byKey, maxLength: 3 }),
    deletes: fc.uniqueArray(fc.record({ owner: owner, id: paymentId }), { selector: byKey, maxLength: 2 }),
  }),
  fc.record({ op: fc.constant('batchGet' as const), actor: tenant, keys: fc.uniqueArray(fc.record({ owner: owner, id: paymentId }), { selector: byKey, minLength: 1, maxLength: 4 }) }),
  fc.record({
    op: fc.constant('transaction' as const),
    actor: tenant,
    refundPuts: fc.uniqueArray(fc.record({ owner: owner, id: refundId, amount }), { selector: byKey, minLength: 1, maxLength: 2 }),
    paymentUpdates: fc.uniqueArray(fc.record({ owner: owner, id: paymentId, amount }), { selector: byKey, maxLength: 2 }),
  }),
  fc.record({ op: fc.constant('transactGet' as const), actor: tenant, keys: fc.uniqueArray(fc.record({ owner: owner, id: paymentId }), { selector: byKey, minLength: 1, maxLength: 3 }) }),
  fc.record({ op: fc.constant('collection' as const), actor: tenant, owner: tenant }),
  fc.record({ op: fc.constant('pages' as const), actor: tenant, reader: owner, size: fc.integer({ min: 1, max: 2 }) }),
);

interface PaymentState {
  status: string;
  amount: number;
}
/** The expected items of one run, per tenant. */
class Expected {
  readonly payments = new Map<string, Map<string, PaymentState>>();
  readonly refunds = new Map<string, Map<string, number>>();
  constructor(readonly tenants: readonly string[]) {
    for (const t of tenants) {
      this.payments.set(t, new Map());
      this.refunds.set(t, new Map());
    }
  }
  paymentsOf(t: string): Map<string, PaymentState> {
    return this.payments.get(t) as Map<string, PaymentState>;
  }
  refundsOf(t: string): Map<string, number> {
    return this.refunds.get(t) as Map<string, number>;
  }
  /** The items of the run as `pk|sk|amount|status`, sorted. */
  rows(): string[] {
    const out: string[] = [];
    for (const t of this.tenants) {
      for (const [id, p] of this.paymentsOf(t)) out.push(`M#${t}|P#${id}|${p.amount}|${p.status}`);
      for (const [id, amount] of this.refundsOf(t)) out.push(`M#${t}|R#${id}|${amount}|`);
    }
    return out.sort();
  }
}

let runs = 0;
let operations = 0;
let refusedCount = 0;

/** Expects `promise` to fail with TenantScopeError having sent nothing. */
async function expectRefused(fn: () => Promise<unknown>): Promise<void> {
  const before = sent.length;
  const error = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TenantScopeError);
  expect(sent.length).toBe(before);
  refusedCount++;
}

/** Runs one operation in its actor's scope and checks it against (and updates) the model. */
async function run(op: Op, model: Expected, names: readonly string[]): Promise<void> {
  const actor = names[op.actor] as string;
  const nameOf = (offset: T) => names[(op.actor + offset) % 3] as string;
  const mine = (xs: readonly { merchantId: string }[]) => expect(xs.every((x) => x.merchantId === actor)).toBe(true);
  const own = model.paymentsOf(actor);
  const sortedPayments = (t: string, filter?: string) =>
    [...model.paymentsOf(t)].filter(([, p]) => filter === undefined || p.status === filter).map(([id, p]) => `${id}:${p.amount}:${p.status}`).sort();
  const shown = (xs: readonly { paymentId: string; amount: number; status: string }[]) => xs.map((p) => `${p.paymentId}:${p.amount}:${p.status}`).sort();
  await withTenant(actor, async () => {
    switch (op.op) {
      case 'create':
      case 'put': {
        const owner = nameOf(op.owner);
        const item = { merchantId: owner, paymentId: op.id, status: op.status, reference: `ref-${op.id}`, amount: op.amount };
        if (op.stamp && owner === actor) delete (item as Partial<typeof item>).merchantId; // stamped by the scope
        const write = () => (op.op === 'create' ? payments.create(item) : payments.put(item));
        if (owner !== actor) return expectRefused(write);
        if (op.op === 'create' && own.has(op.id)) {
          await expect(write()).rejects.toBeInstanceOf(ItemAlreadyExistsError);
          return;
        }
        const written = await write();
        expect(written.merchantId).toBe(actor);
        own.set(op.id, { status: op.status, amount: op.amount });
        return;
      }
      case 'update': {
        const owner = nameOf(op.owner);
        const write = () => payments.update({ merchantId: owner, paymentId: op.id }, { amount: op.amount });
        if (owner !== actor) return expectRefused(write);
        const stored = own.get(op.id);
        if (!stored) {
          await expect(write()).rejects.toBeInstanceOf(ItemNotFoundError);
          return;
        }
        expect((await write()).merchantId).toBe(actor);
        stored.amount = op.amount;
        return;
      }
      case 'delete': {
        const owner = nameOf(op.owner);
        const write = () => payments.delete({ merchantId: owner, paymentId: op.id });
        if (owner !== actor) return expectRefused(write);
        await write();
        own.delete(op.id);
        return;
      }
      case 'get': {
        const owner = nameOf(op.owner);
        const read = () => payments.get({ merchantId: owner, paymentId: op.id }, { consistent: true });
        if (owner !== actor) return expectRefused(read);
        const found = await read();
        expect(found && `${found.paymentId}:${found.amount}:${found.status}`).toEqual(own.has(op.id) ? sortedPayments(actor).find((x) => x.startsWith(`${op.id}:`)) : undefined);
        return;
      }
      case 'queryTable': {
        const owner = nameOf(op.owner);
        // Named: the caller's condition; not named: the scope adds it.
        const query = () => (op.named ? payments.where('merchantId', '=', owner) : payments.where('paymentId', 'begins_with', 'p')).consistent().all();
        if (op.named && owner !== actor) return expectRefused(query);
        const found = await query();
        mine(found);
        expect(shown(found)).toEqual(sortedPayments(actor));
        return;
      }
      case 'queryIndex': {
        const owner = nameOf(op.owner);
        const query = () => (op.named ? payments.where('merchantId', '=', owner).where('status', '=', op.status) : payments.where('status', '=', op.status)).index('byStatus').all();
        if (op.named && owner !== actor) return expectRefused(query);
        const found = await query();
        mine(found);
        // DynamoDB Local updates its indexes with the write (DynamoDB itself would be eventually consistent).
        expect(shown(found)).toEqual(sortedPayments(actor, op.status));
        return;
      }
      case 'queryUnscoped':
        return expectRefused(() => payments.where('reference', '=', 'ref-p1').all());
      case 'scan':
        return expectRefused(() => payments.scan().all());
      case 'batchWrite': {
        const write = () =>
          db.batchWrite([
            ...(op.puts.length > 0 ? [putItems(Refund, op.puts.map((p) => ({ merchantId: nameOf(p.owner), refundId: p.id, amount: p.amount })))] : []),
            ...(op.deletes.length > 0 ? [deleteKeys(Payment, op.deletes.map((d) => ({ merchantId: nameOf(d.owner), paymentId: d.id })))] : []),
          ]);
        if ([...op.puts, ...op.deletes].some((x) => x.owner !== 0)) return expectRefused(write);
        await write();
        for (const p of op.puts) model.refundsOf(actor).set(p.id, p.amount);
        for (const d of op.deletes) own.delete(d.id);
        return;
      }
      case 'batchGet': {
        const read = () => db.batchGet([getKeys(Payment, op.keys.map((k) => ({ merchantId: nameOf(k.owner), paymentId: k.id })), { consistent: true })]);
        if (op.keys.some((k) => k.owner !== 0)) return expectRefused(read);
        const { items } = await read();
        mine(items[0]);
        expect(shown(items[0])).toEqual(sortedPayments(actor).filter((x) => op.keys.some((k) => x.startsWith(`${k.id}:`))));
        return;
      }
      case 'transaction': {
        const write = () =>
          db.transaction((tx) => {
            for (const r of op.refundPuts) tx.put(Refund, { merchantId: nameOf(r.owner), refundId: r.id, amount: r.amount });
            for (const u of op.paymentUpdates) tx.update(Payment, { merchantId: nameOf(u.owner), paymentId: u.id }, { amount: u.amount });
          });
        if ([...op.refundPuts, ...op.paymentUpdates].some((x) => x.owner !== 0)) return expectRefused(write);
        if (op.paymentUpdates.some((u) => !own.has(u.id))) {
          await expect(write()).rejects.toBeInstanceOf(TransactionCanceledError);
          return;
        }
        await write();
        for (const r of op.refundPuts) model.refundsOf(actor).set(r.id, r.amount);
        for (const u of op.paymentUpdates) (own.get(u.id) as PaymentState).amount = u.amount;
        return;
      }
      case 'transactGet': {
        const read = () => db.transactGet(op.keys.map((k) => txGet(Payment, { merchantId: nameOf(k.owner), paymentId: k.id })));
        if (op.keys.some((k) => k.owner !== 0)) return expectRefused(read);
        const found = await read();
        expect(found.map((p) => (p ? `${p.merchantId}/${p.paymentId}:${p.amount}` : undefined))).toEqual(
          op.keys.map((k) => (own.has(k.id) ? `${actor}/${k.id}:${own.get(k.id)?.amount}` : undefined)),
        );
        return;
      }
      case 'collection': {
        const owner = nameOf(op.owner);
        const read = () => db.collection([Payment, Refund]).all({ merchantId: owner });
        if (owner !== actor) return expectRefused(read);
        const found = await read();
        mine(found.map((x) => x.item));
        const refundsFound = found.flatMap((x) => (x.model === 'Refund' ? [`${x.item.refundId}:${x.item.amount}`] : [])).sort();
        expect(refundsFound).toEqual([...model.refundsOf(actor)].map(([id, a]) => `${id}:${a}`).sort());
        expect(shown(found.flatMap((x) => (x.model === 'Payment' ? [x.item] : [])))).toEqual(sortedPayments(actor));
        return;
      }
      case 'pages': {
        // The actor pages through its payments; the reader (maybe another tenant) is handed the cursor.
        const reader = nameOf(op.reader);
        const query = (t: string) => payments.where('merchantId', '=', t).limit(op.size).consistent();
        const first = await query(actor).page();
        mine(first.items);
        if (!first.cursor) {
          expect(shown(first.items)).toEqual(sortedPayments(actor));
          return;
        }
        await withTenant(reader, async () => {
          if (reader !== actor) {
            const before = sent.length;
            // Its own query with the other tenant's cursor: the cursor is bound to the actor's key condition.
            await expect(query(reader).page(first.cursor)).rejects.toBeInstanceOf(InvalidCursorError);
            expect(sent.length).toBe(before);
            refusedCount++;
            // The actor's query itself is refused in the reader's scope.
            return expectRefused(() => query(actor).page(first.cursor));
          }
          const all = [...first.items];
          let cursor = first.cursor;
          while (cursor) {
            const next = await query(actor).page(cursor);
            mine(next.items);
            all.push(...next.items);
            cursor = next.cursor;
          }
          expect(shown(all)).toEqual(sortedPayments(actor));
        });
        return;
      }
    }
  });
}

/** The run's items as stored, read past DynamORM. */
async function rawRows(tenants: readonly string[]): Promise<string[]> {
  const out = await db.client.send(new ScanCommand({ TableName: db.tableName(Payment), ConsistentRead: true }));
  const pks = new Set(tenants.map((t) => `M#${t}`));
  return (out.Items ?? [])
    .filter((i: Record<string, AttributeValue>) => pks.has(i.pk?.S as string))
    .map((i) => {
      expect(i.merchantId?.S).toBe((i.pk?.S as string).slice(2));
      return `${i.pk?.S}|${i.sk?.S}|${i.amount?.N}|${i.status?.S ?? ''}`;
    })
    .sort();
}

test(
  'no operation in one tenant\'s scope observes or changes another tenant\'s items',
  async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fc.array(ops, { minLength: 10, maxLength: 25 }), async (sequence) => {
        runs++;
        const names = [`r${runs}a`, `r${runs}b`, `r${runs}c`];
        const model = new Expected(names);
        for (const op of sequence) {
          operations++;
          await run(op, model, names);
        }
        expect(await rawRows(names)).toEqual(model.rows());
      }),
      { numRuns: RUNS },
    );
    console.log(`tenant property: ${runs} runs, ${operations} operations (${(operations / runs).toFixed(1)} a run), ${refusedCount} refused, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  },
  180_000,
);
