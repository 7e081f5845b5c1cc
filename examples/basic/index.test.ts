import { afterAll, expect, test } from 'vitest';
import { testDb } from '../../test/support/db.js';
import { main } from './index.js';

const db = testDb();
afterAll(() => db.destroy());

test('examples/basic runs end to end', async () => {
  const lines: string[] = [];
  const { final, conflict } = await main(db, (line) => lines.push(line));
  expect(final.status).toBe('completed');
  expect(final.version).toBe(2);
  expect(conflict).toBe(true);
  expect(lines.some((l) => l.startsWith('deleted'))).toBe(true);
});
