// One Lambda container of the payment benchmark: loads a bundled create-payment handler and answers
// `count` requests (distinct idempotency keys, references and card numbers), then prints what it used:
// the time to load the bundle, the first request's time (cold: clients made, first data key fetched),
// and the CPU per request after `warm` requests.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const [file, countText, warmText, runId] = process.argv.slice(2);
const count = Number(countText);
const warm = Number(warmText);
const started = performance.now();
const mod = createRequire(import.meta.url)(file);
const loadMs = performance.now() - started;
const context = { getRemainingTimeInMillis: () => 10_000, awsRequestId: 'bench', functionName: 'create-payment' };
const event = (i) => ({
  idempotencyKey: `${runId}-k${i}`,
  merchantId: `m-${runId}`,
  reference: `${runId}-order-${i}`,
  amount: 1000 + i,
  currency: 'EUR',
  cardNumber: `4111${String(100000000000 + i).slice(-12)}`,
  cvv: '123',
  actor: 'clerk-7',
});
const answer = (r) => (typeof r?.statusCode === 'number' ? r.statusCode : 0);
const statuses = {};
const first = performance.now();
statuses[answer(await mod.handler(event(0), context))] = 1;
const firstMs = performance.now() - first;
for (let i = 1; i < warm; i++) {
  const s = answer(await mod.handler(event(i), context));
  statuses[s] = (statuses[s] ?? 0) + 1;
}
const cpu = process.cpuUsage();
const wall = performance.now();
for (let i = warm; i < count; i++) {
  const s = answer(await mod.handler(event(i), context));
  statuses[s] = (statuses[s] ?? 0) + 1;
}
const used = process.cpuUsage(cpu);
const measured = count - warm;
process.stdout.write(`${JSON.stringify({ loadMs, firstMs, coldMs: loadMs + firstMs, cpuUsPerRequest: (used.user + used.system) / measured, wallMsPerRequest: (performance.now() - wall) / measured, statuses })}\n`);
process.exit(0);
