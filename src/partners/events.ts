/**
 * The partner and tenant a Lambda invocation serves, read from its event: API Gateway REST (v1) and
 * HTTP API (v2) authorizer context or JWT claims (and headers, only when named: a client sets them),
 * EventBridge `detail`, and SQS message attributes (one record at a time: a batch may mix partners).
 * Values are checked before they reach a scope; messages never repeat them.
 */
import { withScope } from '../scope.js';
import { EventScopeError, type EventScopeProblem } from './errors.js';
import { PARTNER_ID, type PartnerRegistry } from './registry.js';

/** Tenant ids: no `#` (the separator of key templates) and nothing a key could be confused by. */
export const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;

/** Where to look in an event. Every field is optional. */
export interface EventScopeOptions {
  /** Name of the partner in the authorizer context, JWT claims, EventBridge detail or SQS message attributes (default `partner`). */
  readonly partnerKey?: string;
  /** Name of the tenant in the same places (default `tenant`). */
  readonly tenantKey?: string;
  /**
   * Header carrying the partner (API Gateway events). Off by default: any client can set a header,
   * so name one only when a trusted layer in front sets or checks it. A header and an authorizer
   * that disagree are refused.
   */
  readonly partnerHeader?: string;
  /** Header carrying the tenant (same caution). */
  readonly tenantHeader?: string;
  /** Refuse an event without a tenant (default false). A partner is always required. */
  readonly requireTenant?: boolean;
  /** Refuse a partner this registry does not have. */
  readonly registry?: PartnerRegistry;
}

/** What an event says the invocation serves. */
export interface EventScope {
  readonly partner: string;
  readonly tenant: string | undefined;
}

/** The kind of event a scope was read from. */
export type EventSource = 'apigateway-rest' | 'apigateway-http' | 'eventbridge' | 'sqs';

type Bag = Record<string, unknown>;

const bag = (value: unknown): Bag | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Bag) : undefined);

/** Which kind of event this is, or `undefined`. */
export function eventSource(event: unknown): EventSource | undefined {
  const e = bag(event);
  if (!e) return undefined;
  if ('detail-type' in e && bag(e.detail)) return 'eventbridge';
  if (e.eventSource === 'aws:sqs') return 'sqs';
  if (bag(e.requestContext)) return e.version === '2.0' ? 'apigateway-http' : 'apigateway-rest';
  return undefined;
}

function header(headers: unknown, name: string | undefined): unknown {
  const h = bag(headers);
  if (!h || name === undefined) return undefined;
  const wanted = name.toLowerCase();
  for (const key of Object.keys(h)) if (key.toLowerCase() === wanted) return h[key];
  return undefined;
}

/** The value found in the trusted place (authorizer, detail, attribute) and in the header, per field. */
function found(event: Bag, source: EventSource, key: string, headerName: string | undefined): { trusted: unknown; header: unknown } {
  switch (source) {
    case 'eventbridge':
      return { trusted: bag(event.detail)?.[key], header: undefined };
    case 'sqs':
      return { trusted: bag(bag(event.messageAttributes)?.[key])?.stringValue, header: undefined };
    case 'apigateway-rest': {
      const authorizer = bag(bag(event.requestContext)?.authorizer);
      return { trusted: authorizer?.[key] ?? bag(authorizer?.claims)?.[key], header: header(event.headers, headerName) };
    }
    case 'apigateway-http': {
      const authorizer = bag(bag(event.requestContext)?.authorizer);
      const trusted = bag(authorizer?.lambda)?.[key] ?? bag(bag(authorizer?.jwt)?.claims)?.[key];
      return { trusted, header: header(event.headers, headerName) };
    }
  }
}

function pick(event: Bag, source: EventSource, what: 'partner' | 'tenant', key: string, headerName: string | undefined, pattern: RegExp): string | undefined {
  const { trusted, header: fromHeader } = found(event, source, key, headerName);
  const check = (value: unknown, where: string): string | undefined => {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw new EventScopeError(`invalid-${what}` as EventScopeProblem, `the ${what} in the ${where} is not a valid ${what} id`);
    }
    return value;
  };
  const a = check(trusted, source === 'sqs' ? 'message attributes' : source === 'eventbridge' ? 'event detail' : 'authorizer context');
  const b = check(fromHeader, 'header');
  if (a !== undefined && b !== undefined && a !== b) throw new EventScopeError('conflict', `the ${what} header and the authorizer name different ${what}s`);
  return a ?? b;
}

/**
 * The partner and tenant an API Gateway (REST or HTTP API) event, an EventBridge event or one SQS
 * record is for. Throws an EventScopeError (nothing sent) when the partner is missing, a value is not
 * a valid id, a header disagrees with the authorizer, the registry lacks the partner, or the tenant
 * is missing and `requireTenant` is set. An SQS batch event is refused: read each record.
 */
export function scopeFromEvent(event: unknown, options: EventScopeOptions = {}): EventScope {
  const source = eventSource(event);
  if (!source) {
    const batch = Array.isArray(bag(event)?.Records);
    throw new EventScopeError('not-an-event', batch ? 'a batch of records: read the scope of each record' : 'not an API Gateway, EventBridge or SQS record event');
  }
  const e = event as Bag;
  const partner = pick(e, source, 'partner', options.partnerKey ?? 'partner', options.partnerHeader, PARTNER_ID);
  if (partner === undefined) throw new EventScopeError('missing-partner', `the ${source} event names no partner`);
  if (options.registry && !Object.hasOwn(options.registry, partner)) throw new EventScopeError('unknown-partner', 'the partner of the event is not in the registry');
  const tenant = pick(e, source, 'tenant', options.tenantKey ?? 'tenant', options.tenantHeader, TENANT_ID);
  if (tenant === undefined && options.requireTenant) throw new EventScopeError('missing-tenant', `the ${source} event names no tenant`);
  return { partner, tenant };
}

/**
 * Runs `fn` in the scope an event names (`scopeFromEvent`): its operations carry the partner and
 * tenant, `forPartner(db)` picks the partner's database, and other partners' databases refuse to run.
 */
export function withEventScope<T>(event: unknown, fn: (scope: EventScope) => T, options?: EventScopeOptions): T {
  const scope = scopeFromEvent(event, options);
  return withScope({ partner: scope.partner, tenant: scope.tenant }, () => fn(scope));
}
