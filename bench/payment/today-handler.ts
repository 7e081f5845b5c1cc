/**
 * The create-payment handler as a team builds it today, for the payment benchmark: the DocumentClient
 * for the item, Powertools for AWS Lambda for idempotency (DynamoDB persistence layer, payload
 * validation), and the AWS Encryption SDK for JavaScript with a caching materials manager over a KMS
 * keyring for the card number. It does what examples/payment's create handler does: validate, refuse a
 * duplicate idempotency key with a different payload, encrypt the card number (never store the CVV),
 * write the payment, a guard item for its unique merchant reference and an audit record (one
 * transaction).
 *
 * Configured by the environment (bench/payment/run.ts sets it): DYNAMODB_ENDPOINT, KMS_ENDPOINT,
 * KMS_KEY_ARN, PAYMENTS_TABLE, IDEMPOTENCY_TABLE, AUDIT_TABLE.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMS } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { buildClient, CommitmentPolicy, getLocalCryptographicMaterialsCache, KmsKeyringNode, NodeCachingMaterialsManager } from '@aws-crypto/client-node';

const env = process.env;
const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'local', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'local' };
const client = new DynamoDBClient({ endpoint: env.DYNAMODB_ENDPOINT, region: 'us-east-1', credentials });
const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const keyring = new KmsKeyringNode({
  generatorKeyId: env.KMS_KEY_ARN,
  clientProvider: () => new KMS({ endpoint: env.KMS_ENDPOINT, region: 'us-east-1', credentials }),
});
// The caching materials manager, as the Encryption SDK recommends against KMS quotas. Its cache is
// partitioned by encryption context, so the context is a constant: the ciphertext is not bound to
// the payment it belongs to (binding it to the id would make every request a cache miss).
const materials = new NodeCachingMaterialsManager({
  backingMaterials: keyring,
  cache: getLocalCryptographicMaterialsCache(100),
  maxAge: 5 * 60 * 1000,
  maxMessagesEncrypted: 1000,
});

const persistenceStore = new DynamoDBPersistenceLayer({ tableName: env.IDEMPOTENCY_TABLE ?? 'idempotency', awsSdkV3Client: client });
const config = new IdempotencyConfig({ eventKeyJmesPath: 'idempotencyKey', payloadValidationJmesPath: '[merchantId, reference, amount, currency, cardNumber]', expiresAfterSeconds: 3600 });

interface CreatePaymentEvent {
  idempotencyKey: string;
  merchantId: string;
  reference: string;
  amount: number;
  currency: string;
  cardNumber: string;
  cvv: string;
  actor: string;
}

async function createPayment(event: CreatePaymentEvent) {
  if (!/^\d{12,19}$/.test(event.cardNumber) || !/^\d{3,4}$/.test(event.cvv) || !Number.isSafeInteger(event.amount) || event.amount <= 0) {
    return { statusCode: 400, body: JSON.stringify({ error: 'invalid payment' }) };
  }
  const { result } = await encrypt(materials, event.cardNumber, { encryptionContext: { purpose: 'card-number' } });
  const id = randomUUID();
  const now = new Date().toISOString();
  await documents.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: env.PAYMENTS_TABLE ?? 'payments',
            Item: { id, merchantId: event.merchantId, reference: event.reference, amount: event.amount, currency: event.currency, status: 'pending', card: result, createdAt: now, version: 1 },
            ConditionExpression: 'attribute_not_exists(id)',
          },
        },
        {
          // The merchant reference is unique per merchant: a guard item, as single-table designs do.
          Put: {
            TableName: env.PAYMENTS_TABLE ?? 'payments',
            Item: { id: `REF#${event.merchantId}#${event.reference}`, paymentId: id },
            ConditionExpression: 'attribute_not_exists(id)',
          },
        },
        {
          Put: {
            TableName: env.AUDIT_TABLE ?? 'audit',
            Item: { pk: `Payment#${id}`, sk: '1', actor: event.actor, at: now, operation: 'create', after: { amount: event.amount, status: 'pending' } },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    }),
  );
  return { statusCode: 201, body: JSON.stringify({ id, status: 'pending' }) };
}

export const handler = makeIdempotent(createPayment, { persistenceStore, config });
