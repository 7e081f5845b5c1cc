/**
 * Lost answers, one at a time, with the SDK's own retries off (so DynamORM's settling is what is
 * tested): a completion transaction that never reached DynamoDB is sent again, the same request with
 * the same client request token, and applies once; one whose answer was lost after it applied is
 * recognised as applied; a lost claim answer is settled by the write token.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { attr, model, type DynamORMRequest } from '../../../src/index.js';
import { IdempotencyInDoubtError, idempotencyHttpStatus, idempotencyStore, makeIdempotent } from '../../../src/idempotency/index.js';
import { Deadline, withDeadline } from '../../../src/deadline.js';
import { endpoint, recordRequests, testDb } from '../../support/db.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';

const Payment = model('Payment', {
  table: 'lost-payments',
  attributes: { id: attr.string().partitionKey(), amount: attr.cents() },
});

let proxy: FaultProxy;
const sent: DynamORMRequest[] = [];
const setup = testDb();
let db: ReturnType<typeof testDb>;

beforeAll(async () => {
  proxy = await startFaultProxy({ target: endpoint(), seed: 3 });
  db = testDb({ endpoint: proxy.endpoint, tablePrefix: setup.config.tablePrefix, maxAttempts: 1, middleware: [recordRequests(sent)] });
  await setup.tables.create(Payment);
});
afterAll(async () => {
  db.destroy();
  setup.destroy();
  await proxy.stop();
});

function operation(name: string) {
  let runs = 0;
  const store = idempotencyStore(db, { table: 'lost-idem' });
  const pay = makeIdempotent(
    async (input: { key: string }, { tx }) => {
      runs++;
      tx.create(Payment, { id: input.key, amount: 100 });
      return { id: input.key };
    },
    { store, name, key: 'key' },
  );
  return { store, pay, runs: () => runs };
}

test('a completion transaction lost before DynamoDB saw it is sent again with the same token, and applies once', async () => {
  const { store, pay, runs } = operation('before');
  await setup.tables.create(store.model);
  proxy.setFaults([{ kind: 'drop', when: 'before', operations: ['TransactWriteItems'], count: 1 }]);
  sent.length = 0;
  expect(await pay({ key: 'a1' })).toEqual({ id: 'a1' });
  const transactions = sent.filter((r) => r.operation === 'TransactWriteItems').map((r) => r.input);
  expect(transactions).toHaveLength(2);
  expect(transactions[1]).toEqual(transactions[0]); // the same request, token included
  expect(runs()).toBe(1);
  expect((await pay.record('a1'))?.status).toBe('COMPLETED');
  expect(await setup.model(Payment).get({ id: 'a1' })).toMatchObject({ amount: 100 });
});

test('a completion whose answer was lost after it applied is reported as done, not failed or in doubt', async () => {
  const { pay, runs } = operation('after');
  proxy.setFaults([{ kind: 'drop', when: 'after', operations: ['TransactWriteItems'], count: 1 }]);
  expect(await pay({ key: 'b1' })).toEqual({ id: 'b1' });
  expect(await pay({ key: 'b1' })).toEqual({ id: 'b1' });
  expect(runs()).toBe(1);
});

test('a claim whose answer was lost after it applied is still this attempt’s claim', async () => {
  const { pay, runs } = operation('claim');
  proxy.setFaults([{ kind: 'drop', when: 'after', operations: ['PutItem'], count: 1 }]);
  expect(await pay({ key: 'c1' })).toEqual({ id: 'c1' });
  expect(runs()).toBe(1);
  expect((await pay.record('c1'))?.status).toBe('COMPLETED');
});

test('a completion cut off at the deadline is in doubt; the claim is kept until the deadline, and a retry then gets the stored result', async () => {
  const { pay, runs } = operation('deadline');
  // The transaction is held past the deadline, then applied: the abort at the deadline cannot know.
  proxy.setFaults([{ kind: 'delay', when: 'before', delayMs: 1500, operations: ['TransactWriteItems'], count: 1 }]);
  const deadline = new Deadline(Date.now() + 700, { abortAt: Date.now() + 800 });
  const error = await withDeadline(deadline, () => pay({ key: 'd1' })).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(IdempotencyInDoubtError);
  expect(idempotencyHttpStatus(error)).toBe(503);
  await proxy.settled();
  expect(await setup.model(Payment).get({ id: 'd1' })).toMatchObject({ amount: 100 });
  expect(await pay({ key: 'd1' })).toEqual({ id: 'd1' });
  expect(runs()).toBe(1);
});
