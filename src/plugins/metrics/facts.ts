/**
 * What an observer may read from one request, its output or its error: attempts, throttling,
 * consumed capacity, unprocessed batch entries, the error's name and code. Shared by the metrics,
 * tracing and logging plugins; nothing here reads an item, a key or an expression value.
 */
import type { DynamORMRequest } from '../../config.js';

/** DynamoDB operations that accept `ReturnConsumedCapacity`. */
const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

/** Operations whose capacity is read capacity (the rest that consume any are writes). */
const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

/**
 * The request with `ReturnConsumedCapacity: 'INDEXES'` added, when its operation accepts it and the
 * caller did not set it (a caller's own choice, `NONE` included, is kept). Otherwise the same request.
 */
export function askForCapacity(request: DynamORMRequest): DynamORMRequest {
  if (request.input.ReturnConsumedCapacity !== undefined || !CAPACITY_OPERATIONS.has(request.operation)) return request;
  // Object.assign rather than spread: see docs/decisions.md ("No object spread where a key is added afterwards").
  const input = Object.assign({}, request.input, { ReturnConsumedCapacity: 'INDEXES' });
  return Object.assign({}, request, { input });
}

/** Units consumed on one table or one of its indexes. */
export interface CapacityUse {
  readonly table: string;
  /** The index name, or `undefined` for the table itself (or a total DynamoDB did not break down). */
  readonly index: string | undefined;
  readonly read: number;
  readonly write: number;
}

interface CapacityFigures {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}
interface ConsumedCapacity extends CapacityFigures {
  TableName?: string;
  Table?: CapacityFigures;
  GlobalSecondaryIndexes?: Record<string, CapacityFigures>;
  LocalSecondaryIndexes?: Record<string, CapacityFigures>;
}

/** Read and write units of one figure; a bare `CapacityUnits` counts as the operation's kind. */
function units(figures: CapacityFigures, reads: boolean): { read: number; write: number } {
  const read = figures.ReadCapacityUnits;
  const write = figures.WriteCapacityUnits;
  if (read !== undefined || write !== undefined) return { read: read ?? 0, write: write ?? 0 };
  const total = figures.CapacityUnits ?? 0;
  return reads ? { read: total, write: 0 } : { read: 0, write: total };
}

/**
 * The capacity an output reports, by table and index: the table's own share and each index's when
 * DynamoDB broke it down (`INDEXES`), else the total under the table. Empty when none was reported.
 */
export function capacityOf(operation: string, output: unknown): CapacityUse[] {
  const reported = (output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] } | undefined)?.ConsumedCapacity;
  if (!reported) return [];
  const reads = READ_OPERATIONS.has(operation);
  const uses: CapacityUse[] = [];
  for (const entry of Array.isArray(reported) ? reported : [reported]) {
    const table = entry.TableName ?? 'unknown';
    const indexes = [entry.GlobalSecondaryIndexes, entry.LocalSecondaryIndexes];
    if (entry.Table || indexes.some(Boolean)) {
      if (entry.Table) uses.push({ table, index: undefined, ...units(entry.Table, reads) });
      for (const group of indexes) {
        for (const [index, figures] of Object.entries(group ?? {})) uses.push({ table, index, ...units(figures, reads) });
      }
    } else {
      uses.push({ table, index: undefined, ...units(entry, reads) });
    }
  }
  return uses;
}

/** Total units of an output (the sum of {@link capacityOf}), or undefined when none was reported. */
export function totalCapacity(operation: string, output: unknown): number | undefined {
  const uses = capacityOf(operation, output);
  if (uses.length === 0) return undefined;
  let total = 0;
  for (const use of uses) total += use.read + use.write;
  return total;
}

/**
 * Attempts the SDK made for a request: `$metadata.attempts` of its output, or of its error (the
 * SDK error DynamORM keeps as `cause` when it maps it). 1 when unknown.
 */
export function attemptsOf(outcome: unknown): number {
  for (let value = outcome, depth = 0; value && typeof value === 'object' && depth < 3; depth++) {
    const attempts = (value as { $metadata?: { attempts?: unknown } }).$metadata?.attempts;
    if (typeof attempts === 'number' && attempts >= 1) return attempts;
    value = (value as { cause?: unknown }).cause;
  }
  return 1;
}

/** The name of an error (`ThrottledError`, `ConditionalCheckFailedException`, ...), `Error` when it has none. */
export function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name ? name : 'Error';
}

/** The stable code of a DynamORM error (`THROTTLED`, ...), or the AWS code of an SDK error, if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for throttling: DynamORM's `ThrottledError` (by name, so minified bundles and copies agree). */
export function isThrottle(error: unknown): boolean {
  return errorName(error) === 'ThrottledError';
}

/** True for a failed condition as middleware sees it (single write, or a cancelled transaction). */
export function isConditionFailure(error: unknown): boolean {
  const name = errorName(error);
  if (name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledError' || name.endsWith('ConditionalCheckFailedError')) return true;
  return (error as { awsCode?: unknown } | undefined)?.awsCode === 'TransactionCanceledException';
}

/** Requests (write requests or keys) a batch output hands back as unprocessed; 0 for other outputs. */
export function unprocessedOf(operation: string, output: unknown): number {
  let pending: Record<string, unknown> | undefined;
  if (operation === 'BatchWriteItem') pending = (output as { UnprocessedItems?: Record<string, unknown[]> } | undefined)?.UnprocessedItems;
  else if (operation === 'BatchGetItem') pending = (output as { UnprocessedKeys?: Record<string, { Keys?: unknown[] }> } | undefined)?.UnprocessedKeys;
  if (!pending) return 0;
  let count = 0;
  for (const entry of Object.values(pending)) count += Array.isArray(entry) ? entry.length : ((entry as { Keys?: unknown[] }).Keys?.length ?? 0);
  return count;
}

/** The table a request is about: the context's, else the input's `TableName`, else undefined (batches, transactions). */
export function tableOf(request: DynamORMRequest): string | undefined {
  const table = request.context?.table ?? request.input.TableName;
  return typeof table === 'string' ? table : undefined;
}

/** Calls `fn`, swallowing what it throws: an observer must never break the request it observes. */
export function safely(fn: () => void, onError: ((error: unknown) => void) | undefined): void {
  try {
    fn();
  } catch (error) {
    if (onError) {
      try {
        onError(error);
      } catch {
        // A failing error handler is ignored as well.
      }
    }
  }
}
