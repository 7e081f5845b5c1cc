/**
 * The tenant scope: `withTenant(id, fn)` runs `fn` (and everything it calls, awaited or not) for one
 * tenant, through the one ambient scope of DynamORM (`withScope({ tenant })`), so every operation's
 * context carries the tenant and the tenant extension enforces it.
 */
import { currentScope, withScope } from '../scope.js';
import { holdsAnyCapability } from './capability.js';
import { TenantScopeError } from './errors.js';
import { checkTenantId } from './tenant-id.js';

/**
 * Runs `fn` for the tenant `tenantId`: every operation on a tenant-scoped model inside it reads and
 * writes only that tenant's items. The id is checked first ({@link TenantScopeError} `tenant-id`).
 * Inside another tenant's scope it throws (`tenant-switch`), unless the chain holds an all-tenants
 * capability: code deep in a handler cannot switch tenants by accident.
 */
export function withTenant<T>(tenantId: string, fn: () => T): T {
  checkTenantId(tenantId, 'withTenant');
  if (typeof fn !== 'function') throw new TypeError('withTenant(tenantId, fn): fn must be a function');
  const outer = currentScope()?.tenant;
  if (outer !== undefined && outer !== tenantId && !holdsAnyCapability()) {
    throw new TenantScopeError('tenant-switch', 'withTenant: already in another tenant scope; a tenant scope cannot switch tenants (without an all-tenants capability)', { tenant: outer });
  }
  return withScope({ tenant: tenantId }, fn);
}

/** The tenant of the current call chain, if any. */
export function currentTenant(): string | undefined {
  return currentScope()?.tenant;
}
