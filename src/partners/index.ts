/**
 * `dynamorm/partners`: one deployment serving several partner AWS accounts. A registry says which
 * role to assume for each partner; `forPartner(db, id)` gives a database on that account (STS
 * AssumeRole through the SDK's `fromTemporaryCredentials`, refreshed before expiry, one call shared
 * by concurrent requests), with the partner's table prefix, whose operations carry the partner and
 * refuse to run in another partner's scope. Needs the optional peer `@aws-sdk/credential-providers`.
 *
 * ```ts
 * import { definePartners, forPartner, partnerAccounts, withEventScope } from 'dynamorm/partners';
 * const db = Database.create();
 * partnerAccounts(db, { registry: definePartners({ acme: { roleArn, externalId, region: 'eu-west-1' } }) });
 * export const handler = (event) => withEventScope(event, () => forPartner(db).model(Payment).get({ id: event.pathParameters.id }));
 * ```
 * @packageDocumentation
 */
export { PartnerAccounts, partnerAccounts, forPartner, PARTNER_MIDDLEWARE } from './accounts.js';
export type { PartnerAccountsOptions, StsOptions } from './accounts.js';
export { FALLBACK_MIN_REMAINING_MS, partnerCredentials } from './credentials.js';
export { EventScopeError, PartnerCredentialsError, PartnerRegistryError, PartnerScopeError, UnknownPartnerError } from './errors.js';
export type { EventScopeProblem, PartnerRegistryIssue } from './errors.js';
export { eventSource, scopeFromEvent, TENANT_ID, withEventScope } from './events.js';
export type { EventScope, EventScopeOptions, EventSource } from './events.js';
export { definePartners, parsePartnerRegistry, PARTNER_ID, PARTNERS_ENV, partnerRegistryFromEnv, partnerRegistryFromJson } from './registry.js';
export type { PartnerConfig, PartnerRegistry } from './registry.js';
export { currentPartner, withPartner } from './scope.js';
