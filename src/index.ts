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
export { DynamORM } from './db.js';
export { Database } from './database.js';
export { Deadline, DeadlineExceededError, currentDeadline, withDeadline } from './deadline.js';
export type { DynamORMConfig, DynamORMRequest, Middleware, ResolvedConfig, RetryPolicy } from './config.js';
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
export { ModelClient } from './ops/model-client.js';
export { FullModelClient } from './ops/full-model-client.js';
export type { CreateOptions, DeleteOptions, GetOptions, ItemField, KeyOrItem, Projected, PutOptions, UpdateOptions } from './ops/model-client.js';
export { QueryBuilder } from './ops/query.js';
export { scan, ScanBuilder } from './ops/scan.js';
export type { Page } from './ops/read-builder.js';
export { batchGet, batchWrite, deleteKeys, getKeys, putItems } from './ops/batch.js';
export type { BatchGetRequest, BatchGetResult, BatchWriteRequest, UnprocessedKey, UnprocessedWrite } from './ops/batch.js';
export { transaction, transactGet, TransactionWriter, txGet, MAX_TRANSACTION_ACTIONS } from './ops/transaction.js';
export type { TransactGetRequest, TransactGetResult, TransactionOptions } from './ops/transaction.js';
export { collection, Collection } from './ops/collection.js';
export type { CollectionGroups, CollectionItem } from './ops/collection.js';
export { tables, TableManager, tableDefinition } from './ops/table.js';
export type { CreateTableOptions, TableDifference } from './ops/table.js';
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
} from './errors.js';
export type { CancellationReason, ErrorTarget, ValidationIssue } from './errors.js';
