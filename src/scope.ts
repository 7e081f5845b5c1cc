/**
 * The ambient scope of a call chain: values that every DynamORM operation started inside it picks up
 * without being passed them (a Lambda invocation's deadline today; the tenant, actor and partner a
 * handler serves next). One AsyncLocalStorage holds them all, so features add a field here rather
 * than a storage of their own, and an operation reads the scope once, into its context.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Deadline } from './deadline.js';

/** What the current call chain carries. Every field is optional. */
export interface AmbientScope {
  /** When requests must stop (see `withDeadline`). */
  readonly deadline?: Deadline | undefined;
  /** The tenant (merchant) the chain serves. */
  readonly tenant?: string | undefined;
  /** Who acts (a user or service id), for audit records. */
  readonly actor?: string | undefined;
  /** The partner account the chain serves. */
  readonly partner?: string | undefined;
  /** The request being served (a Lambda or API Gateway request id), for audit records. */
  readonly requestId?: string | undefined;
  /** The caller's source IP address, for audit records. */
  readonly sourceIp?: string | undefined;
}

const storage = new AsyncLocalStorage<AmbientScope>();

/** The scope of the current call chain, if any. */
export function currentScope(): AmbientScope | undefined {
  return storage.getStore();
}

/**
 * Runs `fn` in a scope that adds `changes` to the current one (the inner value wins; `undefined`
 * fields are ignored, so an inner scope cannot clear an outer tenant by accident).
 */
export function withScope<T>(changes: AmbientScope, fn: () => T): T {
  const outer = storage.getStore();
  const next: { -readonly [K in keyof AmbientScope]: AmbientScope[K] } = outer ? Object.assign({}, outer) : {};
  for (const key of Object.keys(changes) as (keyof AmbientScope)[]) {
    const value = changes[key];
    if (value !== undefined) (next as Record<string, unknown>)[key] = value;
  }
  return storage.run(next, fn);
}
