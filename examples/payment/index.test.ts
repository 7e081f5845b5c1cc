/**
 * examples/payment on DynamoDB Local: the shared payment tests (./contract.ts), which the raw SDK
 * version (examples/payment-raw) passes too. DynamORM marks its payments with `_type`; the
 * payments table also holds the unique-reference guards.
 */
import { invokeLocally, type LambdaContext } from '../../src/lambda/index.js';
import { testDb } from '../../test/support/db.js';
import type { ApiEvent, ApiResponse } from './app.js';
import { paymentContract } from './contract.js';
import { main } from './index.js';

const db = testDb({ cursorSecret: 'test-secret-for-the-payment-example-0' });
type Handler = (event: ApiEvent<unknown>, context: LambdaContext & { awsRequestId: string; functionName: string }) => Promise<ApiResponse>;

paymentContract({
  name: 'examples/payment',
  tablePrefix: db.config.tablePrefix,
  isPayment: (item) => item._type?.S === 'Payment',
  async start(log) {
    const r = await main(db, log, { keepOpen: true });
    return {
      story: r,
      client: r.service.db.client,
      invoke: (handler, body, headers = {}) =>
        invokeLocally(r.service[handler] as Handler, { headers, body, requestContext: { requestId: 'req-contract', authorizer: { principalId: 'clerk-7' } } }, { remainingMs: 30_000 }),
      close: () => {
        r.service.db.destroy();
        db.destroy();
      },
    };
  },
});
