/**
 * Merging configurations: a preset, then the environment, then the code's own options, each winning
 * over the one before, without one nested setting wiping out its neighbours.
 */
import type { DynamORMConfig } from '../config.js';

type Options = Record<string, unknown>;

/**
 * A plain options object, which merges key by key; not an agent, a handler (anything with `handle`
 * or `destroy`, even written as a literal), a client or an array, which replace.
 */
function isOptions(value: unknown): value is Options {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  const { handle, destroy } = value as Options;
  return (proto === Object.prototype || proto === null) && typeof handle !== 'function' && typeof destroy !== 'function';
}

/** Which keys merge key by key, at each level; everything else is replaced by the later value. */
const NESTED: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, object>>>>>> = {
  batchRetry: {},
  clientConfig: { requestHandler: { httpAgent: {}, httpsAgent: {} } },
};

function mergeLevel(base: Options, next: Options, nested: Readonly<Record<string, object>>): Options {
  const out: Options = Object.assign({}, base);
  for (const [key, value] of Object.entries(next)) {
    if (value === undefined) continue;
    const before = out[key];
    const inner = nested[key] as Readonly<Record<string, object>> | undefined;
    out[key] = inner && isOptions(before) && isOptions(value) ? mergeLevel(before, value, inner) : value;
  }
  return out;
}

/**
 * Merges configurations, later ones winning: `mergeConfig(production(), configFromEnv(), { tablePrefix })`.
 * Like object spread, except that
 * - a key set to `undefined` leaves the earlier value in place (it does not erase it);
 * - `batchRetry`, `clientConfig`, `clientConfig.requestHandler` and its `httpAgent` and `httpsAgent`
 *   merge key by key while both sides are plain options objects, so overriding `maxSockets` keeps the
 *   preset's `keepAlive` and time-outs. A handler or agent object replaces whatever was there.
 * Arrays (`middleware`, `plugins`, `extensions`) are replaced, not concatenated.
 */
export function mergeConfig(...configs: readonly (DynamORMConfig | undefined)[]): DynamORMConfig {
  let out: Options = {};
  for (const config of configs) if (config) out = mergeLevel(out, config as Options, NESTED);
  return out as DynamORMConfig;
}
