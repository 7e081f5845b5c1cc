/**
 * The all-tenants capability: code that must work across tenants (a reconciliation job, a
 * migration, an operator's tool) runs inside `capability.run(fn)`. A capability is made from the
 * tenant extension (`tenancy.allTenants(reason)`), once, where the extension is made: code that only
 * holds a database cannot make one, and `withScope` cannot forge one. It lives in a store of its own,
 * module-private, for that reason (the ambient scope is writable by anyone through `withScope`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Permission to operate across tenants. Make one with `tenancy.allTenants(reason)`. */
export interface AllTenants {
  /** Why this code works across tenants (for readers and logs). */
  readonly reason: string;
  /**
   * Runs `fn` with the capability: tenant-scoped models may be used with no tenant in scope (reads
   * and writes of any tenant) and scanned. Inside a tenant scope the tenant's rules still hold for
   * keys, items and queries; only scans are let through.
   */
  run<T>(fn: () => T): T;
}

/** @internal A capability and the extension that issued it. */
interface Held {
  readonly capability: AllTenants;
  readonly issuer: object;
}

const store = new AsyncLocalStorage<Held>();

/** @internal Makes a capability issued by `issuer` (a tenant extension). */
export function makeCapability(issuer: object, reason: string): AllTenants {
  const capability: AllTenants = Object.freeze({
    reason,
    run<T>(fn: () => T): T {
      return store.run({ capability, issuer }, fn);
    },
  });
  return capability;
}

/** @internal Whether the current call chain holds a capability issued by `issuer`. */
export function holdsCapability(issuer: object): boolean {
  return store.getStore()?.issuer === issuer;
}

/** @internal Whether the current call chain holds any all-tenants capability. */
export function holdsAnyCapability(): boolean {
  return store.getStore() !== undefined;
}
