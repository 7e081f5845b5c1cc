/**
 * Named plugins around every request. Middleware is registered under a name and can be removed or
 * replaced by it; a plugin may install several (the AWS SDK's middleware stack is the model). The
 * order is the order of registration, outermost first, unless a position is given.
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

/** Where to add a middleware: before or after a named one (default: innermost so far). */
export interface Position {
  readonly before?: string;
  readonly after?: string;
}

/** The ordered, named middleware of a database. */
export class PluginStack {
  private entries: { readonly name: string; readonly middleware: Middleware }[] = [];
  private anonymous = 0;
  /** The middleware in order, outermost first (rebuilt on change, read on every request). */
  chain: readonly Middleware[] = [];

  /** Adds `middleware` under `name` (a name is used once). */
  add(name: string, middleware: Middleware, position: Position = {}): this {
    if (this.has(name)) throw new ConfigurationError(`a middleware named ${JSON.stringify(name)} is already installed`);
    const anchor = position.before ?? position.after;
    let at = this.entries.length;
    if (anchor !== undefined) {
      at = this.indexOf(anchor);
      if (position.after !== undefined) at++;
    }
    this.entries.splice(at, 0, { name, middleware });
    this.chain = this.entries.map((e) => e.middleware);
    return this;
  }

  /** Adds middleware with a generated name (`middleware#1`, ...); returns the name. */
  addAnonymous(middleware: Middleware): string {
    const name = `middleware#${++this.anonymous}`;
    this.add(name, middleware);
    return name;
  }

  /** Installs a plugin. */
  install(plugin: Plugin): this {
    plugin.install(this);
    return this;
  }

  /** Removes the middleware named `name`; false when there is none. */
  remove(name: string): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.name !== name);
    this.chain = this.entries.map((e) => e.middleware);
    return this.entries.length < before;
  }

  /** Puts `middleware` in the place of the one named `name`. */
  replace(name: string, middleware: Middleware): this {
    this.entries[this.indexOf(name)] = { name, middleware };
    this.chain = this.entries.map((e) => e.middleware);
    return this;
  }

  /** Whether a middleware named `name` is installed. */
  has(name: string): boolean {
    return this.entries.some((e) => e.name === name);
  }

  /** The names, outermost first. */
  names(): string[] {
    return this.entries.map((e) => e.name);
  }

  /** A copy (for a derived database: later changes to either do not reach the other). */
  clone(): PluginStack {
    const copy = new PluginStack();
    copy.entries = [...this.entries];
    copy.anonymous = this.anonymous;
    copy.chain = this.chain;
    return copy;
  }

  private indexOf(name: string): number {
    const i = this.entries.findIndex((e) => e.name === name);
    if (i < 0) throw new ConfigurationError(`no middleware named ${JSON.stringify(name)} is installed`);
    return i;
  }
}
