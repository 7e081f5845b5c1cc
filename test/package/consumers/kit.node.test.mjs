// node:test consumer of dynamorm/testing, run against the packed package (test/package/packed-consumer.mjs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { model } from 'dynamorm';
import * as attr from 'dynamorm/attr';
import { createTestDB, loadFixture, spyOn } from 'dynamorm/testing';

const Payment = model('Payment', { table: 'payments', attributes: { id: attr.string().partitionKey(), amount: attr.cents(), paidAt: attr.date() } });
let t;
before(async () => {
  t = await createTestDB({ models: [Payment] });
});
after(() => t.destroy());

test('node:test: a database of its own on a DynamoDB Local started for this worker', async () => {
  assert.match(t.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(t.endpoint, 'http://127.0.0.1:8000');
  const spy = spyOn(t.db);
  const { Payment: loaded } = await loadFixture(t.db, { Payment: [{ id: 'p1', amount: 1250, paidAt: '2026-01-01T00:00:00Z' }] }, { Payment });
  assert.equal(loaded[0].paidAt.toISOString(), '2026-01-01T00:00:00.000Z');
  assert.equal((await t.db.model(Payment).get({ id: 'p1' })).amount, 1250);
  assert.equal(spy.of(Payment).written().length, 1);
});
