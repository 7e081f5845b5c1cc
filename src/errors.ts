/**
 * The DynamORM error hierarchy. Every error thrown by DynamORM is a {@link DynamORMError}; errors that
 * come from DynamoDB keep the original SDK error as `cause`.
 *
 * ```
 * DynamORMError
 * ├── ModelDefinitionError         the model itself is wrong (thrown at model() time)
 * ├── ValidationError              bad input, thrown before any request is sent
 * ├── ConditionalCheckFailedError  a write condition did not hold
 * │   ├── VersionConflictError     the stored version is not the expected one
 * │   ├── ItemAlreadyExistsError   create() found an item with the same key
 * │   └── ItemNotFoundError        update()/delete() of a missing item, get({ required: true })
 * ├── TransactionCanceledError     a transaction was cancelled; `reasons` say why, per action
 * ├── UnprocessedItemsError        a batch still had unprocessed items after the last retry
 * ├── NoUsableIndexError           no table key or index serves a query's conditions
 * ├── InvalidCursorError           a cursor was tampered with or belongs to another query
 * ├── ConfigurationError           the configuration is unusable (e.g. no cursor secret)
 * ├── WriteInDoubtError            a write may or may not have been applied (isStored() tells)
 * ├── ThrottledError               DynamoDB throttled the request
 * ├── TimeoutError                 the request was aborted or timed out
 * └── DynamoDBError                any other error returned by DynamoDB
 * ```
 *
 * No error shows a stored item or a field value: not in its message, nor in what loggers print
 * (enumerable properties, `JSON.stringify`, `util.inspect`, the causes DynamORM attaches). Items
 * and keys stay readable as properties (`item`, `key`, `unprocessed`, ...) that are not enumerable.
 * Key values appear only for key fields marked `.loggable()`; the others read `<redacted>`.
 * @packageDocumentation
 */

/** The properties of an SDK error logs may show; the rest (`Item`, `CancellationReasons`, `$response`, ...) are hidden. */
const SHOWN = new Set(['name', 'message', 'code', '$fault', '$metadata']);

/**
 * Makes properties non-enumerable: they stay readable (`error.item`), but `JSON.stringify`,
 * `util.inspect`, `Object.entries` and loggers no longer see them.
 * @internal
 */
export function conceal<T>(target: T, names: Iterable<string>): T {
  for (const name of names) Reflect.defineProperty(target as object, name, { enumerable: false });
  return target;
}

/** Hides what an error from the SDK (or any error DynamORM keeps as a cause) may carry of an item. */
function quiet(error: unknown): unknown {
  if (error instanceof Object && !(error instanceof DynamORMError)) conceal(error, Object.keys(error).filter((k) => !SHOWN.has(k)));
  return error;
}

/**
 * Base class of every error DynamORM throws. What it shows (message, `toJSON()`, `util.inspect`,
 * enumerable properties, and the same for its `cause`) holds no stored item and no field value.
 */
export class DynamORMError extends Error {
  /**
   * The class's name as a string literal: minifiers rename classes (esbuild --minify turns
   * `ValidationError` into `h`), so `error.name` must not come from the class itself. Subclasses of
   * your own that leave it out get their class name.
   */
  static readonly errorName: string = 'DynamORMError';
  /** A stable machine-readable code, e.g. `VALIDATION`, `VERSION_CONFLICT`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: quiet(options.cause) });
    this.name = Object.hasOwn(new.target, 'errorName') ? (new.target as typeof DynamORMError).errorName : new.target.name;
    this.code = code;
  }

  /**
   * What `JSON.stringify(error)` shows: name, message, the enumerable fields (none holds an item or a
   * field value) and the cause likewise. `util.inspect` shows the stack, the same fields and the cause.
   */
  toJSON(): Record<string, unknown> {
    const cause = this.cause as Error | undefined;
    return Object.assign(
      { name: this.name, message: this.message },
      this as object,
      cause && { cause: cause instanceof DynamORMError ? cause : { name: cause.name, message: cause.message } },
    );
  }
}

// A cause set after construction (`error.cause = sdkError`) is stored hidden and quieted too.
Object.defineProperty(DynamORMError.prototype, 'cause', {
  set(value: unknown) {
    Object.defineProperty(this, 'cause', { value: quiet(value), writable: true });
  },
});

/** The model definition is invalid (unknown key field, bad key template, ...). Thrown by `model()`. */
export class ModelDefinitionError extends DynamORMError {
  static override readonly errorName: string = 'ModelDefinitionError';
  constructor(message: string) {
    super('MODEL_DEFINITION', message);
  }
}

/** One reason an input failed validation. */
export interface ValidationIssue {
  /** Path of the offending field, e.g. `['address', 'city']` or `['tags', 2]`. */
  readonly path: readonly (string | number)[];
  /** The rule that failed: `required`, `type`, `unknown-field`, `key-change`, `item-size`, ... */
  readonly rule: string;
  /** Human readable explanation. */
  readonly message: string;
}

/**
 * Input did not pass validation. Thrown before any request is sent, so nothing was written.
 * `issues` lists every problem found; `path` and `rule` describe the first one.
 */
export class ValidationError extends DynamORMError {
  static override readonly errorName: string = 'ValidationError';
  readonly issues: readonly ValidationIssue[];
  constructor(issues: readonly ValidationIssue[], label?: string) {
    const first = issues[0] ?? { path: [], rule: 'invalid', message: 'invalid input' };
    const where = first.path.length > 0 ? `${formatPath(first.path)}: ` : '';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super('VALIDATION', `${label ? `${label}: ` : ''}${where}${first.message} [${first.rule}]${more}`);
    this.issues = issues;
  }
  /** Path of the first failing field. */
  get path(): readonly (string | number)[] {
    return this.issues[0]?.path ?? [];
  }
  /** Rule of the first failure. */
  get rule(): string {
    return this.issues[0]?.rule ?? 'invalid';
  }
}

/** Fields that identify the item an error is about. */
export interface ErrorTarget {
  /** Model name. */
  readonly model: string;
  /** Key of the item, as field values. */
  readonly key: Record<string, unknown>;
  /**
   * The key fields whose values messages and logs may show (marked `.loggable()`). The others are
   * shown as `<redacted>`; without this set, all of them.
   */
  readonly loggable?: ReadonlySet<string>;
}

/**
 * A write condition did not hold; nothing was written. `item` is the stored item when DynamoDB
 * returned it: readable, but not enumerable, so logs and `JSON.stringify` never show it.
 */
export class ConditionalCheckFailedError extends DynamORMError {
  static override readonly errorName: string = 'ConditionalCheckFailedError';
  readonly model: string;
  /** The key fields, as given. Not enumerable: logs show the message, where only `.loggable()` key values appear. */
  readonly key: Record<string, unknown>;
  /** The item as stored when the condition failed (decoded), if DynamoDB returned it. Not enumerable. */
  readonly item: Record<string, unknown> | undefined;
  constructor(target: ErrorTarget, item?: Record<string, unknown>, options?: { cause?: unknown; message?: string; code?: string }) {
    super(
      options?.code ?? 'CONDITIONAL_CHECK_FAILED',
      options?.message ?? `${about(target)}: the write condition did not hold`,
      options,
    );
    this.model = target.model;
    this.key = target.key;
    this.item = item;
    conceal(this, ['key', 'item']);
  }
}

/** The stored version differs from the expected one: somebody else wrote first. Nothing was written. */
export class VersionConflictError extends ConditionalCheckFailedError {
  static override readonly errorName: string = 'VersionConflictError';
  readonly expectedVersion: number;
  /** The version stored now, when known. */
  readonly actualVersion: number | undefined;
  constructor(target: ErrorTarget, expectedVersion: number, actualVersion: number | undefined, item?: Record<string, unknown>, cause?: unknown) {
    super(target, item, {
      cause,
      code: 'VERSION_CONFLICT',
      message: `${about(target)}: expected version ${expectedVersion}, found ${actualVersion ?? 'none'}`,
    });
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }
}

/** `create()` found an item with the same key. Nothing was written. */
export class ItemAlreadyExistsError extends ConditionalCheckFailedError {
  static override readonly errorName: string = 'ItemAlreadyExistsError';
  constructor(target: ErrorTarget, item?: Record<string, unknown>, cause?: unknown) {
    super(target, item, { cause, code: 'ALREADY_EXISTS', message: `${about(target)} already exists` });
  }
}

/** The item does not exist: `update()`/`delete()` of a missing item, or `get(key, { required: true })`. */
export class ItemNotFoundError extends ConditionalCheckFailedError {
  static override readonly errorName: string = 'ItemNotFoundError';
  constructor(target: ErrorTarget, cause?: unknown) {
    super(target, undefined, { cause, code: 'NOT_FOUND', message: `${about(target)} not found` });
  }
}

/**
 * A write may or may not have been applied, and DynamORM could not tell: its last attempt timed out,
 * lost its connection or got a 5xx, or an SDK retry failed its condition after an earlier attempt may
 * have applied it, and the stored item (read strongly consistent) does not carry this write's token.
 * Do not treat it as "nothing changed" and do not retry blindly: `isStored()` reads the item again and
 * tells whether this write is the one stored (for a delete: whether the item is gone). `cause` is the
 * error of the last attempt.
 */
export class WriteInDoubtError extends DynamORMError {
  static override readonly errorName: string = 'WriteInDoubtError';
  /** Always true: the marker every in-doubt write error carries. */
  readonly inDoubt = true;
  readonly model: string;
  /** The key fields, as given. Not enumerable: logs show the message, where only `.loggable()` key values appear. */
  readonly key: Record<string, unknown>;
  /** The write: `create`, `put`, `update`, `delete`. */
  readonly operation: string;
  /** The token this write stored with the item (none for deletes, or models without a write-token attribute). */
  readonly writeToken: string | undefined;
  /** @internal */
  declare private readonly check: () => Promise<boolean>;
  constructor(target: ErrorTarget, operation: string, writeToken: string | undefined, check: () => Promise<boolean>, cause?: unknown) {
    super('IN_DOUBT', `${about(target)}: ${operation} may or may not have been applied; isStored() tells`, { cause });
    this.model = target.model;
    this.key = target.key;
    conceal(this, ['key']);
    this.operation = operation;
    this.writeToken = writeToken;
    Object.defineProperty(this, 'check', { value: check, enumerable: false });
  }
  /** Reads the item strongly consistent: true when this write is the one stored (a delete: the item is gone). */
  isStored(): Promise<boolean> {
    return this.check();
  }
}

/** DynamoDB throttled the request (provisioned throughput, request limit, or a throttling exception). */
export class ThrottledError extends DynamORMError {
  static override readonly errorName: string = 'ThrottledError';
  constructor(message: string, cause?: unknown) {
    super('THROTTLED', message, { cause });
  }
}

/** The request timed out or was aborted before DynamoDB answered. It may or may not have been applied. */
export class TimeoutError extends DynamORMError {
  static override readonly errorName: string = 'TimeoutError';
  constructor(message: string, cause?: unknown) {
    super('TIMEOUT', message, { cause });
  }
}

/** Any other error from DynamoDB. `awsCode` is the SDK error name; `cause` is the original error. */
export class DynamoDBError extends DynamORMError {
  static override readonly errorName: string = 'DynamoDBError';
  readonly awsCode: string;
  constructor(awsCode: string, message: string, cause?: unknown) {
    super('DYNAMODB', `${awsCode}: ${message}`, { cause });
    this.awsCode = awsCode;
  }
}

/** Why one action of a cancelled transaction failed. */
export interface CancellationReason {
  /** Position of the action in the transaction. */
  readonly index: number;
  /** Model of the action. */
  readonly model: string;
  /** Key fields of the item the action was about (not enumerable). */
  readonly key: Record<string, unknown>;
  /** DynamoDB's code: `ConditionalCheckFailed`, `TransactionConflict`, `ThrottlingError`, `ValidationError`, `None`, ... */
  readonly awsCode: string;
  /**
   * The typed cause: `ItemAlreadyExistsError`, `VersionConflictError`, `ItemNotFoundError`,
   * `ConditionalCheckFailedError`, `ThrottledError`, or a `DynamoDBError` for conflicts and the rest.
   * `undefined` for actions that did not fail.
   */
  readonly error: DynamORMError | undefined;
  /** The stored item (decoded) when DynamoDB returned it (not enumerable: logs never show it). */
  readonly item: Record<string, unknown> | undefined;
}

/**
 * A transaction was cancelled; nothing in it was written. `reasons` has one entry per action; their
 * `key` and `item` are readable but not enumerable, so logging the error or its reasons shows neither.
 */
export class TransactionCanceledError extends DynamORMError {
  static override readonly errorName: string = 'TransactionCanceledError';
  readonly reasons: readonly CancellationReason[];
  constructor(reasons: readonly CancellationReason[], cause?: unknown) {
    const failed = reasons.filter((r) => r.error);
    const summary = failed.map((r) => `#${r.index} ${r.model}: ${r.error?.code ?? r.awsCode}`).join('; ');
    super('TRANSACTION_CANCELED', `transaction cancelled: ${summary || 'no reason given'}`, { cause });
    for (const r of reasons) conceal(r, ['key', 'item']);
    this.reasons = reasons;
  }
  /** The reasons of the actions that failed. */
  get failures(): readonly CancellationReason[] {
    return this.reasons.filter((r) => r.error);
  }
}

/**
 * A batch still had unprocessed requests after the last retry. Nothing is dropped: they are listed
 * here, in properties that are not enumerable (they hold your items and keys), so logs show only the message.
 */
export class UnprocessedItemsError<T = unknown, P = unknown> extends DynamORMError {
  static override readonly errorName: string = 'UnprocessedItemsError';
  /** What was not processed: write requests or keys, as the caller gave them. */
  readonly unprocessed: readonly T[];
  /** What did succeed: the batch get result so far, or `{ written }` for writes. */
  readonly partial: P;
  /**
   * Writes whose last attempt failed in a way that may still have applied them (a time-out, a dropped
   * connection, a 5xx). Batch puts and deletes are idempotent: sending them again is safe.
   */
  readonly inDoubt: readonly T[];
  constructor(operation: string, unprocessed: readonly T[], partial: P, inDoubt: readonly T[] = []) {
    super(
      'UNPROCESSED',
      `${operation}: ${unprocessed.length} request(s) still unprocessed${inDoubt.length ? ` and ${inDoubt.length} in doubt` : ''} after the last retry`,
    );
    this.unprocessed = unprocessed;
    this.partial = partial;
    this.inDoubt = inDoubt;
    conceal(this, ['unprocessed', 'partial', 'inDoubt']);
  }
}

/** No table key or index can serve a query's conditions. DynamORM never falls back to a scan silently. */
export class NoUsableIndexError extends DynamORMError {
  static override readonly errorName: string = 'NoUsableIndexError';
  constructor(message: string) {
    super('NO_USABLE_INDEX', message);
  }
}

/** A cursor was malformed, tampered with, or made by another query. It was not sent to DynamoDB. */
export class InvalidCursorError extends DynamORMError {
  static override readonly errorName: string = 'InvalidCursorError';
  constructor(reason: string) {
    super('INVALID_CURSOR', `invalid cursor: ${reason}`);
  }
}

/** The configuration cannot be used (bad endpoint, missing cursor secret, ...). */
export class ConfigurationError extends DynamORMError {
  static override readonly errorName: string = 'ConfigurationError';
  constructor(message: string) {
    super('CONFIG', message);
  }
}

/** Formats a field path as `a.b[2].c`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out;
}

/**
 * Formats key fields for messages: `{id="p-1", fingerprint=<redacted>}`. Only the values of fields in
 * `loggable` (marked `.loggable()`) appear.
 */
export function formatKey(key: Record<string, unknown>, loggable?: ReadonlySet<string>): string {
  const parts = Object.entries(key).map(([k, v]) => `${k}=${!loggable?.has(k) ? '<redacted>' : typeof v === 'bigint' ? v : JSON.stringify(v)}`);
  return `{${parts.join(', ')}}`;
}

/**
 * Adds the item a DynamoDB refusal was about (a missing table, a rejected request) to its message, as
 * messages may show it. Returns the error, to throw.
 */
export function namingItem(error: unknown, target: ErrorTarget): unknown {
  if (error instanceof DynamoDBError) error.message += `; item ${about(target)}`;
  return error;
}

/** `Payment {id="p-1"}`: the model and the key as messages may show it (only `.loggable()` key values). */
function about(target: ErrorTarget): string {
  return `${target.model} ${formatKey(target.key, target.loggable)}`;
}
