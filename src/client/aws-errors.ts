/**
 * Maps errors thrown by the AWS SDK to DynamORM's typed errors. Conditional-check failures are
 * mapped by the operation that knows the model and key; everything else goes through here.
 */
import { DynamORMError, DynamoDBError, ThrottledError, TimeoutError } from '../errors.js';
import type { OperationContext } from './context.js';

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

const TIMEOUTS = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);

/** The SDK error name (`ConditionalCheckFailedException`, ...). */
export function awsErrorName(error: unknown): string {
  if (error && typeof error === 'object' && 'name' in error && typeof error.name === 'string') return error.name;
  return 'UnknownError';
}

/** What the request was: `PutItem (create of Payment, table prod-payments)`. No key or field values. */
export function describeRequest(request: { readonly operation: string; readonly context?: OperationContext | undefined }): string {
  const c = request.context;
  if (!c) return request.operation;
  const parts = [c.model ? `${c.kind} of ${c.model}` : c.kind, c.table ? `table ${c.table}` : undefined].filter(Boolean);
  return `${request.operation} (${parts.join(', ')})`;
}

/**
 * Maps any error from a request to a {@link DynamORMError}, keeping the original as `cause`. The
 * message names the operation, its kind, model and table (never key or field values).
 */
export function mapAwsError(error: unknown, request: { readonly operation: string; readonly context?: OperationContext | undefined }): DynamORMError {
  if (error instanceof DynamORMError) return error;
  const operation = describeRequest(request);
  const name = awsErrorName(error);
  const message = error instanceof Error ? error.message : String(error);
  if (THROTTLING.has(name)) return new ThrottledError(`${operation} was throttled by DynamoDB (${name})`, error);
  const code = (error as { code?: string } | undefined)?.code;
  if (TIMEOUTS.has(name) || code === 'ETIMEDOUT') {
    return new TimeoutError(`${operation} timed out or was aborted: ${message}`, error);
  }
  // Network errors (ECONNREFUSED, ENOTFOUND, ...) are plain `Error`s: their code says more than the name.
  const awsCode = name === 'Error' && typeof code === 'string' && code ? code : name;
  return new DynamoDBError(awsCode, `${operation}: ${message}`, error);
}
