/**
 * One request as the metrics see it, built once per request and handed to the in-process recorder
 * and to every exporter. Tenant and partner are in it only when the plugin was told to keep them:
 * each tenant is a new series, and CloudWatch bills each one.
 */
import type { DynamORMRequest } from '../../config.js';
import type { OperationKind } from '../../client/context.js';
import { attemptsOf, capacityOf, errorName, isThrottle, tableOf, unprocessedOf, type CapacityUse } from './facts.js';

/** What happened to one request. */
export interface RequestObservation {
  /** The DynamoDB operation: `PutItem`, `Query`, ... */
  readonly request: string;
  /** The DynamORM operation it belongs to: `create`, `query`, `transactWrite`, ... */
  readonly kind: OperationKind;
  readonly model: string | undefined;
  readonly table: string | undefined;
  /** The index a query or scan read, if any. */
  readonly index: string | undefined;
  /** Only when the plugin allows tenant dimensions. */
  readonly tenant: string | undefined;
  /** Only when the plugin allows partner dimensions. */
  readonly partner: string | undefined;
  /** Wall time of the request, SDK retries included, in ms. */
  readonly latencyMs: number;
  /** Attempts the SDK made (1 when it did not retry or did not say). */
  readonly attempts: number;
  /** The error's name when the request failed (`ThrottledError`, `ConditionalCheckFailedException`, ...). */
  readonly error: string | undefined;
  readonly throttled: boolean;
  /** Capacity reported by DynamoDB, by table and index (empty when none was asked for or reported). */
  readonly capacity: readonly CapacityUse[];
  /** Batch entries handed back as unprocessed. */
  readonly unprocessed: number;
  /** True for the first request of an operation (the others are its further pages or chunks). */
  readonly first: boolean;
}

/** Which high-cardinality dimensions the metrics keep. */
export interface CardinalitySettings {
  readonly tenant: boolean;
  readonly partner: boolean;
}

/** Builds the observation of a finished request. */
export function observe(
  request: DynamORMRequest,
  outcome: { output?: unknown; error?: unknown; failed: boolean },
  latencyMs: number,
  first: boolean,
  keep: CardinalitySettings,
): RequestObservation {
  const context = request.context;
  const index = request.input.IndexName;
  return {
    request: request.operation,
    kind: context?.kind ?? 'table',
    model: context?.model ?? request.model,
    table: tableOf(request),
    index: typeof index === 'string' ? index : undefined,
    tenant: keep.tenant ? context?.tenant : undefined,
    partner: keep.partner ? context?.partner : undefined,
    latencyMs,
    attempts: attemptsOf(outcome.failed ? outcome.error : outcome.output),
    error: outcome.failed ? errorName(outcome.error) : undefined,
    throttled: outcome.failed && isThrottle(outcome.error),
    capacity: outcome.failed ? [] : capacityOf(request.operation, outcome.output),
    unprocessed: outcome.failed ? 0 : unprocessedOf(request.operation, outcome.output),
    first,
  };
}

/** Stands for a missing model, table or index in dimensions and labels. */
export const NONE = 'none';

/**
 * The dimensions of an observation's series: `Operation`, `Model`, `Table`, then `Tenant` and
 * `Partner` when allowed, after the static ones.
 */
export function dimensionsOf(o: RequestObservation, keep: CardinalitySettings, fixed: Readonly<Record<string, string>>): Record<string, string> {
  const dimensions: Record<string, string> = Object.assign({}, fixed);
  dimensions.Operation = o.kind;
  dimensions.Model = o.model ?? NONE;
  dimensions.Table = o.table ?? NONE;
  if (keep.tenant) dimensions.Tenant = o.tenant ?? NONE;
  if (keep.partner) dimensions.Partner = o.partner ?? NONE;
  return dimensions;
}

/** Names of the dimensions {@link dimensionsOf} adds, for validation at construction. */
export function dimensionNames(keep: CardinalitySettings): string[] {
  return ['Operation', 'Model', 'Table', ...(keep.tenant ? ['Tenant'] : []), ...(keep.partner ? ['Partner'] : [])];
}
