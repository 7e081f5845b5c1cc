/** What the crash test and its child process share: the payment model and the idempotency options. */
import { attr, model } from '../../../src/index.js';

export const CrashPayment = model('CrashPayment', {
  table: 'crash-payments',
  attributes: { id: attr.string().partitionKey(), amount: attr.cents(), by: attr.string() },
});

/** The operation's options (the store aside), the same in the child and in the parent. */
export const crashOptions = (lockUntilReconciled: boolean) => ({ name: 'crashPay', key: 'key', lockUntilReconciled });
