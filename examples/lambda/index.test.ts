import { afterAll, expect, test } from 'vitest';
import { testDb } from '../../test/support/db.js';
import { main } from './index.js';

const db = testDb({ cursorSecret: 'test-secret-for-the-lambda-example-00' });
afterAll(() => db.destroy());

test('examples/lambda exports everything exactly once across invocations', async () => {
  const lines: string[] = [];
  const { exported, expected, invocations } = await main(db, (line) => lines.push(line));
  expect(exported).toEqual(expected); // in order, nothing twice, nothing skipped
  expect(invocations).toBeGreaterThanOrEqual(1);
  expect(lines.at(-1)).toContain('exported 5000 payments (5000 distinct)');
});
