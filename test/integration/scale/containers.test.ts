/**
 * 32 Lambda containers at once (issue 11): 32 processes (test/support/scale/worker.ts), each with its
 * own DynamORM, DynamoDB client and connection pool, KMS client and data key cache, and partner
 * credentials from STS, writing and reading a partner's payments (tenant-scoped, card encrypted)
 * through the fault proxy, which throttles some requests and drops some connections (before and after
 * DynamoDB applied the request). Four partners, eight containers each, two merchants per partner.
 *
 *   container ──► tap ──► fault proxy ──► DynamoDB Local      (the partner's "account": its STS key)
 *             ──► tap ──► local KMS (GenerateDataKey, Decrypt)
 *             ──► tap ──► local STS (AssumeRole)
 *
 * The taps (test/support/scale/tap.ts) count TCP connections and requests per container. Checked:
 * - nothing lost, nothing doubled: every acknowledged create is in its partner's table (raw scan,
 *   bypassing the proxy), once, as written; every acknowledged capture left version 2; nothing else is
 *   there but creates whose outcome the container did not learn; no item above version 2;
 * - connections: at most `maxSockets` open at once per container (the pool binds: 8 in flight, 4
 *   sockets), and reused (more than 1.5 requests per connection over the run, with drops and all);
 * - STS: one AssumeRole per container for the whole run (credentials cached);
 * - KMS: GenerateDataKey per container at most ceil(creates / maxUses), Decrypt at most the number of
 *   other containers' data keys it read (its own need none), and the taps' counts add up to the KMS
 *   endpoint's own.
 *
 * Knobs (environment): SCALE_CONTAINERS (32), SCALE_WRITES (payments per container, 12),
 * SCALE_CONCURRENCY (8), SCALE_MAX_SOCKETS (4), SCALE_MAX_USES (5). A longer run by hand:
 *   SCALE_WRITES=500 npx vitest run --project integration test/integration/scale
 * The figures of a run are in docs/guides/scaling.md.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DynamoDBClient, ScanCommand, type AttributeValue, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { DynamORM } from '../../../src/index.js';
import { encryption, localKeyProvider } from '../../../src/encryption/index.js';
import { parseEnvelope } from '../../../src/encryption/envelope.js';
import { endpoint } from '../../support/db.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { KmsEndpoint } from '../../support/kms-endpoint.js';
import { headerOf, signingKeyOf, startTap, type Attribution, type Tap } from '../../support/scale/tap.js';
import { ScalePayment, type ReadReport, type WorkerMessage, type WorkerSettings, type WriteReport } from '../../support/scale/model.js';
import { startStsEndpoint, type StsEndpoint } from '../../support/sts-endpoint.js';

const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
};
const CONTAINERS = knob('SCALE_CONTAINERS', 32);
const WRITES = knob('SCALE_WRITES', 12);
const CONCURRENCY = knob('SCALE_CONCURRENCY', 8);
const MAX_SOCKETS = knob('SCALE_MAX_SOCKETS', 4);
const MAX_USES = knob('SCALE_MAX_USES', 5);
const PARTNERS = 4;
const REGION = 'eu-west-1';
/** A loaded two-core machine (another test file beside this one): slow answers are not failures here. */
const REQUEST_TIMEOUT_MS = 30_000;
/** Time for 32 processes to start (each loads the SDK and DynamORM) and for each phase. */
const PHASE_MS = 300_000;

const run = Math.random().toString(36).slice(2, 8);
const ids = Array.from({ length: CONTAINERS }, (_, i) => `c${String(i).padStart(2, '0')}`);
const partnerIds = Array.from({ length: PARTNERS }, (_, p) => `partner${p}`);
const partnerOf = (i: number) => partnerIds[i % PARTNERS] as string;
const roleOf = (p: string) => `arn:aws:iam::${String(300000000000 + partnerIds.indexOf(p))}:role/scale-${run}`;
const prefixOf = (p: string) => `${p}-${run}-`;
const tenantsOf = (p: string) => [`${p}-m1`, `${p}-m2`];
const workerSource = fileURLToPath(new URL('../../support/scale/worker.ts', import.meta.url));
const bundleDir = mkdtempSync(join(tmpdir(), 'dynamorm-scale-'));
/** The worker as one bundle (SDK included), as a Lambda function is deployed: a process starts in a third of the CPU tsx needs. */
const workerFile = join(bundleDir, 'worker.mjs');

/** Which container sent a request: `scale-cNN` in its user agent (DynamoDB, KMS) or signing key (STS, KMS). */
function attribute(head: string): Attribution | undefined {
  const key = signingKeyOf(head) ?? '?';
  const agent = `${headerOf(head, 'user-agent') ?? ''} ${headerOf(head, 'x-amz-user-agent') ?? ''} ${key}`;
  const container = /scale-(c\d+)/.exec(agent)?.[1];
  return container ? { client: container, pool: key } : undefined;
}

let kms: KmsEndpoint;
let sts: StsEndpoint;
let proxy: FaultProxy;
let taps: { dynamodb: Tap; kms: Tap; sts: Tap };
let keyArn: string;
const children = new Map<string, ChildProcess>();

beforeAll(async () => {
  await build({
    entryPoints: [workerSource],
    outfile: workerFile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'error',
    // The SDK is CommonJS inside: an ES module bundle of it needs `require` for Node's built-ins.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  });
  kms = await KmsEndpoint.start();
  keyArn = kms.createKey(`alias/scale-${run}`);
  sts = await startStsEndpoint();
  proxy = await startFaultProxy({ target: endpoint(), seed: 11 });
  taps = { dynamodb: await startTap(proxy.endpoint, attribute), kms: await startTap(kms.url, attribute), sts: await startTap(sts.endpoint, attribute) };
  // Each partner's table, in its account (the access key its role's credentials carry), straight to DynamoDB Local.
  await Promise.all(
    partnerIds.map(async (p) => {
      const db = DynamORM.create({
        endpoint: endpoint(),
        region: REGION,
        credentials: { accessKeyId: sts.accessKeyOf(roleOf(p)), secretAccessKey: 'x' },
        tablePrefix: prefixOf(p),
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        extensions: [encryption({ keyProvider: localKeyProvider(new Uint8Array(32)) })],
      });
      await db.tables.create(ScalePayment);
      db.destroy();
    }),
  );
}, 120_000);

afterAll(async () => {
  for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all([taps?.dynamodb.stop(), taps?.kms.stop(), taps?.sts.stop()]);
  await Promise.all([proxy?.stop(), kms?.stop(), sts?.stop()]);
  rmSync(bundleDir, { recursive: true, force: true });
});

/** Starts one container and resolves once it is ready; its later messages go to `inbox`. */
function startContainer(i: number, inbox: (message: WorkerMessage) => void): Promise<void> {
  const container = ids[i] as string;
  const partner = partnerOf(i);
  const settings: WorkerSettings = {
    container,
    partner,
    tenants: tenantsOf(partner),
    writes: WRITES,
    concurrency: CONCURRENCY,
    maxSockets: MAX_SOCKETS,
    maxUses: MAX_USES,
    maxAttempts: 5,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    region: REGION,
    dynamodb: taps.dynamodb.endpoint,
    kms: taps.kms.endpoint,
    sts: taps.sts.endpoint,
    keyArn,
  };
  const registry = Object.fromEntries(partnerIds.map((p) => [p, { roleArn: roleOf(p), tablePrefix: prefixOf(p) }]));
  const child = fork(workerFile, [], {
    execArgv: [],
    env: { ...process.env, SCALE_WORKER: JSON.stringify(settings), DYNAMORM_PARTNERS: JSON.stringify(registry), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  children.set(container, child);
  let errors = '';
  child.stderr?.on('data', (d: Buffer) => (errors = (errors + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') resolve();
      else inbox(message);
    });
    child.on('exit', (code) => {
      if (code !== 0) {
        const failure = new Error(`container ${container} exited with ${code}: ${errors}`);
        reject(failure);
        inbox({ type: 'error', container, message: failure.message });
      }
    });
  });
}

/** Sends `type` to every container and waits for each one's answer of type `answer`. */
function phase<R>(type: 'write' | 'read', answer: 'written' | 'read', waiting: Map<string, (m: WorkerMessage) => void>): Promise<Map<string, R>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, R>();
    const timer = setTimeout(() => reject(new Error(`phase ${type}: ${CONTAINERS - out.size} containers did not answer in ${PHASE_MS} ms`)), PHASE_MS);
    for (const id of ids) {
      waiting.set(id, (m) => {
        if (m.type === 'error') {
          clearTimeout(timer);
          reject(new Error(`container ${m.container}: ${m.message}`));
        } else if (m.type === answer) {
          out.set(id, (m as unknown as { report: R }).report);
          if (out.size === CONTAINERS) {
            clearTimeout(timer);
            resolve(out);
          }
        }
      });
      children.get(id)?.send({ type });
    }
  });
}

/** Every item of a partner's table, read raw in its account, bypassing the proxy. */
async function scanPartner(p: string): Promise<Record<string, AttributeValue>[]> {
  const client = new DynamoDBClient({ endpoint: endpoint(), region: REGION, credentials: { accessKeyId: sts.accessKeyOf(roleOf(p)), secretAccessKey: 'x' } });
  try {
    const items: Record<string, AttributeValue>[] = [];
    let start: ScanCommandOutput['LastEvaluatedKey'];
    do {
      const page = await client.send(new ScanCommand({ TableName: `${prefixOf(p)}scale-payments`, ConsistentRead: true, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  } finally {
    client.destroy();
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

test(
  `${CONTAINERS} containers × ${WRITES} payments through the fault proxy: nothing lost or doubled; sockets, STS and KMS calls per container bounded`,
  async () => {
    const waiting = new Map<string, (m: WorkerMessage) => void>();
    const startedAt = performance.now();
    let startTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(ids.map((id, i) => startContainer(i, (m) => waiting.get(id)?.(m)))),
      new Promise((_, reject) => (startTimer = setTimeout(() => reject(new Error(`the containers did not start in ${PHASE_MS} ms`)), PHASE_MS))),
    ]).finally(() => clearTimeout(startTimer));
    const startupSeconds = (performance.now() - startedAt) / 1000;

    // Faults only now: throttling, and connections dropped before and after DynamoDB applied the request.
    proxy.setFaults([
      { kind: 'throttle', rate: 0.04 },
      { kind: 'drop', rate: 0.01, when: 'before' },
      { kind: 'drop', rate: 0.01, when: 'after' },
    ]);
    proxy.resetStats();
    const writeStart = performance.now();
    const written = await phase<WriteReport>('write', 'written', waiting);
    const writeSeconds = (performance.now() - writeStart) / 1000;
    const readStart = performance.now();
    const read = await phase<ReadReport>('read', 'read', waiting);
    const readSeconds = (performance.now() - readStart) / 1000;
    const faults = { ...proxy.stats.faults, requests: proxy.stats.requests };
    proxy.setFaults([]);
    for (const child of children.values()) child.send({ type: 'exit' });

    // What is in the tables, raw.
    const stored = new Map<string, Record<string, AttributeValue>[]>();
    for (const p of partnerIds) stored.set(p, await scanPartner(p));

    const rows: string[] = [];
    const problems: string[] = [];
    const check = (ok: boolean, what: string) => {
      if (!ok) problems.push(what);
    };
    for (const [i, id] of ids.entries()) {
      const p = partnerOf(i);
      const w = written.get(id) as WriteReport;
      const r = read.get(id) as ReadReport;
      const items = (stored.get(p) ?? []).filter((item) => item.container?.S === id);
      const byPayment = new Map<string, Record<string, AttributeValue>[]>();
      for (const item of items) byPayment.set(item.paymentId?.S as string, [...(byPayment.get(item.paymentId?.S as string) ?? []), item]);

      // Nothing lost, nothing doubled.
      const created = new Set(w.created);
      const updated = new Set(w.updated);
      for (const paymentId of created) {
        const found = byPayment.get(paymentId) ?? [];
        check(found.length === 1, `${id}: acknowledged ${paymentId} stored ${found.length} times`);
        const version = Number(found[0]?.version?.N);
        if (updated.has(paymentId)) check(version === 2 && found[0]?.status?.S === 'captured', `${id}: captured ${paymentId} stored at version ${version}`);
        else check(version === 1 || version === 2, `${id}: ${paymentId} stored at version ${version}`);
      }
      const unacknowledged = [...byPayment.keys()].filter((k) => !created.has(k));
      check(w.createCalls - w.created.length >= unacknowledged.length, `${id}: ${unacknowledged.length} stored items nobody created`);
      check(
        items.every((item) => Number(item.version?.N) <= 2),
        `${id}: an item above version 2`,
      );
      check(r.wrong.length === 0, `${id}: read back wrong values for ${r.wrong.join(', ')}`);
      // Every get either answered (and was checked above) or failed with an error the container counted.
      const getFailures = Object.entries(r.failures).filter(([k]) => k.startsWith('get:')).reduce((n, [, v]) => n + v, 0);
      check(r.gets + getFailures === w.created.length, `${id}: read back ${r.gets} of ${w.created.length}, ${getFailures} failed`);

      // Connections: the pool binds, and connections are reused.
      const conn = taps.dynamodb.clients.get(id);
      const pools = Object.values(conn?.pools ?? {});
      const peak = Math.max(0, ...pools.map((x) => x.peak));
      check(pools.length === 1, `${id}: ${pools.length} DynamoDB connection pools`);
      check(peak <= MAX_SOCKETS, `${id}: ${peak} connections open at once, maxSockets ${MAX_SOCKETS}`);
      const opened = conn?.opened ?? 0;
      const lost = (conn?.dropped ?? 0) + (conn?.closedByTarget ?? 0) + (conn?.abandoned ?? 0) + (conn?.closedByClient ?? 0);

      // STS: one AssumeRole for the run.
      const assumed = sts.calls.filter((c) => c.signedBy === `scale-${id}`);
      check(assumed.length === 1 && assumed[0]?.ok === true && assumed[0].roleArn === roleOf(p), `${id}: ${assumed.length} AssumeRole calls`);

      // KMS: bounded by the data key cache.
      const k = taps.kms.clients.get(id);
      const generated = k?.byOperation.GenerateDataKey ?? 0;
      const decrypted = k?.byOperation.Decrypt ?? 0;
      const foreignKeys = new Set(
        (stored.get(p) ?? []).filter((item) => item.container?.S !== id && item.card?.B).map((item) => Buffer.from(parseEnvelope(item.card?.B as Uint8Array).wrappedKey).toString('base64')),
      );
      check(generated >= 1 && generated <= Math.ceil(w.createCalls / MAX_USES), `${id}: ${generated} GenerateDataKey for ${w.createCalls} creates`);
      check((decrypted >= 1 || foreignKeys.size === 0 || r.queried === 0) && decrypted <= foreignKeys.size, `${id}: ${decrypted} Decrypt for ${foreignKeys.size} other containers' data keys`);

      rows.push(
        [
          id,
          p,
          `${w.created.length}/${w.createCalls}`,
          w.updated.length,
          r.queried,
          conn?.requests ?? 0,
          opened,
          peak,
          `${lost}: ${conn?.dropped ?? 0}/${conn?.closedByTarget ?? 0}/${conn?.abandoned ?? 0}/${conn?.closedByClient ?? 0}`,
          assumed.length,
          generated,
          decrypted,
          foreignKeys.size,
          Object.entries(r.failures)
            .map(([f, n]) => `${f}×${n}`)
            .join(' ') || '-',
        ].join(' | '),
      );
    }
    // Every connection and call was attributed, and the taps agree with the KMS endpoint's own counts.
    for (const tap of Object.values(taps)) check(!tap.clients.has('?'), 'a connection no container could be named for');
    const kmsByContainer = [...taps.kms.clients.values()];
    check(sum(kmsByContainer.map((c) => c.byOperation.GenerateDataKey ?? 0)) === kms.calls.GenerateDataKey, 'GenerateDataKey counts differ');
    check(sum(kmsByContainer.map((c) => c.byOperation.Decrypt ?? 0)) === kms.calls.Decrypt, 'Decrypt counts differ');
    // Connections were reused (keep-alive): without it every request opens one.
    const connections = sum([...taps.dynamodb.clients.values()].map((c) => c.opened));
    const requests = sum([...taps.dynamodb.clients.values()].map((c) => c.requests));
    check(requests >= 1.5 * connections, `${requests} requests over ${connections} connections`);
    // Each partner's table holds its own containers' payments only.
    for (const [pi, p] of partnerIds.entries()) {
      const mine = new Set(ids.filter((_, i) => i % PARTNERS === pi));
      check((stored.get(p) ?? []).every((item) => mine.has(item.container?.S as string)), `${p}: another partner's payment`);
    }

    const totals = {
      acknowledged: sum([...written.values()].map((w) => w.created.length)),
      creates: sum([...written.values()].map((w) => w.createCalls)),
      captured: sum([...written.values()].map((w) => w.updated.length)),
      stored: sum([...stored.values()].map((s) => s.length)),
      requests: sum([...taps.dynamodb.clients.values()].map((c) => c.requests)),
      connections: sum([...taps.dynamodb.clients.values()].map((c) => c.opened)),
      assumeRole: sts.calls.length,
      generateDataKey: kms.calls.GenerateDataKey,
      decrypt: kms.calls.Decrypt,
    };
    const waits = [...taps.dynamodb.clients.values()].flatMap((c) => c.abandonedAfterMs).sort((a, b) => a - b);
    console.log(
      [
        `${CONTAINERS} containers × ${WRITES} payments (${CONCURRENCY} in flight, maxSockets ${MAX_SOCKETS}, data keys: maxUses ${MAX_USES}); ` +
          `start ${startupSeconds.toFixed(1)} s, writes ${writeSeconds.toFixed(1)} s, reads ${readSeconds.toFixed(1)} s`,
        `fault proxy: ${faults.requests} requests, ${faults.throttle} throttled, ${faults.drop} connections dropped`,
        `connections given up by the client with a request unanswered: ${waits.length}, after ${waits.length ? `${Math.round(waits[0] as number)} to ${Math.round(waits.at(-1) as number)} ms (median ${Math.round(waits[Math.floor(waits.length / 2)] as number)})` : '-'}`,
        `totals: ${JSON.stringify(totals)}`,
        '',
        '| container | partner | creates acked/called | captures acked | items queried | DynamoDB requests | connections opened | peak open | closed before the end: dropped/closed idle by the proxy/closed by the client mid-request/closed idle by the client | AssumeRole | GenerateDataKey | Decrypt | others\' data keys | failures |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        ...rows.map((r) => `| ${r} |`),
      ].join('\n'),
    );
    expect(problems).toEqual([]);
    // The run did meet faults.
    expect(faults.throttle).toBeGreaterThan(0);
    expect(faults.drop).toBeGreaterThan(0);
    // Each container got writes through (the checks above are not about nothing).
    for (const w of written.values()) expect(w.created.length).toBeGreaterThan(0);
  },
  // Start, write, read: each may take up to PHASE_MS on a loaded machine (about a minute on an idle one).
  3 * PHASE_MS + 60_000,
);
