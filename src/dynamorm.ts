/**
 * DynamORM: the core {@link Database} with every feature as a method (`db.transaction`,
 * `db.batchGet`, `db.collection`, `db.tables`, model handles that batch and scan). Convenient for services and
 * scripts; a Lambda bundle that wants to stay small uses `Database` and the standalone functions.
 */
import { resolveConfig, type DynamORMConfig, type ResolvedConfig } from './config.js';
import { Database } from './database.js';
import type { AnyModel } from './model/model.js';
import type { PluginEntries } from './plugins/plugin.js';
import { FullModelClient } from './handles/full-model-client.js';
import { batchGet, type BatchGetRequest, type BatchGetResult } from './read/batch-get.js';
import { collection, type Collection, type OneTable } from './read/collection.js';
import { transactGet, type TransactGetRequest, type TransactGetResult } from './read/transact-get.js';
import { tables, type TableManager } from './tables/table.js';
import { batchWrite, type BatchWriteRequest } from './write/batch-write.js';
import { transaction, type TransactionOptions, type TransactionWriter } from './write/transaction.js';

/** A database with every feature as a method. Create one per process (module scope) and reuse it. */
export class DynamORM extends Database {
  /** Table creation, comparison and deletion from models. */
  readonly tables: TableManager;

  /** @internal Use `DynamORM.create()`. */
  protected constructor(config: ResolvedConfig, plugins?: PluginEntries, partner?: string) {
    super(config, plugins, partner);
    this.tables = tables(this);
  }

  /**
   * Creates a database handle. Options left out come from the environment (`DYNAMODB_ENDPOINT`,
   * `AWS_REGION`, `DYNAMORM_TABLE_PREFIX`). No client is created and nothing is sent yet.
   */
  static override create(config: DynamORMConfig = {}): DynamORM {
    return new DynamORM(resolveConfig(config));
  }

  /** The typed handle for a model, batches and scans included: `db.model(Payment).create(...)`. Handles are cached. */
  override model<M extends AnyModel>(model: M): FullModelClient<M> {
    return super.model(model) as FullModelClient<M>;
  }

  protected override handleFor<M extends AnyModel>(model: M): FullModelClient<M> {
    return new FullModelClient(this, model);
  }

  /**
   * Runs a write transaction: `fn` adds creates, puts, updates, deletes and condition checks on any
   * models (up to 100); they are validated together and sent as one all-or-nothing request. A
   * cancellation raises TransactionCanceledError with a typed reason per action.
   */
  transaction(fn: (tx: TransactionWriter) => unknown, options?: TransactionOptions): Promise<{ token: string; actions: number }> {
    return transaction(this, fn, options);
  }

  /** Reads up to 100 items (`txGet(Model, key)`) in one consistent snapshot; a typed tuple comes back. */
  transactGet<const R extends readonly TransactGetRequest[]>(requests: R): Promise<TransactGetResult<R>> {
    return transactGet(this, requests);
  }

  /**
   * Reads many items across models (`getKeys(Model, keys)`): deduplicated, 100 keys a request, bounded
   * concurrency, unprocessed keys retried with backoff. Keys not found are listed in `missing`.
   */
  batchGet<const R extends readonly BatchGetRequest[]>(requests: R): Promise<BatchGetResult<R>> {
    return batchGet(this, requests);
  }

  /**
   * Puts and deletes many items across models (`putItems(Model, items)`, `deleteKeys(Model, keys)`):
   * 25 a request, unprocessed items retried; what is left after the last retry is raised.
   */
  batchWrite(requests: readonly BatchWriteRequest[]): Promise<{ written: number }> {
    return batchWrite(this, requests);
  }

  /** Several models sharing a partition key in one table, read with one query as a typed union. */
  collection<const Ms extends readonly AnyModel[]>(models: Ms & OneTable<Ms>, options: { index?: string } = {}): Collection<Ms> {
    return collection<Ms>(this, models, options);
  }
}
