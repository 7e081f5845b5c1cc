/**
 * The multi-tenant payments API, invoked as Lambda would be (simulated API Gateway events, a
 * simulated context whose remaining time counts down) against DynamoDB Local. A middleware records
 * every request DynamORM sends, to prove that refusals sent nothing; raw reads are the judge of
 * what was stored, and where. Partner accounts run against a local STS speaking the STS protocol
 * through the SDK, each partner's role its own DynamoDB Local "account" (access key).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { DynamORMRequest } from '../../src/index.js';
import { invokeLocally } from '../../src/lambda/index.js';
import { definePartners, partnerAccounts, type PartnerAccounts } from '../../src/partners/index.js';
import type { DynamORM } from '../../src/index.js';
import { endpoint, rawItem, recordRequests, testDb } from '../../test/support/db.js';
import { startStsEndpoint, type StsEndpoint } from '../../test/support/sts-endpoint.js';
import { httpApiEvent, restApiEvent, type ApiEvent, type Caller, type SimulatedRequest } from './events.js';
import { main, Payment, paymentsApi, type ApiHandler } from './index.js';

interface Answer {
  status: number;
  body: { error?: { code: string; rule?: string; problem?: string }; items?: { paymentId: string; merchantId: string; status: string }[]; cursor?: string } & Record<string, unknown>;
}

const call = async (api: ApiHandler, event: ApiEvent, remainingMs = 5000): Promise<Answer> => {
  const response = await invokeLocally(api, event, { remainingMs });
  expect(response.headers['content-type']).toBe('application/json');
  return { status: response.statusCode, body: JSON.parse(response.body) as Answer['body'] };
};

const run = Math.random().toString(36).slice(2, 8);

describe('one account', () => {
  const db = testDb({ cursorSecret: 'multi-tenant-example-cursor-secret-0001' });
  // Counted in the SDK client itself: what was handed to the SDK to send, whatever refused it before.
  const sent: string[] = [];
  db.client.middlewareStack.add((next, context) => (args) => (sent.push(String(context.commandName)), next(args)), { step: 'initialize', name: 'countSent' });
  const api = paymentsApi(db, { partner: 'acme' });
  const A: Caller = { partnerId: 'acme', merchantId: `shop-${run}` };
  const B: Caller = { partnerId: 'acme', merchantId: `cafe-${run}` };
  const v2 = (caller: Caller | undefined, request: SimulatedRequest) => call(api, httpApiEvent(caller, request));
  const v1 = (caller: Caller | undefined, request: SimulatedRequest) => call(api, restApiEvent(caller, request));
  const payments = (m: string | undefined) => `/merchants/${m}/payments`;
  /** Runs `fn` and returns how many requests DynamORM sent meanwhile. */
  const sentDuring = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const before = sent.length;
    const result = await fn();
    return [result, sent.length - before];
  };
  const aIds: string[] = [];

  beforeAll(async () => {
    await db.tables.create(Payment);
    for (let i = 0; i < 5; i++) {
      const created = await v2(A, { method: 'POST', path: payments(A.merchantId), body: { amount: 100 + i, currency: 'EUR' } });
      expect(created.status).toBe(201);
      aIds.push(created.body.paymentId as string);
    }
    expect((await v1(B, { method: 'POST', path: payments(B.merchantId), body: { amount: 999, currency: 'USD' } })).status).toBe(201);
  });
  afterAll(() => db.destroy());

  test('the demo session runs and answers as designed', async () => {
    const lines: string[] = [];
    const result = await main(db, (line) => lines.push(line));
    expect(result.created).toHaveLength(5);
    // 5 created, 2 captured: the 3 pending ones, newest first, in pages of 2.
    expect(result.pending).toEqual(result.created.slice(2).reverse());
    expect(result.pages).toBe(2);
    expect(result.statuses).toEqual({
      'capture twice': 409,
      'cafe reads a shop payment id under its own merchant': 404,
      "cafe reads the shop's payment": 403,
      "cafe lists the shop's payments": 403,
      "cafe pages on with the shop's cursor": 400,
      'negative amount': 400,
      'no authorizer': 401,
      'another partner': 403,
    });
    expect(lines.join('\n')).toContain("shop's pending payments: 3 in 2 pages");
  });

  test('HTTP API and REST API events: create, get, capture, list; the stored item carries the merchant in its keys', async () => {
    const created = await v1(A, { method: 'POST', path: payments(A.merchantId), body: { amount: 1250, currency: 'GBP', reference: 'order-77' } });
    expect(created.status).toBe(201);
    const id = created.body.paymentId as string;
    expect(created.body).toMatchObject({ merchantId: A.merchantId, amount: 1250, currency: 'GBP', status: 'pending', reference: 'order-77', version: 1 });
    expect(created.body).not.toHaveProperty('pk');

    const stored = await rawItem(db, Payment, { pk: { S: `M#${A.merchantId}` }, sk: { S: `P#${id}` } });
    expect(stored).toMatchObject({ merchantId: { S: A.merchantId }, amount: { N: '1250' }, statusKey: { S: `M#${A.merchantId}#S#pending` } });

    expect(await v2(A, { method: 'GET', path: `${payments(A.merchantId)}/${id}` })).toMatchObject({ status: 200, body: { paymentId: id, status: 'pending' } });
    expect(await v2(A, { method: 'POST', path: `${payments(A.merchantId)}/${id}/capture` })).toMatchObject({ status: 200, body: { status: 'captured', version: 2, createdAt: created.body.createdAt } });
    // The status index key moved with the status: the item is listed as captured, no longer as pending.
    expect((await rawItem(db, Payment, { pk: { S: `M#${A.merchantId}` }, sk: { S: `P#${id}` } }))?.statusKey).toEqual({ S: `M#${A.merchantId}#S#captured` });
    // Listing by status reads the status index, whose partition key carries the merchant.
    expect(db.model(Payment).where('merchantId', '=', A.merchantId as string).where('status', '=', 'captured').explain().indexName).toBe('gsi-status');
    const captured = await v1(A, { method: 'GET', path: payments(A.merchantId), query: { status: 'captured' } });
    expect(captured.body.items?.map((p) => p.paymentId)).toContain(id);
    const pending = await v2(A, { method: 'GET', path: payments(A.merchantId), query: { status: 'pending', limit: '100' } });
    expect(pending.body.items?.map((p) => p.paymentId)).not.toContain(id);
    // Two captures of one pending payment at once: one wins, the other is a conflict, one version bump.
    const racing = (await v1(A, { method: 'POST', path: payments(A.merchantId), body: { amount: 300, currency: 'EUR' } })).body.paymentId as string;
    const both = await Promise.all([v2, v1].map((send) => send(A, { method: 'POST', path: `${payments(A.merchantId)}/${racing}/capture` })));
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect((await rawItem(db, Payment, { pk: { S: `M#${A.merchantId}` }, sk: { S: `P#${racing}` } }))?.version).toEqual({ N: '2' });
    // A second capture finds it no longer pending.
    expect(await v2(A, { method: 'POST', path: `${payments(A.merchantId)}/${id}/capture` })).toMatchObject({ status: 409, body: { error: { code: 'CONDITIONAL_CHECK_FAILED' } } });
    // A base64 body, as API Gateway sends binary-flagged bodies.
    const encoded = { ...httpApiEvent(A, { method: 'POST', path: payments(A.merchantId) }), body: Buffer.from(JSON.stringify({ amount: 5, currency: 'EUR' })).toString('base64'), isBase64Encoded: true };
    expect((await call(api, encoded)).status).toBe(201);
  });

  test("merchant B cannot read, capture or list merchant A's payments, whatever path it sends", async () => {
    const id = aIds[0] as string;
    // Under its own merchant id the key is B's: A's payment is simply not there (nothing is revealed).
    const [own, sentOwn] = await sentDuring(() => v2(B, { method: 'GET', path: `${payments(B.merchantId)}/${id}` }));
    expect(own).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(sentOwn).toBe(1);
    // Under A's merchant id the tenant scope refuses before sending: the handler checks nothing itself.
    for (const [request, operation] of [
      [{ method: 'GET', path: `${payments(A.merchantId)}/${id}` }, 'get'],
      [{ method: 'POST', path: `${payments(A.merchantId)}/${id}/capture` }, 'get, then update'],
      [{ method: 'GET', path: payments(A.merchantId) }, 'query'],
      [{ method: 'GET', path: payments(A.merchantId), query: { status: 'pending' } }, 'query'],
      [{ method: 'POST', path: payments(A.merchantId), body: { amount: 1, currency: 'EUR' } }, 'create'],
    ] as const) {
      const [answer, count] = await sentDuring(() => v2(B, request));
      expect(answer, `${request.method} ${request.path} (${operation})`).toMatchObject({ status: 403, body: { error: { code: 'TENANT_SCOPE', rule: 'other-tenant' } } });
      expect(count).toBe(0);
    }
    // A merchant id in the path that extends B's own with a key separator is still another merchant's.
    const [spliced, sentSpliced] = await sentDuring(() => v2(B, { method: 'GET', path: `/merchants/${encodeURIComponent(`${B.merchantId}#S#pending`)}/payments` }));
    expect(spliced).toMatchObject({ status: 403, body: { error: { code: 'TENANT_SCOPE' } } });
    expect(sentSpliced).toBe(0);
    // Capturing under its own id finds nothing to capture, and A's payment is untouched.
    expect((await v1(B, { method: 'POST', path: `${payments(B.merchantId)}/${id}/capture` })).status).toBe(404);
    const stored = await rawItem(db, Payment, { pk: { S: `M#${A.merchantId}` }, sk: { S: `P#${id}` } });
    expect(stored).toMatchObject({ status: { S: 'pending' }, version: { N: '1' } });
    // B's list holds B's payments only, on the table and on the status index.
    for (const query of [{}, { status: 'pending' }] as Record<string, string>[]) {
      const list = await v2(B, { method: 'GET', path: payments(B.merchantId), query });
      expect(list.status).toBe(200);
      expect(list.body.items?.length).toBeGreaterThan(0);
      expect(new Set(list.body.items?.map((p) => p.merchantId))).toEqual(new Set([B.merchantId]));
    }
  });

  test("a cursor of merchant A is refused for merchant B, before anything is sent; it still works for A", async () => {
    const first = await v2(A, { method: 'GET', path: payments(A.merchantId), query: { status: 'pending', limit: '2' } });
    expect(first.status).toBe(200);
    const cursor = first.body.cursor as string;
    expect(cursor).toEqual(expect.any(String));
    // B's own query with A's cursor: the cursor was made for A's key condition.
    const [own, sentOwn] = await sentDuring(() => v2(B, { method: 'GET', path: payments(B.merchantId), query: { status: 'pending', limit: '2', cursor } }));
    expect(own).toMatchObject({ status: 400, body: { error: { code: 'INVALID_CURSOR' } } });
    expect(sentOwn).toBe(0);
    // B replaying A's whole query with A's cursor: A's partition is refused.
    const [replay, sentReplay] = await sentDuring(() => v1(B, { method: 'GET', path: payments(A.merchantId), query: { status: 'pending', limit: '2', cursor } }));
    expect(replay).toMatchObject({ status: 403, body: { error: { code: 'TENANT_SCOPE' } } });
    expect(sentReplay).toBe(0);
    // A tampered cursor is refused too.
    const tampered = `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await v2(A, { method: 'GET', path: payments(A.merchantId), query: { status: 'pending', limit: '2', cursor: tampered } })).status).toBe(400);
    // A pages on with it: the next page, no overlap.
    const next = await v2(A, { method: 'GET', path: payments(A.merchantId), query: { status: 'pending', limit: '2', cursor } });
    expect(next.status).toBe(200);
    const firstIds = first.body.items?.map((p) => p.paymentId) ?? [];
    expect(next.body.items?.length).toBeGreaterThan(0);
    for (const p of next.body.items ?? []) expect(firstIds).not.toContain(p.paymentId);
  });

  test('bad input is a 400 and nothing is sent', async () => {
    const create = (body: unknown) => ({ method: 'POST', path: payments(A.merchantId), body });
    const list = (query: Record<string, string>) => ({ method: 'GET', path: payments(A.merchantId), query });
    const cases: [string, SimulatedRequest][] = [
      ['not JSON', create('{"amount": 1')],
      ['no body', { method: 'POST', path: payments(A.merchantId) }],
      ['a JSON array', create([1, 2])],
      ['an unknown field', create({ amount: 100, currency: 'EUR', fee: 1 })],
      ['the merchant in the body', create({ amount: 100, currency: 'EUR', merchantId: B.merchantId })],
      ['a negative amount', create({ amount: -5, currency: 'EUR' })],
      ['a zero amount', create({ amount: 0, currency: 'EUR' })],
      ['an amount as a string', create({ amount: '100', currency: 'EUR' })],
      ['a fractional amount', create({ amount: 1.5, currency: 'EUR' })],
      ['an unknown currency', create({ amount: 100, currency: 'XYZ' })],
      ['no currency', create({ amount: 100 })],
      ['a long reference', create({ amount: 100, currency: 'EUR', reference: 'r'.repeat(65) })],
      ['limit 0', list({ limit: '0' })],
      ['limit not a number', list({ limit: 'ten' })],
      ['limit too large', list({ limit: '1000' })],
      ['an unknown status', list({ status: 'refunded' })],
      ['a malformed cursor', list({ cursor: 'not-a-cursor' })],
      ['bad path encoding', { method: 'GET', path: `${payments(A.merchantId)}/%E0%A4%A` }],
    ];
    for (const [what, request] of cases) {
      for (const make of [httpApiEvent, restApiEvent]) {
        const [answer, count] = await sentDuring(() => call(api, make(A, request)));
        expect(answer.status, what).toBe(400);
        expect(['VALIDATION', 'INVALID_CURSOR'], what).toContain(answer.body.error?.code);
        expect(count, what).toBe(0);
      }
    }
  });

  test('no usable identity in the authorizer context is a 401 or 403, and nothing is sent', async () => {
    const get = { method: 'GET', path: payments(A.merchantId) };
    const cases: [string, ApiEvent, number, string][] = [
      ['no authorizer', httpApiEvent(undefined, get), 401, 'missing-partner'],
      ['no merchant', restApiEvent({ partnerId: 'acme' }, get), 401, 'missing-tenant'],
      // A client-set header is not an identity: only the authorizer's context counts.
      ['the merchant in a header only', httpApiEvent({ partnerId: 'acme' }, { ...get, headers: { merchantId: A.merchantId as string } }), 401, 'missing-tenant'],
      ['a merchant id holding a key separator', httpApiEvent({ partnerId: 'acme', merchantId: `${A.merchantId}#S#pending` }, get), 403, 'invalid-tenant'],
      ['a malformed partner id', restApiEvent({ partnerId: 'ac me', merchantId: A.merchantId }, get), 403, 'invalid-partner'],
      ['another partner', httpApiEvent({ partnerId: 'globex', merchantId: A.merchantId }, get), 403, 'unknown-partner'],
    ];
    for (const [what, event, status, problem] of cases) {
      const [answer, count] = await sentDuring(() => call(api, event));
      expect(answer, what).toMatchObject({ status, body: { error: { code: 'EVENT_SCOPE', problem } } });
      expect(count, what).toBe(0);
    }
  });

  test('out of time: a write answers 503 without being sent; a list answers a short page whose cursor resumes it', async () => {
    // 150 ms left is inside the handler's 200 ms safety margin: DynamORM hands no request to the SDK.
    const [write, sentWrite] = await sentDuring(() => call(api, httpApiEvent(A, { method: 'POST', path: payments(A.merchantId), body: { amount: 1, currency: 'EUR' } }), 150));
    expect(write).toMatchObject({ status: 503, body: { error: { code: 'TIMEOUT' } } });
    expect(sentWrite).toBe(0);
    const query = { status: 'pending', limit: '3' };
    const [short, sentShort] = await sentDuring(() => call(api, httpApiEvent(A, { method: 'GET', path: payments(A.merchantId), query }), 150));
    expect(short).toMatchObject({ status: 200, body: { items: [], cursor: expect.any(String) } });
    expect(sentShort).toBe(0);
    // The cursor resumes where the short page stopped: here, at the start.
    const resumed = await v2(A, { method: 'GET', path: payments(A.merchantId), query: { ...query, cursor: short.body.cursor as string } });
    const fresh = await v2(A, { method: 'GET', path: payments(A.merchantId), query });
    expect(resumed.body.items?.map((p) => p.paymentId)).toEqual(fresh.body.items?.map((p) => p.paymentId));
    expect(fresh.body.items).toHaveLength(3);
  });

  test('unknown routes and methods', async () => {
    expect((await v2(A, { method: 'GET', path: '/payments' })).status).toBe(404);
    expect((await v2(A, { method: 'GET', path: `${payments(A.merchantId)}/x/refund` })).status).toBe(404);
    expect((await v1(A, { method: 'DELETE', path: payments(A.merchantId) })).status).toBe(405);
    expect((await v1(A, { method: 'PUT', path: `${payments(A.merchantId)}/x` })).status).toBe(405);
  });
});

describe('partner accounts', () => {
  const ROLES = { acme: `arn:aws:iam::111111111111:role/payments-${run}`, globex: `arn:aws:iam::222222222222:role/payments-${run}` };
  const PREFIX = { acme: `acme-${run}-`, globex: `globex-${run}-` };
  const sent: DynamORMRequest[] = [];
  let sts: StsEndpoint;
  let db: DynamORM;
  let partners: PartnerAccounts<DynamORM>;
  let api: ApiHandler;

  /** Every payment in one account's table, read raw with the account's access key. */
  const account = async (accessKeyId: string, table?: string) => {
    const client = new DynamoDBClient({ endpoint: endpoint(), region: 'eu-west-1', credentials: { accessKeyId, secretAccessKey: 'x' }, maxAttempts: 1 });
    try {
      const tables = (await client.send(new ListTablesCommand({}))).TableNames ?? [];
      const items = table ? ((await client.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? []) : [];
      return { tables, items: items.map((i) => ({ merchantId: i.merchantId?.S, paymentId: i.paymentId?.S, amount: i.amount?.N })) };
    } finally {
      client.destroy();
    }
  };

  beforeAll(async () => {
    sts = await startStsEndpoint();
    sts.role(ROLES.acme, { externalId: 'acme-ext-1' });
    // A new access key is a new database in DynamoDB Local: its first requests can be slow.
    db = testDb({ region: 'eu-west-1', requestTimeoutMs: 15_000, cursorSecret: 'multi-tenant-example-cursor-secret-0002', middleware: [recordRequests(sent)] });
    const registry = definePartners({
      acme: { roleArn: ROLES.acme, externalId: 'acme-ext-1', tablePrefix: PREFIX.acme },
      globex: { roleArn: ROLES.globex, tablePrefix: PREFIX.globex },
    });
    partners = partnerAccounts(db, { registry, sts: { endpoint: sts.endpoint } });
    api = paymentsApi(db, { partners });
    for (const id of ['acme', 'globex'] as const) await partners.get(id).tables.create(Payment);
  });
  afterAll(async () => {
    partners.destroy();
    db.destroy();
    await sts.stop();
  });

  test("each partner's payments land in that partner's account only, even for the same merchant id", async () => {
    const merchantId = `m-${run}`; // the same merchant id at both partners: two different merchants
    const path = `/merchants/${merchantId}/payments`;
    const acme = await call(api, httpApiEvent({ partnerId: 'acme', merchantId }, { method: 'POST', path, body: { amount: 111, currency: 'EUR' } }));
    const globex = await call(api, restApiEvent({ partnerId: 'globex', merchantId }, { method: 'POST', path, body: { amount: 222, currency: 'USD' } }));
    expect([acme.status, globex.status]).toEqual([201, 201]);

    const inAcme = await account(sts.accessKeyOf(ROLES.acme), `${PREFIX.acme}merchant-payments`);
    const inGlobex = await account(sts.accessKeyOf(ROLES.globex), `${PREFIX.globex}merchant-payments`);
    expect(inAcme.tables).toEqual([`${PREFIX.acme}merchant-payments`]);
    expect(inGlobex.tables).toEqual([`${PREFIX.globex}merchant-payments`]);
    expect(inAcme.items).toEqual([{ merchantId, paymentId: acme.body.paymentId, amount: '111' }]);
    expect(inGlobex.items).toEqual([{ merchantId, paymentId: globex.body.paymentId, amount: '222' }]);
    // The function's own account holds neither table.
    expect((await account('local')).tables.filter((t) => t.includes(run))).toEqual([]);
    // AssumeRole was called by the SDK with each partner's role (and acme's external id).
    expect(sts.calls.filter((c) => c.ok).map((c) => [c.roleArn, c.sessionName, c.externalId])).toEqual(
      expect.arrayContaining([
        [ROLES.acme, 'dynamorm-acme', 'acme-ext-1'],
        [ROLES.globex, 'dynamorm-globex', undefined],
      ]),
    );

    // Each partner's merchant sees its own payment only.
    const list = async (partnerId: string) => (await call(api, httpApiEvent({ partnerId, merchantId }, { method: 'GET', path }))).body.items?.map((p) => p.paymentId);
    expect(await list('acme')).toEqual([acme.body.paymentId]);
    expect(await list('globex')).toEqual([globex.body.paymentId]);
    const globexReadsAcme = await call(api, httpApiEvent({ partnerId: 'globex', merchantId }, { method: 'GET', path: `${path}/${acme.body.paymentId as string}` }));
    expect(globexReadsAcme).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  test('a partner the registry lacks is refused before STS or DynamoDB is asked', async () => {
    const stsBefore = sts.calls.length;
    const before = sent.length;
    const answer = await call(api, httpApiEvent({ partnerId: 'initech', merchantId: `m-${run}` }, { method: 'GET', path: `/merchants/m-${run}/payments` }));
    expect(answer).toMatchObject({ status: 403, body: { error: { code: 'EVENT_SCOPE', problem: 'unknown-partner' } } });
    expect(sts.calls.length).toBe(stsBefore);
    expect(sent.length).toBe(before);
  });

  test("a partner whose role cannot be assumed gets 503, nothing is sent, and the other partner is served", async () => {
    sts.role(ROLES.globex, { fail: { code: 'AccessDenied', count: 1 } });
    partners.evict('globex'); // its next request needs AssumeRole again
    const merchantId = `m2-${run}`;
    const path = `/merchants/${merchantId}/payments`;
    const refused = await call(api, httpApiEvent({ partnerId: 'globex', merchantId }, { method: 'POST', path, body: { amount: 5, currency: 'EUR' } }));
    expect(refused).toMatchObject({ status: 503, body: { error: { code: 'PARTNER_CREDENTIALS' } } });
    const served = await call(api, httpApiEvent({ partnerId: 'acme', merchantId }, { method: 'POST', path, body: { amount: 6, currency: 'EUR' } }));
    expect(served.status).toBe(201);
    // Nothing of globex's write reached its account (the refused request never left).
    const inGlobex = await account(sts.accessKeyOf(ROLES.globex), `${PREFIX.globex}merchant-payments`);
    expect(inGlobex.items.filter((i) => i.merchantId === merchantId)).toEqual([]);
    // The failure is not cached: the next request assumes the role and is served.
    expect((await call(api, httpApiEvent({ partnerId: 'globex', merchantId }, { method: 'POST', path, body: { amount: 7, currency: 'EUR' } }))).status).toBe(201);
  });
});
