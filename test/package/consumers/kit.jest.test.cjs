// jest consumer of dynamorm/testing (CommonJS, through require), run against the packed package
// (test/package/packed-consumer.mjs).
const { model, attr } = require('dynamorm');
const { createTestDB, assertEventually, spyOn } = require('dynamorm/testing');

const Payment = model('Payment', { table: 'payments', attributes: { id: attr.string().partitionKey(), amount: attr.cents() } });
let t;
beforeAll(async () => {
  t = await createTestDB({ models: [Payment] });
}, 120000);
afterAll(() => t.destroy());

test('jest: a database of its own, eventual assertions and a spy', async () => {
  expect(t.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const spy = spyOn(t.db);
  await t.db.model(Payment).create({ id: 'p1', amount: 100 });
  await assertEventually(async () => expect((await t.db.model(Payment).get({ id: 'p1' })).amount).toBe(100));
  expect(spy.of(Payment).written()).toEqual([expect.objectContaining({ id: 'p1' })]);
});
