/**
 * The cost plugin on DynamoDB Local: `costs(db)` holds exactly the capacity DynamoDB reported for
 * the requests sent (by operation, model, table and index), priced at the table's price; tenant and
 * partner become dimensions only when allowed; the monthly projection follows the observed rate; a
 * cost alert fires once when the projection crosses its limit; and with a metrics plugin installed,
 * the projection is exported as a metric (EMF lines). A database that does not install the plugin is
 * not asked for capacity.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigurationError, derive, withScope, type DynamORMRequest, type Middleware } from '../../../src/index.js';
import { capacityOf } from '../../../src/plugins/metrics/facts.js';
import { emfExporter, metricsPlugin, type EmfBlob } from '../../../src/plugins/metrics/index.js';
import { costPlugin, costs, estimateMonthlyCost, PRICES, SECONDS_PER_MONTH, setCostAlert, type MonthlyEstimate, type Price } from '../../../src/cost/index.js';
import { recordRequests, testDb } from '../../support/db.js';
import { Note, Order } from './workload.js';

const answers: { request: DynamORMRequest; output: unknown }[] = [];
const capture: Middleware = async (request, next) => {
  const output = await next(request);
  answers.push({ request, output });
  return output;
};

/** A clock the test moves. */
let clock = 1_000_000;
const now = () => clock;

const price: Price = { region: 'eu-west-1', billingMode: 'onDemand', read: 0.25 / 1e6, write: 1.5 / 1e6, source: 'test figures', since: '2026-01-01' };
const cost = costPlugin({ region: 'eu-west-1', prices: [price], allow: { tenant: true }, now, minimumSeconds: 10 });
const lines: string[] = [];
const observed = metricsPlugin({ dimensions: { Service: 'orders' }, exporters: [emfExporter({ namespace: 'Test', sink: (l) => void lines.push(l) })] });
const db = testDb({ requestTimeoutMs: 60_000, plugins: [observed, cost] }).use('capture', capture);
const orders = db.model(Order);
const notes = db.model(Note);

beforeAll(async () => {
  await db.tables.create(Order);
  await db.tables.create(Note);
});
afterAll(() => db.destroy());

/** What DynamoDB reported for the requests captured so far: read and write units. */
function reportedTotals(): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const { request, output } of answers) {
    for (const use of capacityOf(request.operation, output)) {
      read += use.read;
      write += use.write;
    }
  }
  return { read, write };
}

describe('costs(db)', () => {
  test('holds what DynamoDB reported, by operation, model, table and index, priced', async () => {
    cost.reset();
    answers.length = 0;
    await withScope({ tenant: 'acme' }, async () => {
      await orders.create({ customerId: 'c1', orderId: 'o1', status: 'open', amount: 100, ref: 'r1' });
      await orders.create({ customerId: 'c1', orderId: 'o2', status: 'paid', amount: 200 });
      await orders.get({ customerId: 'c1', orderId: 'o1' }, { consistent: true });
      await orders.where('status', '=', 'paid').all();
    });
    await notes.create({ id: 'n1', body: 'x'.repeat(3000) });

    const report = costs(db);
    const totals = reportedTotals();
    expect(totals.write).toBeGreaterThan(0);
    expect(report.writeUnits).toBe(totals.write);
    expect(report.readUnits).toBe(totals.read);
    expect(report.dollars).toBeCloseTo(totals.read * price.read + totals.write * price.write, 15);
    expect(report.price).toEqual(price);

    const line = (operation: string, index: string, model = 'Order') => report.lines.find((l) => l.operation === operation && l.index === index && l.model === model);
    // Two creates: 1 unit each on the table, gsi-status, lsi-amount; gsi-ref only for the first.
    expect(line('create', 'table')).toMatchObject({ tenant: 'acme', writeUnits: 2, readUnits: 0, table: db.tableName(Order) });
    expect(line('create', 'gsi-status')?.writeUnits).toBe(2);
    expect(line('create', 'gsi-ref')?.writeUnits).toBe(1);
    expect(line('create', 'lsi-amount')?.writeUnits).toBe(2);
    expect(line('get', 'table')?.readUnits).toBe(1);
    expect(line('query', 'gsi-status')?.readUnits).toBe(0.5);
    // Outside the tenant scope: tenant `none`; 3,000 B note: 3 units.
    expect(line('create', 'table', 'Note')).toMatchObject({ tenant: 'none', writeUnits: 3 });
    for (const l of report.lines) expect(l.dollars).toBeCloseTo(l.readUnits * price.read + l.writeUnits * price.write, 15);
    expect(report.lines.every((l) => !('partner' in l))).toBe(true);
  });

  test('without allow, no tenant or partner in the lines; a derived database shares the plugin; none installed is a ConfigurationError', async () => {
    const plain = costPlugin({ now });
    const other = testDb({ requestTimeoutMs: 60_000, plugins: [plain] });
    try {
      await other.tables.create(Note);
      await withScope({ tenant: 'acme' }, () => other.model(Note).create({ id: 'n2', body: 'b' }));
      const partner = derive(other, { partner: 'p1' });
      await partner.model(Note).get({ id: 'n2' });
      const report = costs(other);
      expect(report.lines.map((l) => [l.operation, l.writeUnits, l.readUnits])).toEqual([
        ['create', 1, 0],
        ['get', 0, 0.5],
      ]);
      expect(report.lines.every((l) => !('tenant' in l) && !('partner' in l))).toBe(true);
      // us-east-1 on-demand, the built-in figures.
      expect(report.price).toBe(PRICES.find((p) => p.region === 'us-east-1' && p.billingMode === 'onDemand'));
      expect(report.dollars).toBeCloseTo((1 * 0.625 + 0.5 * 0.125) / 1e6, 15);
    } finally {
      other.destroy();
    }
    const bare = testDb();
    expect(() => costs(bare)).toThrow(ConfigurationError);
    bare.destroy();
  });

  test('a database without the plugin is not asked for capacity', async () => {
    const sent: DynamORMRequest[] = [];
    const bare = testDb({ requestTimeoutMs: 60_000 }).use('record', recordRequests(sent));
    try {
      await bare.tables.create(Note);
      await bare.model(Note).create({ id: 'n3', body: 'b' });
      await bare.model(Note).get({ id: 'n3' });
      expect(sent.filter((r) => r.operation !== 'CreateTable' && r.operation !== 'DescribeTable').every((r) => r.input.ReturnConsumedCapacity === undefined)).toBe(true);
    } finally {
      bare.destroy();
    }
  });
});

describe('projection and alerts', () => {
  test('estimateMonthlyCost projects the observed rate over 730 hours; an alert fires once when it crosses its limit; the metrics plugin exports the projection', async () => {
    await observed.flush();
    lines.length = 0;
    cost.reset();
    const fired: MonthlyEstimate[] = [];
    setCostAlert(db, 2, (e) => void fired.push(e));
    const cancelled: MonthlyEstimate[] = [];
    const cancel = setCostAlert(db, 0, (e) => void cancelled.push(e));
    cancel();
    const note = (id: string) => notes.create({ id, body: 'x'.repeat(2500) }); // 3 write units

    // 3 units at once: the projection divides by the 10 s minimum: $4.5e-6 * 262,800 = $1.18, under $2.
    await note('p1');
    expect(estimateMonthlyCost(db).dollars).toBeCloseTo(3 * price.write * (SECONDS_PER_MONTH / 10), 10);
    clock += 20_000;
    const later = estimateMonthlyCost(db);
    expect(later).toMatchObject({ observedSeconds: 20 });
    expect(later.observedDollars).toBeCloseTo(3 * price.write, 15);
    expect(later.dollars).toBeCloseTo(3 * price.write * (SECONDS_PER_MONTH / 20), 10);
    expect(later.writeUnits).toBeCloseTo(3 * (SECONDS_PER_MONTH / 20), 6);

    // Three more notes at t = 20 s: 6, 9, then 12 units: $1.18, $1.77, then $2.37 a month: fires once, on the third.
    await note('p2');
    await note('p3');
    expect(fired).toEqual([]);
    await note('p4');
    expect(fired).toHaveLength(1);
    expect(fired[0]?.dollars).toBeCloseTo(12 * price.write * (SECONDS_PER_MONTH / 20), 10);
    await note('p5');
    expect(fired).toHaveLength(1);
    expect(cancelled).toEqual([]);
    expect(() => setCostAlert(db, Number.NaN, () => undefined)).toThrow(ConfigurationError);

    // Across functions: the latest projection, as a metric of the metrics plugin, with its fixed dimensions.
    await observed.flush();
    const blobs = lines.splice(0).map((l) => JSON.parse(l) as EmfBlob);
    const projection = blobs.filter((b) => 'EstimatedMonthlyCost' in b);
    expect(projection).toHaveLength(1);
    expect(projection[0]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['Service']]);
    expect(projection[0]?.EstimatedMonthlyCost).toBeCloseTo(estimateMonthlyCost(db).dollars, 10);
  });
});
