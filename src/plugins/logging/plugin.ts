/**
 * The logging plugin: one structured record per DynamoDB request through any logger with
 * `debug/info/warn/error` (Powertools Logger, pino, winston, console). A record says what was done
 * and how it went: operation, kind, model, table, index, duration, attempts, consumed capacity,
 * error name and code. It never holds an item, a key, an expression or an expression attribute
 * value: those may be card numbers. When the logger's level excludes every level the plugin would
 * log at, a request costs one level check and nothing else: no clock read, no record built.
 */
import { performance } from 'node:perf_hooks';
import type { DynamORMRequest, Middleware } from '../../config.js';
import { DynamORMError } from '../../errors.js';
import type { Plugin, PluginHost } from '../plugin.js';
import { attemptsOf, errorCode, errorName, isConditionFailure, isThrottle, safely, tableOf, totalCapacity } from '../metrics/facts.js';

/** A level the plugin logs at. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The logger the plugin writes to: Powertools Logger, pino, winston and console all fit. */
export interface LoggerLike {
  debug(...args: unknown[]): unknown;
  info(...args: unknown[]): unknown;
  warn(...args: unknown[]): unknown;
  error(...args: unknown[]): unknown;
  /** pino, winston: whether a level is logged. */
  isLevelEnabled?(level: string): boolean;
  /** Powertools Logger: the current level (`DEBUG`, `INFO`, ...). */
  getLevelName?(): string;
  /** pino, bunyan-likes: the current level's name. */
  level?: unknown;
  /** pino's level table: its presence says the logger takes the object first. */
  levels?: unknown;
}

/** One request's record. */
export interface RequestRecord {
  /** The DynamoDB operation: `PutItem`, `Query`, ... */
  readonly operation: string;
  /** The DynamORM operation kind: `create`, `query`, `transactWrite`, ... */
  readonly kind: string | undefined;
  readonly model: string | undefined;
  readonly table: string | undefined;
  readonly index: string | undefined;
  /** Wall time, SDK retries included, in ms (to 0.01 ms). */
  readonly durationMs: number;
  readonly attempts: number;
  /** Capacity units DynamoDB reported (read and write, table and indexes), if it reported any. */
  readonly consumedCapacity: number | undefined;
  /** The error's name, when the request failed. */
  readonly errorName?: string;
  /** The error's stable code (DynamORM's `THROTTLED`, `DYNAMODB`, ...), when it has one. */
  readonly errorCode?: string;
  /** DynamORM's message, which never holds a field value (only `.loggable()` key values). */
  readonly errorMessage?: string;
  readonly tenant?: string;
  readonly partner?: string;
}

/** Options of {@link loggingPlugin}. */
export interface LoggingOptions {
  /** The middleware's name (default `logging`). */
  readonly name?: string;
  readonly logger: LoggerLike;
  /**
   * The level of each outcome. Defaults: `success` debug, `conditionFailed` (a failed condition or a
   * cancelled transaction: an answer, not a fault) info, `throttled` warn, `error` error.
   */
  readonly levels?: Partial<Record<'success' | 'conditionFailed' | 'throttled' | 'error', LogLevel>>;
  /**
   * Whether a level is logged. Default: the logger's `isLevelEnabled` (pino, winston), else its
   * `getLevelName()` (Powertools), else its `level` name, else every level.
   */
  readonly enabled?: (level: LogLevel) => boolean;
  /**
   * `message-first` calls `logger.debug(message, record)` (Powertools, winston, console);
   * `object-first` calls `logger.debug(record, message)` (pino). Default: object-first for a logger
   * with pino's `levels` table, else message-first.
   */
  readonly argumentOrder?: 'message-first' | 'object-first';
  /** Tenant and partner in records (default off: a tenant id may be something to keep out of logs). */
  readonly allow?: { readonly tenant?: boolean; readonly partner?: boolean };
  /** Called with what the logger throws (default: ignored). The request goes on either way. */
  readonly onError?: (error: unknown) => void;
}

const RANK: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, warning: 40, error: 50, critical: 60, fatal: 60, silent: Infinity };

/** The level check the plugin uses for a logger (see {@link LoggingOptions.enabled}). */
export function levelCheck(logger: LoggerLike): (level: LogLevel) => boolean {
  if (typeof logger.isLevelEnabled === 'function') return (level) => logger.isLevelEnabled!(level);
  if (typeof logger.getLevelName === 'function') return (level) => RANK[level]! >= (RANK[String(logger.getLevelName!()).toLowerCase()] ?? 0);
  if (typeof logger.level === 'string' && logger.level.toLowerCase() in RANK) return (level) => RANK[level]! >= RANK[String(logger.level).toLowerCase()]!;
  return () => true;
}

/** Creates the logging plugin: install it with `db.use(plugin)` or `Database.create({ plugins: [plugin] })`. */
export function loggingPlugin(options: LoggingOptions): Plugin {
  const name = options.name ?? 'logging';
  const logger = options.logger;
  const levels = { success: 'debug', conditionFailed: 'info', throttled: 'warn', error: 'error', ...options.levels } as const;
  const enabled = options.enabled ?? levelCheck(logger);
  const pino = typeof logger.levels === 'object' && logger.levels !== null && 'values' in logger.levels;
  const objectFirst = (options.argumentOrder ?? (pino ? 'object-first' : 'message-first')) === 'object-first';
  const allowTenant = options.allow?.tenant === true;
  const allowPartner = options.allow?.partner === true;
  const onError = options.onError;
  const failureLevels = [levels.conditionFailed, levels.throttled, levels.error];

  const build = (request: DynamORMRequest, durationMs: number, outcome: unknown, failed: boolean): RequestRecord => {
    const context = request.context;
    const index = request.input.IndexName;
    const record: Record<string, unknown> = {
      operation: request.operation,
      kind: context?.kind,
      model: context?.model ?? request.model,
      table: tableOf(request),
      index: typeof index === 'string' ? index : undefined,
      durationMs: Math.round(durationMs * 100) / 100,
      attempts: attemptsOf(outcome),
      consumedCapacity: failed ? undefined : totalCapacity(request.operation, outcome),
    };
    if (failed) {
      record.errorName = errorName(outcome);
      const code = errorCode(outcome);
      if (code !== undefined) record.errorCode = code;
      if (outcome instanceof DynamORMError) record.errorMessage = outcome.message;
    }
    if (allowTenant && context?.tenant !== undefined) record.tenant = context.tenant;
    if (allowPartner && context?.partner !== undefined) record.partner = context.partner;
    return record as unknown as RequestRecord;
  };

  const write = (level: LogLevel, record: RequestRecord): void => {
    const message = `DynamORM ${record.operation}${record.errorName ? ` failed: ${record.errorName}` : ''}`;
    if (objectFirst) logger[level](record, message);
    else logger[level](message, record);
  };

  const middleware: Middleware = async (request, next) => {
    // The one check a request pays when logging is off.
    let logSuccess = false;
    let logFailure = false;
    try {
      logSuccess = enabled(levels.success);
      logFailure = logSuccess || failureLevels.some(enabled);
    } catch (error) {
      safely(() => onError?.(error), undefined);
    }
    if (!logFailure) return next(request);
    const started = performance.now();
    let output: unknown;
    try {
      output = await next(request);
    } catch (error) {
      safely(() => {
        const level = isConditionFailure(error) ? levels.conditionFailed : isThrottle(error) ? levels.throttled : levels.error;
        if (enabled(level)) write(level, build(request, performance.now() - started, error, true));
      }, onError);
      throw error;
    }
    if (logSuccess) safely(() => write(levels.success, build(request, performance.now() - started, output, false)), onError);
    return output;
  };

  return {
    name,
    install(host: PluginHost) {
      host.use(name, middleware);
    },
  };
}
