/**
 * The model every simulated container of the scale test writes: a merchant's payment in a partner's
 * account, tenant-scoped by merchant (the partition key carries it), with an encrypted card number
 * and a version (so a retried update cannot apply twice).
 */
import { attr, model } from '../../../src/index.js';
import { encrypted } from '../../../src/encryption/index.js';
import { tenants } from '../../../src/tenants/index.js';

export const tenancy = tenants({ field: 'merchantId' });

export const ScalePayment = model('ScalePayment', {
  table: 'scale-payments',
  attributes: {
    pk: attr.template('M#{merchantId}').partitionKey(),
    sk: attr.template('P#{paymentId}').sortKey(),
    merchantId: attr.string(),
    paymentId: attr.string(),
    /** The container that created it (`c07`). */
    container: attr.string(),
    amount: attr.cents(),
    card: encrypted(attr.string()),
    status: attr.enum(['authorized', 'captured']),
    version: attr.version(),
  },
  extensions: [tenancy],
});

/** The payment id of write `n` of a container. */
export const paymentIdOf = (container: string, n: number): string => `${container}-${String(n).padStart(5, '0')}`;

/** The card number stored with a payment: derived from its id, so any reader can check what it decrypted. */
export function cardOf(paymentId: string): string {
  const digits = paymentId.replace(/\D/g, '');
  return `4000${digits.padStart(12, '0')}`.slice(0, 16);
}

/** The amount of a payment, derived from its id too. */
export const amountOf = (paymentId: string): number => 100 + (Number(paymentId.replace(/\D/g, '')) % 9_900);

/** Settings of one container (given to the worker process as JSON in `SCALE_WORKER`). */
export interface WorkerSettings {
  /** `c00` ... `c31`: also in the SDK clients' user agent and access key, so the taps can attribute. */
  readonly container: string;
  readonly partner: string;
  /** The merchants (tenants) of the partner this container writes for, in turn. */
  readonly tenants: readonly string[];
  readonly writes: number;
  /** Operations in flight at once (one invocation issuing them together). */
  readonly concurrency: number;
  readonly maxSockets: number;
  /** The data key cache's `maxUses`. */
  readonly maxUses: number;
  readonly maxAttempts: number;
  readonly requestTimeoutMs: number;
  readonly region: string;
  /** Endpoints: DynamoDB (through the fault proxy), KMS and STS, each behind a tap. */
  readonly dynamodb: string;
  readonly kms: string;
  readonly sts: string;
  readonly keyArn: string;
}

/** What a container reports after writing. */
export interface WriteReport {
  readonly container: string;
  /** Creates called (each takes one use of a cached data key, acknowledged or not). */
  readonly createCalls: number;
  /** Payment ids whose create was acknowledged. */
  readonly created: string[];
  /** Payment ids whose update (status captured, version 1 → 2) was acknowledged. */
  readonly updated: string[];
  /** Failed calls by operation and error name (their outcome is unknown to the container). */
  readonly failures: Record<string, number>;
  readonly writeMs: number;
}

/** What a container reports after reading. */
export interface ReadReport {
  readonly container: string;
  /** Own acknowledged payments read back by key, as written. */
  readonly gets: number;
  /** Items read by the tenant queries (the whole partner's payments), and how many other containers wrote. */
  readonly queried: number;
  readonly foreign: number;
  /** Items read whose decrypted card, amount or status was not what was written (must be 0). */
  readonly wrong: string[];
  readonly failures: Record<string, number>;
  readonly readMs: number;
}

/** Messages from a worker to the test. */
export type WorkerMessage =
  | { readonly type: 'ready'; readonly container: string }
  | { readonly type: 'written'; readonly report: WriteReport }
  | { readonly type: 'read'; readonly report: ReadReport }
  | { readonly type: 'error'; readonly container: string; readonly message: string };

/** Messages from the test to a worker. */
export type ParentMessage = { readonly type: 'write' } | { readonly type: 'read' } | { readonly type: 'exit' };
