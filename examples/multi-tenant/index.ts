/**
 * A payments API for a platform that serves many merchants (tenants) for several partners: one
 * Lambda function behind API Gateway (HTTP API or REST API, with a Lambda authorizer), invoked
 * locally here with simulated events and a simulated Lambda context.
 *
 *   POST /merchants/{merchantId}/payments                      create a pending payment      201
 *   GET  /merchants/{merchantId}/payments/{paymentId}          read one                       200
 *   POST /merchants/{merchantId}/payments/{paymentId}/capture  pending -> captured            200
 *   GET  /merchants/{merchantId}/payments?status=&limit=&cursor=   list, newest first, paged  200
 *
 * Who is calling comes from the authorizer's context only (`partnerId`, `merchantId`), never from
 * the path, the query or a header: `withEventScope` (dynamorm/partners) reads it and runs the request
 * in that partner's and merchant's scope. The handler then passes the merchant id of the *path*
 * straight to DynamORM, unchecked: the tenant scope (dynamorm/tenants) is what refuses another
 * merchant's keys, queries and cursors, before anything is sent. A route that forgets a check is
 * still safe; that is the point of the example.
 *
 * Partners: with partner accounts (`partnerAccounts(db, { registry })`, in Lambda from the
 * DYNAMORM_PARTNERS environment variable), each request is served from its partner's AWS account
 * (`forPartner(db)`: STS AssumeRole, the partner's table prefix). Without a registry, the example runs
 * on one account: the partner named by the authorizer is still required and carried on every
 * operation's context, and, when `partner` is set, must be that one. The demo (`npm run demo`) runs
 * that way, since it has only a DynamoDB Local and no STS; the tests run both, the partner one against
 * a local STS (test/support/sts-endpoint.ts) and one DynamoDB Local "account" per partner. Importing a
 * test double into the example to fake partners in the demo would show less than the tests prove.
 *
 * Errors are the library's typed errors, mapped to HTTP statuses in one place (`statusOf`). Their
 * messages never hold a field value, so they are returned as they are.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import * as attr from '../../src/attr.js';
import {
  ConditionalCheckFailedError,
  Database,
  DynamORMError,
  InvalidCursorError,
  ItemNotFoundError,
  model,
  tables,
  ThrottledError,
  TimeoutError,
  ValidationError,
  WriteInDoubtError,
  type Item,
} from '../../src/index.js';
import { DeadlineExceededError, invokeLocally, lambdaDatabase, withDynamORM, type LambdaContext } from '../../src/lambda/index.js';
import {
  EventScopeError,
  forPartner,
  partnerAccounts,
  PartnerCredentialsError,
  partnerRegistryFromEnv,
  PARTNERS_ENV,
  PartnerScopeError,
  UnknownPartnerError,
  withEventScope,
  type PartnerAccounts,
  type PartnerRegistry,
} from '../../src/partners/index.js';
import { tenants, TenantScopeError } from '../../src/tenants/index.js';
import { httpApiEvent, type ApiEvent, type ApiResponse, type Caller } from './events.js';

/** Every model carrying `merchantId` in its partition key opts in with this. */
export const tenancy = tenants({ field: 'merchantId' });

export const STATUSES = ['pending', 'captured'] as const;
export const CURRENCIES = ['EUR', 'GBP', 'USD'] as const;

/**
 * A merchant's payment. The partition key carries the merchant (`M#{merchantId}`), and so does the
 * status index (`M#{merchantId}#S#{status}`): listing by status reads one merchant's partition of the
 * index, never a filter over everyone's. Payment ids sort by creation time.
 */
export const Payment = model('Payment', {
  table: 'merchant-payments',
  attributes: {
    pk: attr.template('M#{merchantId}').partitionKey(),
    sk: attr.template('P#{paymentId}').sortKey(),
    merchantId: attr.string(),
    paymentId: attr.string().loggable(),
    amount: attr.cents().validate((cents) => cents > 0 && cents <= 100_000_000, 'amount-range'),
    currency: attr.enum(CURRENCIES),
    status: attr.enum(STATUSES),
    reference: attr.string().optional().validate((r) => r.length <= 64, 'reference-length'),
    createdAt: attr.createdAt(),
    statusKey: attr.template('M#{merchantId}#S#{status}'),
    version: attr.version(),
  },
  indexes: { byStatus: { name: 'gsi-status', partitionKey: 'statusKey', sortKey: 'paymentId' } },
  extensions: [tenancy],
});
export type Payment = Item<typeof Payment>;

/** How the API finds the account a request is served from. */
export interface ApiOptions {
  /**
   * Partner accounts of `db` (`partnerAccounts(db, { registry })`): each request is served from the
   * account of the partner its authorizer named, and a partner the registry lacks is refused (403).
   * Without them, every request is served from `db`'s own account.
   */
  readonly partners?: PartnerAccounts<Database>;
  /** On one account: the partner this deployment serves (others are refused, 403). Default: any. */
  readonly partner?: string;
  /** Largest page a list may ask for (default 100). */
  readonly maxPageSize?: number;
}

/** What API Gateway calls. */
export type ApiHandler = (event: ApiEvent, context: LambdaContext) => Promise<ApiResponse>;

/** The authorizer context's keys. */
const SCOPE_KEYS = { partnerKey: 'partnerId', tenantKey: 'merchantId', requireTenant: true } as const;

/** The payments API on `db` (see the header for the routes). */
export function paymentsApi(db: Database, options: ApiOptions = {}): ApiHandler {
  const { partners, partner: only, maxPageSize = 100 } = options;
  return withDynamORM(async (event: ApiEvent, context: LambdaContext) => {
    try {
      return await withEventScope(
        event,
        ({ partner }) => {
          if (!partners && only !== undefined && partner !== only) throw new EventScopeError('unknown-partner', 'this deployment does not serve the partner of the event');
          // In the event's partner scope, forPartner(db) is that partner's database (and no other would run).
          const account = partners ? forPartner(db) : db;
          return route(account, parseRequest(event), maxPageSize);
        },
        { ...SCOPE_KEYS, ...(partners ? { registry: partners.registry } : {}) },
      );
    } catch (error) {
      return errorResponse(error, context.awsRequestId);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Requests

interface Request {
  readonly method: string;
  readonly segments: readonly string[];
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly body: string | undefined;
}

/** A 400 before anything is sent: the library's own ValidationError, so one mapping serves both. */
const badRequest = (path: readonly (string | number)[], rule: string, message: string) => new ValidationError([{ path, rule, message }], 'request');

function parseRequest(event: ApiEvent): Request {
  const rest = 'httpMethod' in event;
  const method = rest ? event.httpMethod : event.requestContext.http.method;
  const path = rest ? event.path : event.rawPath;
  let segments: string[];
  try {
    segments = path.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    throw badRequest(['path'], 'path', 'the path is not valid URL encoding');
  }
  const raw = event.body ?? undefined;
  const body = raw !== undefined && event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  return { method: method.toUpperCase(), segments, query: event.queryStringParameters ?? {}, body };
}

/** The JSON object of a request body, with only the fields allowed. */
function jsonBody(body: string | undefined, allowed: readonly string[]): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body ?? '');
  } catch {
    throw badRequest(['body'], 'json', 'the body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(['body'], 'json', 'the body is not a JSON object');
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new ValidationError(unknown.map((k) => ({ path: ['body', k], rule: 'unknown-field', message: `is not a field of this request (allowed: ${allowed.join(', ')})` })), 'request');
  }
  return value as Record<string, unknown>;
}

function pageSize(text: string | undefined, max: number): number {
  if (text === undefined) return 20;
  const n = /^[0-9]{1,4}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= max)) throw badRequest(['query', 'limit'], 'limit', `limit is an integer from 1 to ${max}`);
  return n;
}

function status(text: string | undefined): Payment['status'] | undefined {
  if (text === undefined) return undefined;
  if (!(STATUSES as readonly string[]).includes(text)) throw badRequest(['query', 'status'], 'status', `status is one of ${STATUSES.join(', ')}`);
  return text as Payment['status'];
}

/** Payment ids: time-ordered (strictly, within a container), then random so they cannot be guessed. */
let lastMs = 0;
function newPaymentId(): string {
  lastMs = Math.max(Date.now(), lastMs + 1);
  return `pay_${lastMs.toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}

// ---------------------------------------------------------------------------------------------
// Routes

async function route(db: Database, request: Request, maxPageSize: number): Promise<ApiResponse> {
  const { method, segments: s, query } = request;
  if (s[0] !== 'merchants' || s[1] === undefined || s[2] !== 'payments' || s.length > 5) return json(404, { error: { code: 'NO_ROUTE', message: 'no such route' } });
  const merchantId = s[1]; // from the path, unchecked: the tenant scope refuses another merchant's
  const payments = db.model(Payment);
  const allow = (...methods: string[]) => (methods.includes(method) ? undefined : json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: `allowed: ${methods.join(', ')}` } }));

  if (s.length === 3) {
    if (method === 'POST') {
      const body = jsonBody(request.body, ['amount', 'currency', 'reference']);
      const paymentId = newPaymentId();
      // The body's values go to DynamORM as they are: it checks their types and rules (ValidationError) before sending.
      const input = { merchantId, paymentId, status: 'pending', amount: body.amount, currency: body.currency, ...(body.reference !== undefined ? { reference: body.reference } : {}) };
      try {
        return json(201, view(await payments.create(input as Parameters<typeof payments.create>[0])));
      } catch (error) {
        // The client cannot know the id of a payment it did not get back: tell it, so it can look.
        if (error instanceof WriteInDoubtError) return json(503, { error: { code: error.code, message: error.message }, paymentId });
        throw error;
      }
    }
    if (method === 'GET') {
      const wanted = status(query.status);
      const limit = pageSize(query.limit, maxPageSize);
      let list = payments.where('merchantId', '=', merchantId);
      if (wanted) list = list.where('status', '=', wanted); // runs on byStatus, in this merchant's partition
      // The cursor is bound to this query, merchant included: another merchant's is InvalidCursorError.
      const page = await list.order('desc').limit(limit).page(query.cursor);
      return json(200, { items: page.items.map(view), ...(page.cursor ? { cursor: page.cursor } : {}) });
    }
    return allow('GET', 'POST') as ApiResponse;
  }

  const paymentId = s[3] as string;
  if (s.length === 4) {
    const refused = allow('GET');
    if (refused) return refused;
    return json(200, view(await payments.get({ merchantId, paymentId }, { required: true })));
  }
  if (s[4] !== 'capture') return json(404, { error: { code: 'NO_ROUTE', message: 'no such route' } });
  const refused = allow('POST');
  if (refused) return refused;
  // Payments are versioned: capture the version read, all or nothing. A change in between (another
  // capture, say) is a VersionConflictError, a payment no longer pending a ConditionalCheckFailedError:
  // both 409. Written as a put of the item read, so the status index key M#{merchantId}#S#{status}
  // is rebuilt from the whole item (an update may not name merchantId, a primary-key field).
  const current = await payments.get({ merchantId, paymentId }, { required: true, consistent: true });
  const { merchantId: m, paymentId: p, amount, currency, reference, createdAt, version } = current;
  const next = { merchantId: m, paymentId: p, amount, currency, ...(reference !== undefined ? { reference } : {}), createdAt, version, status: 'captured' as const };
  const captured = await payments.put(next, { condition: (c) => c.where('status', '=', 'pending') });
  return json(200, view(captured));
}

/** What a client sees of a payment: no key attributes. */
function view(p: Payment) {
  return {
    paymentId: p.paymentId,
    merchantId: p.merchantId,
    amount: p.amount,
    currency: p.currency,
    status: p.status,
    ...(p.reference !== undefined ? { reference: p.reference } : {}),
    createdAt: p.createdAt.toISOString(),
    version: p.version,
  };
}

const json = (statusCode: number, body: unknown): ApiResponse => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

// ---------------------------------------------------------------------------------------------
// Errors

/** The HTTP status of an error. Subclasses come before their parents. */
export function statusOf(error: unknown): number {
  if (error instanceof EventScopeError) {
    // No identity at all is 401; an identity that is malformed, unknown or contradicted is 403.
    return ['missing-partner', 'missing-tenant', 'not-an-event'].includes(error.problem) ? 401 : 403;
  }
  if (error instanceof TenantScopeError || error instanceof PartnerScopeError || error instanceof UnknownPartnerError) return 403;
  if (error instanceof ValidationError || error instanceof InvalidCursorError) return 400;
  if (error instanceof ItemNotFoundError) return 404;
  if (error instanceof ConditionalCheckFailedError) return 409; // already exists, not pending, version conflict
  if (error instanceof ThrottledError) return 429;
  if (error instanceof PartnerCredentialsError || error instanceof DeadlineExceededError || error instanceof WriteInDoubtError) return 503;
  if (error instanceof TimeoutError) return 504;
  return 500;
}

function errorResponse(error: unknown, requestId: string | undefined): ApiResponse {
  const statusCode = statusOf(error);
  // DynamORM's messages hold no field values; anything else could hold anything, so it is not shown.
  const known = error instanceof DynamORMError;
  const body: Record<string, unknown> = {
    code: known ? error.code : 'INTERNAL',
    message: known && statusCode !== 500 ? error.message : 'internal error',
    ...(requestId ? { requestId } : {}),
  };
  if (error instanceof TenantScopeError) body.rule = error.rule;
  if (error instanceof EventScopeError) body.problem = error.problem;
  if (statusCode === 500) console.error(`request ${requestId ?? '-'} failed:`, known ? error.code : 'non-DynamORM error', error);
  return json(statusCode, { error: body });
}

// ---------------------------------------------------------------------------------------------
// The deployed function

const deployedDb = lambdaDatabase(); // region, credentials and DYNAMORM_CURSOR_SECRET from the environment
let deployed: ApiHandler | undefined;

/**
 * The Lambda entry point. Built on the first invocation and kept: partner accounts when
 * DYNAMORM_PARTNERS holds a registry (JSON), one account otherwise (PARTNER_ID, if set, is the only
 * partner served).
 */
export const handler: ApiHandler = (event, context) => {
  if (!deployed) {
    const db = deployedDb();
    const registry: PartnerRegistry | undefined = process.env[PARTNERS_ENV] ? partnerRegistryFromEnv() : undefined;
    const partner = process.env.PARTNER_ID;
    deployed = paymentsApi(db, registry ? { partners: partnerAccounts(db, { registry }) } : partner ? { partner } : {});
  }
  return deployed(event, context);
};

// ---------------------------------------------------------------------------------------------
// The demo: one account, two merchants of one partner

/** Runs a short session of two merchants against the API on `db`; returns what the test checks. */
export async function main(db: Database, log: (line: string) => void = console.log) {
  await tables(db).create(Payment, { ifNotExists: true });
  const api = paymentsApi(db, { partner: 'demo-partner' });
  const run = Date.now().toString(36);
  const shop: Caller = { partnerId: 'demo-partner', merchantId: `shop-${run}` };
  const cafe: Caller = { partnerId: 'demo-partner', merchantId: `cafe-${run}` };
  const call = async (caller: Caller | undefined, method: string, path: string, extra: { body?: unknown; query?: Record<string, string> } = {}) => {
    const response = await invokeLocally(api, httpApiEvent(caller, { method, path, ...extra }), { remainingMs: 3000 });
    return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> & { error?: { code: string } } };
  };
  const statuses: Record<string, number> = {};
  const note = (what: string, response: { status: number; body: { error?: { code: string } } }) => {
    statuses[what] = response.status;
    log(`${what}: ${response.status}${response.body.error ? ` ${response.body.error.code}` : ''}`);
  };

  const created: string[] = [];
  for (let i = 0; i < 5; i++) {
    const response = await call(shop, 'POST', `/merchants/${shop.merchantId}/payments`, { body: { amount: 1000 + i * 250, currency: 'EUR', reference: `order-${i}` } });
    created.push(String(response.body.paymentId));
  }
  await call(cafe, 'POST', `/merchants/${cafe.merchantId}/payments`, { body: { amount: 450, currency: 'GBP' } });
  log(`shop created ${created.length} payments, cafe 1`);
  for (const id of created.slice(0, 2)) await call(shop, 'POST', `/merchants/${shop.merchantId}/payments/${id}/capture`);
  note('capture twice', await call(shop, 'POST', `/merchants/${shop.merchantId}/payments/${created[0]}/capture`));

  // The shop's pending payments, two a page, with the cursor each page hands back.
  const pending: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await call(shop, 'GET', `/merchants/${shop.merchantId}/payments`, { query: { status: 'pending', limit: '2', ...(cursor ? { cursor } : {}) } });
    pending.push(...(page.body.items as { paymentId: string }[]).map((p) => p.paymentId));
    cursor = page.body.cursor as string | undefined;
    pages++;
  } while (cursor);
  log(`shop's pending payments: ${pending.length} in ${pages} pages`);

  // The cafe tries the shop's data: its own path finds nothing, the shop's path is refused.
  note("cafe reads a shop payment id under its own merchant", await call(cafe, 'GET', `/merchants/${cafe.merchantId}/payments/${created[0]}`));
  note("cafe reads the shop's payment", await call(cafe, 'GET', `/merchants/${shop.merchantId}/payments/${created[0]}`));
  note("cafe lists the shop's payments", await call(cafe, 'GET', `/merchants/${shop.merchantId}/payments`));
  const shopPage = await call(shop, 'GET', `/merchants/${shop.merchantId}/payments`, { query: { limit: '1' } });
  note("cafe pages on with the shop's cursor", await call(cafe, 'GET', `/merchants/${cafe.merchantId}/payments`, { query: { limit: '1', cursor: String(shopPage.body.cursor) } }));
  note('negative amount', await call(shop, 'POST', `/merchants/${shop.merchantId}/payments`, { body: { amount: -5, currency: 'EUR' } }));
  note('no authorizer', await call(undefined, 'GET', `/merchants/${shop.merchantId}/payments`));
  note('another partner', await call({ partnerId: 'other-partner', merchantId: shop.merchantId }, 'GET', `/merchants/${shop.merchantId}/payments`));
  return { created, pending, pages, statuses };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const db = Database.create({ cursorSecret: process.env.DYNAMORM_CURSOR_SECRET ?? 'example-only-secret-change-me-0123456789' });
  try {
    await main(db);
  } finally {
    db.destroy();
  }
}
