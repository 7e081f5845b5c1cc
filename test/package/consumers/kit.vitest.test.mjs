// vitest consumer of dynamorm/testing, run against the packed package (test/package/packed-consumer.mjs).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { model } from 'dynamorm';
import * as attr from 'dynamorm/attr';
import { createTestDB, freezeTime, spyOn } from 'dynamorm/testing';

const Payment = model('Payment', { table: 'payments', attributes: { id: attr.string().partitionKey(), amount: attr.cents(), createdAt: attr.createdAt() } });
let t;
beforeAll(async () => {
  t = await createTestDB({ models: [Payment] });
}, 120_000);
afterAll(() => t.destroy());

test('vitest: a database of its own, a frozen clock and a spy', async () => {
  expect(t.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const spy = spyOn(t.db);
  const time = freezeTime('2026-02-03T04:05:06.000Z');
  try {
    const p = await t.db.model(Payment).create({ id: 'p1', amount: 990 });
    expect(p.createdAt.toISOString()).toBe('2026-02-03T04:05:06.000Z');
  } finally {
    time.restore();
  }
  expect(spy.of(Payment).count({ kind: 'create' })).toBe(1);
});
