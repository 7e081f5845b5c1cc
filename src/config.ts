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
   * aware) in the client DynamORM builds. Default: the SDK's (4 for DynamoDB, or `AWS_MAX_ATTEMPTS`). Not with `client`.
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
   * settings above win over the same ones here. A `requestHandler` given as options (`httpsAgent`,
   * `httpAgent`, ...) gets the time-outs above and `minVersion: 'TLSv1.2'`; a handler or agent object
   * of your own is used as it is. Options that change request signing (`signer`, `httpAuthSchemes`,
   * `httpAuthSchemeProvider`), agent options below TLS 1.2 or without certificate checks, and a
   * plain-HTTP `endpoint` off this machine are refused. Not with `client`.
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
  /**
   * Resends of the items a batch call answers as unprocessed (exponential backoff, full jitter):
   * `maxAttempts` calls per chunk at most, the first included. A failed call (throttled, 5xx, timed
   * out) is retried by the SDK alone (`maxAttempts` above, within its retry quota), never again here.
   */
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
  /** Calls per chunk in all, the first included (default 8). */
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
function timeout(problems: string[], name: string, given: number | false | undefined, fallback: number | undefined): number | undefined {
  if (given === false) return undefined;
  if (given === undefined) return fallback;
  if (!(Number.isFinite(given) && given > 0)) problems.push(`${name} must be a positive number of milliseconds or false, got ${given}`);
  return given;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;
/** A `minVersion` below TLS 1.2. */
const OLD_TLS = /^TLSv1(\.[01])?$/;

/** The message of the one error that lists every problem. */
export function problemsMessage(problems: readonly string[]): string {
  return problems.length > 1 ? `${problems.length} problems in the configuration: ${problems.join('; ')}` : String(problems[0]);
}

/**
 * Resolves options against the environment and checks them. Every problem found is listed in one
 * {@link ConfigurationError}, thrown before anything is sent.
 */
export function resolveConfig(config: DynamORMConfig = {}, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const problems: string[] = [];
  const resolved = resolveChecking(config, env, problems);
  if (problems.length > 0) throw new ConfigurationError(problemsMessage(problems));
  return resolved;
}

/**
 * {@link resolveConfig}, adding every problem to `problems` instead of throwing (`configFromEnv`
 * lists its own with them). The result is only usable when no problem was added.
 * @internal
 */
export function resolveChecking(config: DynamORMConfig, env: NodeJS.ProcessEnv, problems: string[]): ResolvedConfig {
  const { client, maxAttempts } = config;
  const given = config.clientConfig;
  const endpoint = config.endpoint ?? (env.DYNAMODB_ENDPOINT || undefined);
  // The endpoints the SDK would use on its own get the same rules.
  const sdkName = env.AWS_ENDPOINT_URL_DYNAMODB ? 'AWS_ENDPOINT_URL_DYNAMODB' : 'AWS_ENDPOINT_URL';
  const [name, url] =
    endpoint !== undefined || client
      ? ['endpoint', endpoint]
      : given?.endpoint !== undefined
        ? ['clientConfig.endpoint', given.endpoint]
        : [sdkName, given?.ignoreConfiguredEndpointUrls || env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true' ? undefined : env[sdkName]];
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url as string);
    } catch {
      // Reported below: not a URL (an endpoint object in clientConfig is not one either).
    }
    // `localhost:8000` parses as a URL with the scheme `localhost:`; only HTTP(S) is usable.
    if (typeof url !== 'string' || !/^https?:$/.test(String(parsed?.protocol))) {
      problems.push(`${name} is not a URL: it must start with https:// (or http:// on this machine)`);
    } else if (parsed?.protocol === 'http:' && !LOOPBACK.test(parsed.hostname) && !config.allowInsecureEndpoint) {
      problems.push(`${name} ${parsed.origin} uses plain HTTP outside this machine; use HTTPS or set allowInsecureEndpoint`);
    }
  }
  if (given?.signer || given?.httpAuthSchemes || given?.httpAuthSchemeProvider) {
    problems.push('clientConfig.signer, httpAuthSchemes and httpAuthSchemeProvider are refused: DynamORM always signs requests (SigV4)');
  }
  if (maxAttempts !== undefined && !(Number.isSafeInteger(maxAttempts) && maxAttempts >= 1)) {
    problems.push(`maxAttempts must be an integer of at least 1, got ${maxAttempts}`);
  }
  // A given client keeps its own settings; accepting these would silently do nothing.
  if (client && (maxAttempts ?? config.requestTimeoutMs ?? config.connectTimeoutMs ?? given) !== undefined) {
    problems.push('maxAttempts, requestTimeoutMs, connectTimeoutMs and clientConfig configure the client DynamORM builds; set them on your own client instead');
  }
  // Outside Lambda nothing else bounds a call: a silent endpoint must not hang it for minutes.
  const bounded = !client && !env.AWS_LAMBDA_FUNCTION_NAME;
  const requestTimeoutMs = timeout(problems, 'requestTimeoutMs', config.requestTimeoutMs, bounded ? DEFAULT_REQUEST_TIMEOUT_MS : undefined);
  const connectTimeoutMs = timeout(problems, 'connectTimeoutMs', config.connectTimeoutMs, bounded ? DEFAULT_CONNECT_TIMEOUT_MS : undefined);
  let clientConfig = given;
  const handler = given?.requestHandler as Record<string, unknown> | undefined;
  const https = handler?.httpsAgent as Record<string, unknown> | undefined;
  // A handler or an agent object of your own is used as it is. Handler and agent options (connection
  // settings), or none, get the time-outs above and the TLS floor.
  if (!client && typeof handler?.handle !== 'function') {
    if (https?.rejectUnauthorized === false || OLD_TLS.test(String(https?.minVersion))) problems.push('the HTTPS agent must verify certificates, with TLS 1.2 at least');
    clientConfig = {
      ...given,
      requestHandler: {
        ...handler,
        ...(requestTimeoutMs && { requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true }),
        ...(connectTimeoutMs && { connectionTimeout: connectTimeoutMs }),
        httpsAgent: typeof https?.destroy === 'function' ? https : { minVersion: 'TLSv1.2', ...https },
      },
    };
  }
  const cursorSecret = config.cursorSecret ?? (env.DYNAMORM_CURSOR_SECRET || undefined);
  if (cursorSecret !== undefined && cursorSecret.length < 32) problems.push('cursorSecret must be at least 32 characters');
  return {
    ...(client ? { client } : {}),
    ...(endpoint ? { endpoint } : {}),
    region: config.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1'),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    ...(clientConfig ? { clientConfig } : {}),
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
