/**
 * Time spent in DynamORM itself, without the SDK: (1) building the DynamoDB input of each request
 * (the "request building under 3 µs"), timed on the internal planners the operations call;
 * (2) whole operations with a middleware that answers from captured SDK outputs, so validation,
 * encoding, decoding and the middleware chain are measured and signing, HTTP and JSON are not.
 */
import { DynamORM, type Middleware } from '../../src/index.js';
import { encodeKey } from '../../src/model/item-codec.js';
import { planCreate, planUpdate } from '../../src/write/plans.js';
import { OrderModel, opsFor } from '../handlers/dynamorm.js';
import { newOrder } from '../handlers/shared.js';
import { orderIdOf, partitionOf } from '../lib/dynamodb.js';
import { median } from '../lib/stats.js';
import type { Replayer } from '../lib/replay.js';
import { calls, check, OPERATIONS, type Operation } from './operations.js';
import type { Recordings } from './record.js';
import { measure } from './measure.js';

/** CPU µs per call of a synchronous builder: median of 5 rounds of 20,000 after a warm-up. */
function buildTime(fn: () => unknown): number {
  for (let i = 0; i < 20_000; i++) fn();
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < 20_000; i++) fn();
    const used = process.cpuUsage(start);
    rounds.push((used.user + used.system) / 20_000);
  }
  return median(rounds);
}

export async function measureDynamORMAlone(
  replayer: Replayer,
  recordings: Recordings[string],
): Promise<{ build: Record<string, number>; ownCpuUs: Record<Operation, number> }> {
  // 1. Request building.
  const db = DynamORM.create({ endpoint: 'http://127.0.0.1:1' }); // never sends
  const orders = db.model(OrderModel);
  const q = partitionOf('dynamorm', 'q');
  const order = newOrder(partitionOf('dynamorm', 'w'), 'replayed');
  const key = { customerId: q, orderId: orderIdOf(0) };
  // What a write's operation context gives its plan: the model, the table and one clock reading.
  const planContext = () => ({ meta: OrderModel.compiled, tableName: orders.tableName, now: new Date() });
  const build = {
    'PutItem (create)': buildTime(() => planCreate(planContext(), order as never).input),
    'GetItem': buildTime(() => ({ TableName: orders.tableName, Key: encodeKey(OrderModel.compiled, key, 'Order.get').key })),
    'Query (where + limit 10)': buildTime(() => orders.where('customerId', '=', q).limit(10).toInput()),
    'UpdateItem (1 field)': buildTime(() => planUpdate(planContext(), key, { status: 'paid' }, {}).input),
  };

  // 2. Capture the SDK's outputs once (through the replayer), then answer every request with them.
  const captured = new Map<Operation, unknown>();
  let current: Operation = 'put';
  const capture: Middleware = async (request, next) => {
    const output = await next(request);
    captured.set(current, output);
    return output;
  };
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const withSdk = calls('dynamorm', opsFor(DynamORM.create({ client: new DynamoDBClient({ requestHandler: replayer }), middleware: [capture] })));
  for (const op of OPERATIONS) {
    current = op;
    replayer.play(recordings[op]);
    await withSdk[op]();
  }
  const stub: Middleware = () => Promise.resolve(captured.get(current));
  const alone = calls('dynamorm', opsFor(DynamORM.create({ endpoint: 'http://127.0.0.1:1', middleware: [stub] })));
  const ownCpuUs = {} as Record<Operation, number>;
  for (const op of OPERATIONS) {
    current = op;
    check(op, 'dynamorm', await alone[op]());
    ownCpuUs[op] = (await measure(alone[op], op)).cpuUs;
  }
  return { build, ownCpuUs };
}
