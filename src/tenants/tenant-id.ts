/**
 * Tenant ids: what a scope may carry. An id becomes part of partition keys, so it is checked before
 * any key is built: 1 to 128 characters of letters, digits and `_ . : @ -`, starting with a letter or
 * digit. `#` (the usual key-template separator), spaces, control characters and anything else that
 * could shift a key's parts are refused. Models check their own separators too (`separatorIn`).
 */
import { TenantScopeError } from './errors.js';

const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;

/** Whether `value` is a valid tenant id. */
export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID.test(value);
}

/** Throws TenantScopeError (`tenant-id`) unless `value` is a valid tenant id. The value is not repeated. */
export function checkTenantId(value: unknown, label: string): asserts value is string {
  if (!isTenantId(value)) {
    throw new TenantScopeError(
      'tenant-id',
      `${label}: a tenant id is 1 to 128 characters of letters, digits and _ . : @ - (starting with a letter or digit), got ${typeof value === 'string' ? `a string of ${value.length} characters that is not one` : typeof value}`,
    );
  }
}

/** The first of `separators` that occurs in `tenant` (it would make a key ambiguous), if any. */
export function separatorIn(tenant: string, separators: readonly string[]): string | undefined {
  for (const s of separators) if (tenant.includes(s)) return s;
  return undefined;
}
