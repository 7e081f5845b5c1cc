/**
 * Named plugins around every request. A database keeps its middleware as `[name, middleware]` pairs,
 * outermost first; `db.use(name, middleware)` adds one, a {@link Plugin} may add several (the AWS
 * SDK's middleware stack is the model), and the functions here remove or replace them by name. They
 * are functions, not methods, so a bundle that never removes a plugin does not carry the code.
 */
import type { Middleware } from '../config.js';
import { ConfigurationError } from '../errors.js';

/** A database's named middleware, outermost first. */
export type PluginEntries = [name: string, middleware: Middleware][];

/**
 * What a plugin installs itself on: `use(name, middleware)` adds one named middleware, innermost so
 * far. `plugins` is replaced on every change, never edited in place.
 */
export interface PluginHost {
  use(name: string, middleware: Middleware): unknown;
  plugins: PluginEntries;
}

/** A feature that installs one or more named middleware (metrics, tracing, a cache, ...). */
export interface Plugin {
  /** The plugin's name (its middleware are usually named after it). */
  readonly name: string;
  /** Adds the plugin's middleware, with `host.use(name, middleware)`. */
  install(host: PluginHost): void;
}

/** Removes the middleware named `name` from a database; false when there is none. */
export function removePlugin(host: PluginHost, name: string): boolean {
  const kept = host.plugins.filter(([n]) => n !== name);
  const removed = kept.length < host.plugins.length;
  host.plugins = kept;
  return removed;
}

/** Puts `middleware` in the place of the one named `name` (ConfigurationError when there is none). */
export function replacePlugin(host: PluginHost, name: string, middleware: Middleware): void {
  if (!host.plugins.some(([n]) => n === name)) throw new ConfigurationError(`no middleware named ${JSON.stringify(name)} is installed`);
  host.plugins = host.plugins.map((entry) => (entry[0] === name ? [name, middleware] : entry));
}

/** The names of a database's middleware, outermost first. */
export function pluginNames(host: PluginHost): string[] {
  return host.plugins.map(([n]) => n);
}
