/**
 * Reading the audit table: raw pages of a Query (through the executor, so plugins and deadlines
 * apply), and stored records decoded into typed `AuditRecord`s with the tracked models' codecs.
 */
import { QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { operationContext } from '../client/context.js';
import type { Executor } from '../client/executor.js';
import type { AnyModel } from '../model/model.js';
import type { AuditLog } from './extension.js';
import { AUDIT_LOG } from './extension.js';
import { AuditConfigError } from './errors.js';
import type { AuditOperation } from './record.js';

type AttributeMap = Record<string, AttributeValue>;

/** One audit record, decoded. `T` is the item type of the audited model, when known. */
export interface AuditRecord<T = Record<string, unknown>> {
  /** The audited model's name. */
  readonly model: string;
  /** The item's primary key fields. */
  readonly key: Readonly<Record<string, unknown>>;
  /** Position in the item's chain (1, 2, ...). */
  readonly seq: number;
  readonly op: AuditOperation;
  /** The operation's clock reading. */
  readonly at: Date;
  readonly actor?: string;
  readonly requestId?: string;
  readonly sourceIp?: string;
  readonly tenant?: string;
  /** Tracked fields before the write (absent when there was no item). */
  readonly before?: Partial<T>;
  /** Tracked fields after the write (absent after a delete). */
  readonly after?: Partial<T>;
  /** Tracked fields recorded as changed without their values (encrypted fields). */
  readonly changed: readonly string[];
  /** The item's version after the write (before it, for a delete), on versioned models. */
  readonly version?: number;
  /** The previous record's hash, and this record's (hex SHA-256). */
  readonly prev: string;
  readonly hash: string;
}

/** Streams the items of a Query on the audit table, page by page. */
export async function* queryItems(db: Executor, log: AuditLog, input: Record<string, unknown>): AsyncGenerator<AttributeMap> {
  const context = operationContext(db, 'query', log.table);
  let start: AttributeMap | undefined;
  do {
    const request = Object.assign({ TableName: db.tableName(log.table) }, input, start ? { ExclusiveStartKey: start } : {}, db.config.pageSize ? { Limit: db.config.pageSize } : {});
    const out = await db.send<{ Items?: AttributeMap[]; LastEvaluatedKey?: AttributeMap }>(QueryCommand, {
      operation: 'Query',
      input: request,
      model: log.table.name,
      context,
    });
    yield* out.Items ?? [];
    start = out.LastEvaluatedKey;
  } while (start);
}

/** The audit log that audits `model` on `db` (throws AuditConfigError when none does). */
export function logOf(db: Executor, model: AnyModel): AuditLog {
  const hooks = db.target(model).hooks?.all ?? [];
  for (const h of hooks) {
    const log = (h as { [AUDIT_LOG]?: AuditLog })[AUDIT_LOG];
    if (log) return log;
  }
  throw new AuditConfigError(`audit: ${model.name} is not audited on this database`);
}

function decodeFields(meta: AnyModel['compiled'] | undefined, map: AttributeMap | undefined, byStored: boolean): Record<string, unknown> | undefined {
  if (!map) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(map)) {
    const field = byStored ? meta?.byStored.get(name) : meta?.byName.get(name);
    out[field ? field.name : name] = field ? field.codec.decode(value, [field.name]) : value;
  }
  return out;
}

/** Decodes a stored record (values of fields the log no longer tracks stay as stored). */
export function decodeRecord<T = Record<string, unknown>>(log: AuditLog, item: AttributeMap): AuditRecord<T> {
  const model = item.model?.S ?? '';
  const meta = log.tracking.get(model)?.meta;
  const record: Record<string, unknown> = {
    model,
    key: decodeFields(meta, item.key?.M, true) ?? {},
    seq: Number(item.seq?.N),
    op: item.op?.S,
    at: new Date(item.at?.S ?? NaN),
    changed: item.changed?.SS ?? [],
    prev: item.prev?.S ?? '',
    hash: item.hash?.S ?? '',
  };
  for (const name of ['actor', 'requestId', 'sourceIp', 'tenant'] as const) if (item[name]?.S !== undefined) record[name] = item[name].S;
  if (item.before?.M) record.before = decodeFields(meta, item.before.M, false);
  if (item.after?.M) record.after = decodeFields(meta, item.after.M, false);
  if (item.version?.N !== undefined) record.version = Number(item.version.N);
  return record as unknown as AuditRecord<T>;
}
