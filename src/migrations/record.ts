/**
 * The migrations table: one record per migration (a DynamORM model, table name configurable), and the
 * conditional writes that take, renew and give back its lease and save its progress. Every write
 * after the lease is taken is fenced by the runner's owner token, so a runner whose lease was taken
 * over cannot change the record. Instants are epoch milliseconds from the database's clock.
 */
import { UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { operationContext } from '../client/context.js';
import type { Database } from '../database.js';
import * as attr from '../model/attributes.js';
import { model } from '../model/model.js';
import type { Item } from '../model/types.js';
import type { MigrationStatus } from './plan.js';

/** The model of migration records (one per table name). */
function recordModel(table: string) {
  return model('DynamORMMigration', {
    table,
    writeToken: false,
    attributes: {
      /** The migration's id. */
      id: attr.string().partitionKey().loggable(),
      /** The name of the migrated model. */
      model: attr.string(),
      status: attr.enumOf(['running', 'stopped', 'incomplete', 'completed']),
      /** The runner holding the lease (a random token), while it runs. */
      owner: attr.string().optional(),
      /** Epoch ms: the lease may be taken over after this. */
      leaseUntil: attr.integer().optional(),
      /** Epoch ms of the first run's start, and of the end. */
      startedAt: attr.integer(),
      finishedAt: attr.integer().optional(),
      /** Passes over the table (a new one after an incomplete pass). */
      pass: attr.integer(),
      /** Segments of the parallel scan; fixed for a pass (the places below belong to it). */
      segments: attr.integer(),
      /** Each segment's place: `start`, `done` or the key to continue after (JSON; key values in clear). */
      cursors: attr.record(attr.string()),
      /** Items read (of this model), written, deleted, left alone, already marked, re-read after a conflict, left conflicting. */
      scanned: attr.integer(),
      migrated: attr.integer(),
      deleted: attr.integer(),
      skipped: attr.integer(),
      alreadyDone: attr.integer(),
      retried: attr.integer(),
      conflicted: attr.integer(),
      /** Why it stopped: an error's name and code, never a value. */
      error: attr.string().optional(),
    },
  });
}

/** The record model's type. */
export type MigrationRecordModel = ReturnType<typeof recordModel>;
/** A migration record as stored. */
export type MigrationRecord = Item<MigrationRecordModel>;

/** The counters of a record (also what progress reports). */
export const COUNTERS = ['scanned', 'migrated', 'deleted', 'skipped', 'alreadyDone', 'retried', 'conflicted'] as const;
/** Counts of one run or of a whole migration. */
export type MigrationCounts = { -readonly [K in (typeof COUNTERS)[number]]: number };

/** Counts at zero. */
export const zeroCounts = (): MigrationCounts => ({ scanned: 0, migrated: 0, deleted: 0, skipped: 0, alreadyDone: 0, retried: 0, conflicted: 0 });

/** The default migrations table name (the database's table prefix is added). */
export const DEFAULT_MIGRATIONS_TABLE = 'dynamorm-migrations';

/** A failed condition on a record write. */
export const isConditionFailure = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';

/** The records of one migrations table on a database. */
export class MigrationRecords {
  /** The record model: create its table with `tables(db).create([records.model])` (the runner and the CLI do). */
  readonly model: MigrationRecordModel;

  constructor(
    readonly db: Database,
    table = DEFAULT_MIGRATIONS_TABLE,
  ) {
    this.model = recordModel(table);
  }

  /** The physical table name. */
  get tableName(): string {
    return this.db.tableName(this.model);
  }

  /** Epoch ms from the database's clock. */
  now(): number {
    return this.db.config.clock().getTime();
  }

  /** A record, strongly consistent. */
  read(id: string): Promise<MigrationRecord | undefined> {
    return this.db.model(this.model).get({ id }, { consistent: true });
  }

  /** One UpdateItem on a record, through the executor (plugins see it). ALL_NEW or ALL_OLD when asked. */
  async update(id: string, expression: string, condition: string, names: Record<string, string>, values: Record<string, AttributeValue>, returnValues?: 'ALL_NEW' | 'ALL_OLD') {
    const input: Record<string, unknown> = {
      TableName: this.tableName,
      Key: { id: { S: id } },
      UpdateExpression: expression,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
    };
    if (Object.keys(values).length > 0) input.ExpressionAttributeValues = values;
    if (returnValues) input.ReturnValues = returnValues;
    const out = await this.db.send<{ Attributes?: Record<string, AttributeValue> }>(UpdateItemCommand, {
      operation: 'UpdateItem',
      input,
      model: this.model.name,
      context: operationContext(this.db, 'update', this.model),
    });
    return out.Attributes;
  }

  /**
   * Takes the lease of `id` for `owner` until `until`: the record is new, or not completed and its
   * lease is free or expired. Creates the record (counts at zero, every segment at its start) if it
   * is new. Returns the record before (undefined: it was new); throws the SDK's
   * ConditionalCheckFailedException when the lease is held or the migration completed.
   */
  async acquire(id: string, modelName: string, owner: string, now: number, until: number, segments: number): Promise<Record<string, AttributeValue> | undefined> {
    const names: Record<string, string> = { '#id': 'id', '#st': 'status', '#ow': 'owner', '#lu': 'leaseUntil', '#m': 'model', '#sa': 'startedAt', '#p': 'pass', '#sg': 'segments', '#c': 'cursors' };
    const values: Record<string, AttributeValue> = {
      ':running': { S: 'running' },
      ':completed': { S: 'completed' },
      ':owner': { S: owner },
      ':now': { N: String(now) },
      ':until': { N: String(until) },
      ':model': { S: modelName },
      ':one': { N: '1' },
      ':segments': { N: String(segments) },
      ':cursors': { M: Object.fromEntries(Array.from({ length: segments }, (_, s) => [String(s), { S: 'start' }])) },
      ':zero': { N: '0' },
    };
    const sets = ['#st = :running', '#ow = :owner', '#lu = :until', '#m = :model', '#sa = if_not_exists(#sa, :now)', '#p = if_not_exists(#p, :one)', '#sg = if_not_exists(#sg, :segments)', '#c = if_not_exists(#c, :cursors)'];
    COUNTERS.forEach((c, i) => {
      names[`#n${i}`] = c;
      sets.push(`#n${i} = if_not_exists(#n${i}, :zero)`);
    });
    const condition = 'attribute_not_exists(#id) OR (#st <> :completed AND (attribute_not_exists(#lu) OR #lu <= :now OR #ow = :owner))';
    return this.update(id, `SET ${sets.join(', ')}`, condition, names, values, 'ALL_OLD');
  }

  /** Starts a new pass (after an incomplete one): every segment back to its start, `segments` of them. Fenced. */
  async newPass(id: string, owner: string, segments: number, pass: number): Promise<void> {
    await this.update(
      id,
      'SET #c = :cursors, #sg = :segments, #p = :pass, #cf = :zero',
      '#ow = :owner',
      { '#c': 'cursors', '#sg': 'segments', '#p': 'pass', '#cf': 'conflicted', '#ow': 'owner' },
      {
        ':cursors': { M: Object.fromEntries(Array.from({ length: segments }, (_, s) => [String(s), { S: 'start' }])) },
        ':segments': { N: String(segments) },
        ':pass': { N: String(pass) },
        ':zero': { N: '0' },
        ':owner': { S: owner },
      },
    );
  }

  /** Saves one segment's place and the counts of its last page, and renews the lease. Fenced by the owner. */
  async saveProgress(id: string, owner: string, segment: number, position: string, delta: MigrationCounts, until: number): Promise<void> {
    const names: Record<string, string> = { '#c': 'cursors', '#s': String(segment), '#ow': 'owner', '#lu': 'leaseUntil' };
    const values: Record<string, AttributeValue> = { ':pos': { S: position }, ':owner': { S: owner }, ':until': { N: String(until) } };
    const adds: string[] = [];
    COUNTERS.forEach((c, i) => {
      if (delta[c] === 0) return;
      names[`#n${i}`] = c;
      values[`:n${i}`] = { N: String(delta[c]) };
      adds.push(`#n${i} :n${i}`);
    });
    await this.update(id, `SET #c.#s = :pos, #lu = :until${adds.length > 0 ? ` ADD ${adds.join(', ')}` : ''}`, '#ow = :owner', names, values);
  }

  /** Renews the lease until `until`. Fenced by the owner. */
  async renew(id: string, owner: string, until: number): Promise<void> {
    await this.update(id, 'SET #lu = :until', '#ow = :owner', { '#lu': 'leaseUntil', '#ow': 'owner' }, { ':until': { N: String(until) }, ':owner': { S: owner } });
  }

  /** Ends the run: sets the status (and the reason it stopped), gives the lease back. Fenced by the owner. */
  async finish(id: string, owner: string, status: MigrationStatus, now: number, error?: string): Promise<void> {
    const names: Record<string, string> = { '#st': 'status', '#ow': 'owner', '#lu': 'leaseUntil', '#fa': 'finishedAt', '#e': 'error' };
    const values: Record<string, AttributeValue> = { ':st': { S: status }, ':owner': { S: owner }, ':now': { N: String(now) } };
    let expression = 'SET #st = :st, #fa = :now';
    if (error) {
      values[':e'] = { S: error };
      expression += ', #e = :e REMOVE #ow, #lu';
    } else expression += ' REMOVE #ow, #lu, #e';
    await this.update(id, expression, '#ow = :owner', names, values);
  }
}

/** The records of migrations on `db`, in the table `table` (default `dynamorm-migrations`, the database's prefix added). */
export function migrationRecords(db: Database, options: { readonly table?: string } = {}): MigrationRecords {
  return new MigrationRecords(db, options.table);
}
