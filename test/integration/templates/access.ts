/**
 * What each payment handler really asks of AWS: the story of examples/payment run against DynamoDB
 * Local and a local KMS, every request recorded and turned into the IAM action and resource it needs
 * (a transaction's items each need their own action: TransactWriteItems is authorised per item).
 * The templates' policies are compared with this, so a policy can neither miss an action a handler
 * uses (a failure in production) nor grant one it does not use (more than least privilege).
 */
import { kmsKeyProvider } from '../../../src/encryption/index.js';
import { invokeLocally, type LambdaContext } from '../../../src/lambda/index.js';
import type { DynamORMRequest, Middleware } from '../../../src/index.js';
import { paymentService, type ApiEvent, type ApiResponse } from '../../../examples/payment/app.js';
import { endpoint, localCredentials } from '../../support/db.js';
import type { KmsEndpoint } from '../../support/kms-endpoint.js';
import { fromCreateTable, type TableShape } from './shapes.js';

/** One permission: an IAM action on a table (`payment-example`) or an index (`payment-example/index/name`), or on the KMS key (`kms`). */
export type Permission = `${string} ${string}`;

/** The handlers of the payment service, by the names the templates give their functions. */
export const HANDLERS = ['create', 'capture', 'refund', 'list'] as const;
export type HandlerName = (typeof HANDLERS)[number];

const ITEM_ACTIONS: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };

/** The IAM permissions one DynamoDB request needs, table names without `prefix`. */
export function permissionsOf(request: DynamORMRequest, prefix: string): Permission[] {
  const input = request.input as Record<string, unknown>;
  const table = (name: unknown) => {
    const s = String(name);
    if (!s.startsWith(prefix)) throw new Error(`a request to ${s}, outside the test's tables`);
    return s.slice(prefix.length);
  };
  switch (request.operation) {
    case 'TransactWriteItems':
    case 'TransactGetItems':
      return (input.TransactItems as Record<string, { TableName: string }>[]).flatMap((entry) =>
        Object.entries(entry).map(([kind, action]): Permission => `dynamodb:${ITEM_ACTIONS[kind] ?? kind} ${table(action.TableName)}`),
      );
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(input.RequestItems as object).map((name): Permission => `dynamodb:${request.operation} ${table(name)}`);
    default: {
      const resource = input.IndexName ? `${table(input.TableName)}/index/${String(input.IndexName)}` : table(input.TableName);
      return [`dynamodb:${request.operation} ${resource}`];
    }
  }
}

/** What a run of the story recorded: each handler's permissions, and the answers (to check the story ran as told). */
export interface AccessReport {
  readonly permissions: Record<HandlerName, Set<Permission>>;
  readonly answers: Record<string, ApiResponse>;
  /** The tables `tables(db).create` created (CreateTable, then UpdateTimeToLive), names without the prefix. */
  readonly created: TableShape[];
}

/**
 * Runs every path of every handler (created, retried, refused by the idempotency key, refused by the
 * unique reference, invalid; captured, stale, missing; refunded, refused; listed) with `kms` as the
 * card numbers' key provider, recording what each handler sends.
 */
export async function recordAccess(kms: KmsEndpoint, prefix: string): Promise<AccessReport> {
  const permissions = Object.fromEntries(HANDLERS.map((h) => [h, new Set<Permission>()])) as Record<HandlerName, Set<Permission>>;
  let current: HandlerName | undefined;
  const creates: Record<string, unknown>[] = [];
  const ttls = new Map<string, string>();
  const record: Middleware = (request, next) => {
    if (current) for (const p of permissionsOf(request, prefix)) permissions[current].add(p);
    const input = request.input as { TableName?: string; TimeToLiveSpecification?: { AttributeName?: string; Enabled?: boolean } };
    const unprefixed = String(input.TableName).slice(prefix.length);
    if (request.operation === 'CreateTable') creates.push({ ...request.input, TableName: unprefixed });
    if (request.operation === 'UpdateTimeToLive' && input.TimeToLiveSpecification?.Enabled) ttls.set(unprefixed, String(input.TimeToLiveSpecification.AttributeName));
    return next(request);
  };
  kms.createKey('payment-example');
  const config = { endpoint: endpoint(), region: 'us-east-1', credentials: localCredentials, tablePrefix: prefix, requestTimeoutMs: 10_000, cursorSecret: 'templates-test-cursor-secret-0123456789', middleware: [record] };
  // One service per handler, as each is its own function: no data key cached by one serves another.
  const services = Object.fromEntries(
    HANDLERS.map((h) => [h, paymentService({ keyProvider: kmsKeyProvider({ keyId: 'alias/payment-example', client: kms.client() }), config })]),
  ) as Record<HandlerName, ReturnType<typeof paymentService>>;
  const answers: Record<string, ApiResponse> = {};
  try {
    await services.create.createTables();
    const call = async <B>(name: HandlerName, label: string, body: B, headers: Record<string, string> = {}) => {
      current = name;
      kms.resetCalls();
      const handler = services[name][name] as unknown as (e: ApiEvent<B>, c: LambdaContext & { awsRequestId: string; functionName: string }) => Promise<ApiResponse>;
      const answer = await invokeLocally(handler, { headers, body, requestContext: { requestId: label, authorizer: { principalId: 'clerk-7' } } }, { remainingMs: 10_000 });
      for (const [operation, count] of Object.entries(kms.calls)) if (count > 0) permissions[name].add(`kms:${operation} key`);
      current = undefined;
      answers[label] = answer;
      return answer;
    };
    const merchantId = `m_${Date.now().toString(36)}`;
    const order = { merchantId, reference: 'order-1', amount: 4999, currency: 'EUR' as const, cardNumber: '4111111111111111', cvv: '123' };
    const created = await call('create', 'created', order, { 'idempotency-key': 'k1' });
    await call('create', 'retried', order, { 'idempotency-key': 'k1' });
    await call('create', 'mismatch', { ...order, amount: 1 }, { 'idempotency-key': 'k1' });
    await call('create', 'duplicate', order, { 'idempotency-key': 'k2' });
    await call('create', 'invalid', { ...order, reference: 'order-2', amount: -1 }, { 'idempotency-key': 'k3' });
    await call('create', 'second', { ...order, reference: 'order-3' }, { 'idempotency-key': 'k4' });
    const id = created.body.id as string;
    await call('capture', 'captured', { id, version: 1 });
    await call('capture', 'stale', { id, version: 1 });
    await call('capture', 'missing', { id: 'pay_missing', version: 1 });
    await call('refund', 'refunded', { id, amount: 1000, version: 2, reason: 'damaged' });
    await call('refund', 'tooMuch', { id, amount: 9999, version: 3 });
    await call('list', 'listed', { merchantId, status: 'pending' as const });
    return { permissions, answers, created: creates.map((input) => fromCreateTable(input, ttls.get(String(input.TableName)))) };
  } finally {
    for (const s of Object.values(services)) s.db.destroy();
  }
}
