/**
 * Models and helpers shared by the audit trail's integration tests: a versioned Payment with two
 * tracked fields (and a secret note that is not tracked), an unversioned Note, and raw reads of
 * the audit table (the judge of what was written).
 */
import { QueryCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { attr, model, type DynamORM } from '../../../src/index.js';
import { audit, tracked, type AuditLog } from '../../../src/audit/index.js';

export const Payment = model('Payment', {
  table: 'payments',
  attributes: {
    id: attr.string().partitionKey(),
    amount: attr.cents(),
    status: attr.enum(['pending', 'captured', 'refunded']),
    note: attr.string().optional(),
    tags: attr.stringSet().optional(),
    version: attr.version(),
  },
});

export const Note = model('Note', {
  table: 'payments',
  attributes: {
    id: attr.string().partitionKey(),
    text: attr.string(),
    count: attr.integer().optional(),
    secret: attr.string().optional(),
  },
});

export const Untracked = model('Untracked', {
  table: 'payments',
  attributes: { id: attr.string().partitionKey(), text: attr.string() },
});

/** An audit log over Payment (amount, status, tags) and Note (text, count), with its own table. */
export function paymentLog(options: { noteWithoutActor?: boolean } = {}): AuditLog {
  return audit({
    table: 'audit',
    models: [
      tracked(Payment, { fields: ['amount', 'status', 'tags'] }),
      tracked(Note, { fields: ['text', 'count'], allowWithoutActor: options.noteWithoutActor ?? false }),
    ],
  });
}

export type Raw = Record<string, AttributeValue>;

/** Every item of the audit table, raw, strongly consistent. */
export async function auditItems(db: DynamORM, log: AuditLog): Promise<Raw[]> {
  const out: Raw[] = [];
  let start: Raw | undefined;
  do {
    const page = await db.client.send(new ScanCommand({ TableName: db.tableName(log.table), ConsistentRead: true, ExclusiveStartKey: start }));
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** The raw records (not heads) of the audit table, ordered by chain then seq. */
export async function rawRecords(db: DynamORM, log: AuditLog): Promise<Raw[]> {
  return (await auditItems(db, log))
    .filter((i) => i.seq?.N !== '0')
    .sort((a, b) => (a.chain!.S! < b.chain!.S! ? -1 : a.chain!.S! > b.chain!.S! ? 1 : Number(a.seq!.N) - Number(b.seq!.N)));
}

/** The raw items (head first) of the chain holding records of the item whose key contains `id`. */
export async function rawChain(db: DynamORM, log: AuditLog, model: string, id: string): Promise<Raw[]> {
  const all = await auditItems(db, log);
  const chain = all.find((i) => i.model?.S === model && i.key?.M?.id?.S === id)?.chain?.S;
  if (!chain) return [];
  const page = await db.client.send(
    new QueryCommand({ TableName: db.tableName(log.table), KeyConditionExpression: 'chain = :c', ExpressionAttributeValues: { ':c': { S: chain } }, ConsistentRead: true }),
  );
  return page.Items ?? [];
}

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
