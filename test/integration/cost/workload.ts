/**
 * The documented workload of docs/guides/cost.md ("The workload the estimate is checked on"): two
 * models, items of several sizes, with and without secondary indexes, transactional and not,
 * consistent and eventual reads. Each row holds what DynamoDB's published unit rules give by hand
 * (the guide's table), the request to send, and the images the pre-flight estimate is computed from.
 */
import { attr, model } from '../../../src/index.js';

export const Order = model('Order', {
  table: 'cost-orders',
  attributes: {
    customerId: attr.string().partitionKey(),
    orderId: attr.string().sortKey(),
    status: attr.enum(['open', 'paid', 'shipped']),
    amount: attr.cents(),
    ref: attr.string().optional(),
    notes: attr.string().optional(),
  },
  indexes: {
    byStatus: { name: 'gsi-status', partitionKey: 'status', sortKey: 'orderId' },
    byRef: { name: 'gsi-ref', partitionKey: 'ref', projection: 'keys' },
    byAmount: { name: 'lsi-amount', type: 'local', partitionKey: 'customerId', sortKey: 'amount' },
  },
});

export const Note = model('Note', {
  table: 'cost-notes',
  attributes: { id: attr.string().partitionKey(), body: attr.string() },
});

/** Units by place (`table` or an index name), as the published rules give them. */
export type Units = Readonly<Record<string, number>>;

/** One row of the workload: the stored item's size and the units the rules give, write or read. */
export interface Row {
  readonly id: string;
  /** What the row does, as the guide's table says it. */
  readonly what: string;
  /** Size of the item written or read, in bytes (a query: the summed entries). */
  readonly bytes: number;
  readonly write?: Units;
  readonly read?: Units;
}

/**
 * The rows, by hand from the rules: write = ceil(bytes / 1024) on the table and on each index the
 * item has an entry in (keys-only entries are small: 1; a local index's entry counts 100 bytes more,
 * so W4's 1,000 B item costs 2 there), 2x in a transaction; an index key changed =
 * a delete and a put on that index; read = ceil(bytes / 4096), half when eventual, 2x transactional,
 * a query summing its entries before rounding.
 */
export const ROWS: readonly Row[] = [
  { id: 'W1', what: 'create Note, no index', bytes: 200, write: { table: 1 } },
  { id: 'W2', what: 'create Note, no index', bytes: 5000, write: { table: 5 } },
  { id: 'W3', what: 'create Order with ref: three indexes', bytes: 400, write: { table: 1, 'gsi-status': 1, 'gsi-ref': 1, 'lsi-amount': 1 } },
  { id: 'W4', what: 'create Order without ref: two indexes', bytes: 1000, write: { table: 1, 'gsi-status': 1, 'lsi-amount': 2 } },
  { id: 'W5', what: 'create Order with ref', bytes: 1500, write: { table: 2, 'gsi-status': 2, 'gsi-ref': 1, 'lsi-amount': 2 } },
  { id: 'W6', what: 'create Order with ref, in a transaction', bytes: 1500, write: { table: 4, 'gsi-status': 4, 'gsi-ref': 2, 'lsi-amount': 4 } },
  { id: 'W7', what: 'update W5: status (a GSI key) changes', bytes: 1500, write: { table: 2, 'gsi-status': 4, 'lsi-amount': 2 } },
  { id: 'W8', what: 'update W3: amount (the LSI key) changes', bytes: 400, write: { table: 1, 'gsi-status': 1, 'lsi-amount': 2 } },
  { id: 'W9', what: 'delete W4', bytes: 1000, write: { table: 1, 'gsi-status': 1, 'lsi-amount': 2 } },
  { id: 'R1', what: 'get W5, strongly consistent', bytes: 1500, read: { table: 1 } },
  { id: 'R2', what: 'get W5, eventually consistent', bytes: 1500, read: { table: 0.5 } },
  { id: 'R3', what: 'get W2 (5,000 B), strongly consistent', bytes: 5000, read: { table: 2 } },
  { id: 'R4', what: 'get W2, eventually consistent', bytes: 5000, read: { table: 1 } },
  { id: 'R5', what: 'get a missing item', bytes: 0, read: { table: 0.5 } },
  { id: 'R6', what: 'query the customer (W3, W5, W6), strongly consistent', bytes: 3400, read: { table: 1 } },
  { id: 'R7', what: 'query the customer, eventually consistent', bytes: 3400, read: { table: 0.5 } },
  { id: 'R8', what: 'query lsi-amount, strongly consistent', bytes: 3400, read: { 'lsi-amount': 1 } },
  { id: 'R9', what: 'query gsi-status (W5 after W7), eventually consistent', bytes: 1500, read: { 'gsi-status': 0.5 } },
  { id: 'R10', what: 'transactional get of W5 and W2', bytes: 6500, read: { table: 6 } },
];
