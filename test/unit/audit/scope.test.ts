/** The actor, request id and source IP of Lambda events, and scopes that carry them. */
import { expect, test } from 'vitest';
import { currentScope } from '../../../src/index.js';
import { auditScopeFromEvent, withActor, withAuditScope } from '../../../src/audit/index.js';

test('API Gateway REST (v1) with a Cognito authorizer', () => {
  const event = { requestContext: { requestId: 'r1', identity: { sourceIp: '192.0.2.1' }, authorizer: { claims: { sub: 'cognito-user' } } } };
  expect(auditScopeFromEvent(event)).toEqual({ actor: 'cognito-user', requestId: 'r1', sourceIp: '192.0.2.1' });
});

test('HTTP API (v2) with IAM, a Lambda authorizer, and a chosen actor', () => {
  const iam = { requestContext: { requestId: 'r2', http: { sourceIp: '192.0.2.2' }, authorizer: { iam: { userArn: 'arn:aws:iam::1:user/ops' } } } };
  expect(auditScopeFromEvent(iam).actor).toBe('arn:aws:iam::1:user/ops');
  const lambda = { requestContext: { authorizer: { lambda: { actor: 'svc-billing' } } } };
  expect(auditScopeFromEvent(lambda).actor).toBe('svc-billing');
  expect(auditScopeFromEvent(iam, undefined, (e) => (e as typeof iam).requestContext.requestId).actor).toBe('r2');
});

test('events without a request context', () => {
  expect(auditScopeFromEvent(undefined)).toEqual({ actor: undefined, requestId: undefined, sourceIp: undefined });
  expect(auditScopeFromEvent('text', { awsRequestId: 'lambda-1' }).requestId).toBe('lambda-1');
  expect(auditScopeFromEvent({ requestContext: { authorizer: { principalId: '' } } }).actor).toBeUndefined();
});

test('scopes nest and do not leak', async () => {
  await withAuditScope({ actor: 'a', requestId: 'r', sourceIp: 'ip' }, async () => {
    await withActor('b', async () => {
      await Promise.resolve();
      expect(currentScope()).toMatchObject({ actor: 'b', requestId: 'r', sourceIp: 'ip' });
    });
    expect(currentScope()?.actor).toBe('a');
  });
  expect(currentScope()).toBeUndefined();
});
