/**
 * What the Lambda runtime tells a function about itself (environment variables set by AWS), and the
 * defaults DynamORM derives from the function's memory. Read on demand: nothing runs at import.
 */

/** The Lambda environment of this process. */
export interface LambdaEnvironment {
  readonly functionName: string;
  readonly functionVersion: string | undefined;
  /** Configured memory in MB. */
  readonly memoryMb: number;
  readonly region: string | undefined;
  /** X-Ray trace header of the current invocation (`_X_AMZN_TRACE_ID`), when tracing is on. */
  readonly traceHeader: string | undefined;
  /** `on-demand`, `provisioned-concurrency` or `snap-start`. */
  readonly initializationType: string | undefined;
}

/** The Lambda environment, or `undefined` outside Lambda. */
export function detectLambda(env: NodeJS.ProcessEnv = process.env): LambdaEnvironment | undefined {
  const functionName = env.AWS_LAMBDA_FUNCTION_NAME;
  if (!functionName) return undefined;
  const memory = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  return {
    functionName,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryMb: Number.isFinite(memory) && memory > 0 ? memory : 128,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    traceHeader: env._X_AMZN_TRACE_ID,
    initializationType: env.AWS_LAMBDA_INITIALIZATION_TYPE,
  };
}

/** Defaults that scale with memory (Lambda gives CPU and network in proportion to it). */
export interface MemoryDefaults {
  /** Batch requests in flight at once. */
  readonly batchConcurrency: number;
  /** Items per Query/Scan request: smaller pages keep small functions' heaps small. */
  readonly pageSize: number | undefined;
}

/**
 * The documented memory table: from this much memory (MB) on, these defaults. Below 1,769 MB a
 * function has less than one vCPU, so concurrency beyond a few requests only queues.
 */
export const MEMORY_TABLE: readonly (MemoryDefaults & { readonly fromMb: number })[] = [
  { fromMb: 0, batchConcurrency: 2, pageSize: 100 },
  { fromMb: 256, batchConcurrency: 4, pageSize: 250 },
  { fromMb: 512, batchConcurrency: 6, pageSize: 500 },
  { fromMb: 1024, batchConcurrency: 8, pageSize: 1000 },
  { fromMb: 1769, batchConcurrency: 16, pageSize: undefined },
  { fromMb: 4096, batchConcurrency: 32, pageSize: undefined },
];

/** The defaults for a memory size. */
export function defaultsForMemory(memoryMb: number): MemoryDefaults {
  let chosen = MEMORY_TABLE[0] as MemoryDefaults & { fromMb: number };
  for (const row of MEMORY_TABLE) if (memoryMb >= row.fromMb) chosen = row;
  return { batchConcurrency: chosen.batchConcurrency, pageSize: chosen.pageSize };
}
