/**
 * The create-payment handler of examples/payment, for the payment benchmark: the same event as
 * today-handler.ts, answered by the example's idempotent create (unique reference, encrypted card
 * number, ephemeral CVV, audit record, stored answer: one transaction), with the card number's data
 * keys from KMS. Configured by the environment (bench/payment/run.ts sets it).
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { paymentService } from '../../examples/payment/app.js';
import { kmsKeyProvider } from '../../src/encryption/index.js';
import type { LambdaContext } from '../../src/lambda/index.js';

const env = process.env;
const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'local', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'local' };
const service = paymentService({
  keyProvider: kmsKeyProvider({ keyId: env.KMS_KEY_ARN ?? '', client: new KMSClient({ endpoint: env.KMS_ENDPOINT, region: 'us-east-1', credentials }) }),
  config: { endpoint: env.DYNAMODB_ENDPOINT, region: 'us-east-1', credentials, tablePrefix: env.PAYMENT_TABLE_PREFIX ?? '', requestTimeoutMs: 10_000 },
});

interface CreatePaymentEvent {
  idempotencyKey: string;
  merchantId: string;
  reference: string;
  amount: number;
  currency: 'EUR' | 'USD' | 'GBP';
  cardNumber: string;
  cvv: string;
  actor: string;
}

export const handler = (event: CreatePaymentEvent, context: LambdaContext) =>
  service.create(
    {
      headers: { 'idempotency-key': event.idempotencyKey },
      body: { merchantId: event.merchantId, reference: event.reference, amount: event.amount, currency: event.currency, cardNumber: event.cardNumber, cvv: event.cvv },
      requestContext: { authorizer: { principalId: event.actor } },
    },
    context,
  );

/** For the benchmark's set-up: the tables this handler writes. */
export const createTables = () => service.createTables();
