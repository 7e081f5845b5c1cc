/**
 * The operation context: one per operation (a create, a query with all its pages, a batch with all
 * its chunks), built once when the operation starts and carried by every request it sends, so
 * plugins and extensions know what the request is for without guessing from the DynamoDB operation.
 */
import type { Deadline } from '../deadline.js';
import type { AnyModel } from '../model/model.js';
import { currentScope } from '../scope.js';
import type { Executor } from './executor.js';

/** What an operation does. `table` covers table management (create, describe, delete, TTL). */
export type OperationKind =
  | 'create'
  | 'put'
  | 'update'
  | 'delete'
  | 'check'
  | 'get'
  | 'query'
  | 'scan'
  | 'batchGet'
  | 'batchWrite'
  | 'transactWrite'
  | 'transactGet'
  | 'table'
  | 'stream';

/** One operation's context. Every field is always present (`undefined` when it does not apply). */
export interface OperationContext {
  readonly kind: OperationKind;
  /** The model's name (`undefined` for operations across models: batches, transactions, tables). */
  readonly model: string | undefined;
  /** The physical table name, table prefix applied (`undefined` across tables). */
  readonly table: string | undefined;
  /** The one clock reading of the operation: createdAt/updatedAt and every time-based decision use it. */
  readonly now: Date;
  /** The deadline of the call chain (a Lambda invocation), if any. */
  readonly deadline: Deadline | undefined;
  /** The tenant the call chain serves, if any. */
  readonly tenant: string | undefined;
  /** Who acts, if known. */
  readonly actor: string | undefined;
  /** The partner account the executor serves, if any. */
  readonly partner: string | undefined;
}

/** Builds the context of an operation from the executor, the model and the ambient scope. */
export function operationContext(executor: Executor, kind: OperationKind, model?: AnyModel, now?: Date): OperationContext {
  const scope = currentScope();
  return {
    kind,
    model: model?.name,
    table: model ? executor.tableName(model) : undefined,
    now: now ?? executor.config.clock(),
    deadline: scope?.deadline,
    tenant: scope?.tenant,
    actor: scope?.actor,
    partner: executor.partner ?? scope?.partner,
  };
}
