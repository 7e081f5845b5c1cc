/**
 * Configuration from environment variables. Every variable is checked at once and every problem is
 * listed in one error, so a deployment with three mistakes fails once, not three times. Values are
 * never repeated in messages (a variable may hold a secret, or be set by mistake to one).
 */
import { problemsMessage, resolveChecking, type DynamORMConfig } from '../config.js';
import { ConfigurationError } from '../errors.js';

/** One variable `configFromEnv` reads. */
export interface EnvironmentVariable {
  readonly name: string;
  /** The option it sets (`clientConfig.retryMode`, ...). */
  readonly option: string;
  /** What it accepts. */
  readonly accepts: string;
}

/** Every variable `configFromEnv` reads, in the order the guide documents them. */
export const ENVIRONMENT_VARIABLES: readonly EnvironmentVariable[] = [
  { name: 'DYNAMODB_ENDPOINT', option: 'endpoint', accepts: 'an https:// URL, or http:// on this machine' },
  { name: 'AWS_REGION', option: 'region', accepts: 'a region name, e.g. eu-west-1' },
  { name: 'AWS_DEFAULT_REGION', option: 'region', accepts: 'a region name (when AWS_REGION is not set)' },
  { name: 'DYNAMORM_TABLE_PREFIX', option: 'tablePrefix', accepts: 'letters, digits, _ . - (at most 200)' },
  { name: 'DYNAMORM_CURSOR_SECRET', option: 'cursorSecret', accepts: 'at least 32 characters' },
  { name: 'DYNAMORM_REQUEST_TIMEOUT_MS', option: 'requestTimeoutMs', accepts: 'whole milliseconds from 1, or none' },
  { name: 'DYNAMORM_CONNECT_TIMEOUT_MS', option: 'connectTimeoutMs', accepts: 'whole milliseconds from 1, or none' },
  { name: 'AWS_MAX_ATTEMPTS', option: 'maxAttempts', accepts: 'a whole number from 1' },
  { name: 'AWS_RETRY_MODE', option: 'clientConfig.retryMode', accepts: 'standard or adaptive' },
  { name: 'DYNAMORM_MAX_SOCKETS', option: 'clientConfig.requestHandler.httpsAgent.maxSockets (and httpAgent)', accepts: 'a whole number from 1' },
  { name: 'DYNAMORM_BATCH_CONCURRENCY', option: 'batchConcurrency', accepts: 'a whole number from 1' },
  { name: 'DYNAMORM_PAGE_SIZE', option: 'pageSize', accepts: 'a whole number from 1' },
  { name: 'DYNAMORM_ALLOW_INSECURE_ENDPOINT', option: 'allowInsecureEndpoint', accepts: 'true or false' },
];

/** The environment variable each option comes from, to name it in the core's messages. */
const SOURCE: Readonly<Record<string, string>> = {
  endpoint: 'DYNAMODB_ENDPOINT',
  cursorSecret: 'DYNAMORM_CURSOR_SECRET',
  requestTimeoutMs: 'DYNAMORM_REQUEST_TIMEOUT_MS',
  connectTimeoutMs: 'DYNAMORM_CONNECT_TIMEOUT_MS',
  maxAttempts: 'AWS_MAX_ATTEMPTS',
};

/** A host label, as the SDK requires of a region. */
const REGION = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Characters DynamoDB allows in table names. */
const TABLE_NAME = /^[A-Za-z0-9_.-]*$/;
const WHOLE = /^\d{1,9}$/;

/** Edit distance, to recognise a misspelt variable name. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/**
 * A DynamORMConfig from environment variables (see {@link ENVIRONMENT_VARIABLES} and
 * docs/guides/configuration.md). Only variables that are set (and not empty) appear in the result, so
 * it merges over a preset: `mergeConfig(lambda(), configFromEnv())`. Reads nothing but `env`.
 *
 * @throws ConfigurationError listing every problem at once: a variable that does not parse, a value
 * the configuration refuses (plain HTTP off this machine, a short cursor secret, ...), and a
 * `DYNAMORM_`/`DYNAMODB_` variable that looks like a misspelling of one it reads. Nothing has been
 * sent: no client exists yet.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): DynamORMConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => env[name] || undefined;

  const whole = (name: string, orNone = false): number | false | undefined => {
    const value = read(name)?.trim();
    if (value === undefined) return undefined;
    if (orNone && value.toLowerCase() === 'none') return false;
    const n = WHOLE.test(value) ? Number(value) : 0;
    if (n >= 1) return n;
    problems.push(`${name} must be a whole number from 1${orNone ? ', or none' : ''}`);
    return undefined;
  };

  const config: Record<string, unknown> = {};
  const set = (option: string, value: unknown): void => {
    if (value !== undefined) config[option] = value;
  };

  set('endpoint', read('DYNAMODB_ENDPOINT'));
  const regionName = read('AWS_REGION') ? 'AWS_REGION' : 'AWS_DEFAULT_REGION';
  const region = read(regionName);
  if (region !== undefined && !REGION.test(region)) problems.push(`${regionName} must be a region name such as eu-west-1`);
  else set('region', region);
  const prefix = env.DYNAMORM_TABLE_PREFIX;
  if (prefix !== undefined && !(TABLE_NAME.test(prefix) && prefix.length <= 200)) {
    problems.push('DYNAMORM_TABLE_PREFIX may hold only letters, digits, _ . and - (at most 200)');
  } else set('tablePrefix', prefix);
  set('cursorSecret', read('DYNAMORM_CURSOR_SECRET'));
  set('requestTimeoutMs', whole('DYNAMORM_REQUEST_TIMEOUT_MS', true));
  set('connectTimeoutMs', whole('DYNAMORM_CONNECT_TIMEOUT_MS', true));
  set('maxAttempts', whole('AWS_MAX_ATTEMPTS'));
  set('batchConcurrency', whole('DYNAMORM_BATCH_CONCURRENCY'));
  set('pageSize', whole('DYNAMORM_PAGE_SIZE'));

  const clientConfig: Record<string, unknown> = {};
  const retryMode = read('AWS_RETRY_MODE');
  if (retryMode !== undefined && retryMode !== 'standard' && retryMode !== 'adaptive') problems.push('AWS_RETRY_MODE must be standard or adaptive');
  else if (retryMode !== undefined) clientConfig.retryMode = retryMode;
  const maxSockets = whole('DYNAMORM_MAX_SOCKETS');
  if (maxSockets) clientConfig.requestHandler = { httpAgent: { maxSockets }, httpsAgent: { maxSockets } };
  if (Object.keys(clientConfig).length > 0) config.clientConfig = clientConfig;

  const insecure = read('DYNAMORM_ALLOW_INSECURE_ENDPOINT')?.toLowerCase();
  if (insecure === 'true' || insecure === '1') config.allowInsecureEndpoint = true;
  else if (insecure !== undefined && insecure !== 'false' && insecure !== '0') problems.push('DYNAMORM_ALLOW_INSECURE_ENDPOINT must be true or false');

  // A misspelt name would otherwise be ignored without a word.
  const known = ENVIRONMENT_VARIABLES.map((v) => v.name);
  for (const name of Object.keys(env)) {
    if (!/^DYNAMO(RM|DB)_/.test(name) || known.includes(name)) continue;
    const near = known.find((k) => distance(name, k) <= 2);
    if (near) problems.push(`${name} is not a variable DynamORM reads; did you mean ${near}?`);
  }

  // The checks every configuration gets, named by the variable the option came from.
  const core: string[] = [];
  resolveChecking(config as DynamORMConfig, env, core);
  for (const problem of core) {
    const option = /^\w+/.exec(problem)?.[0] ?? '';
    const source = config[option] !== undefined ? SOURCE[option] : undefined;
    problems.push(source ? `${source}: ${problem.replace('set allowInsecureEndpoint', 'set DYNAMORM_ALLOW_INSECURE_ENDPOINT=true')}` : problem);
  }
  if (problems.length > 0) throw new ConfigurationError(problemsMessage(problems));
  return config as DynamORMConfig;
}
