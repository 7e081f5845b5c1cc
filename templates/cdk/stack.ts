/**
 * The payment example (examples/payment) on the AWS CDK: four Lambda functions behind an IAM-authorised
 * HTTP API, each with a role that may do only what its handler does, the KMS key that wraps the card
 * numbers' data keys, and the tables of tables.ts (the output of
 * `dynamorm generate --format cdk --models templates/models.ts`, unchanged).
 */
import { CfnOutput, CfnParameter, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { DynamORMTables } from './tables.js';

/** Where the bundled handlers are (`node templates/bundle.mjs` writes them). */
export interface PaymentStackProps extends StackProps {
  readonly codePath: string;
}

/** Data keys are made and opened only with this encryption context (dynamorm/encryption's default). */
const KMS_CONTEXT = { StringEquals: { 'kms:EncryptionContext:purpose': 'dynamorm-field-encryption' } };

export class PaymentStack extends Stack {
  readonly tables: DynamORMTables;
  readonly key: Key;
  readonly functions: Record<'create' | 'capture' | 'refund' | 'list', LambdaFunction>;

  constructor(scope: Construct, id: string, props: PaymentStackProps) {
    super(scope, id, props);
    const cursorSecret = new CfnParameter(this, 'CursorSecret', { type: 'String', noEcho: true, minLength: 32, description: 'Signs the listing cursors (DYNAMORM_CURSOR_SECRET): at least 32 random characters' });
    this.tables = new DynamORMTables(this, 'Tables');
    this.key = new Key(this, 'PaymentKey', { description: 'Wraps the data keys of the payment card numbers (dynamorm/encryption)', enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
    const { paymentExample, paymentExampleRefunds, paymentExampleIdempotency, paymentExampleAudit } = this.tables;

    const fn = (name: string, description: string) =>
      new LambdaFunction(this, `${name[0]?.toUpperCase()}${name.slice(1)}Function`, {
        description,
        code: Code.fromAsset(props.codePath),
        handler: `index.${name}`,
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        memorySize: 512,
        timeout: Duration.seconds(10),
        environment: { PAYMENT_KEY_ARN: this.key.keyArn, DYNAMORM_CURSOR_SECRET: cursorSecret.valueAsString },
      });
    const allow = (f: LambdaFunction, sid: string, actions: string[], resources: string[], conditions?: Record<string, Record<string, string>>) =>
      f.addToRolePolicy(new PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) }));

    const create = fn('create', 'POST /payments: idempotent create, card number encrypted');
    allow(create, 'PaymentAndGuard', ['dynamodb:PutItem'], [paymentExample.tableArn]);
    allow(create, 'IdempotencyRecords', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], [paymentExampleIdempotency.tableArn]);
    allow(create, 'AuditChain', ['dynamodb:GetItem', 'dynamodb:PutItem'], [paymentExampleAudit.tableArn]);
    allow(create, 'NewCardDataKeys', ['kms:GenerateDataKey'], [this.key.keyArn], KMS_CONTEXT);

    const capture = fn('capture', 'POST /payments/{id}/capture: a versioned update');
    allow(capture, 'Payment', ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [paymentExample.tableArn]);
    allow(capture, 'AuditChain', ['dynamodb:GetItem', 'dynamodb:PutItem'], [paymentExampleAudit.tableArn]);
    allow(capture, 'ReadCardDataKeys', ['kms:Decrypt'], [this.key.keyArn], KMS_CONTEXT);

    const refund = fn('refund', 'POST /payments/{id}/refund: the payment and the refund in one transaction');
    allow(refund, 'Payment', ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [paymentExample.tableArn]);
    allow(refund, 'Refund', ['dynamodb:PutItem'], [paymentExampleRefunds.tableArn]);
    allow(refund, 'AuditChain', ['dynamodb:GetItem', 'dynamodb:PutItem'], [paymentExampleAudit.tableArn]);
    allow(refund, 'ReadCardDataKeys', ['kms:Decrypt'], [this.key.keyArn], KMS_CONTEXT);

    const list = fn('list', "GET /merchants/{merchantId}/payments: a merchant's payments in one status");
    allow(list, 'MerchantStatusIndex', ['dynamodb:Query'], [`${paymentExample.tableArn}/index/gsi-merchant-status`]);
    allow(list, 'ReadCardDataKeys', ['kms:Decrypt'], [this.key.keyArn], KMS_CONTEXT);
    this.functions = { create, capture, refund, list };

    const api = new HttpApi(this, 'PaymentApi', { defaultAuthorizer: new HttpIamAuthorizer() });
    const route = (path: string, method: HttpMethod, f: LambdaFunction) => api.addRoutes({ path, methods: [method], integration: new HttpLambdaIntegration(`${f.node.id}Integration`, f) });
    route('/payments', HttpMethod.POST, create);
    route('/payments/{id}/capture', HttpMethod.POST, capture);
    route('/payments/{id}/refund', HttpMethod.POST, refund);
    route('/merchants/{merchantId}/payments', HttpMethod.GET, list);

    new CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint });
    new CfnOutput(this, 'PaymentKeyArn', { value: this.key.keyArn });
  }
}
