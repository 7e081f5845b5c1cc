/**
 * The payment service of examples/payment written on the raw AWS SDK (the DocumentClient of
 * `@aws-sdk/lib-dynamodb`) and node:crypto, without DynamORM: the same four handlers, the same
 * answers, the same guarantees the shared tests (examples/payment/contract.ts) check. It exists to
 * measure the code DynamORM saves (docs/less-code.md), so it does what the tests check and no more:
 * - create: one TransactWriteItems holds the idempotency record (the stored answer), the payment, the
 *   guard item of its merchant reference and the first audit record; a retry gets the stored answer,
 *   a reused key with another payload a 422; the card number is AES-256-GCM encrypted, the CVV checked
 *   and dropped;
 * - capture: a versioned update and its audit record in one transaction (a stale version is a 409);
 * - refund: the payment's update (never more than was captured), the refund and the audit record in
 *   one transaction;
 * - list: a merchant's payments in one status through the merchant-status index, with an encrypted
 *   cursor bound to the query.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, TransactionCanceledException, waitUntilTableExists, type CreateTableCommandInput, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';

/** An API Gateway-like event: the body as an object, the headers, the authorizer's principal. */
export interface ApiEvent<B = Record<string, unknown>> {
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body: B;
  readonly requestContext?: { readonly requestId?: string; readonly authorizer?: { readonly principalId?: string }; readonly identity?: { readonly sourceIp?: string } };
}

/** What each handler answers. */
export interface ApiResponse {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
}

/** Everything the service needs: where the data lives, the card number key and the cursor secret. */
export interface RawPaymentServiceOptions {
  /** DynamoDB client settings (endpoint, region, credentials). */
  readonly client: DynamoDBClientConfig;
  readonly tablePrefix?: string;
  /** The AES-256 key of card numbers (32 bytes). */
  readonly cardKey: Buffer;
  readonly cursorSecret: string;
}

type Currency = 'EUR' | 'USD' | 'GBP';
type Status = 'pending' | 'captured' | 'refunded' | 'failed';
type CreateBody = { merchantId: string; reference: string; amount: number; currency: Currency; cardNumber: string; cvv: string };
type Payment = Omit<CreateBody, 'cardNumber' | 'cvv'> & { id: string; status: Status; captured: number; refunded: number; cardNumber: Uint8Array; createdAt: string; updatedAt: string; version: number; auditHash: string };

const fail = (statusCode: number, error: string, extra: Record<string, unknown> = {}): ApiResponse => ({ statusCode, body: { error, ...extra } });
const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
/** Whether a transaction was cancelled by the condition of its action `index`. */
const failedAt = (error: unknown, index: number) => error instanceof TransactionCanceledException && error.CancellationReasons?.[index]?.Code === 'ConditionalCheckFailed';

/** The create body's problems, by field (values never appear). */
function validate(b: CreateBody): { path: string[]; rule: string }[] {
  const checks: [keyof CreateBody, boolean][] = [
    ['merchantId', typeof b.merchantId === 'string'],
    ['reference', typeof b.reference === 'string'],
    ['amount', Number.isSafeInteger(b.amount) && b.amount > 0],
    ['currency', ['EUR', 'USD', 'GBP'].includes(b.currency)],
    ['cardNumber', typeof b.cardNumber === 'string' && /^\d{12,19}$/.test(b.cardNumber)],
    ['cvv', typeof b.cvv === 'string' && /^\d{3,4}$/.test(b.cvv)],
  ];
  return checks.filter(([, ok]) => !ok).map(([field]) => ({ path: [field], rule: 'invalid' }));
}

/** Builds the service: its clients, its tables, its handlers. */
export function rawPaymentService(options: RawPaymentServiceOptions) {
  const client = new DynamoDBClient(options.client);
  const docs = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const name = (table: string) => `${options.tablePrefix ?? ''}${table}`;
  const T = { payments: name('payment-example'), refunds: name('payment-example-refunds'), idempotency: name('payment-example-idempotency'), audit: name('payment-example-audit') };
  const cursorKey = createHash('sha256').update(options.cursorSecret).digest();

  // AES-256-GCM; the associated data binds a ciphertext to its payment, so it cannot be moved to another.
  const seal = (key: Buffer, plain: string, aad: string): Buffer => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  };
  const open = (key: Buffer, sealed: Uint8Array, aad: string): string => {
    const b = Buffer.from(sealed);
    const decipher = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12)).setAAD(Buffer.from(aad));
    decipher.setAuthTag(b.subarray(12, 28));
    return Buffer.concat([decipher.update(b.subarray(28)), decipher.final()]).toString('utf8');
  };

  /**
   * The audit record of a payment's version `seq`: the tracked fields after the write, who made it,
   * and the hash of the record before it (the payment keeps the last hash, under its version's
   * condition, so two writes cannot both extend the chain).
   */
  const auditRecord = (event: ApiEvent<unknown>, p: Pick<Payment, 'id' | 'amount' | 'status' | 'captured' | 'refunded'>, seq: number, op: string, prev: string) => {
    const actor = event.requestContext?.authorizer?.principalId;
    if (!actor) throw new Error('no actor');
    const record = { pk: `Payment#${p.id}`, seq, op, actor, requestId: event.requestContext?.requestId, sourceIp: event.requestContext?.identity?.sourceIp, at: new Date().toISOString(), after: { amount: p.amount, status: p.status, captured: p.captured, refunded: p.refunded }, prev };
    return { ...record, hash: hashOf(record) };
  };
  const auditPut = (record: ReturnType<typeof auditRecord>) => ({ Put: { TableName: T.audit, Item: record, ConditionExpression: 'attribute_not_exists(pk)' } });

  /** Runs a handler, answering anything unexpected with a 500 without details. */
  const respond = async (fn: () => Promise<ApiResponse>): Promise<ApiResponse> => {
    try {
      return await fn();
    } catch {
      return fail(500, 'InternalError');
    }
  };
  const getPayment = async (id: string) => (await docs.send(new GetCommand({ TableName: T.payments, Key: { id }, ConsistentRead: true }))).Item as Payment | undefined;

  return {
    client,
    tables: T,
    /** Creates the tables (once, as a deployment would). */
    async createTables(): Promise<void> {
      const S = 'S' as const;
      const table = (TableName: string, keys: [string, 'S' | 'N'][], extra: Partial<CreateTableCommandInput> = {}): CreateTableCommandInput => ({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keys.map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
        KeySchema: keys.slice(0, 2).map(([AttributeName], i) => ({ AttributeName, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
        ...extra,
      });
      const index = { IndexName: 'gsi-merchant-status', KeySchema: [{ AttributeName: 'merchantId', KeyType: 'HASH' as const }, { AttributeName: 'status', KeyType: 'RANGE' as const }], Projection: { ProjectionType: 'ALL' as const } };
      const payments = table(T.payments, [['id', S]], { GlobalSecondaryIndexes: [index] });
      payments.AttributeDefinitions!.push({ AttributeName: 'merchantId', AttributeType: S }, { AttributeName: 'status', AttributeType: S });
      for (const input of [payments, table(T.refunds, [['id', S]]), table(T.idempotency, [['id', S]]), table(T.audit, [['pk', S], ['seq', 'N']])]) {
        await client.send(new CreateTableCommand(input)).catch((e: Error) => { if (e.name !== 'ResourceInUseException') throw e; });
        await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: input.TableName });
      }
    },

    /** POST /payments (Idempotency-Key header required). */
    create: (event: ApiEvent<CreateBody>): Promise<ApiResponse> =>
      respond(async () => {
        const key = event.headers?.['idempotency-key'];
        if (!key) return fail(400, 'ValidationError', { issues: [{ path: ['idempotency-key'], rule: 'required' }] });
        const b = event.body;
        const issues = validate(b);
        if (issues.length > 0) return fail(400, 'ValidationError', { issues });
        // Only hashes are stored: the key and the payload (which holds the card number) never are; the CVV is not part of it.
        const recordId = `createPayment#${sha256(key)}`;
        const hash = sha256(JSON.stringify([b.merchantId, b.reference, b.amount, b.currency, b.cardNumber]));
        const id = `pay_${randomUUID()}`;
        const now = new Date().toISOString();
        const answer: ApiResponse = { statusCode: 201, body: { id, status: 'pending' } };
        const audit = auditRecord(event, { id, amount: b.amount, status: 'pending', captured: 0, refunded: 0 }, 1, 'create', 'GENESIS');
        const payment: Payment = { id, merchantId: b.merchantId, reference: b.reference, amount: b.amount, currency: b.currency, status: 'pending', captured: 0, refunded: 0, cardNumber: seal(options.cardKey, b.cardNumber, `${id}#cardNumber`), createdAt: now, updatedAt: now, version: 1, auditHash: audit.hash };
        try {
          await docs.send(new TransactWriteCommand({ TransactItems: [
            { Put: { TableName: T.idempotency, Item: { id: recordId, hash, result: JSON.stringify(answer) }, ConditionExpression: 'attribute_not_exists(id)' } },
            { Put: { TableName: T.payments, Item: payment, ConditionExpression: 'attribute_not_exists(id)' } },
            // The guard item: its key is the merchant and reference, so a second payment with them is refused.
            { Put: { TableName: T.payments, Item: { id: `ref#${b.merchantId}#${b.reference}`, paymentId: id }, ConditionExpression: 'attribute_not_exists(id)' } },
            auditPut(audit),
          ] }));
          return answer;
        } catch (error) {
          if (failedAt(error, 0)) {
            // The key was used before: the same payload gets the stored answer, another one is refused.
            const stored = (await docs.send(new GetCommand({ TableName: T.idempotency, Key: { id: recordId }, ConsistentRead: true }))).Item;
            return stored?.hash === hash ? (JSON.parse(stored.result as string) as ApiResponse) : fail(422, 'IdempotencyPayloadMismatchError');
          }
          if (failedAt(error, 2)) return fail(409, 'UniqueConstraintError', { field: 'reference' });
          throw error;
        }
      }),

    /** POST /payments/{id}/capture with `{ version }`. */
    capture: (event: ApiEvent<{ id: string; version: number }>): Promise<ApiResponse> =>
      respond(async () => {
        const { id, version } = event.body;
        const p = await getPayment(id);
        if (!p) return fail(404, 'ItemNotFoundError');
        if (p.version !== version) return fail(409, 'VersionConflictError');
        if (p.status !== 'pending') return fail(409, 'NotPending');
        const audit = auditRecord(event, { ...p, status: 'captured', captured: p.amount }, version + 1, 'update', p.auditHash);
        try {
          await docs.send(new TransactWriteCommand({ TransactItems: [
            { Update: { TableName: T.payments, Key: { id }, UpdateExpression: 'SET #s = :s, captured = :c, version = :next, updatedAt = :now, auditHash = :h', ConditionExpression: 'version = :v AND #s = :pending', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': 'captured', ':pending': 'pending', ':c': p.amount, ':v': version, ':next': version + 1, ':now': audit.at, ':h': audit.hash } } },
            auditPut(audit),
          ] }));
        } catch (error) {
          if (failedAt(error, 0)) return fail(409, 'VersionConflictError');
          throw error;
        }
        return { statusCode: 200, body: { id, status: 'captured', version: version + 1 } };
      }),

    /** POST /payments/{id}/refund with `{ amount, version, reason? }`: the payment and the refund in one transaction. */
    refund: (event: ApiEvent<{ id: string; amount: number; version: number; reason?: string }>): Promise<ApiResponse> =>
      respond(async () => {
        const { id, amount, version, reason } = event.body;
        if (!Number.isSafeInteger(amount)) return fail(400, 'ValidationError', { issues: [{ path: ['amount'], rule: 'invalid' }] });
        const p = await getPayment(id);
        if (!p) return fail(404, 'ItemNotFoundError');
        if (p.status !== 'captured' && p.status !== 'refunded') return fail(409, 'NotCaptured');
        if (p.refunded + amount > p.captured) return fail(409, 'RefundExceedsCapture');
        if (p.version !== version) return fail(409, 'TransactionCanceledError');
        const refundId = `ref_${randomUUID()}`;
        const audit = auditRecord(event, { ...p, status: 'refunded', refunded: p.refunded + amount }, version + 1, 'update', p.auditHash);
        try {
          await docs.send(new TransactWriteCommand({ TransactItems: [
            { Update: { TableName: T.payments, Key: { id }, UpdateExpression: 'SET #s = :s, refunded = refunded + :a, version = :next, updatedAt = :now, auditHash = :h', ConditionExpression: 'version = :v AND refunded <= :max', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': 'refunded', ':a': amount, ':v': version, ':next': version + 1, ':max': p.captured - amount, ':now': audit.at, ':h': audit.hash } } },
            { Put: { TableName: T.refunds, Item: { id: refundId, paymentId: id, amount, reason, createdAt: audit.at }, ConditionExpression: 'attribute_not_exists(id)' } },
            auditPut(audit),
          ] }));
        } catch (error) {
          if (error instanceof TransactionCanceledException) return fail(409, 'TransactionCanceledError');
          throw error;
        }
        return { statusCode: 201, body: { refundId, paymentId: id } };
      }),

    /** GET /merchants/{merchantId}/payments?status=...&cursor=...: one page. */
    list: (event: ApiEvent<{ merchantId: string; status: Status; cursor?: string }>): Promise<ApiResponse> =>
      respond(async () => {
        const { merchantId, status, cursor } = event.body;
        // The cursor is DynamoDB's LastEvaluatedKey encrypted and bound to this query: clients cannot read or alter it.
        const query = `${merchantId}#${status}`;
        let start: Record<string, unknown> | undefined;
        try {
          start = cursor ? (JSON.parse(open(cursorKey, Buffer.from(cursor, 'base64url'), query)) as Record<string, unknown>) : undefined;
        } catch {
          return fail(400, 'InvalidCursorError');
        }
        const out = await docs.send(new QueryCommand({ TableName: T.payments, IndexName: 'gsi-merchant-status', KeyConditionExpression: 'merchantId = :m AND #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':m': merchantId, ':s': status }, Limit: 25, ExclusiveStartKey: start }));
        const items = ((out.Items ?? []) as Payment[]).map((p) => ({ id: p.id, reference: p.reference, amount: p.amount, last4: open(options.cardKey, p.cardNumber, `${p.id}#cardNumber`).slice(-4) }));
        const next = out.LastEvaluatedKey ? seal(cursorKey, JSON.stringify(out.LastEvaluatedKey), query).toString('base64url') : undefined;
        return { statusCode: 200, body: { items, cursor: next } };
      }),

    /** Checks a payment's audit chain: records numbered 1..n, each hash right, each `prev` the hash before, the last one the payment's. */
    async verifyAuditChain(id: string): Promise<{ ok: boolean; records: number }> {
      const records: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await docs.send(new QueryCommand({ TableName: T.audit, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `Payment#${id}` }, ConsistentRead: true, ExclusiveStartKey: start }));
        records.push(...(out.Items ?? []));
        start = out.LastEvaluatedKey;
      } while (start);
      let prev = 'GENESIS';
      let ok = true;
      records.forEach(({ hash, ...record }, i) => {
        ok &&= record.seq === i + 1 && record.prev === prev && hash === hashOf(record);
        prev = hash as string;
      });
      const p = await getPayment(id);
      return { ok: ok && p?.auditHash === prev, records: records.length };
    },
    destroy: () => client.destroy(),
  };
}

/** The hash of an audit record: SHA-256 of its fields in a fixed order. */
function hashOf(r: Record<string, unknown>): string {
  const after = r.after as Record<string, unknown>;
  return sha256(JSON.stringify([r.pk, r.seq, r.op, r.actor, r.requestId, r.sourceIp, r.at, after.amount, after.status, after.captured, after.refunded, r.prev]));
}
