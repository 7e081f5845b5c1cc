/**
 * The core database: configuration, one lazily created client, the middleware chain, and typed
 * handles for models. Creating one does no I/O; the SDK client is built on first use. Scans, batches,
 * transactions, collections and table management are standalone functions taking a Database (or the
 * methods of {@link DynamORM}), so a Lambda bundle carries only the ones it imports.
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  type DynamoDBClientConfig,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { resolveConfig, type DynamORMConfig, type DynamORMRequest, type Middleware, type ResolvedConfig } from './config.js';
import { currentDeadline, DeadlineExceededError } from './deadline.js';
import type { AnyModel } from './model/model.js';
import { mapAwsError } from './ops/aws-errors.js';
import { ModelClient } from './ops/model-client.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type CommandClass = new (input: any) => any;

const COMMANDS: Record<string, CommandClass> = {
  PutItem: PutItemCommand,
  GetItem: GetItemCommand,
  UpdateItem: UpdateItemCommand,
  DeleteItem: DeleteItemCommand,
  Query: QueryCommand,
  Scan: ScanCommand,
  BatchGetItem: BatchGetItemCommand,
  BatchWriteItem: BatchWriteItemCommand,
  TransactWriteItems: TransactWriteItemsCommand,
  TransactGetItems: TransactGetItemsCommand,
  CreateTable: CreateTableCommand,
  DeleteTable: DeleteTableCommand,
  DescribeTable: DescribeTableCommand,
  DescribeTimeToLive: DescribeTimeToLiveCommand,
  UpdateTimeToLive: UpdateTimeToLiveCommand,
};

/**
 * The SDK calls `logger.info?.(filterSensitive(output))` after every request: with its default no-op
 * logger that still walks the whole response (30% of a large read's CPU). A logger with no `info`
 * skips the walk; warnings and errors are still no-ops, as in the SDK's default.
 */
const QUIET_LOGGER = { trace() {}, debug() {}, warn() {}, error() {} } as unknown as NonNullable<DynamoDBClientConfig['logger']>;

function isSdkError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$metadata' in error;
}

/**
 * The core database: items and queries through `db.model(M)`. Create one per process (module scope)
 * and reuse it across invocations. {@link DynamORM} adds scans, batches, transactions, collections and
 * `tables` as methods; here they are the functions `scan(db, M)`, `batchGet(db, …)`,
 * `transaction(db, …)`, ….
 */
export class Database {
  /** The resolved configuration. */
  readonly config: ResolvedConfig;
  private lazyClient: DynamoDBClient | undefined;
  private readonly handles = new WeakMap<AnyModel, unknown>();
  private middleware: readonly Middleware[];

  /** @internal Use `Database.create()`. */
  protected constructor(config: ResolvedConfig) {
    this.config = config;
    this.middleware = config.middleware;
    this.lazyClient = config.client;
  }

  /**
   * Creates a database handle. Options left out come from the environment (`DYNAMODB_ENDPOINT`,
   * `AWS_REGION`, `DYNAMORM_TABLE_PREFIX`). No client is created and nothing is sent yet.
   */
  static create(config: DynamORMConfig = {}): Database {
    return new Database(resolveConfig(config));
  }

  /** The AWS SDK client, created on first use and reused afterwards. */
  get client(): DynamoDBClient {
    if (!this.lazyClient) {
      this.lazyClient = new DynamoDBClient({
        logger: QUIET_LOGGER,
        ...this.config.clientConfig,
        region: this.config.region,
        ...(this.config.endpoint ? { endpoint: this.config.endpoint } : {}),
        ...(this.config.credentials ? { credentials: this.config.credentials } : {}),
        ...(this.config.maxAttempts !== undefined ? { maxAttempts: this.config.maxAttempts } : {}),
        // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes.
        ...(this.config.requestTimeoutMs !== undefined
          ? { requestHandler: { requestTimeout: this.config.requestTimeoutMs, throwOnRequestTimeout: true } }
          : {}),
      });
    }
    return this.lazyClient;
  }

  /** The typed handle for a model: `db.model(Payment).create(...)`. Handles are cached. */
  model<M extends AnyModel>(model: M): ModelClient<M> {
    let handle = this.handles.get(model) as ModelClient<M> | undefined;
    if (!handle) {
      handle = this.handleFor(model);
      this.handles.set(model, handle);
    }
    return handle;
  }

  /** @internal Builds the handle `model()` caches; DynamORM's handles add batches and scans. */
  protected handleFor<M extends AnyModel>(model: M): ModelClient<M> {
    return new ModelClient(this, model);
  }

  /** The physical table name of a model (table prefix applied). */
  tableName(model: AnyModel): string {
    return this.config.tablePrefix + model.table;
  }

  /** Adds middleware around every request (after the ones given in the config). */
  use(middleware: Middleware): this {
    this.middleware = [...this.middleware, middleware];
    return this;
  }

  /**
   * Sends one DynamoDB request through the middleware chain. Errors from DynamoDB other than
   * conditional-check failures come back as DynamORM errors; other errors thrown by middleware pass unchanged.
   * @internal Used by the operations; not a stable API.
   */
  async send<T>(request: DynamORMRequest): Promise<T> {
    const chain = this.middleware;
    const dispatch = (index: number, req: DynamORMRequest): Promise<unknown> => {
      const mw = chain[index];
      return mw ? mw(req, (next) => dispatch(index + 1, next)) : this.sendToClient(req);
    };
    try {
      return (await dispatch(0, request)) as T;
    } catch (error) {
      // Middleware that talks to DynamoDB itself (another account's client, say) may let SDK errors out.
      throw isSdkError(error) && (error as { name?: string }).name !== 'ConditionalCheckFailedException'
        ? mapAwsError(error, request.operation)
        : error;
    }
  }

  /**
   * The innermost step: the SDK call. Its errors are mapped here, so middleware (retries, metrics)
   * already sees DynamORM's typed errors; conditional-check failures stay raw for the operation
   * that knows the model to explain them.
   */
  private async sendToClient(request: DynamORMRequest): Promise<unknown> {
    const Command = COMMANDS[request.operation];
    if (!Command) throw new Error(`unknown operation ${request.operation}`);
    const deadline = currentDeadline();
    if (deadline && deadline.remaining() <= 0) {
      throw new DeadlineExceededError(`${request.operation} was not sent: the deadline has passed`);
    }
    try {
      return await this.client.send(new Command(request.input), deadline ? { abortSignal: deadline.signal } : undefined);
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') throw error;
      if (deadline?.signal.aborted) {
        throw new DeadlineExceededError(`${request.operation} was aborted at the deadline; it may have been applied`, { inFlight: true });
      }
      throw mapAwsError(error, request.operation);
    }
  }

  /** Closes the client's connections (tests, scripts). Lambda functions keep the client for reuse. */
  destroy(): void {
    this.lazyClient?.destroy();
    this.lazyClient = undefined;
  }
}
