/**
 * Span attributes of a DynamoDB request, after OpenTelemetry's semantic conventions for DynamoDB
 * (`db.system.name`, `aws.dynamodb.*`) and, where those stop (transactions and batches), DynamORM's
 * own `dynamorm.*` names: the table of every action, and why each action of a cancelled transaction
 * failed. Pure. Nothing here reads an item, a key or an expression attribute value: only names,
 * counts, flags and the projection (attribute names or their placeholders).
 */
import type { DynamORMRequest } from '../../config.js';

/** An OpenTelemetry attribute value. */
export type AttributeValue = string | number | boolean | string[] | number[] | boolean[];
/** Attributes of a span. */
export type Attributes = Record<string, AttributeValue>;

/** The kind of each action of a transaction, in order (`Put`, `Update`, `Delete`, `ConditionCheck`, `Get`). */
function actionsOf(items: readonly Record<string, { TableName?: string }>[]): { kinds: string[]; tables: string[] } {
  const kinds: string[] = [];
  const tables: string[] = [];
  for (const item of items) {
    const kind = Object.keys(item)[0] ?? 'Unknown';
    kinds.push(kind);
    tables.push(item[kind]?.TableName ?? 'unknown');
  }
  return { kinds, tables };
}

/** The distinct values of a list, in order of first appearance. */
const distinct = (values: readonly string[]): string[] => [...new Set(values)];

/**
 * The attributes known before the request is sent: the database system, operation, tables, index,
 * read options, and for transactions and batches the table and kind of each action.
 */
export function requestAttributes(request: DynamORMRequest): Attributes {
  const input = request.input;
  const attributes: Attributes = {
    'db.system.name': 'aws.dynamodb',
    'db.system': 'dynamodb',
    'db.operation.name': request.operation,
    'rpc.system': 'aws-api',
    'rpc.service': 'DynamoDB',
    'rpc.method': request.operation,
  };
  const context = request.context;
  if (context) {
    attributes['dynamorm.operation'] = context.kind;
    if (context.model) attributes['dynamorm.model'] = context.model;
  } else if (request.model) attributes['dynamorm.model'] = request.model;

  if (typeof input.TableName === 'string') {
    attributes['aws.dynamodb.table_names'] = [input.TableName];
    attributes['db.collection.name'] = input.TableName;
  }
  if (typeof input.IndexName === 'string') attributes['aws.dynamodb.index_name'] = input.IndexName;
  if (typeof input.ConsistentRead === 'boolean') attributes['aws.dynamodb.consistent_read'] = input.ConsistentRead;
  if (typeof input.Limit === 'number') attributes['aws.dynamodb.limit'] = input.Limit;
  if (typeof input.ProjectionExpression === 'string') attributes['aws.dynamodb.projection'] = input.ProjectionExpression;
  if (typeof input.Select === 'string') attributes['aws.dynamodb.select'] = input.Select;
  if (typeof input.ScanIndexForward === 'boolean') attributes['aws.dynamodb.scan_forward'] = input.ScanIndexForward;
  if (typeof input.Segment === 'number') attributes['aws.dynamodb.segment'] = input.Segment;
  if (typeof input.TotalSegments === 'number') attributes['aws.dynamodb.total_segments'] = input.TotalSegments;
  if (Array.isArray(input.AttributesToGet)) attributes['aws.dynamodb.attributes_to_get'] = input.AttributesToGet.map(String);

  const transactItems = input.TransactItems;
  if (Array.isArray(transactItems)) {
    const { kinds, tables } = actionsOf(transactItems as Record<string, { TableName?: string }>[]);
    attributes['aws.dynamodb.table_names'] = distinct(tables);
    attributes['dynamorm.transaction.actions'] = kinds.length;
    attributes['dynamorm.transaction.action_kinds'] = kinds;
    attributes['dynamorm.transaction.action_tables'] = tables;
  }
  const requestItems = input.RequestItems as Record<string, unknown[] | { Keys?: unknown[]; ConsistentRead?: boolean; ProjectionExpression?: string }> | undefined;
  if (requestItems && typeof requestItems === 'object') {
    const tables = Object.keys(requestItems);
    attributes['aws.dynamodb.table_names'] = tables;
    // Per table, in the same order: how many write requests or keys the batch carries there.
    const counts = tables.map((t) => {
      const entry = requestItems[t];
      return Array.isArray(entry) ? entry.length : (entry?.Keys?.length ?? 0);
    });
    attributes['dynamorm.batch.table_counts'] = counts;
    attributes['dynamorm.batch.requests'] = counts.reduce((a, b) => a + b, 0);
    if (request.operation === 'BatchWriteItem') {
      // What each write request is, table by table: `Put` or `Delete`.
      attributes['dynamorm.batch.request_kinds'] = tables.flatMap((t) => ((requestItems[t] as Record<string, unknown>[]) ?? []).map((r) => Object.keys(r)[0] ?? 'Unknown'));
    }
  }
  return attributes;
}

interface CapacityEntry {
  TableName?: string;
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  Table?: unknown;
  GlobalSecondaryIndexes?: unknown;
  LocalSecondaryIndexes?: unknown;
}

/** The attributes known from the output: consumed capacity (as JSON, per the conventions), counts, unprocessed entries. */
export function outputAttributes(operation: string, output: unknown): Attributes {
  const attributes: Attributes = {};
  if (!output || typeof output !== 'object') return attributes;
  const out = output as Record<string, unknown>;
  const capacity = out.ConsumedCapacity as CapacityEntry | CapacityEntry[] | undefined;
  if (capacity) {
    attributes['aws.dynamodb.consumed_capacity'] = (Array.isArray(capacity) ? capacity : [capacity]).map((c) =>
      JSON.stringify({
        TableName: c.TableName,
        CapacityUnits: c.CapacityUnits,
        ReadCapacityUnits: c.ReadCapacityUnits,
        WriteCapacityUnits: c.WriteCapacityUnits,
        Table: c.Table,
        GlobalSecondaryIndexes: c.GlobalSecondaryIndexes,
        LocalSecondaryIndexes: c.LocalSecondaryIndexes,
      }),
    );
  }
  if (typeof out.Count === 'number') attributes['aws.dynamodb.count'] = out.Count;
  if (typeof out.ScannedCount === 'number') attributes['aws.dynamodb.scanned_count'] = out.ScannedCount;
  if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
    const pending = (operation === 'BatchWriteItem' ? out.UnprocessedItems : out.UnprocessedKeys) as Record<string, unknown[] | { Keys?: unknown[] }> | undefined;
    let count = 0;
    for (const entry of Object.values(pending ?? {})) count += Array.isArray(entry) ? entry.length : (entry.Keys?.length ?? 0);
    attributes['dynamorm.batch.unprocessed'] = count;
  }
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') attributes['dynamorm.transaction.outcome'] = 'committed';
  return attributes;
}

/**
 * The codes of a cancelled transaction, by action index (`None` for actions that did not fail):
 * from the SDK's `CancellationReasons`, which DynamORM keeps (hidden from logs) on the error's cause.
 * Only the codes are read, never the items the reasons may carry. Undefined for other errors.
 */
export function cancellationCodes(error: unknown): string[] | undefined {
  for (let value = error, depth = 0; value && typeof value === 'object' && depth < 3; depth++) {
    const reasons = (value as { CancellationReasons?: unknown }).CancellationReasons;
    if (Array.isArray(reasons)) return reasons.map((r) => String((r as { Code?: unknown } | undefined)?.Code ?? 'None'));
    const typed = (value as { reasons?: unknown }).reasons;
    if (Array.isArray(typed) && typed.every((r) => r && typeof r === 'object' && 'awsCode' in r)) {
      return typed.map((r) => String((r as { awsCode: unknown }).awsCode));
    }
    value = (value as { cause?: unknown }).cause;
  }
  return undefined;
}
