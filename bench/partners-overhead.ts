/**
 * CPU per `get` on a partner database, as a ratio to the same `get` on the plain database: what a
 * partner handle costs per request (its outermost middleware: the scope check and the in-flight
 * count; the SDK's memoized assumed-role credentials). Measured with and without a partner scope.
 *
 * DynamoDB's answer (`{}`: no such item) is served from memory through the SDK's request handler
 * slot, so the SDK and DynamORM run in full (signing, serialising, parsing) and the network does not.
 * STS is the local STS of the tests (test/support/sts-endpoint.ts), over real HTTP, called once per
 * partner database (credentials live an hour). Variants are measured in turns, round after round;
 * the median of the rounds is reported.
 *
 *   npx tsx bench/partners-overhead.ts      (BENCH_ROUNDS, BENCH_ITER, BENCH_WARMUP tune it)
 */
import { Readable } from 'node:stream';
import { HttpResponse } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Database, model } from '../src/index.js';
import * as attr from '../src/attr.js';
import { definePartners, forPartner, partnerAccounts, withPartner } from '../src/partners/index.js';
import { startStsEndpoint } from '../test/support/sts-endpoint.js';
import { envInt, median, writeResult } from './lib/stats.js';
import { cpuPerCall } from './warm-overhead/measure.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROUNDS = envInt('BENCH_ROUNDS', 7);
const PER_ROUND = envInt('BENCH_ITER', 2000);
const WARMUP = envInt('BENCH_WARMUP', 3000);

const Order = model('Order', {
  table: 'orders',
  attributes: { pk: attr.template('CUST#{customerId}').partitionKey(), sk: attr.template('ORDER#{orderId}').sortKey(), customerId: attr.string(), orderId: attr.string() },
});

/** DynamoDB's answer to a GetItem of a missing item, from memory. */
const canned = {
  async handle(): Promise<{ response: HttpResponse }> {
    const body = Buffer.from('{}');
    return {
      response: new HttpResponse({
        statusCode: 200,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'bench', 'content-length': String(body.length) },
        body: Readable.from([body], { objectMode: false }),
      }),
    };
  },
  updateHttpClientConfig(): void {},
  httpHandlerConfigs: () => ({}),
  destroy(): void {},
};

async function main(): Promise<void> {
  const sts = await startStsEndpoint();
  const stsHandler = new NodeHttpHandler();
  const base = Database.create({
    region: 'eu-west-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    clientConfig: { requestHandler: canned as never },
  });
  const accounts = partnerAccounts(base, {
    registry: definePartners({ acme: { roleArn: 'arn:aws:iam::123456789012:role/bench', tablePrefix: 'acme-' } }),
    sts: { endpoint: sts.endpoint, requestHandler: stsHandler },
  });
  const key = { customerId: 'c-1', orderId: 'o-1' };
  const plain = base.model(Order);
  const partner = forPartner(base, 'acme').model(Order);
  const variants: Record<string, () => Promise<unknown>> = {
    plain: () => plain.get(key),
    partner: () => partner.get(key),
    'partner in withPartner scope': () => withPartner('acme', () => partner.get(key)),
  };
  for (const fn of Object.values(variants)) for (let i = 0; i < WARMUP; i++) await fn();
  const rounds: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? Object.keys(variants) : Object.keys(variants).reverse();
    for (const name of order) rounds[name]?.push(await cpuPerCall(variants[name] as () => Promise<unknown>, PER_ROUND));
  }
  const plainUs = median(rounds.plain ?? []);
  const result = Object.fromEntries(Object.entries(rounds).map(([name, values]) => [name, { cpuUs: median(values), ratio: median(values) / plainUs }]));
  console.log(`CPU per get (median of ${ROUNDS} rounds of ${PER_ROUND}), AssumeRole calls: ${sts.assumed('arn:aws:iam::123456789012:role/bench')}`);
  for (const [name, { cpuUs, ratio }] of Object.entries(result)) console.log(`  ${name.padEnd(30)} ${cpuUs.toFixed(1)} µs  x${ratio.toFixed(3)}`);
  writeResult('partners-overhead', { rounds: ROUNDS, perRound: PER_ROUND, result });
  accounts.destroy();
  stsHandler.destroy();
  await sts.stop();
}

await main();
