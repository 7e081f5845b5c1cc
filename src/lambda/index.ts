/**
 * `dynamorm/lambda`: a module-level database created on first use and reused across invocations,
 * per-invocation deadlines from the Lambda context, defaults scaled by the function's memory, and a
 * way to invoke a handler locally with a simulated context.
 *
 * ```ts
 * import { lambdaDatabase, withDynamORM } from 'dynamorm/lambda';
 * const db = lambdaDatabase();                        // nothing happens at import
 * export const handler = withDynamORM(async (event) => {
 *   return db().model(Payment).get({ id: event.id });  // stops before the function would be killed
 * });
 * ```
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import type { DynamORMConfig } from '../config.js';
import { Database } from '../database.js';
import { Deadline, withDeadline } from '../deadline.js';
import { defaultsForMemory, detectLambda } from './environment.js';

export { DeadlineExceededError, Deadline, currentDeadline, withDeadline } from '../deadline.js';
export { defaultsForMemory, detectLambda, MEMORY_TABLE } from './environment.js';
export type { LambdaEnvironment, MemoryDefaults } from './environment.js';

/** The part of the Lambda context DynamORM uses. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
  readonly functionName?: string;
  readonly memoryLimitInMB?: string | number;
}

/** Time kept back from the Lambda timeout to answer or re-queue after DynamORM stops (ms). */
export const DEFAULT_SAFETY_MARGIN_MS = 200;

/** What `lambdaDatabase` builds the database with: `Database` (the default) or `DynamORM`. */
export interface DatabaseFactory<D extends Database> {
  create(config: DynamORMConfig): D;
}

/**
 * A lazily created database for a Lambda function: call the returned function to get it. The first
 * call builds it (one SDK client, keep-alive connections), later calls and invocations reuse it.
 * In Lambda, batch concurrency and page size default from the function's memory (see MEMORY_TABLE).
 *
 * It is the core {@link Database}, so the bundle carries only the features imported as functions
 * (`batchWrite(db(), …)`, `transaction(db(), …)`). Pass `DynamORM` as `factory` for every feature
 * as a method, at the cost of a larger bundle.
 */
export function lambdaDatabase(config?: DynamORMConfig | (() => DynamORMConfig)): () => Database;
export function lambdaDatabase<D extends Database>(config: DynamORMConfig | (() => DynamORMConfig), factory: DatabaseFactory<D>): () => D;
export function lambdaDatabase(
  config: DynamORMConfig | (() => DynamORMConfig) = {},
  factory: DatabaseFactory<Database> = Database,
): () => Database {
  let db: Database | undefined;
  return () => {
    if (!db) {
      const given = typeof config === 'function' ? config() : config;
      const lambda = detectLambda();
      const scaled = lambda ? defaultsForMemory(lambda.memoryMb) : undefined;
      db = factory.create({
        ...(scaled ? { batchConcurrency: scaled.batchConcurrency, ...(scaled.pageSize ? { pageSize: scaled.pageSize } : {}) } : {}),
        ...given,
      });
    }
    return db;
  };
}

/** Options for {@link withDynamORM}. */
export interface HandlerOptions {
  /** Milliseconds kept back from the remaining time (default {@link DEFAULT_SAFETY_MARGIN_MS}). */
  readonly safetyMarginMs?: number;
}

/**
 * Wraps a handler so every DynamORM request of an invocation runs under its deadline: the remaining
 * time minus the safety margin. Requests are not started after it, requests in flight are aborted at
 * it, and long reads and batches stop before it with a DeadlineExceededError that holds a cursor or
 * the unprocessed items, so the handler can answer or re-queue instead of being killed mid-write.
 */
export function withDynamORM<E, R, C extends LambdaContext = LambdaContext>(
  handler: (event: E, context: C) => Promise<R>,
  options: HandlerOptions = {},
): (event: E, context: C) => Promise<R> {
  const margin = options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS;
  return (event, context) => {
    const end = Date.now() + context.getRemainingTimeInMillis();
    // Nothing new starts in the last `margin` ms; requests in flight may use most of it to finish,
    // and are aborted with a quarter of it (at most 50 ms) still left to answer.
    const deadline = new Deadline(end - margin, { abortAt: end - Math.min(50, margin / 4) });
    return withDeadline(deadline, () => handler(event, context));
  };
}

/** Options for {@link invokeLocally}. */
export interface LocalInvokeOptions {
  /** Time the simulated invocation has (default 3000 ms, Lambda's default timeout). */
  readonly remainingMs?: number;
  readonly requestId?: string;
  readonly functionName?: string;
  readonly memoryMb?: number;
}

/** A simulated Lambda context whose remaining time counts down from `remainingMs`. */
export function simulatedContext(options: LocalInvokeOptions = {}): LambdaContext & { awsRequestId: string; functionName: string } {
  const end = Date.now() + (options.remainingMs ?? 3000);
  return {
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    awsRequestId: options.requestId ?? randomUUID(),
    functionName: options.functionName ?? 'local',
    memoryLimitInMB: String(options.memoryMb ?? 128),
  };
}

/** Invokes a handler as Lambda would, with a simulated context (tests, the demo, local runs). */
export function invokeLocally<E, R>(
  handler: (event: E, context: LambdaContext & { awsRequestId: string; functionName: string }) => Promise<R>,
  event: E,
  options: LocalInvokeOptions = {},
): Promise<R> {
  return handler(event, simulatedContext(options));
}
