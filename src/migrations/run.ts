/**
 * Runs one data migration: takes its lease, reads the model's items with a parallel scan (each
 * segment's place saved in the record after every page), transforms each item and writes it back
 * with a condition that the item is unchanged since it was read, so a concurrent change is never
 * overwritten: a conflicting item is read again and transformed again, a bounded number of times.
 * Every write marks the item with the migration's id, so an item is never transformed twice by the
 * migration (a resumed run, a second pass, a racing runner all skip marked items).
 */
import { randomUUID } from 'node:crypto';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { keyOnly } from '../client/chunks.js';
import { operationContext, type OperationContext } from '../client/context.js';
import type { ModelTarget } from '../client/executor.js';
import type { Database } from '../database.js';
import { ConditionalCheckFailedError, conceal, ValidationError, WriteInDoubtError, type DynamORMError } from '../errors.js';
import type { AnyModel } from '../model/model.js';
import { decodeItems } from '../read/decode.js';
import { fetchItem, getItemInput } from '../read/get.js';
import { isOwnItem } from '../read/projection.js';
import { tables } from '../tables/table.js';
import { planWrite, sendWrite, type WriteRequest } from '../write/unit.js';
import { isMigration, type Migration, type MigrationItem, type MigrationOutput } from './define.js';
import { MigrationLeaseLostError, MigrationLockedError, MigrationStoppedError } from './errors.js';
import { encodePosition, MARK_ATTRIBUTE, positionsOf, sameKey, unchangedCondition, withCondition, type MigrationStatus, type Position } from './plan.js';
import { COUNTERS, isConditionFailure, MigrationRecords, zeroCounts, type MigrationCounts } from './record.js';

type AttributeMap = Record<string, AttributeValue>;

/** Options of {@link runMigration}. */
export interface RunMigrationOptions {
  /** The migrations table (the database's prefix is added), default `dynamorm-migrations`; created if missing. */
  readonly table?: string;
  /** Segments of the parallel scan, 1 to 1,000 (default 4). A resumed run keeps the segments it started with. */
  readonly segments?: number;
  /** Items per scan page, 1 to 1,000 (default 100). Each segment's place is saved after every page. */
  readonly pageSize?: number;
  /** Items written at once per segment, 1 to 100 (default 8). */
  readonly concurrency?: number;
  /** How long the lease lasts without renewal, ms (default 60 000; at least 1 000). A crashed runner's lease is taken over after it. */
  readonly leaseMs?: number;
  /** Reads and transforms of one item whose writes conflict, before it is reported (default 5). */
  readonly maxAttempts?: number;
  /** Called after every page with the migration's counts so far (earlier runs included). */
  readonly onProgress?: (progress: MigrationProgress) => void;
}

/** What progress reports. */
export interface MigrationProgress {
  readonly migration: string;
  /** The migration's counts so far, earlier runs included (items of pages read again are counted again). */
  readonly counts: Readonly<MigrationCounts>;
  /** The table's item count as DynamoDB reported it when the run started (approximate: updated about every six hours on AWS). */
  readonly total: number | undefined;
  readonly segments: number;
  readonly segmentsDone: number;
}

/** What a run did. */
export interface MigrationRunResult {
  readonly migration: string;
  /** `completed`, or `incomplete`: items were left conflicting (see `conflicts`); run it again for another pass. */
  readonly status: 'completed' | 'incomplete';
  /** The record said completed already: nothing was read or written. */
  readonly alreadyCompleted: boolean;
  /** This run continued a pass from the places an earlier run recorded. */
  readonly resumed: boolean;
  /** This run's counts. */
  readonly run: Readonly<MigrationCounts>;
  /** The keys (as the model's key fields) of items left conflicting after `maxAttempts`. Not enumerable: logs never show them. */
  readonly conflicts: readonly Record<string, unknown>[];
}

/** Thrown inside a run to stop it (turned into MigrationStoppedError). */
class Stop extends Error {
  constructor(
    readonly reason: 'transform' | 'output' | 'request',
    readonly error: unknown,
  ) {
    super(reason);
  }
}

/** Stops the run because the lease is gone. */
class LeaseLost extends Error {}

function checkNumber(name: string, value: number | undefined, min: number, max: number, fallback: number, label: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ValidationError([{ path: [name], rule: name, message: `${name} must be an integer from ${min} to ${max}` }], label);
  }
  return value;
}

/** Runs `items` through `fn`, at most `limit` at once; the first failure stops new starts and is thrown. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/**
 * Runs a data migration to its end (or resumes it), and returns what it did. Only one runner runs a
 * migration at a time: the lease is a conditional write on its record, renewed while it runs.
 *
 * @throws MigrationLockedError another runner holds the lease; nothing was read or written.
 * @throws MigrationStoppedError the transform threw or returned an item that was refused, or a request
 *   failed: items written so far are migrated and marked, the record is `stopped` with each segment's
 *   place; run again to resume.
 * @throws MigrationLeaseLostError this runner's lease was taken over; it stopped (as above).
 * @throws ValidationError bad options, before anything is sent.
 */
export async function runMigration<M extends AnyModel>(db: Database, migration: Migration<M>, options: RunMigrationOptions = {}): Promise<MigrationRunResult> {
  const label = 'runMigration';
  if (!isMigration(migration)) throw new ValidationError([{ path: [], rule: 'migration', message: 'expected a migration made with defineMigration()' }], label);
  const segmentsWanted = checkNumber('segments', options.segments, 1, 1000, 4, label);
  const pageSize = checkNumber('pageSize', options.pageSize, 1, 1000, 100, label);
  const concurrency = checkNumber('concurrency', options.concurrency, 1, 100, 8, label);
  const leaseMs = checkNumber('leaseMs', options.leaseMs, 1000, 24 * 3_600_000, 60_000, label);
  const maxAttempts = checkNumber('maxAttempts', options.maxAttempts, 1, 100, 5, label);
  const id = migration.id;
  const records = new MigrationRecords(db, options.table);
  const owner = randomUUID();
  const now = () => records.now();

  // The lease (and the record, the first time; the table too).
  let before: AttributeMap | undefined;
  try {
    before = await acquireCreatingTable(db, records, id, migration.model.name, owner, now(), now() + leaseMs, segmentsWanted);
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const record = await records.read(id);
    if (record?.status === 'completed') {
      return { migration: id, status: 'completed', alreadyCompleted: true, resumed: false, run: zeroCounts(), conflicts: [] };
    }
    throw new MigrationLockedError(id, Math.max(0, (record?.leaseUntil ?? 0) - now()));
  }
  const previous = before?.status?.S as MigrationStatus | undefined;
  let resumed = previous !== undefined;
  if (previous === 'incomplete') {
    await records.newPass(id, owner, segmentsWanted, Number(before?.pass?.N ?? '1') + 1);
    resumed = false;
  }
  const record = await records.read(id);
  const segments = record?.segments ?? segmentsWanted;
  const positions = positionsOf(record?.cursors, segments);
  const totals = zeroCounts();
  for (const c of COUNTERS) totals[c] = record?.[c] ?? 0;
  const run = zeroCounts();
  const conflicts: Record<string, unknown>[] = [];
  const total = (await tables(db).describe(db.tableName(migration.model)).catch(() => undefined))?.ItemCount;

  let stopping = false;
  let lost = false;
  // Renewal between pages (a page's save renews too): a slow page must not lose the lease.
  const timer = setInterval(() => {
    records.renew(id, owner, now() + leaseMs).catch((error: unknown) => {
      if (isConditionFailure(error)) lost = stopping = true;
    });
  }, Math.max(250, Math.floor(leaseMs / 3)));
  timer.unref?.();

  const target = db.model(migration.model) as unknown as ModelTarget;
  const worker = new ItemMigrator(db, migration, target, maxAttempts);
  const segmentsDone = () => positions.filter((p) => p === 'done').length;

  const runSegment = async (s: number): Promise<void> => {
    const context = operationContext(db, 'scan', migration.model);
    while (positions[s] !== 'done' && !stopping) {
      const position = positions[s] as Position;
      const input: Record<string, unknown> = { TableName: context.table, Limit: pageSize };
      if (segments > 1) Object.assign(input, { Segment: s, TotalSegments: segments });
      if (position !== 'start') input.ExclusiveStartKey = position;
      let output: { Items?: AttributeMap[]; LastEvaluatedKey?: AttributeMap };
      try {
        output = await db.send(ScanCommand, { operation: 'Scan', input, model: migration.model.name, context });
      } catch (error) {
        throw new Stop('request', error);
      }
      const raws = (output.Items ?? []).filter((raw) => isOwnItem(target.meta, raw));
      const delta = zeroCounts();
      delta.scanned = raws.length;
      const items = await worker.decodePage(context, raws);
      await pool(
        raws.map((raw, i) => ({ raw, item: items[i] })),
        concurrency,
        async ({ raw, item }) => {
          if (stopping) throw new Stop('request', new Error('stopping'));
          await worker.migrate(raw, item, delta, conflicts);
        },
      );
      const next: Position = output.LastEvaluatedKey ?? 'done';
      try {
        await records.saveProgress(id, owner, s, encodePosition(next), delta, now() + leaseMs);
      } catch (error) {
        if (isConditionFailure(error)) throw new LeaseLost();
        throw new Stop('request', error);
      }
      positions[s] = next;
      for (const c of COUNTERS) {
        run[c] += delta[c];
        totals[c] += delta[c];
      }
      options.onProgress?.({ migration: id, counts: { ...totals }, total, segments, segmentsDone: segmentsDone() });
    }
  };

  let failure: unknown;
  try {
    const results = await Promise.allSettled(
      Array.from({ length: segments }, (_, s) =>
        runSegment(s).catch((error: unknown) => {
          stopping = true;
          throw error;
        }),
      ),
    );
    // The first real failure says why (the others only saw `stopping`).
    failure = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])).find((e) => !(e instanceof Stop && (e.error as Error)?.message === 'stopping'));
    if (!failure && lost) failure = new LeaseLost();
  } finally {
    clearInterval(timer);
  }
  if (failure instanceof LeaseLost) throw new MigrationLeaseLostError(id);
  if (failure) {
    const stop = failure instanceof Stop ? failure : new Stop('request', failure);
    const cause = stop.error as DynamORMError | undefined;
    await records.finish(id, owner, 'stopped', now(), `${stop.reason}: ${cause?.name ?? 'Error'}${cause?.code ? ` ${cause.code}` : ''}`).catch(() => undefined);
    throw new MigrationStoppedError(id, stop.reason, stop.error);
  }
  const after = await records.read(id);
  const status = (after?.conflicted ?? totals.conflicted) > 0 ? 'incomplete' : 'completed';
  try {
    await records.finish(id, owner, status, now());
  } catch (error) {
    if (isConditionFailure(error)) throw new MigrationLeaseLostError(id, error);
    throw error;
  }
  return conceal({ migration: id, status, alreadyCompleted: false, resumed, run, conflicts }, ['conflicts']);
}

/** Takes the lease; creates the migrations table first when it does not exist. */
async function acquireCreatingTable(db: Database, records: MigrationRecords, ...args: Parameters<MigrationRecords['acquire']>): Promise<AttributeMap | undefined> {
  try {
    return await records.acquire(...args);
  } catch (error) {
    if ((error as { awsCode?: string }).awsCode !== 'ResourceNotFoundException') throw error;
    await tables(db).create(records.model, { ifNotExists: true });
    return await records.acquire(...args);
  }
}

/** Whether a failed write found the item changed (its condition, or a companion's, did not hold). */
const isConflict = (error: unknown) => error instanceof ConditionalCheckFailedError;

/** Transforms and writes the items of one migration. */
class ItemMigrator<M extends AnyModel> {
  private readonly known: readonly string[];
  private readonly keyAttributes: readonly string[];

  constructor(
    private readonly db: Database,
    private readonly migration: Migration<M>,
    private readonly target: ModelTarget,
    private readonly maxAttempts: number,
  ) {
    const meta = target.meta;
    // What a writer through DynamORM can add to an item: the model's attributes, the token, the entity, the mark.
    this.known = [...meta.fields.map((f) => f.stored), ...meta.templates.map((t) => t.stored), meta.writeToken, meta.entity?.attribute, MARK_ATTRIBUTE].filter((x): x is string => x !== undefined);
    this.keyAttributes = [meta.partitionKey.stored, meta.sortKey?.stored].filter((x): x is string => x !== undefined);
  }

  /** Decodes a page through the one decoder; items that do not decode get the fields that do. */
  async decodePage(context: OperationContext, raws: readonly AttributeMap[]): Promise<MigrationItem<M>[]> {
    try {
      return (await decodeItems(context, this.target, raws)) as MigrationItem<M>[];
    } catch {
      return Promise.all(raws.map((raw) => this.decodeOne(context, raw)));
    }
  }

  private async decodeOne(context: OperationContext, raw: AttributeMap): Promise<MigrationItem<M>> {
    try {
      return (await decodeItems(context, this.target, [raw]))[0] as MigrationItem<M>;
    } catch {
      // A stored value that no longer fits its field (a type the migration changes): left out, the
      // transform reads it in `raw`. (The failed attempt prepared the page for scoped codecs.)
      const out: Record<string, unknown> = {};
      for (const field of this.target.meta.fields) {
        const av = raw[field.stored];
        if (av === undefined) continue;
        try {
          out[field.name] = field.codec.decode(av, [field.name]);
        } catch {
          // left out
        }
      }
      return out as MigrationItem<M>;
    }
  }

  /** One item: transformed and written, re-read and retried on conflicts, or reported. */
  async migrate(raw: AttributeMap, decoded: MigrationItem<M> | undefined, delta: MigrationCounts, conflicts: Record<string, unknown>[]): Promise<void> {
    const id = this.migration.id;
    let current: AttributeMap | undefined = raw;
    let item = decoded;
    const context = operationContext(this.db, 'get', this.migration.model);
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (current[MARK_ATTRIBUTE]?.S === id) {
        delta.alreadyDone++;
        return;
      }
      item ??= await this.decodeOne(context, current);
      let output: MigrationOutput<M>;
      try {
        output = await this.migration.transform(item, { raw: current, migration: id });
      } catch (error) {
        throw new Stop('transform', error);
      }
      if (output === undefined) {
        delta.skipped++;
        return;
      }
      let inDoubt = false;
      try {
        const written = await this.write(current, item, output);
        if (!written) break; // too many attributes to check: reported
        if (output === 'delete') delta.deleted++;
        else delta.migrated++;
        return;
      } catch (error) {
        if (error instanceof Stop) throw error;
        if (error instanceof WriteInDoubtError) inDoubt = true;
        else if (!isConflict(error)) throw new Stop('request', error);
      }
      // Changed since it was read (or the write's outcome is unknown): read it again, unless no attempt is left.
      if (!inDoubt && attempt === this.maxAttempts) break;
      try {
        current = await fetchItem(this.target, context, getItemInput(context.table as string, keyOnly(this.target.meta, current), true));
      } catch (error) {
        throw new Stop('request', error);
      }
      if (!current || !isOwnItem(this.target.meta, current)) {
        // Deleted meanwhile (by another writer, or by this write): nothing left to migrate.
        if (inDoubt && output === 'delete') delta.deleted++;
        else delta.skipped++;
        return;
      }
      if (inDoubt && current[MARK_ATTRIBUTE]?.S === id) {
        delta.migrated++;
        return;
      }
      if (!inDoubt) delta.retried++;
      item = undefined;
    }
    delta.conflicted++;
    const last = (item ?? (await this.decodeOne(context, current))) as Record<string, unknown>;
    conflicts.push(Object.fromEntries(this.target.meta.keyInputFields.map((f) => [f.name, last[f.name]])));
  }

  /**
   * Writes the transform's output through the one write path (extensions apply: encryption, unique
   * values, audit records), with the mark and the condition that the item is unchanged since read:
   * its version for a versioned model, every attribute otherwise. `false`: the item has too many
   * attributes for one condition, nothing was sent.
   */
  private async write(current: AttributeMap, item: MigrationItem<M>, output: Exclude<MigrationOutput<M>, undefined>): Promise<boolean> {
    const meta = this.target.meta;
    const versionAv = meta.version ? current[meta.version.stored] : undefined;
    const version = versionAv?.N !== undefined ? Number(versionAv.N) : undefined;
    let condition = undefined as ReturnType<typeof unchangedCondition>;
    if (!meta.version) {
      condition = unchangedCondition(current, this.known);
      if (!condition) return false;
    } else if (version === undefined) {
      return false; // a versioned model's item without a version cannot be checked by version
    }
    const options: WriteRequest['options'] = version !== undefined ? { expectedVersion: version } : {};
    const kind = output === 'delete' ? 'delete' : 'put';
    const context = operationContext(this.db, kind, this.migration.model);
    const request: WriteRequest =
      output === 'delete'
        ? { kind, input: undefined, key: item as Record<string, unknown>, options }
        : { kind, input: withoutVersion(output as Record<string, unknown>, meta.version?.name), key: undefined, options };
    let unit;
    try {
      unit = await planWrite(this.target, context, request);
    } catch (error) {
      throw new Stop('output', error);
    }
    const primary = unit.primary;
    const written = (primary.input.Item ?? primary.input.Key) as AttributeMap;
    if (!sameKey(written, current, this.keyAttributes)) {
      throw new Stop('output', new ValidationError([{ path: [], rule: 'key-change', message: 'a migration must not change the key of an item' }], `migration ${this.migration.id}`));
    }
    let input: Record<string, unknown> = primary.input;
    if (kind === 'put') input = Object.assign({}, input, { Item: Object.assign({}, input.Item, { [MARK_ATTRIBUTE]: { S: this.migration.id } }) });
    if (condition) input = withCondition(input, condition);
    const marked = Object.assign({}, primary, { input, ...(kind === 'put' ? { item: input.Item as AttributeMap } : {}) });
    await sendWrite(Object.assign({}, unit, { primary: marked }));
    return true;
  }
}

function withoutVersion(input: Record<string, unknown>, versionField: string | undefined): Record<string, unknown> {
  if (!versionField || !Object.hasOwn(input, versionField)) return input;
  const { [versionField]: _dropped, ...rest } = input;
  return rest;
}
