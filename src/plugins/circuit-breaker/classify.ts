/**
 * What a request's end says about the service. Only signs that DynamoDB (or the way to it) is
 * unhealthy count as failures: 5xx answers, time-outs and network errors. An answer DynamoDB gave
 * for the request itself (a failed condition, a validation error, any other 4xx) shows the service
 * works. Throttling is its own kind. A request stopped by the caller's deadline says nothing.
 */
import { DeadlineExceededError } from '../../deadline.js';
import { DynamoDBError, ThrottledError, TimeoutError } from '../../errors.js';
import type { Outcome } from './circuit.js';

/** Codes of network errors that mean the endpoint could not be reached or dropped the connection. */
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
]);

/** DynamoDB's names for its own failures (answered with a 5xx). */
const SERVER = new Set(['InternalServerError', 'ServiceUnavailable', 'ServiceUnavailableException', 'InternalFailure']);

interface SdkLike {
  readonly $fault?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly code?: string;
  readonly name?: string;
}

/** Whether an SDK error (or the SDK error a DynamORM error wraps) is a server or network failure. */
function unhealthy(sdk: SdkLike | undefined, awsCode: string): boolean {
  const status = sdk?.$metadata?.httpStatusCode;
  return (
    sdk?.$fault === 'server' ||
    (status !== undefined && status >= 500) ||
    SERVER.has(awsCode) ||
    NETWORK.has(awsCode) ||
    (typeof sdk?.code === 'string' && NETWORK.has(sdk.code))
  );
}

/**
 * The default classification of a request's end: `success` when it returned or DynamoDB answered it
 * (4xx, conditional-check failures), `failure` for 5xx, time-outs and network errors, `throttle`
 * for throttling, `neutral` for a deadline reached and for errors that did not come from DynamoDB.
 */
export function classifyOutcome(error: unknown): Outcome {
  if (error === undefined) return 'success';
  if (error instanceof DeadlineExceededError) return 'neutral';
  if (error instanceof ThrottledError) return 'throttle';
  if (error instanceof TimeoutError) return 'failure';
  if (error instanceof DynamoDBError) return unhealthy(error.cause as SdkLike | undefined, error.awsCode) ? 'failure' : 'success';
  // Conditional-check failures reach middleware as the SDK's own error: an answer from DynamoDB.
  if (typeof error === 'object' && error !== null && ('$metadata' in error || '$fault' in error)) {
    const sdk = error as SdkLike;
    return unhealthy(sdk, sdk.name ?? '') ? 'failure' : 'success';
  }
  return 'neutral';
}
