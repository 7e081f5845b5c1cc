/** The operations the warm benchmark times, with the arguments each variant gets and a check of the answer. */
import { newOrder, type Ops, type Order } from '../handlers/shared.js';
import { ALL_ITEMS, orderIdOf, partitionOf } from '../lib/dynamodb.js';

export const OPERATIONS = ['put', 'get', 'query', 'update', 'readAll'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const LABELS: Record<Operation, string> = {
  put: 'put (create, conditional)',
  get: 'get',
  query: 'query (10 items)',
  update: 'update (1 field, ALL_NEW)',
  readAll: 'read 1,000 items (query)',
};

/** Calls of one operation for one variant; `fresh` gives each put a new key (for a real DynamoDB). */
export function calls(variantId: string, ops: Ops, fresh?: () => string): Record<Operation, () => Promise<unknown>> {
  const q = partitionOf(variantId, 'q');
  const order = newOrder(partitionOf(variantId, 'w'), 'replayed');
  return {
    put: () => ops.put(fresh ? newOrder(partitionOf(variantId, 'w'), fresh()) : order),
    get: () => ops.get({ customerId: q, orderId: orderIdOf(0) }),
    query: () => ops.query(q, 10),
    update: () => ops.update({ customerId: q, orderId: orderIdOf(1) }, 'paid'),
    readAll: () => ops.readAll(partitionOf(variantId, 'all')),
  };
}

/** Throws unless an answer is what the operation should return (replay and recording are checked alike). */
export function check(op: Operation, variantId: string, result: unknown): void {
  const ok = (() => {
    switch (op) {
      case 'put':
        return true;
      case 'get':
        return (result as Order | undefined)?.orderId === orderIdOf(0);
      case 'query':
        return Array.isArray(result) && result.length === 10 && (result[0] as Order).customerId === partitionOf(variantId, 'q');
      case 'update':
        return (result as Order).status === 'paid' && (result as Order).amount === 1250;
      case 'readAll':
        return Array.isArray(result) && result.length === ALL_ITEMS && typeof (result[999] as Order).amount === 'number';
    }
  })();
  if (!ok) throw new Error(`${variantId}.${op} returned an unexpected answer: ${JSON.stringify(result)?.slice(0, 300)}`);
}
