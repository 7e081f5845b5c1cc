/**
 * DynamORM: a typed, Lambda-first ORM for Amazon DynamoDB.
 *
 * ```ts
 * import { DynamORM, model, attr, type Item } from 'dynamorm';
 * ```
 * `DynamORM` has every feature as a method. `Database` is the core (items and queries); with it,
 * scans, batches, transactions, collections and tables are the functions `scan(db, M)`,
 * `batchGet(db, …)`, `transaction(db, …)`, `collection(db, …)` and `tables(db)`, so a bundle carries
 * only what it uses.
 * @packageDocumentation
 */
export { DynamORM } from './dynamorm.js';
export { Database } from './database.js';
export { derive } from './client/derive.js';
export type { DeriveOptions } from './client/derive.js';
export { Deadline, DeadlineExceededError, currentDeadline, withDeadline } from './deadline.js';
export { currentScope, withScope } from './scope.js';
export type { AmbientScope } from './scope.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './config.js';
export type { DynamORMConfig, DynamORMRequest, Middleware, ResolvedConfig, RetryPolicy } from './config.js';
export type { OperationContext, OperationKind } from './client/context.js';
export type { CommandClass, Executor, ModelTarget } from './client/executor.js';
export { pluginNames, removePlugin, replacePlugin } from './plugins/plugin.js';
export type { Plugin, PluginEntries, PluginHost } from './plugins/plugin.js';
export type { Extension, ModelHooks, PlannedWrite, PreparingWrite, ReadIntent, ReadPartition, ResolvedHooks, WriteIntent } from './extensions/extension.js';
export { defineExtension } from './extensions/runtime.js';
export type { WritePlan } from './write/plans.js';
export { preview } from './write/preview.js';
export type { RequestPreview, WritePreview } from './write/preview.js';
export type { CodecScope } from './marshal/codec.js';
export { attr, Attr } from './model/attributes.js';
export type { AnyAttr, AttrKind, Converter, DateStorage, JsonValue, Shape, Validator } from './model/attributes.js';
export { model } from './model/model.js';
export type { AnyModel, IndexDefinition, Model, ModelDefinition } from './model/model.js';
export type { CreateInput, FieldPath, Item, KeyInput, PatchValue, UpdatePatch, ValueAt } from './model/types.js';
export type { TemplateFields } from './model/key-template.js';
export { add, append, ifNotExists, prepend, remove, removeFromSet, UpdateAction } from './expr/update-actions.js';
export type { UpdateActionKind } from './expr/update-actions.js';
export { Condition } from './expr/condition.js';
export type { CompareOp, ConditionBuilder, ConditionInput, ConditionOp, OperandOf } from './expr/condition.js';
export { ModelClient } from './handles/model-client.js';
export { FullModelClient } from './handles/full-model-client.js';
export type { CreateOptions, DeleteOptions, GetOptions, ItemField, KeyOrItem, Projected, PutOptions, UpdateOptions } from './handles/model-client.js';
export { QueryBuilder } from './read/query.js';
export { scan, ScanBuilder } from './read/scan.js';
export type { Page } from './read/runner.js';
export { batchGet, batchGetParams, getKeys } from './read/batch-get.js';
export type { BatchGetRequest, BatchGetResult, UnprocessedKey } from './read/batch-get.js';
export { batchWrite, batchWriteParams, deleteKeys, putItems } from './write/batch-write.js';
export type { BatchWriteRequest, UnprocessedWrite } from './write/batch-write.js';
export { transaction, transactionParams, TransactionWriter, MAX_TRANSACTION_ACTIONS } from './write/transaction.js';
export type { TransactionOptions } from './write/transaction.js';
export { transactGet, txGet } from './read/transact-get.js';
export type { TransactGetRequest, TransactGetResult } from './read/transact-get.js';
export { collection, Collection } from './read/collection.js';
export type { CollectionGroups, CollectionItem } from './read/collection.js';
export { tables, TableManager, tableDefinition } from './tables/table.js';
export type { CreateTableOptions, TableDifference } from './tables/table.js';
export {
  ConditionalCheckFailedError,
  ConfigurationError,
  InvalidCursorError,
  NoUsableIndexError,
  TransactionCanceledError,
  UnprocessedItemsError,
  DynamoDBError,
  DynamORMError,
  ItemAlreadyExistsError,
  ItemNotFoundError,
  ModelDefinitionError,
  ThrottledError,
  TimeoutError,
  ValidationError,
  VersionConflictError,
  WriteInDoubtError,
} from './errors.js';
export type { CancellationReason, ErrorTarget, ValidationIssue } from './errors.js';
