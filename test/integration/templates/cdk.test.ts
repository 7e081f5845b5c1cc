/**
 * The CDK app (templates/cdk) synthesised, with no network and no AWS account: the handlers bundled by
 * templates/bundle.mjs, the stack synthesised to CloudFormation, and that CloudFormation checked
 * against the AWS resource specification; its tables are the models' (as `tables(db).create` sends
 * them), and each function's policy grants exactly what the SAM template grants it (which
 * access.test.ts checks against the requests each handler really sends). Synthesis takes 10-30 s.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PaymentStack } from '../../../templates/cdk/stack.js';
import { HANDLERS, type HandlerName, type Permission } from './access.js';
import { validateResources } from './cfn-spec.js';
import { cloudFormationPermissions, fromCloudFormation } from './shapes.js';
import { cfnResolver, expectedTables, root, samPermissions, samTemplate, type CfnTemplate, type Json } from './support.js';

const tmp = mkdtempSync(join(tmpdir(), 'dynamorm-cdk-'));
let template: CfnTemplate;

beforeAll(() => {
  // The handlers, bundled as a deployment bundles them (the synthesised stack points at this asset).
  execFileSync(process.execPath, [join(root, 'templates/bundle.mjs'), join(tmp, 'payment')], { stdio: 'pipe' });
  const app = new App({ outdir: join(tmp, 'cdk.out') });
  const stack = new PaymentStack(app, 'DynamORMPaymentExample', { codePath: join(tmp, 'payment') });
  template = Template.fromStack(stack).toJSON() as CfnTemplate;
}, 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

test('the handlers bundle into one ES module', () => {
  expect(existsSync(join(tmp, 'payment/index.mjs'))).toBe(true);
});

test('every synthesised resource is valid against the AWS resource specification', { timeout: 120_000 }, () => {
  expect(new Set(Object.values(template.Resources).map((r) => r.Type))).toEqual(
    new Set(['AWS::DynamoDB::GlobalTable', 'AWS::KMS::Key', 'AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::Lambda::Function', 'AWS::ApiGatewayV2::Api', 'AWS::ApiGatewayV2::Stage', 'AWS::ApiGatewayV2::Integration', 'AWS::ApiGatewayV2::Route', 'AWS::Lambda::Permission']),
  );
  expect(validateResources(template)).toEqual([]);
});

test("the stack's tables are the models' tables, retained on deletion", () => {
  const tables = ofType('AWS::DynamoDB::GlobalTable');
  expect(tables.map(([, r]) => fromCloudFormation(r.Properties)).sort(byName)).toEqual(expectedTables().sort(byName));
  for (const [, r] of tables) expect(r).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { Replicas: [{ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true }] } });
});

test('each function has its own role, granted exactly what the SAM template grants it, and logs', () => {
  const resolve = cfnResolver(template);
  const granted: Partial<Record<HandlerName, Set<Permission>>> = {};
  for (const [, fn] of ofType('AWS::Lambda::Function')) {
    const handler = String(fn.Properties.Handler).replace(/^index\./, '') as HandlerName;
    const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const policies = ofType('AWS::IAM::Policy').filter(([, p]) => (p.Properties.Roles as Json[]).some((r) => r.Ref === role));
    expect(policies).toHaveLength(1);
    granted[handler] = cloudFormationPermissions((policies[0]?.[1].Properties.PolicyDocument as { Statement: Json[] }).Statement, resolve);
    expect(JSON.stringify(template.Resources[role]?.Properties.ManagedPolicyArns)).toContain('service-role/AWSLambdaBasicExecutionRole');
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Environment: { Variables: { PAYMENT_KEY_ARN: { 'Fn::GetAtt': [expect.stringMatching(/^PaymentKey/), 'Arn'] }, DYNAMORM_CURSOR_SECRET: { Ref: 'CursorSecret' } } } });
  }
  const sam = samPermissions(samTemplate());
  expect(Object.keys(granted).sort()).toEqual([...HANDLERS].sort());
  for (const h of HANDLERS) expect({ handler: h, granted: [...(granted[h] ?? [])].sort() }).toEqual({ handler: h, granted: [...sam[h]].sort() });
});

test('every route is IAM-authorised and reaches its function', () => {
  const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
  expect(routes.map((r) => r.RouteKey).sort()).toEqual(['GET /merchants/{merchantId}/payments', 'POST /payments', 'POST /payments/{id}/capture', 'POST /payments/{id}/refund']);
  for (const r of routes) expect(r.AuthorizationType).toBe('AWS_IAM');
  for (const [, i] of ofType('AWS::ApiGatewayV2::Integration')) expect(i.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
});
