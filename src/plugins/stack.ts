/**
 * Named plugins around every request. Middleware is registered under a name and can be removed or
 * replaced by it; a plugin may install several (the AWS SDK's middleware stack is the model). The
 * order is the order of registration, outermost first.
 */
import type { Middleware } from '../config.js';
import { ConfigurationError } from '../errors.js';

/** A feature that installs one or more named middleware (metrics, tracing, a cache, ...). */
export interface Plugin {
  /** The plugin's name (its middleware are usually named after it). */
  readonly name: string;
  /** Adds the plugin's middleware to the stack. */
  install(stack: PluginStack): void;
}

/** The ordered, named middleware of a database. */
export class PluginStack {
  /** The middleware in order, outermost first (rebuilt on change, read on every request). */
  chain: readonly Middleware[] = [];
  private unnamed = 0;

  /** @internal `entries`: name and middleware pairs (a derived database starts from a copy). */
  constructor(private entries: [string, Middleware][] = []) {
    this.update();
  }

  /** Adds `middleware` under `name`, innermost so far. A name is used once; without one, `middleware#1`, ... */
  add(name: string | undefined, middleware: Middleware): this {
    const key = name ?? `middleware#${++this.unnamed}`;
    if (this.has(key)) throw new ConfigurationError(`a middleware named ${JSON.stringify(key)} is already installed`);
    this.entries.push([key, middleware]);
    return this.update();
  }

  /** Installs a plugin. */
  install(plugin: Plugin): this {
    plugin.install(this);
    return this;
  }

  /** Removes the middleware named `name`; false when there is none. */
  remove(name: string): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter(([n]) => n !== name);
    this.update();
    return this.entries.length < before;
  }

  /** Puts `middleware` in the place of the one named `name`. */
  replace(name: string, middleware: Middleware): this {
    const at = this.entries.findIndex(([n]) => n === name);
    if (at < 0) throw new ConfigurationError(`no middleware named ${JSON.stringify(name)} is installed`);
    this.entries[at] = [name, middleware];
    return this.update();
  }

  /** Whether a middleware named `name` is installed. */
  has(name: string): boolean {
    return this.entries.some(([n]) => n === name);
  }

  /** The names, outermost first. */
  names(): string[] {
    return this.entries.map(([n]) => n);
  }

  /** A copy (for a derived database: later changes to either do not reach the other). */
  clone(): PluginStack {
    const copy = new PluginStack([...this.entries]);
    copy.unnamed = this.unnamed;
    return copy;
  }

  private update(): this {
    this.chain = this.entries.map(([, m]) => m);
    return this;
  }
}
