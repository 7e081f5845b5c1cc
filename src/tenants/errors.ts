/**
 * The errors of tenant scope. Every one is thrown before any request is sent: nothing was read and
 * nothing was written. Messages name the model, the operation and the rule; they never repeat an
 * item's values (the tenant id a caller gave for another tenant included).
 */
import type { OperationKind } from '../client/context.js';
import { DynamORMError, ModelDefinitionError } from '../errors.js';

/**
 * Why an operation was refused in (or outside) a tenant scope:
 * - `no-tenant`: a tenant-scoped model was used with no tenant in scope and no all-tenants capability;
 * - `other-tenant`: an item, key, query or cursor names another tenant than the scope's;
 * - `index-not-scoped`: the index read does not carry the tenant in its partition key;
 * - `scan`: a scan of a tenant-scoped model without an all-tenants capability;
 * - `tenant-switch`: `withTenant` of another tenant inside a tenant scope;
 * - `tenant-id`: the tenant id is not valid (empty, too long, or holds a key separator).
 */
export type TenantRule = 'no-tenant' | 'other-tenant' | 'index-not-scoped' | 'scan' | 'tenant-switch' | 'tenant-id';

/**
 * A tenant-scoped operation was refused. Thrown before anything is sent: nothing was read or
 * written. `rule` says why (see {@link TenantRule}); `tenant` is the scope's tenant, if any (tenant
 * ids are identifiers, not secrets; the values of the refused item or key are never shown).
 */
export class TenantScopeError extends DynamORMError {
  static override readonly errorName: string = 'TenantScopeError';
  /** Why the operation was refused. */
  readonly rule: TenantRule;
  /** The model, when the refusal is about one. */
  readonly model: string | undefined;
  /** The operation refused (`get`, `query`, `create`, ...), when known. */
  readonly operation: OperationKind | undefined;
  /** The tenant of the scope, if any. */
  readonly tenant: string | undefined;
  constructor(rule: TenantRule, message: string, details: { model?: string | undefined; operation?: OperationKind | undefined; tenant?: string | undefined } = {}) {
    super('TENANT_SCOPE', `${message} [${rule}]`);
    this.rule = rule;
    this.model = details.model;
    this.operation = details.operation;
    this.tenant = details.tenant;
  }
}

/**
 * A model opted into tenant scope cannot be scoped: it has no tenant field, the field is not a
 * string, or its partition key does not carry the tenant. Thrown when the model's handle is made
 * (`db.model(M)`), before any request.
 */
export class TenantModelError extends ModelDefinitionError {
  static override readonly errorName: string = 'TenantModelError';
}
