/**
 * `dynamorm cost FILE`, run through `main()` as the other CLI tests run it: a workload file (YAML
 * through the optional `yaml` peer, or JSON) naming the models module of the documented workload
 * (test/integration/cost/workload.ts) is estimated line by line; the units per operation are the
 * ones DynamoDB's rules give for those rows (which test/integration/cost/estimate.test.ts checks on
 * DynamoDB Local), dollars are units times the price, the total is the sum; bad files and missing
 * arguments give the documented exit codes. Nothing is sent to DynamoDB.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { EXIT, main } from '../../../src/cli/main.js';
import type { Output } from '../../../src/cli/output.js';
import { priceFor, SECONDS_PER_MONTH } from '../../../src/cost/index.js';
import { ROWS } from '../cost/workload.js';

const dir = mkdtempSync(join(tmpdir(), 'dynamorm-cost-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; lines: string[]; errors: string[] }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const out: Output = {
    line: (t) => void lines.push(t),
    error: (t) => void errors.push(t),
    progress: () => undefined,
    endProgress: () => undefined,
    colour: { bold: (s) => s, red: (s) => s, green: (s) => s, yellow: (s) => s, dim: (s) => s },
  };
  return { code: await main(args, out), lines, errors };
}

const workload = {
  models: resolve('test/integration/cost/workload.ts'),
  region: 'us-east-1',
  billingMode: 'onDemand',
  operations: [
    { label: 'create order', model: 'Order', operation: 'create', perSecond: 10, itemBytes: 1500 },
    { label: 'create order (tx)', model: 'Order', operation: 'create', perSecond: 1, itemBytes: 1500, transactional: true },
    { label: 'pay order', model: 'Order', operation: 'update', perSecond: 10, itemBytes: 1500, indexes: ['gsi-status', 'lsi-amount'], changesIndexKeys: ['byStatus'] },
    { label: 'read order', model: 'Order', operation: 'get', perMonth: 50_000_000, itemBytes: 1500, consistent: true },
    { label: 'list orders', model: 'Order', operation: 'query', perSecond: 5, itemBytes: 1133, items: 3, consistent: true },
    { label: 'write note', model: 'Note', operation: 'create', perSecond: 2, itemBytes: 5000 },
  ],
};

/** The printed table's rows by label: [per month, RU/op, WU/op, read/month, write/month, $/month] as numbers. */
function table(lines: string[]): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  const start = lines.findIndex((l) => l.startsWith('operation'));
  for (const line of lines.slice(start + 1)) {
    const cells = line.split(/ {2,}/);
    if (cells.length < 4) continue;
    rows.set(cells[0] as string, cells.slice(1).map((c) => (c === '' ? Number.NaN : Number(c.replace(/,/g, '')))));
  }
  return rows;
}

const rule = (id: string) => {
  const row = ROWS.find((r) => r.id === id);
  return Object.values(row?.write ?? row?.read ?? {}).reduce((a, b) => a + b, 0);
};

describe('dynamorm cost', () => {
  test('a YAML workload: units per operation by the rules, units and dollars per month, a total', async () => {
    const file = join(dir, 'workload.yaml');
    writeFileSync(file, stringify(workload));
    const { code, lines, errors } = await run('cost', file);
    expect(errors).toEqual([]);
    expect(code).toBe(EXIT.ok);
    expect(lines[1]).toMatch(/^Prices: us-east-1, onDemand: \$0\.625 per million write units, \$0\.125 per million read units \(.*issue 11.*; since 2024-11-01\)$/);
    const rows = table(lines);
    // The same operations as rows of the documented workload, checked on DynamoDB Local there.
    expect(rows.get('create order')?.[2]).toBe(rule('W5'));
    expect(rows.get('create order (tx)')?.[2]).toBe(rule('W6'));
    expect(rows.get('pay order')?.[2]).toBe(rule('W7'));
    expect(rows.get('read order')?.[1]).toBe(rule('R1'));
    expect(rows.get('list orders')?.[1]).toBe(rule('R6'));
    expect(rows.get('write note')?.[2]).toBe(rule('W2'));
    const price = priceFor('us-east-1', 'onDemand');
    let total = 0;
    for (const [label, [perMonth, ru, wu, reads, writes, dollars]] of rows) {
      if (label === 'total') continue;
      expect(reads).toBeCloseTo((ru as number) * (perMonth as number), 0);
      expect(writes).toBeCloseTo((wu as number) * (perMonth as number), 0);
      expect(dollars).toBeCloseTo((reads as number) * price.read + (writes as number) * price.write, 2);
      total += dollars as number;
    }
    expect(rows.get('create order')?.[0]).toBe(10 * SECONDS_PER_MONTH);
    expect(rows.get('read order')?.[0]).toBe(50_000_000);
    // The total row leaves the per-operation columns empty: its last cell is the dollars.
    expect(rows.get('total')?.at(-1)).toBeCloseTo(total, 1);
  });

  test('the same workload as JSON, provisioned: the unit-hours of the consumed rate', async () => {
    const file = join(dir, 'workload.json');
    writeFileSync(file, JSON.stringify({ ...workload, billingMode: 'provisioned', operations: [workload.operations[0]] }));
    const { code, lines } = await run('cost', file);
    expect(code).toBe(EXIT.ok);
    const price = priceFor('us-east-1', 'provisioned');
    // 10 creates a second at 7 units: 70 write units a second, 730 hours.
    expect(table(lines).get('create order')?.[5]).toBeCloseTo(70 * price.write * 730, 1);
  });

  test('exit codes: 2 without a file, 1 for a file that is not a valid workload (the message names the problem)', async () => {
    expect((await run('cost')).code).toBe(EXIT.usage);
    expect((await run('cost', 'a.yaml', 'b.yaml')).code).toBe(EXIT.usage);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...workload, operations: [{ ...workload.operations[0], perSecond: -1 }] }));
    const invalid = await run('cost', bad);
    expect(invalid.code).toBe(EXIT.failed);
    expect(invalid.errors.join('\n')).toMatch(/CostInputError: operations\[0\]\.perSecond must be a number of at least 0/);
    writeFileSync(bad, JSON.stringify({ ...workload, operations: [{ ...workload.operations[0], model: 'Invoice' }] }));
    expect((await run('cost', bad)).errors.join('\n')).toMatch(/no model named "Invoice"/);
    expect((await run('cost', join(dir, 'missing.json'))).code).toBe(EXIT.failed);
  });
});
