/**
 * The core database: configuration, one lazily created client, the plugins, and typed handles for
 * models. It is the {@link Executor} every operation sends through. Creating one does no I/O; the SDK
 * client is built on first use. Scans, batches, transactions, collections and table management are
 * standalone functions taking a Database (or the methods of `DynamORM`), so a Lambda bundle carries
 * only the ones it imports.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { resolveConfig, type DynamORMConfig, type DynamORMRequest, type Middleware, type ResolvedConfig } from './config.js';
import { mapAwsError } from './client/aws-errors.js';
import type { CommandClass, Executor, ModelTarget } from './client/executor.js';
import { DeadlineExceededError } from './deadline.js';
import { ModelClient } from './handles/model-client.js';
import type { AnyModel } from './model/model.js';
import { ConfigurationError } from './errors.js';
import type { Plugin, PluginEntries } from './plugins/plugin.js';

/**
 * The SDK calls `logger.info?.(filterSensitive(output))` after every request: with its default no-op
 * logger that still walks the whole response (30% of a large read's CPU). A logger with no `info`
 * skips the walk; warnings and errors are still no-ops, as in the SDK's default.
 */
const QUIET_LOGGER = { trace() {}, debug() {}, warn() {}, error() {} } as unknown as NonNullable<DynamoDBClientConfig['logger']>;

/** Numbers the middleware added without a name (`middleware#1`, ...), unique in the process. */
let unnamed = 0;

function isSdkError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$metadata' in error;
}

/**
 * The core database: items and queries through `db.model(M)`. Create one per process (module scope)
 * and reuse it across invocations. `DynamORM` adds scans, batches, transactions, collections and
 * `tables` as methods; here they are the functions `scan(db, M)`, `batchGet(db, …)`,
 * `transaction(db, …)`, ….
 */
export class Database implements Executor {
  /** The resolved configuration. */
  readonly config: ResolvedConfig;
  /** The partner account this database serves (set by `derive(db, { partner })`). */
  readonly partner: string | undefined;
  /**
   * The named middleware around every request, outermost first. Add with `use()`; remove or replace
   * by name with `removePlugin(db, name)` and `replacePlugin(db, name, middleware)`. Changes replace
   * the array (never edit it in place), so a request in flight keeps the chain it started with.
   */
  plugins: PluginEntries;
  private lazyClient: DynamoDBClient | undefined;
  private readonly handles = new WeakMap<AnyModel, unknown>();

  /** @internal Use `Database.create()`. */
  protected constructor(config: ResolvedConfig, plugins?: PluginEntries, partner?: string) {
    this.config = config;
    this.lazyClient = config.client;
    this.partner = partner;
    this.plugins = plugins ?? [];
    if (!plugins) {
      for (const mw of config.middleware) this.use(mw);
      for (const plugin of config.plugins) this.use(plugin);
    }
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
        // The time-outs and the TLS floor are in clientConfig.requestHandler (config.ts resolveConfig).
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

  /** @internal The model handle as operations see it (Executor). */
  target(model: AnyModel): ModelTarget {
    return this.model(model);
  }

  /** @internal Builds the handle `model()` caches; DynamORM's handles add batches and scans. */
  protected handleFor<M extends AnyModel>(model: M): ModelClient<M> {
    return new ModelClient(this, model);
  }

  /** The physical table name of a model (table prefix applied). */
  tableName(model: AnyModel): string {
    return this.config.tablePrefix + model.table;
  }

  /**
   * Adds middleware around every request, after the ones installed so far: `use(middleware)`,
   * `use(name, middleware)` (removable by name through `plugins`), or `use(plugin)`.
   */
  use(middleware: Middleware): this;
  use(name: string, middleware: Middleware): this;
  use(plugin: Plugin): this;
  use(first: Middleware | Plugin | string, middleware?: Middleware): this {
    if (typeof first === 'object') {
      first.install(this);
      return this;
    }
    const taken = (n: string) => this.plugins.some(([m]) => m === n);
    let name = first as string;
    if (typeof first !== 'string') while (taken((name = `middleware#${++unnamed}`)));
    else if (taken(name)) throw new ConfigurationError(`a middleware named ${JSON.stringify(name)} is already installed`);
    // A new array, never a change in place: requests in flight keep the chain they started with.
    this.plugins = [...this.plugins, [name, (middleware ?? first) as Middleware]];
    return this;
  }

  /**
   * Sends one DynamoDB request through the plugins. Errors from DynamoDB other than conditional-check
   * failures come back as DynamORM errors; other errors thrown by middleware pass unchanged.
   * @internal Used by the operations; not a stable API.
   */
  async send<T>(command: CommandClass, request: DynamORMRequest): Promise<T> {
    const chain = this.plugins;
    const dispatch = (index: number, req: DynamORMRequest): Promise<unknown> => {
      const mw = chain[index]?.[1];
      return mw ? mw(req, (next) => dispatch(index + 1, next)) : this.sendToClient(command, req);
    };
    try {
      return (await dispatch(0, request)) as T;
    } catch (error) {
      // Middleware that talks to DynamoDB itself (another account's client, say) may let SDK errors out.
      throw isSdkError(error) && (error as { name?: string }).name !== 'ConditionalCheckFailedException'
        ? mapAwsError(error, request)
        : error;
    }
  }

  /**
   * The innermost step: the SDK call. Its errors are mapped here, so middleware (retries, metrics)
   * already sees DynamORM's typed errors; conditional-check failures stay raw for the operation
   * that knows the model to explain them.
   */
  private async sendToClient(Command: CommandClass, request: DynamORMRequest): Promise<unknown> {
    const deadline = request.context?.deadline;
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
      throw mapAwsError(error, request);
    }
  }

  /** Closes the client's connections (tests, scripts). Lambda functions keep the client for reuse. */
  destroy(): void {
    this.lazyClient?.destroy();
    this.lazyClient = undefined;
  }
}
