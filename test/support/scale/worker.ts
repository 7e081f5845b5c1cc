/**
 * One simulated Lambda container of the scale test (test/integration/scale/), run as its own process.
 * Like a container of a payment function it makes, once, its own DynamORM (its own DynamoDB client and
 * connection pool, the `lambda()` preset), an encryption extension over its own KMS client with a
 * data key cache, and partner accounts from the registry in `DYNAMORM_PARTNERS` (credentials from
 * STS). It serves one partner, and writes for that partner's merchants, each in its tenant scope.
 *
 * The test drives it in two phases over the IPC channel, so every container writes at the same time
 * and reads only once everyone has written: `write` (create a payment, then capture it with a
 * versioned update; `concurrency` at a time), then `read` (get back each payment it created, then
 * query every merchant of the partner: the items of the other containers too, whose data keys it has
 * to unwrap). Settings come as JSON in `SCALE_WORKER` (see WorkerSettings).
 *
 * Every SDK client carries `scale-<container>` (user agent, or the access key it signs STS and KMS
 * calls with), which is how the taps in front of the endpoints tell containers apart.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamORM } from '../../../src/index.js';
import { encryption, kmsKeyProvider } from '../../../src/encryption/index.js';
import { forPartner, partnerAccounts, partnerRegistryFromEnv } from '../../../src/partners/index.js';
import { connectionOptions, lambda } from '../../../src/presets/index.js';
import { withTenant } from '../../../src/tenants/index.js';
import { amountOf, cardOf, paymentIdOf, ScalePayment, type ParentMessage, type ReadReport, type WorkerMessage, type WorkerSettings, type WriteReport } from './model.js';

const settings = JSON.parse(process.env.SCALE_WORKER as string) as WorkerSettings;
const { container, partner } = settings;
const agent = `scale-${container}`;
const signer = { accessKeyId: agent, secretAccessKey: 'scale-secret' };

const send = (message: WorkerMessage) => process.send?.(message);

const kms = new KMSClient({ endpoint: settings.kms, region: settings.region, credentials: signer, customUserAgent: agent });
const db = DynamORM.create(
  lambda({
    endpoint: settings.dynamodb,
    region: settings.region,
    credentials: signer,
    maxAttempts: settings.maxAttempts,
    requestTimeoutMs: settings.requestTimeoutMs,
    connectTimeoutMs: settings.requestTimeoutMs,
    clientConfig: { customUserAgent: agent, requestHandler: connectionOptions(settings.maxSockets) },
    extensions: [encryption({ keyProvider: kmsKeyProvider({ keyId: settings.keyArn, client: kms }), cache: { maxAge: 15 * 60_000, maxUses: settings.maxUses } })],
  }),
);
const partners = partnerAccounts(db, { registry: partnerRegistryFromEnv(), sts: { endpoint: settings.sts } });
const payments = () => forPartner(db, partner).model(ScalePayment);

/** Runs `fn(0 .. count-1)`, `concurrency` at a time. */
async function lanes(count: number, concurrency: number, fn: (n: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

const failures: Record<string, number> = {};
const failed = (operation: string, error: unknown) => {
  const key = `${operation}:${(error as Error | undefined)?.name ?? 'unknown'}`;
  failures[key] = (failures[key] ?? 0) + 1;
};
const tenantOf = (n: number) => settings.tenants[n % settings.tenants.length] as string;
const created: string[] = [];
const updated = new Set<string>();

async function write(): Promise<WriteReport> {
  const started = performance.now();
  let createCalls = 0;
  await lanes(settings.writes, settings.concurrency, async (n) => {
    const paymentId = paymentIdOf(container, n);
    const merchantId = tenantOf(n);
    await withTenant(merchantId, async () => {
      try {
        createCalls++;
        await payments().create({ merchantId, paymentId, container, amount: amountOf(paymentId), card: cardOf(paymentId), status: 'authorized' });
        created.push(paymentId);
      } catch (error) {
        failed('create', error);
        return;
      }
      try {
        const item = await payments().update({ merchantId, paymentId, version: 1 }, { status: 'captured' });
        if (item.version !== 2 || item.card !== cardOf(paymentId)) throw new Error('update answered another item');
        updated.add(paymentId);
      } catch (error) {
        failed('update', error);
      }
    });
  });
  return { container, createCalls, created: [...created], updated: [...updated], failures: { ...failures }, writeMs: performance.now() - started };
}

async function read(): Promise<ReadReport> {
  const started = performance.now();
  const wrong: string[] = [];
  let gets = 0;
  await lanes(created.length, settings.concurrency, async (n) => {
    const paymentId = created[n] as string;
    const merchantId = tenantOf(Number(paymentId.slice(paymentId.lastIndexOf('-') + 1)));
    try {
      const item = await withTenant(merchantId, () => payments().get({ merchantId, paymentId }, { consistent: true }));
      gets++;
      const statusOk = updated.has(paymentId) ? item?.status === 'captured' && item.version === 2 : item !== undefined;
      if (!item || item.card !== cardOf(paymentId) || item.amount !== amountOf(paymentId) || item.container !== container || !statusOk) wrong.push(paymentId);
    } catch (error) {
      failed('get', error);
    }
  });
  let queried = 0;
  let foreign = 0;
  // Every merchant of the partner, whoever wrote its payments: their data keys are not this container's.
  for (const merchantId of settings.tenants) {
    try {
      const items = await withTenant(merchantId, () => payments().where('merchantId', '=', merchantId).consistent().all());
      for (const item of items) {
        queried++;
        if (item.container !== container) foreign++;
        if (item.card !== cardOf(item.paymentId) || item.amount !== amountOf(item.paymentId) || !item.paymentId.startsWith(`${item.container}-`)) wrong.push(item.paymentId);
      }
    } catch (error) {
      failed('query', error);
    }
  }
  return { container, gets, queried, foreign, wrong, failures: { ...failures }, readMs: performance.now() - started };
}

process.on('message', (message: ParentMessage) => {
  const run = async () => {
    if (message.type === 'write') send({ type: 'written', report: await write() });
    else if (message.type === 'read') send({ type: 'read', report: await read() });
    else {
      partners.destroy();
      db.destroy();
      kms.destroy();
      process.exit(0);
    }
  };
  run().catch((error: unknown) => send({ type: 'error', container, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
});
send({ type: 'ready', container });
