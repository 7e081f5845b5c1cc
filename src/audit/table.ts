/**
 * The audit table: one partition per audited item (its chain), holding the chain head at `seq` 0
 * and the records at `seq` 1, 2, ...; three global indexes: records by actor and by day (both sorted
 * by time), and chain heads spread over a few shards (for checkpoints). It is a DynamORM model only so
 * that `tables(db).create([log.table])` creates it and the table prefix applies; records are written
 * and read raw, because their exact stored form is what is hashed.
 */
import { integer, string } from '../attr.js';
import { model } from '../model/model.js';

/** The audit table's model (create the table with `tables(db).create([log.table])`). */
export type AuditTableModel = ReturnType<typeof auditTableModel>;

/** Index names in DynamoDB. */
export const BY_ACTOR = 'audit-by-actor';
export const BY_DAY = 'audit-by-day';
export const HEADS = 'audit-heads';
/** How many index partitions the chain heads are spread over (a write-heavy head index stays cool). */
export const HEAD_SHARDS = 16;

/** Builds the model of an audit table named `table`. */
export function auditTableModel(table: string) {
  return model('AuditRecord', {
    table,
    attributes: {
      chain: string().partitionKey(),
      seq: integer().sortKey(),
      actor: string().optional(),
      at: string().optional(),
      day: string().optional(),
      hshard: string().optional(),
    },
    indexes: {
      byActor: { name: BY_ACTOR, partitionKey: 'actor', sortKey: 'at' },
      byDay: { name: BY_DAY, partitionKey: 'day', sortKey: 'at' },
      heads: { name: HEADS, partitionKey: 'hshard', sortKey: 'chain' },
    },
    entityAttribute: false,
    writeToken: false,
  });
}
