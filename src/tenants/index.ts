/**
 * `dynamorm/tenants`: tenant isolation. A tenant-scoped model's partition key carries the tenant;
 * inside `withTenant(id, fn)` every operation on it reads and writes that tenant's items only, and
 * with no tenant in scope it refuses to run, unless the code holds an all-tenants capability.
 *
 * ```ts
 * import { tenants, withTenant } from 'dynamorm/tenants';
 * const tenancy = tenants({ field: 'merchantId' });
 * ```
 * @packageDocumentation
 */
export { tenants } from './extension.js';
export type { TenantExtension, TenantsOptions } from './extension.js';
export { currentTenant, withTenant } from './scope.js';
export type { AllTenants } from './capability.js';
export { TenantModelError, TenantScopeError } from './errors.js';
export type { TenantRule } from './errors.js';
export { isTenantId } from './tenant-id.js';
