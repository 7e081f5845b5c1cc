/**
 * The tenant extension. For each tenant-scoped model it enforces, before anything is sent:
 * - writes (create, put, update, delete, transaction actions and checks, batch puts and deletes):
 *   the item is stamped with the scope's tenant, and an item or key naming another tenant is refused;
 * - queries: the tenant's key condition is added when the caller left it out, and the partition the
 *   query sends (of the index it chose) must carry the scope's tenant: reads are limited at the key,
 *   never by a filter that would still read other tenants' items; cursors are bound to the query's
 *   key condition, so a cursor of another tenant's query is refused (InvalidCursorError);
 * - gets, batch gets, transactional gets and collections: each key's partition must be the tenant's;
 * - scans: refused, unless the chain holds an all-tenants capability;
 * - no tenant in scope: every operation is refused, unless the chain holds an all-tenants capability.
 */
import type { OperationContext } from '../client/context.js';
import type { Extension, ModelHooks, ReadIntent, ReadPartition, WriteIntent } from '../extensions/extension.js';
import { defineExtension } from '../extensions/runtime.js';
import type { AnyModel } from '../model/model.js';
import type { KeyConditionInput } from '../read/query-plan.js';
import { holdsCapability, makeCapability, type AllTenants } from './capability.js';
import { TenantScopeError, type TenantRule } from './errors.js';
import { tenantModel, type TenantModel } from './model-rules.js';
import { checkTenantId, separatorIn } from './tenant-id.js';

/** Options of {@link tenants}. */
export interface TenantsOptions {
  /** The field that holds the tenant (a merchant id, say): a string attribute the partition key carries. */
  readonly field: string;
}

/** The tenant extension: give it to models (or to the database), and make all-tenants capabilities from it. */
export interface TenantExtension extends Extension {
  /** The tenant field. */
  readonly field: string;
  /**
   * Makes the capability to work across tenants (`capability.run(fn)`): make it once, at start-up,
   * in the code that needs it, and say why.
   */
  allTenants(reason: string): AllTenants;
}

/**
 * Tenant scope for models whose partition key carries a tenant field.
 *
 * Given to a model (`extensions: [tenancy]`), it scopes that model; given to
 * `Database.create({ extensions })`, it scopes every model that has the field. A scoped model whose
 * partition key does not carry the field is refused when its handle is made ({@link TenantModelError}).
 *
 * ```ts
 * const tenancy = tenants({ field: 'merchantId' });
 * const Payment = model('Payment', { table: 'payments', attributes: {...}, extensions: [tenancy] });
 * await withTenant('m_123', () => db.model(Payment).get({ merchantId: 'm_123', paymentId: 'p1' }));
 * ```
 */
export function tenants(options: TenantsOptions): TenantExtension {
  if (typeof options !== 'object' || options === null || typeof options.field !== 'string' || options.field === '') {
    throw new TypeError('tenants({ field }): field is the name of the tenant field');
  }
  const field = options.field;
  const compiled = new WeakMap<AnyModel, ModelHooks>();
  const issuer = {};
  const extension = defineExtension({
    name: 'tenants',
    forModel(model) {
      const cached = compiled.get(model);
      if (cached) return cached;
      // Opted in by the model itself: it must be scopable. Given to the database: models with the field.
      const optedIn = model.extensions.includes(extension);
      if (!optedIn && !model.compiled.byName.has(field)) return undefined;
      const hooks = tenantHooks(tenantModel(model.compiled, field), issuer);
      compiled.set(model, hooks);
      return hooks;
    },
  });
  return Object.assign(extension, {
    field,
    allTenants(reason: string): AllTenants {
      if (typeof reason !== 'string' || reason.trim() === '') throw new TypeError('allTenants(reason): say why this code works across tenants');
      return makeCapability(issuer, reason);
    },
  });
}

/** The hooks of one tenant-scoped model. */
function tenantHooks(rules: TenantModel, issuer: object): ModelHooks {
  const { model, field } = rules;
  const refuse = (rule: TenantRule, context: OperationContext, message: string): never => {
    throw new TenantScopeError(rule, `${model}.${context.kind}: ${message}`, { model, operation: context.kind, tenant: context.tenant });
  };

  /** The scope's tenant (checked); `undefined` only under an all-tenants capability with no tenant. */
  const scopeTenant = (context: OperationContext): string | undefined => {
    const tenant = context.tenant;
    if (tenant === undefined) {
      if (holdsCapability(issuer)) return undefined;
      return refuse('no-tenant', context, `${model} is tenant-scoped and no tenant is in scope (withTenant), nor an all-tenants capability`);
    }
    checkTenantId(tenant, `${model}.${context.kind}`);
    const separator = separatorIn(tenant, rules.separators);
    if (separator !== undefined) refuse('tenant-id', context, `the tenant id holds ${JSON.stringify(separator)}, a separator of ${model}'s keys`);
    return tenant;
  };

  /** `source` with the tenant field stamped, or as is when it names the tenant; another tenant is refused. */
  const stamped = (context: OperationContext, tenant: string, source: Record<string, unknown> | undefined, what: string): Record<string, unknown> | undefined => {
    if (typeof source !== 'object' || source === null) return source; // bad input: the planner says so
    const given = Object.hasOwn(source, field) ? source[field] : undefined;
    if (given === undefined) return Object.assign({}, source, { [field]: tenant });
    if (given !== tenant) refuse('other-tenant', context, `the ${what} names another tenant than the scope's in ${field}`);
    return source;
  };

  return {
    adjustWrite(context: OperationContext, write: WriteIntent): WriteIntent {
      const tenant = scopeTenant(context);
      if (tenant === undefined) return write;
      if (write.kind === 'create' || write.kind === 'put') {
        const input = stamped(context, tenant, write.input, 'item');
        return input === write.input ? write : Object.assign({}, write, { input });
      }
      // An update's patch cannot move the item to another tenant (the field is part of the key).
      if (write.kind === 'update' && write.input && Object.hasOwn(write.input, field) && write.input[field] !== undefined && write.input[field] !== tenant) {
        refuse('other-tenant', context, `the patch names another tenant than the scope's in ${field}`);
      }
      const key = stamped(context, tenant, write.key, 'key');
      return key === write.key ? write : Object.assign({}, write, { key });
    },

    checkRead(context: OperationContext): void {
      if (context.kind === 'scan') {
        if (!holdsCapability(issuer)) refuse('scan', context, `a scan reads every tenant's items; query by ${field}, or scan under an all-tenants capability`);
        return;
      }
      scopeTenant(context);
    },

    readConditions(context: OperationContext, read: ReadIntent): readonly KeyConditionInput[] {
      const tenant = context.kind === 'scan' ? undefined : context.tenant;
      if (tenant === undefined) return [];
      const given = read.conditions.find((c) => c.path === field);
      if (given) {
        if (given.op !== '=' || given.value !== tenant) refuse('other-tenant', context, `the query's condition on ${field} is not the scope's tenant`);
        return [];
      }
      // A query meant for an index that does not carry the tenant gets no tenant condition: it plans
      // on that index and checkPartition refuses it by name (adding one would only say "no index serves").
      if (read.index !== undefined ? rules.indexes.get(read.index) === undefined : namesUnscopedIndex(rules, read.conditions)) return [];
      return [{ path: field, op: '=', value: tenant }];
    },

    checkPartition(context: OperationContext, partition: ReadPartition): void {
      const tenant = scopeTenant(context);
      if (tenant === undefined) return;
      const reader = partition.index === undefined ? rules.table : rules.indexes.get(partition.index);
      if (!reader) {
        return refuse('index-not-scoped', context, `index ${partition.index ?? ''} does not carry ${field} in its partition key, so it cannot be read in a tenant scope`);
      }
      if (reader(partition.value) !== tenant) refuse('other-tenant', context, `the key read belongs to another tenant than the scope's`);
    },
  };
}

/** Whether the conditions name (by equality) the whole partition key of an index that does not carry the tenant. */
function namesUnscopedIndex(rules: TenantModel, conditions: readonly KeyConditionInput[]): boolean {
  return rules.unscoped.some((index) => index.fields.every((f) => conditions.some((c) => c.path === f && c.op === '=')));
}
