import { afterAll, expect, test } from 'vitest';
import { testDb } from '../../test/support/db.js';
import { main } from './index.js';

const db = testDb({ cursorSecret: 'test-secret-for-the-ledger-example-000' });
afterAll(() => db.destroy());

test('examples/ledger runs end to end', async () => {
  const lines: string[] = [];
  const result = await main(db, (line) => lines.push(line));
  expect(result.big).toBe(6); // amounts 2000..3250
  expect(new Set(result.seen).size).toBe(12);
  expect(result.seen).toHaveLength(12);
  expect(result.secondRefundRefused).toBe(true);
  expect(result.ledger.Customer).toHaveLength(1);
  expect(result.ledger.Payment).toHaveLength(12);
  expect(result.ledger.Refund).toHaveLength(1);
  expect(result.ledger.Payment.find((p) => p.paymentId === 'p00')?.status).toBe('refunded');
  expect(lines.some((l) => l.includes('gsi1'))).toBe(true);
});
