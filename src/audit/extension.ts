/**
 * `audit()`: the audit-trail extension. For each write of a tracked model it reads the item's chain
 * head (`prepare`) and the item before the write (`wantsStoredItem`), then adds two companion
 * actions to the write's TransactWriteItems: the record (put only if its key is free) and the new
 * head (put only if the head is still the one read). Two writes racing on one item read the same
 * head, and only the first to commit can move it: the chain cannot fork, and the image before in a
 * record is the item the write changed.
 */
import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import { keyOnly } from '../client/chunks.js';
import type { Extension, ModelHooks, PlannedWrite, PreparingWrite, WriteIntent } from '../extensions/extension.js';
import { defineExtension } from '../extensions/runtime.js';
import { encodeKey } from '../model/item-codec.js';
import type { AnyModel, FieldMeta } from '../model/model.js';
import type { Item } from '../model/types.js';
import { currentScope } from '../scope.js';
import type { WritePlan } from '../write/plans.js';
import { AuditActorRequiredError, AuditConfigError, AuditConflictError } from './errors.js';
import { applyPatch, changedRedacted, checkPatch, imageOf, imageOfStored, type TrackedFields } from './images.js';
import { chainId, headItem, readHead, recordItem, type AuditOperation, type ChainHead } from './record.js';
import { auditTableModel, type AuditTableModel } from './table.js';

type AttributeMap = Record<string, AttributeValue>;

/** Options of one tracked model. */
export interface TrackOptions<F extends string> {
  /** The fields whose before and after values each record carries (keys are always recorded). */
  readonly fields: readonly F[];
  /** Allow writes when no actor is known (records then have none). Default `false`: such writes are refused. */
  readonly allowWithoutActor?: boolean;
}

/** A model and what of it is tracked. Make one with {@link tracked}. */
export interface TrackedModel<M extends AnyModel = AnyModel, F extends string = string> {
  readonly model: M;
  readonly options: TrackOptions<F>;
}

/**
 * Tracks a model: every create, put, update and delete of it writes an audit record holding the
 * before and after values of `fields`. Fields marked ephemeral cannot be tracked; encrypted fields
 * are recorded as changed, never with their values.
 */
export function tracked<M extends AnyModel, const F extends keyof Item<M> & string>(model: M, options: TrackOptions<F>): TrackedModel<M, F> {
  return { model, options };
}

/** Options of {@link audit}. */
export interface AuditOptions {
  /** The audit table's name (the database's table prefix is added). Default `audit`. */
  readonly table?: string;
  /** The models to track. */
  readonly models: readonly TrackedModel[];
}

/** An audit trail: the extension to give to the database (or to the models), and its table. */
export interface AuditLog extends Extension {
  /** The audit table's model: `tables(db).create([log.table])` creates it. */
  readonly table: AuditTableModel;
  /** @internal What is tracked, by model name. */
  readonly tracking: ReadonlyMap<string, TrackedSetup>;
}

/** @internal One tracked model, compiled. */
export interface TrackedSetup extends TrackedFields {
  readonly model: AnyModel;
  readonly allowWithoutActor: boolean;
}

/** What `prepare` learnt for one write, for `companions` (keyed by the write's own context). */
interface Pending {
  readonly chain: string | undefined;
  readonly head: ChainHead;
  readonly headExists: boolean;
  readonly table: string;
  readonly requestId: string | undefined;
  readonly sourceIp: string | undefined;
}

function isEphemeral(field: FieldMeta): boolean {
  const spec = field.spec as { ephemeral?: boolean; needs?: readonly string[] };
  return spec.ephemeral === true || (spec.needs?.includes('ephemeral') ?? false);
}

function isEncrypted(field: FieldMeta): boolean {
  return field.spec.needs?.includes('encryption') ?? false;
}

function compile(entry: TrackedModel): TrackedSetup {
  const meta = entry.model.compiled;
  const values: FieldMeta[] = [];
  const redacted: FieldMeta[] = [];
  for (const name of entry.options.fields) {
    const field = meta.byName.get(name);
    if (!field) throw new AuditConfigError(`audit: ${meta.name} has no field ${name}`);
    if (isEphemeral(field)) throw new AuditConfigError(`audit: ${meta.name}.${name} is ephemeral: it is never stored, so it cannot be audited`);
    if (field.spec.generated !== 'none') throw new AuditConfigError(`audit: ${meta.name}.${name} is set by DynamORM (${field.spec.generated}); records carry the time and version already`);
    (isEncrypted(field) ? redacted : values).push(field);
  }
  return { model: entry.model, meta, values, redacted, allowWithoutActor: entry.options.allowWithoutActor === true };
}

const OPERATIONS = new Set<string>(['create', 'put', 'update', 'delete']);

/**
 * The audit trail extension. Give it to `Database.create({ extensions: [log] })`, and create its
 * table with the models' (`tables(db).create([Payment, log.table])`).
 *
 * ```ts
 * const log = audit({ table: 'audit', models: [tracked(Payment, { fields: ['amount', 'status'] })] });
 * ```
 */
export function audit(options: AuditOptions): AuditLog {
  const table = auditTableModel(options.table ?? 'audit');
  const tracking = new Map<string, TrackedSetup>();
  for (const entry of options.models) {
    const setup = compile(entry);
    if (tracking.has(setup.meta.name)) throw new AuditConfigError(`audit: ${setup.meta.name} is tracked twice`);
    tracking.set(setup.meta.name, setup);
  }
  const extension = defineExtension({
    name: 'audit',
    forModel(model) {
      const setup = tracking.get(model.name);
      return setup && setup.model === model ? hooksFor(setup, table, log) : undefined;
    },
  });
  const log: AuditLog = Object.assign(extension, { table, tracking });
  return log;
}

/** The marker on the hooks of an audited model: which log audits it (for verify and queries). */
export const AUDIT_LOG = Symbol('dynamorm.audit');

function hooksFor(setup: TrackedSetup, table: AuditTableModel, log: AuditLog): ModelHooks {
  const pending = new WeakMap<OperationContext, Pending>();
  const meta = setup.meta;
  const hooks: ModelHooks & { [AUDIT_LOG]: AuditLog } = {
    [AUDIT_LOG]: log,
    batchWriteRefusal: 'its writes are audited, and an audit record is written in the same transaction (use put() or transaction())',
    adjustWrite(context, write) {
      // Refused first, before any other extension prepares or anything is sent.
      if (OPERATIONS.has(write.kind) && context.actor === undefined && !setup.allowWithoutActor) throw new AuditActorRequiredError(meta.name, write.kind);
      if (write.kind === 'update') checkPatch(setup, write.input);
      return write;
    },
    async prepare(context, write) {
      if (!write || !OPERATIONS.has(write.intent.kind)) return;
      const executor = write.target.executor;
      const tableName = executor.tableName(table);
      const chain = chainOfIntent(write);
      const scope = currentScope();
      let stored: AttributeMap | undefined;
      if (chain) {
        const output = await executor.send<{ Item?: AttributeMap }>(GetItemCommand, {
          operation: 'GetItem',
          input: { TableName: tableName, Key: { chain: { S: chain }, seq: { N: '0' } }, ConsistentRead: true },
          model: table.name,
          context,
        });
        stored = output.Item;
      }
      pending.set(context, { chain, head: readHead(stored), headExists: stored !== undefined, table: tableName, requestId: scope?.requestId, sourceIp: scope?.sourceIp });
    },
    wantsStoredItem: (_context, write) => write.kind === 'update' || write.kind === 'put' || write.kind === 'delete',
    companions(context, write) {
      if (!OPERATIONS.has(write.intent.kind)) return [];
      const state = pending.get(context);
      if (!state) throw new AuditConfigError(`audit: ${meta.name} write was planned without its audit preparation`);
      return companionsOf(setup, context, write, state);
    },
  };
  return hooks;
}

/** The chain a write goes to, when its key is known before planning (a defaulted id is not). */
function chainOfIntent(write: PreparingWrite): string | undefined {
  const meta = write.target.meta;
  const source = write.intent.key ?? write.intent.input;
  if (!source) return undefined;
  try {
    return chainId(meta.name, encodeKey(meta, source, `${meta.name}.${write.intent.kind}`).key);
  } catch {
    return undefined; // a key filled by a default: a new item, so a new chain (the head put checks it)
  }
}

function conflict(model: string): (stored: Record<string, unknown> | undefined) => Error {
  return () => new AuditConflictError(model);
}

/** The condition that the chain's head is still the one read. */
function headCondition(state: Pending, head: ChainHead): Record<string, unknown> {
  return state.headExists
    ? { ConditionExpression: '#h = :h', ExpressionAttributeNames: { '#h': 'head' }, ExpressionAttributeValues: { ':h': { N: String(head.seq) } } }
    : { ConditionExpression: 'attribute_not_exists(#c)', ExpressionAttributeNames: { '#c': 'chain' } };
}

function companionsOf(setup: TrackedSetup, context: OperationContext, write: PlannedWrite, state: Pending): WritePlan[] {
  const meta = setup.meta;
  const { intent, primary, stored } = write;
  const op = intent.kind as AuditOperation;
  const key = (primary.input.Key as AttributeMap | undefined) ?? keyOnly(meta, primary.item as AttributeMap);
  const chain = chainId(meta.name, key);
  // A write whose key was not known before planning (a defaulted id) starts a chain: the head put,
  // conditioned on no head, proves it.
  const head = chain === state.chain ? state.head : readHead(undefined);
  const headState = chain === state.chain ? state : Object.assign({}, state, { headExists: false });
  const target = { model: 'AuditRecord', key: { model: meta.name } };
  const explain = conflict(meta.name);
  if (op === 'delete' && !stored) {
    // Deleting nothing changes nothing, so no record; the check still fails if the item's chain moved
    // meanwhile (a create that this delete would then remove unaudited).
    return [{ operation: 'ConditionCheck', input: { TableName: state.table, Key: { chain: { S: chain }, seq: { N: '0' } }, ...headCondition(headState, head) }, target, explain }];
  }
  const afterDecoded = afterOf(setup, intent, stored);
  const before = imageOf(setup, stored);
  const after = op === 'delete' ? undefined : op === 'update' ? imageOf(setup, afterDecoded) : imageOfStored(setup, primary.item as AttributeMap);
  const version = versionAfter(setup, op, stored);
  const seq = head.seq + 1;
  const record = recordItem({
    chain,
    seq,
    prev: head.hash,
    model: meta.name,
    key,
    op,
    at: context.now,
    actor: context.actor,
    requestId: state.requestId,
    sourceIp: state.sourceIp,
    tenant: context.tenant,
    before,
    after,
    changed: changedRedacted(setup, stored, afterDecoded),
    version,
  });
  const hash = record.hash?.S as string;
  return [
    {
      operation: 'PutItem',
      input: { TableName: state.table, Item: record, ConditionExpression: 'attribute_not_exists(#c)', ExpressionAttributeNames: { '#c': 'chain' } },
      target,
      explain,
    },
    {
      operation: 'PutItem',
      input: { TableName: state.table, Item: headItem(chain, meta.name, key, seq, hash, context.now), ...headCondition(headState, head) },
      target,
      explain,
    },
  ];
}

/** The decoded tracked values after the write (redacted ones included, to compare them). */
function afterOf(setup: TrackedSetup, intent: WriteIntent, stored: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (intent.kind === 'delete') return undefined;
  if (intent.kind === 'update') return applyPatch(setup, stored, intent.input ?? {});
  return intent.input;
}

function versionAfter(setup: TrackedSetup, op: AuditOperation, stored: Record<string, unknown> | undefined): number | undefined {
  const field = setup.meta.version;
  if (!field) return undefined;
  const current = stored?.[field.name] as number | undefined;
  if (op === 'delete') return current;
  if (op === 'create') return 1;
  return (current ?? 0) + 1;
}
