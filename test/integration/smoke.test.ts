import { afterAll, beforeAll, expect, test } from 'vitest';
import { testDb } from '../support/db.js';
import { Payment } from '../support/models.js';

const db = testDb();
beforeAll(async () => {
  await db.tables.create(Payment);
});
afterAll(() => db.destroy());

test('create, get, update, delete', async () => {
  const payments = db.model(Payment);
  const created = await payments.create({ id: 'p1', merchantId: 'm1', amount: 1250, status: 'pending', tags: ['a'] });
  expect(created.version).toBe(1);
  const got = await payments.get({ id: 'p1' }, { consistent: true });
  expect(got).toEqual(created);
  const updated = await payments.update(created, { status: 'completed' });
  expect(updated.version).toBe(2);
  await payments.delete(updated);
  expect(await payments.get({ id: 'p1' })).toBeUndefined();
});
