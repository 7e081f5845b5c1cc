/**
 * The CDK app: `npx cdk deploy` from this folder (cdk.json runs this file with tsx) after
 * `node templates/bundle.mjs`. Account and region come from the environment, as the CDK CLI sets them.
 */
import { App } from 'aws-cdk-lib';
import { fileURLToPath } from 'node:url';
import { PaymentStack } from './stack.js';

const app = new App();
new PaymentStack(app, 'DynamORMPaymentExample', { codePath: fileURLToPath(new URL('../.build/payment', import.meta.url)) });
app.synth();
