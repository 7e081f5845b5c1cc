/**
 * Who acts, and for which request: set for a call chain, never globally. `withActor` and
 * `withAuditScope` put them in DynamORM's one ambient scope (src/scope.ts); `auditScopeFromEvent`
 * reads them from a Lambda event (API Gateway REST and HTTP APIs, function URLs).
 */
import { withScope } from '../scope.js';

/** Who acts and for which request. */
export interface AuditScope {
  /** Who acts: a user or service id. */
  readonly actor?: string | undefined;
  /** The request served. */
  readonly requestId?: string | undefined;
  /** The caller's source IP address. */
  readonly sourceIp?: string | undefined;
}

/** Runs `fn` with `actor` as the actor of every write it makes (and of the audit records they write). */
export function withActor<T>(actor: string, fn: () => T): T {
  return withScope({ actor }, fn);
}

/** Runs `fn` with an actor, request id and source IP for the audit records of its writes. */
export function withAuditScope<T>(scope: AuditScope, fn: () => T): T {
  return withScope({ actor: scope.actor, requestId: scope.requestId, sourceIp: scope.sourceIp }, fn);
}

type Loose = Record<string, unknown> | undefined;

function at(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

function text(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v !== '') return v;
  return undefined;
}

/**
 * The actor, request id and source IP of a Lambda event: the authorizer's subject (JWT `sub`, a
 * Cognito user pool's `sub`, a Lambda authorizer's `principalId` or `actor`, or the IAM caller's
 * ARN), the request context's request id (else the Lambda request id from `context`) and source IP.
 * Fields the event does not carry are left out: pass `actor` to choose it yourself.
 */
export function auditScopeFromEvent(event: unknown, context?: { readonly awsRequestId?: string }, actor?: (event: unknown) => string | undefined): AuditScope {
  const rc = at(event, 'requestContext') as Loose;
  const auth = at(rc, 'authorizer');
  return {
    actor:
      actor?.(event) ??
      text(
        at(auth, 'jwt', 'claims', 'sub'),
        at(auth, 'claims', 'sub'),
        at(auth, 'lambda', 'actor'),
        at(auth, 'actor'),
        at(auth, 'principalId'),
        at(auth, 'iam', 'userArn'),
        at(rc, 'identity', 'userArn'),
      ),
    requestId: text(at(rc, 'requestId'), context?.awsRequestId),
    sourceIp: text(at(rc, 'http', 'sourceIp'), at(rc, 'identity', 'sourceIp')),
  };
}
