/**
 * Extensions: features that plug into fixed points of every operation on the models that opt in
 * (unique values, idempotency, audit, field encryption, ephemeral fields, tenant scope). A feature
 * declares itself once (`{ name, forModel }`); its hooks are resolved once per model handle, and a
 * model no extension applies to gets `undefined`: its operations skip every hook and pay nothing.
 *
 * The fixed points, in the order an operation meets them:
 * - writes: `adjustWrite` (change the input) → `prepare` (async set-up, e.g. fetch a data key) →
 *   `wantsStoredItem` (read the stored item first) → the write is planned → `companions` (actions
 *   written atomically with it, in one TransactWriteItems);
 * - reads: `readConditions` (key conditions added to every query) and `checkRead` (refuse a read) →
 *   `prepare` → the request → `beforeDecode` (once per page of stored items) → decoding;
 * - batches: `batchWriteRefusal` says why the model cannot be batch-written.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import type { AnyModel } from '../model/model.js';
import type { AttributeMap } from '../model/item-codec.js';
import type { KeyConditionInput } from '../read/query-plan.js';
import type { PlanContext, WritePlan } from '../write/plans.js';
import type { WriteRequest, WriteTarget, WriteUnit } from '../write/unit.js';

/** A write before it is planned, as extensions see (and may replace) it. */
export interface WriteIntent {
  readonly kind: 'create' | 'put' | 'update' | 'delete' | 'check';
  /** create/put: the item; update: the patch; delete/check: `undefined`. */
  readonly input: Record<string, unknown> | undefined;
  /** update/delete/check: the key object as given; create/put: `undefined` (the key is in the item). */
  readonly key: Record<string, unknown> | undefined;
}

/** A read before it is planned, as extensions see it. */
export interface ReadIntent {
  /** The caller's key conditions (`where()`); empty for scans and gets. */
  readonly conditions: readonly KeyConditionInput[];
  /** The index named with `.index(alias)` (or scanned), if any. */
  readonly index: string | undefined;
}

/** The partition a read sends, once it is known (a query's after its index is chosen, a get's key). */
export interface ReadPartition {
  /** The alias of the index read, `undefined` for the table. */
  readonly index: string | undefined;
  /** The partition key value sent (of the index, for an index). */
  readonly value: AttributeValue;
}

/** A write being prepared: the write and the model handle it goes through (for reads of its own). */
export interface PreparingWrite {
  readonly intent: WriteIntent;
  readonly target: WriteTarget;
}

/** A planned write: what companions are built from. */
export interface PlannedWrite {
  readonly intent: WriteIntent;
  /** The primary action (its DynamoDB input, target and error explanation). */
  readonly primary: WritePlan;
  /** The stored item before the write (decoded), when a hook asked for it and it exists. */
  readonly stored: Record<string, unknown> | undefined;
}

/** What an extension does for one model. Every hook is optional. */
export interface ModelHooks {
  /** Returns the write to plan instead of `write` (stamp a tenant, drop ephemeral fields, ...). */
  adjustWrite?(context: OperationContext, write: WriteIntent): WriteIntent;
  /**
   * Asynchronous set-up before a write is planned or a page is decoded (fetch a data key, ...). For a
   * write, `write` gives the write (as adjusted) and the model handle to read through (an audit
   * trail's chain head, ...); for a page, it is `undefined`.
   */
  prepare?(context: OperationContext, write?: PreparingWrite): Promise<void>;
  /** Whether the write needs the stored item first (read strongly consistent before planning). */
  wantsStoredItem?(context: OperationContext, write: WriteIntent): boolean;
  /** Actions written atomically with the primary one (guard items, an audit record, ...). */
  companions?(context: OperationContext, write: PlannedWrite): readonly WritePlan[];
  /** Key conditions added to every query of the model (a tenant's partition, ...), given the caller's. */
  readConditions?(context: OperationContext, read: ReadIntent): readonly KeyConditionInput[];
  /** Throws to refuse a read (a scan across tenants, say). */
  checkRead?(context: OperationContext): void;
  /**
   * Throws to refuse reading a partition: runs with the partition key value every query (once its
   * index is chosen), get, batch get, transactional get and collection sends, before it is sent.
   */
  checkPartition?(context: OperationContext, partition: ReadPartition): void;
  /** Runs before a page of stored items is decoded: once per page, not once per item or field. */
  beforeDecode?(context: OperationContext, items: readonly AttributeMap[]): void | Promise<void>;
  /** Why items of this model cannot be batch-written (a batch cannot carry companion actions). */
  readonly batchWriteRefusal?: string;
}

/** A feature that plugs into the operations of the models it applies to. Make one with `defineExtension`. */
export interface Extension {
  /** The feature's name (in errors and docs). */
  readonly name: string;
  /** The hooks for `model`, or `undefined` when the feature does not apply to it. */
  forModel(model: AnyModel): ModelHooks | undefined;
  /** @internal The extension runtime (extensions/runtime.ts), carried by the extension so the core never imports it. */
  readonly runtime: ExtensionRuntime;
}

/** The hooks of every extension that applies to one model, in the order the extensions were given. */
export interface ResolvedHooks {
  readonly names: readonly string[];
  readonly all: readonly ModelHooks[];
  /** @internal */
  readonly runtime: ExtensionRuntime;
}

/** @internal What runs only for models with extensions (extensions/runtime.ts). */
export interface ExtensionRuntime {
  resolve(extensions: readonly Extension[], model: AnyModel): ResolvedHooks | undefined;
  plan(target: WriteTarget, context: OperationContext, ctx: PlanContext, write: WriteRequest): Promise<WriteUnit>;
  send(unit: WriteUnit, returnValues?: 'ALL_NEW' | 'ALL_OLD'): Promise<AttributeMap | undefined>;
  preparePage(context: OperationContext, hooks: ResolvedHooks, raws: readonly AttributeMap[]): Promise<void>;
  /** Runs `checkRead` and returns the key conditions the extensions add to a read. */
  read(context: OperationContext, hooks: ResolvedHooks, read: ReadIntent): readonly KeyConditionInput[];
  /** Runs `checkPartition`: throws when an extension refuses the partition a read is about to send. */
  partition(context: OperationContext, hooks: ResolvedHooks, partition: ReadPartition): void;
}
