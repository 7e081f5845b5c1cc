/**
 * Configuration: explicit options first, then the environment. Reading the environment costs
 * nothing at import; it happens when `DynamORM.create()` is called.
 */
import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from './client/context.js';
import { ConfigurationError } from './errors.js';
import type { Extension } from './extensions/extension.js';
import type { Plugin } from './plugins/plugin.js';

/** A request on its way to DynamoDB, as middleware sees it. */
export interface DynamORMRequest {
  /** DynamoDB operation name: `PutItem`, `GetItem`, `UpdateItem`, `DeleteItem`, `CreateTable`, ... */
  readonly operation: string;
  /** The plain DynamoDB input object. Middleware may replace it (keep the rest: `{ ...request, input }`). */
  readonly input: Record<string, unknown>;
  /** The model the request is for, when there is one. */
  readonly model?: string;
  /**
   * The operation this request belongs to: its kind (`create`, `put`, `query`, ...), model, table,
   * clock reading, deadline, tenant, actor and partner. Several requests of one operation (the pages
   * of a query, the chunks of a batch) share it.
   */
  readonly context: OperationContext;
}

/**
 * Middleware around every request: call `next` to send it (possibly with a changed request), and
 * return or transform the output. Used for metrics, tracing, logging, caching and retries.
 */
export type Middleware = (request: DynamORMRequest, next: (request: DynamORMRequest) => Promise<unknown>) => Promise<unknown>;

/** Options for `DynamORM.create()`. Every field is optional; the environment fills the rest. */
export interface DynamORMConfig {
  /** An existing client to reuse (its own config wins). */
  readonly client?: DynamoDBClient;
  /** DynamoDB endpoint; defaults to `DYNAMODB_ENDPOINT`, else the AWS endpoint of the region. */
  readonly endpoint?: string;
  /** Region; defaults to `AWS_REGION`, `AWS_DEFAULT_REGION`, else `us-east-1`. */
  readonly region?: string;
  /** Credentials passed to the SDK client (defaults to the SDK's own provider chain). */
  readonly credentials?: DynamoDBClientConfig['credentials'];
  /**
   * Attempts per request, the first included, made by the SDK's own retry (backoff, throttling
   * aware) in the client DynamORM builds. Default: the SDK's (3, or `AWS_MAX_ATTEMPTS`). Not with `client`.
   */
  readonly maxAttempts?: number;
  /**
   * Longest wait for the answer to one attempt, in ms; then the attempt fails (a read with
   * `TimeoutError`; a write is settled first, see docs/guides/errors.md). Default outside Lambda:
   * {@link DEFAULT_REQUEST_TIMEOUT_MS}; in Lambda none (the invocation's deadline governs, see
   * `withDynamORM`). `false`: no limit. Not with `client`.
   */
  readonly requestTimeoutMs?: number | false;
  /**
   * Longest wait for a connection, in ms. Default outside Lambda: {@link DEFAULT_CONNECT_TIMEOUT_MS};
   * in Lambda none. `false`: no limit. Not with `client`.
   */
  readonly connectTimeoutMs?: number | false;
  /**
   * Further options for the SDK client DynamORM builds (a `requestHandler`, a `logger`, ...). The
   * settings above win over the same ones here, except that a `requestHandler` given here is used as
   * it is (the time-outs above do not apply to it). Not with `client`.
   */
  readonly clientConfig?: DynamoDBClientConfig;
  /** Prefix added to every table name, e.g. `staging-`; defaults to `DYNAMORM_TABLE_PREFIX`. */
  readonly tablePrefix?: string;
  /** Clock for createdAt/updatedAt; defaults to `() => new Date()`. */
  readonly clock?: () => Date;
  /** Middleware, outermost first (before the plugins). */
  readonly middleware?: readonly Middleware[];
  /** Named plugins, installed in order after `middleware` (see {@link Plugin}). */
  readonly plugins?: readonly Plugin[];
  /**
   * Extensions (features that plug into every operation of the models that opt in: unique values,
   * audit, encryption, tenant scope, ...). Each decides per model whether it applies.
   */
  readonly extensions?: readonly Extension[];
  /**
   * Secret that signs (and encrypts) pagination cursors; defaults to `DYNAMORM_CURSOR_SECRET`.
   * At least 32 characters. Needed by `page()` (always, even for a first page), by `resume()`, and for
   * the cursor of a read stopped at a deadline; other reads never use it.
   */
  readonly cursorSecret?: string;
  /** Retries of unprocessed batch items and throttled batch calls (exponential backoff, full jitter). */
  readonly batchRetry?: Partial<RetryPolicy>;
  /** How many batch requests run at once (default 4). */
  readonly batchConcurrency?: number;
  /** Default items per Query/Scan request for reads (DynamoDB's `Limit`); default: DynamoDB's 1 MB pages. */
  readonly pageSize?: number;
  /**
   * Allow a plain-HTTP endpoint that is not on this machine. Off by default: outside localhost,
   * DynamORM only talks HTTPS.
   */
  readonly allowInsecureEndpoint?: boolean;
}

/** Exponential backoff with full jitter: attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs * 2^n)). */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 8). */
  readonly maxAttempts: number;
  /** Base delay in ms (default 25). */
  readonly baseDelayMs: number;
  /** Cap of one delay in ms (default 2000). */
  readonly maxDelayMs: number;
}

/** The configuration after defaults and the environment are applied. */
export interface ResolvedConfig {
  readonly client?: DynamoDBClient;
  readonly endpoint?: string;
  readonly region: string;
  readonly credentials?: DynamoDBClientConfig['credentials'];
  readonly maxAttempts?: number;
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly clientConfig?: DynamoDBClientConfig;
  readonly tablePrefix: string;
  readonly clock: () => Date;
  readonly middleware: readonly Middleware[];
  readonly plugins: readonly Plugin[];
  readonly extensions: readonly Extension[];
  readonly cursorSecret?: string;
  readonly batchRetry: RetryPolicy;
  readonly batchConcurrency: number;
  readonly pageSize?: number;
}

/** Per-attempt request time-out outside Lambda, in ms (the project plan asks payment paths to fail fast). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 2000;
/** Connection time-out outside Lambda, in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 1000;

/** A time-out option: a positive number of ms, `false` for none, or the default when left out. */
function timeout(name: string, given: number | false | undefined, fallback: number | undefined): number | undefined {
  if (given === false) return undefined;
  if (given === undefined) return fallback;
  if (!(Number.isFinite(given) && given > 0)) throw new ConfigurationError(`${name} must be a positive number of milliseconds or false, got ${given}`);
  return given;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

/** Resolves options against the environment and checks them. */
export function resolveConfig(config: DynamORMConfig = {}, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const endpoint = config.endpoint ?? (env.DYNAMODB_ENDPOINT || undefined);
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new ConfigurationError(`endpoint ${JSON.stringify(endpoint)} is not a URL`);
    }
    // `localhost:8000` parses as a URL with the scheme `localhost:`; only HTTP(S) is usable.
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigurationError(`endpoint ${JSON.stringify(endpoint)} must start with https:// (or http:// on this machine)`);
    }
    if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname) && !config.allowInsecureEndpoint) {
      throw new ConfigurationError(`endpoint ${url.origin} uses plain HTTP outside this machine; use HTTPS or set allowInsecureEndpoint`);
    }
  }
  const { maxAttempts } = config;
  if (maxAttempts !== undefined && !(Number.isSafeInteger(maxAttempts) && maxAttempts >= 1)) {
    throw new ConfigurationError(`maxAttempts must be an integer of at least 1, got ${maxAttempts}`);
  }
  // A given client keeps its own settings; accepting these would silently do nothing.
  if (
    config.client &&
    (maxAttempts !== undefined || config.requestTimeoutMs !== undefined || config.connectTimeoutMs !== undefined || config.clientConfig !== undefined)
  ) {
    throw new ConfigurationError('maxAttempts, requestTimeoutMs, connectTimeoutMs and clientConfig configure the client DynamORM builds; set them on your own client instead');
  }
  // Outside Lambda nothing else bounds a call: a silent endpoint must not hang it for minutes.
  const bounded = !config.client && !env.AWS_LAMBDA_FUNCTION_NAME;
  const requestTimeoutMs = timeout('requestTimeoutMs', config.requestTimeoutMs, bounded ? DEFAULT_REQUEST_TIMEOUT_MS : undefined);
  const connectTimeoutMs = timeout('connectTimeoutMs', config.connectTimeoutMs, bounded ? DEFAULT_CONNECT_TIMEOUT_MS : undefined);
  const cursorSecret = config.cursorSecret ?? (env.DYNAMORM_CURSOR_SECRET || undefined);
  if (cursorSecret !== undefined && cursorSecret.length < 32) {
    throw new ConfigurationError('cursorSecret must be at least 32 characters');
  }
  return {
    ...(config.client ? { client: config.client } : {}),
    ...(endpoint ? { endpoint } : {}),
    region: config.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1'),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    ...(config.clientConfig ? { clientConfig: config.clientConfig } : {}),
    tablePrefix: config.tablePrefix ?? env.DYNAMORM_TABLE_PREFIX ?? '',
    clock: config.clock ?? (() => new Date()),
    middleware: config.middleware ?? [],
    plugins: config.plugins ?? [],
    extensions: config.extensions ?? [],
    ...(cursorSecret ? { cursorSecret } : {}),
    batchRetry: { maxAttempts: 8, baseDelayMs: 25, maxDelayMs: 2000, ...config.batchRetry },
    batchConcurrency: Math.max(1, config.batchConcurrency ?? 4),
    ...(config.pageSize !== undefined ? { pageSize: Math.max(1, Math.floor(config.pageSize)) } : {}),
  };
}
