/**
 * examples/payment-raw on DynamoDB Local: the payment example's shared tests
 * (examples/payment/contract.ts), passed by the raw SDK version. Its payment ids start with `pay_`;
 * the payments table also holds the unique-reference guards.
 */
import { randomUUID } from 'node:crypto';
import { paymentContract } from '../payment/contract.js';
import { endpoint, localCredentials } from '../../test/support/db.js';
import { main } from './index.js';

const tablePrefix = `t${randomUUID().slice(0, 8)}-`;

paymentContract({
  name: 'examples/payment-raw',
  tablePrefix,
  isPayment: (item) => item.id?.S?.startsWith('pay_') === true,
  async start(log) {
    const r = await main({ client: { endpoint: endpoint(), region: 'us-east-1', credentials: localCredentials }, tablePrefix, cursorSecret: 'test-secret-for-the-payment-example-0' }, log, { keepOpen: true });
    return {
      story: r,
      client: r.service.client,
      invoke: (handler, body, headers = {}) => (r.service[handler] as (e: object) => ReturnType<typeof r.service.list>)({ headers, body, requestContext: { requestId: 'req-contract', authorizer: { principalId: 'clerk-7' } } }),
      close: () => r.service.destroy(),
    };
  },
});
