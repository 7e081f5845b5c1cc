/**
 * Partner and tenant from Lambda events, in the shapes AWS sends: API Gateway REST (v1) and HTTP
 * API (v2) with Lambda and JWT authorizers, EventBridge, SQS records.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { currentScope } from '../../../src/scope.js';
import { definePartners, EventScopeError, eventSource, scopeFromEvent, withEventScope } from '../../../src/partners/index.js';

const restEvent = (authorizer: Record<string, unknown> | undefined, headers: Record<string, string> = {}) => ({
  resource: '/payments/{id}',
  path: '/payments/p-1',
  httpMethod: 'GET',
  headers,
  multiValueHeaders: {},
  pathParameters: { id: 'p-1' },
  requestContext: { accountId: '123456789012', apiId: 'abc', stage: 'prod', requestId: 'r-1', ...(authorizer ? { authorizer } : {}) },
  body: null,
  isBase64Encoded: false,
});

const httpEvent = (authorizer: Record<string, unknown> | undefined, headers: Record<string, string> = {}) => ({
  version: '2.0',
  routeKey: 'GET /payments/{id}',
  rawPath: '/payments/p-1',
  rawQueryString: '',
  headers,
  requestContext: { accountId: '123456789012', apiId: 'abc', http: { method: 'GET', path: '/payments/p-1' }, requestId: 'r-1', stage: '$default', ...(authorizer ? { authorizer } : {}) },
  isBase64Encoded: false,
});

const bridgeEvent = (detail: Record<string, unknown>) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'PaymentSettled',
  source: 'payments',
  account: '123456789012',
  time: '2026-12-01T10:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail,
});

const sqsRecord = (attributes: Record<string, { stringValue?: string; dataType: string }>) => ({
  messageId: 'm-1',
  receiptHandle: 'h',
  body: '{}',
  attributes: { ApproximateReceiveCount: '1' },
  messageAttributes: attributes,
  md5OfBody: 'x',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:q',
  awsRegion: 'eu-west-1',
});

function problem(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EventScopeError);
    return (error as EventScopeError).problem;
  }
  return undefined;
}

describe('scope from events', () => {
  test('API Gateway REST: Lambda authorizer context, Cognito claims, custom keys', () => {
    expect(eventSource(restEvent(undefined))).toBe('apigateway-rest');
    expect(scopeFromEvent(restEvent({ principalId: 'u', partner: 'acme', tenant: 'm-1' }))).toEqual({ partner: 'acme', tenant: 'm-1' });
    expect(scopeFromEvent(restEvent({ claims: { 'custom:partner': 'acme', 'custom:merchant': 'm-2' } }), { partnerKey: 'custom:partner', tenantKey: 'custom:merchant' })).toEqual({
      partner: 'acme',
      tenant: 'm-2',
    });
    expect(scopeFromEvent(restEvent({ partner: 'acme' }))).toEqual({ partner: 'acme', tenant: undefined });
  });

  test('API Gateway HTTP API: Lambda authorizer and JWT claims', () => {
    expect(eventSource(httpEvent(undefined))).toBe('apigateway-http');
    expect(scopeFromEvent(httpEvent({ lambda: { partner: 'globex', tenant: 'm-9' } }))).toEqual({ partner: 'globex', tenant: 'm-9' });
    expect(scopeFromEvent(httpEvent({ jwt: { claims: { partner: 'globex' }, scopes: [] } }))).toEqual({ partner: 'globex', tenant: undefined });
  });

  test('headers only when named, case-insensitively; a header that disagrees with the authorizer is refused', () => {
    const event = restEvent(undefined, { 'X-Partner-Id': 'acme', 'x-tenant-id': 'm-1' });
    expect(problem(() => scopeFromEvent(event))).toBe('missing-partner'); // not read unless named
    expect(scopeFromEvent(event, { partnerHeader: 'x-partner-id', tenantHeader: 'X-Tenant-Id' })).toEqual({ partner: 'acme', tenant: 'm-1' });
    const both = httpEvent({ lambda: { partner: 'acme' } }, { 'x-partner-id': 'globex' });
    expect(problem(() => scopeFromEvent(both, { partnerHeader: 'x-partner-id' }))).toBe('conflict');
    const agreeing = httpEvent({ lambda: { partner: 'acme' } }, { 'x-partner-id': 'acme' });
    expect(scopeFromEvent(agreeing, { partnerHeader: 'x-partner-id' }).partner).toBe('acme');
  });

  test('EventBridge detail and SQS message attributes; an SQS batch is refused (one record at a time)', () => {
    expect(scopeFromEvent(bridgeEvent({ partner: 'acme', tenant: 'm-1', amount: 5 }))).toEqual({ partner: 'acme', tenant: 'm-1' });
    const record = sqsRecord({ partner: { stringValue: 'initech', dataType: 'String' }, tenant: { stringValue: 'm-3', dataType: 'String' } });
    expect(eventSource(record)).toBe('sqs');
    expect(scopeFromEvent(record)).toEqual({ partner: 'initech', tenant: 'm-3' });
    expect(problem(() => scopeFromEvent({ Records: [record] }))).toBe('not-an-event');
    expect(problem(() => scopeFromEvent('hello'))).toBe('not-an-event');
  });

  test('missing, invalid, unknown: typed problems, and the message never repeats the value', () => {
    expect(problem(() => scopeFromEvent(bridgeEvent({})))).toBe('missing-partner');
    expect(problem(() => scopeFromEvent(bridgeEvent({ partner: 'acme' }), { requireTenant: true }))).toBe('missing-tenant');
    expect(problem(() => scopeFromEvent(bridgeEvent({ partner: 42 })))).toBe('invalid-partner');
    expect(problem(() => scopeFromEvent(bridgeEvent({ partner: 'acme', tenant: 'M#1' })))).toBe('invalid-tenant');
    const registry = definePartners({ acme: { roleArn: 'arn:aws:iam::123456789012:role/a' } });
    expect(problem(() => scopeFromEvent(bridgeEvent({ partner: 'hooli' }), { registry }))).toBe('unknown-partner');
    expect(scopeFromEvent(bridgeEvent({ partner: 'acme' }), { registry }).partner).toBe('acme');
    try {
      scopeFromEvent(restEvent({ partner: "acme' OR 1=1 --" }));
    } catch (error) {
      expect((error as Error).message).not.toContain('OR 1=1');
    }
  });

  test('property: whatever a string claims to be, it becomes a partner only if it is a valid id, and is never echoed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (value) => {
        let scope: { partner: string } | undefined;
        let message = '';
        try {
          scope = scopeFromEvent(httpEvent({ lambda: { partner: value } }));
        } catch (error) {
          expect(error).toBeInstanceOf(EventScopeError);
          message = (error as Error).message;
        }
        const valid = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(value);
        expect(scope?.partner).toBe(valid ? value : undefined);
        // The message is the same whatever the value: nothing of it is echoed.
        if (!valid && value !== '') expect(message).toBe('invalid-partner: the partner in the authorizer context is not a valid partner id');
      }),
      { numRuns: 1000 },
    );
  });

  test('withEventScope runs the function in the scope the event names', () => {
    const seen = withEventScope(restEvent({ partner: 'acme', tenant: 'm-1' }), (scope) => ({ scope, ambient: currentScope() }));
    expect(seen.scope).toEqual({ partner: 'acme', tenant: 'm-1' });
    expect(seen.ambient).toMatchObject({ partner: 'acme', tenant: 'm-1' });
    expect(currentScope()?.partner).toBeUndefined();
  });
});
