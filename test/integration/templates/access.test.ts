/**
 * The templates against what really happens: every path of every payment handler runs on DynamoDB
 * Local and a local KMS (the real SDK clients), every request is recorded, and the IAM permissions
 * each template grants each function must equal what its handler sent: none missing (it would fail in
 * production), none extra (least privilege). The tables the service creates with `tables(db).create`
 * must be the templates' tables. And the deployed entry (templates/handler.ts) answers HTTP API events.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { paymentService } from '../../../examples/payment/app.js';
import { kmsKeyProvider } from '../../../src/encryption/index.js';
import { invokeLocally } from '../../../src/lambda/index.js';
import { httpHandlers, type HttpApiEvent } from '../../../templates/handler.js';
import { endpoint, localCredentials } from '../../support/db.js';
import { KmsEndpoint } from '../../support/kms-endpoint.js';
import { HANDLERS, recordAccess, type AccessReport } from './access.js';
import { fromCloudFormation, fromTerraform } from './shapes.js';
import { expectedTables, samPermissions, samTemplate, terraform, terraformPermissionsByHandler } from './support.js';

let kms: KmsEndpoint;
let report: AccessReport;

beforeAll(async () => {
  kms = await KmsEndpoint.start();
  report = await recordAccess(kms, `t${randomUUID().slice(0, 8)}-`);
}, 120_000);
afterAll(async () => {
  await kms?.stop();
});

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

describe('least privilege, checked against the requests', () => {
  test('the story took every path it claims (so the recorded requests cover them)', () => {
    const status = Object.fromEntries(Object.entries(report.answers).map(([k, v]) => [k, v.statusCode]));
    expect(status).toEqual({ created: 201, retried: 201, mismatch: 422, duplicate: 409, invalid: 400, second: 201, captured: 200, stale: 409, missing: 404, refunded: 201, tooMuch: 409, listed: 200 });
    expect(report.answers.duplicate?.body).toEqual({ error: 'UniqueConstraintError', field: 'reference' });
    expect((report.answers.listed?.body.items as unknown[]).length).toBe(1);
  });

  test('each handler needs what it does: the KMS key only through the card number, the index only for the listing', () => {
    expect([...report.permissions.create].filter((p) => p.startsWith('kms:'))).toEqual(['kms:GenerateDataKey key']);
    for (const h of ['capture', 'refund', 'list'] as const) expect([...report.permissions[h]].filter((p) => p.startsWith('kms:'))).toEqual(['kms:Decrypt key']);
    expect([...report.permissions.list].filter((p) => p.startsWith('dynamodb:'))).toEqual(['dynamodb:Query payment-example/index/gsi-merchant-status']);
  });

  test("the SAM template grants each function exactly its handler's permissions", () => {
    const sam = samPermissions(samTemplate());
    for (const h of HANDLERS) expect({ handler: h, granted: [...sam[h]].sort() }).toEqual({ handler: h, granted: [...report.permissions[h]].sort() });
  });

  test("the Terraform grants each function exactly its handler's permissions", async () => {
    const tf = await terraformPermissionsByHandler();
    for (const h of HANDLERS) expect({ handler: h, granted: [...tf[h]].sort() }).toEqual({ handler: h, granted: [...report.permissions[h]].sort() });
  });
});

describe('the tables', () => {
  test('tables(db).create sent exactly the tables of the models, and of the SAM and Terraform templates', async () => {
    const created = [...report.created].sort(byName);
    expect(created).toEqual(expectedTables().sort(byName));
    const sam = Object.values(samTemplate().Resources).filter((r) => r.Type === 'AWS::DynamoDB::Table').map((r) => fromCloudFormation(r.Properties));
    expect(sam.sort(byName)).toEqual(created);
    expect(Object.values((await terraform()).tables).map(fromTerraform).sort(byName)).toEqual(created);
    expect(created.map((t) => t.name)).toEqual(expect.arrayContaining(['payment-example', 'payment-example-refunds', 'payment-example-idempotency', 'payment-example-audit']));
    expect(created.find((t) => t.name === 'payment-example-idempotency')?.ttl).toBe('ttl');
  });
});

describe('templates/handler.ts: the deployed entry answers HTTP API events', () => {
  test('body as JSON, path and query parameters, JSON answers, a body that is not a JSON object refused', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}-`;
    const service = paymentService({
      keyProvider: kmsKeyProvider({ keyId: kms.createKey(), client: kms.client() }),
      config: { endpoint: endpoint(), region: 'us-east-1', credentials: localCredentials, tablePrefix: prefix, requestTimeoutMs: 10_000, cursorSecret: 'handler-test-cursor-secret-0123456789ab' },
    });
    try {
      await service.createTables();
      const http = httpHandlers(() => service);
      const requestContext = { requestId: 'r1', authorizer: { iam: { userArn: 'arn:aws:iam::111122223333:user/clerk' } } };
      const call = (h: keyof typeof http, event: HttpApiEvent) => invokeLocally(http[h], { requestContext, ...event });
      const order = { merchantId: 'm1', reference: 'o-1', amount: 1250, currency: 'EUR', cardNumber: '4000056655665556', cvv: '321' };
      const created = await call('create', { headers: { 'idempotency-key': 'h1' }, body: JSON.stringify(order) });
      expect(created).toMatchObject({ statusCode: 201, headers: { 'content-type': 'application/json' } });
      const id = (JSON.parse(created.body) as { id: string }).id;
      const encoded = await call('create', { headers: { 'idempotency-key': 'h1' }, body: Buffer.from(JSON.stringify(order)).toString('base64'), isBase64Encoded: true });
      expect(JSON.parse(encoded.body)).toEqual(JSON.parse(created.body));
      const captured = await call('capture', { pathParameters: { id }, body: JSON.stringify({ version: 1, id: 'pay_not_this_one' }) });
      expect({ status: captured.statusCode, body: JSON.parse(captured.body) }).toEqual({ status: 200, body: { id, status: 'captured', version: 2 } });
      const listed = await call('list', { pathParameters: { merchantId: 'm1' }, queryStringParameters: { status: 'captured' } });
      expect(JSON.parse(listed.body)).toEqual({ items: [{ id, reference: 'o-1', amount: 1250, last4: '5556' }] });
      for (const body of ['not json', '[1,2]', 'null']) expect(await call('create', { headers: { 'idempotency-key': 'h2' }, body })).toEqual({ statusCode: 400, headers: { 'content-type': 'application/json' }, body: '{"error":"BodyNotJsonObject"}' });
    } finally {
      service.db.destroy();
    }
  });
});
