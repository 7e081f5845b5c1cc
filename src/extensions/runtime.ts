/**
 * The extension runtime: what runs only for models that extensions apply to. It is reached through
 * the extensions themselves (`defineExtension` attaches it), so the core never imports it and a
 * program without extensions carries none of it: resolving hooks, planning a write with them
 * (adjust, prepare, read the stored item, add companions), sending a unit with companions as one
 * transaction, and preparing a page before it is decoded.
 */
import { randomUUID } from 'node:crypto';
import type { OperationContext } from '../client/context.js';
import { TransactionCanceledError } from '../errors.js';
import { encodeKey, type AttributeMap } from '../model/item-codec.js';
import type { AnyModel } from '../model/model.js';
import { decodeOne } from '../read/decode.js';
import { fetchItem, getItemInput } from '../read/get.js';
import type { KeyConditionInput } from '../read/query-plan.js';
import type { PlanContext, WritePlan } from '../write/plans.js';
import { sendTransaction } from '../write/transact.js';
import { planPrimary, readStoredItem, settle, type WriteRequest, type WriteTarget, type WriteUnit } from '../write/unit.js';
import type { Extension, ExtensionRuntime, ModelHooks, ReadIntent, ReadPartition, ResolvedHooks, WriteIntent } from './extension.js';

/** Resolves `extensions` for `model`; `undefined` when none applies (the model pays nothing). */
function resolve(extensions: readonly Extension[], model: AnyModel): ResolvedHooks | undefined {
  const names: string[] = [];
  const all: ModelHooks[] = [];
  for (const extension of extensions) {
    const hooks = extension.forModel(model);
    if (!hooks) continue;
    names.push(extension.name);
    all.push(hooks);
  }
  return all.length > 0 ? { names, all, runtime } : undefined;
}

async function plan(target: WriteTarget, context: OperationContext, ctx: PlanContext, write: WriteRequest): Promise<WriteUnit> {
  const hooks = target.hooks as ResolvedHooks;
  let intent: WriteIntent = write;
  for (const h of hooks.all) if (h.adjustWrite) intent = h.adjustWrite(context, intent);
  for (const h of hooks.all) if (h.prepare) await h.prepare(context, { intent, target });
  let storedRaw: AttributeMap | undefined;
  if (hooks.all.some((h) => h.wantsStoredItem?.(context, intent))) {
    storedRaw = await readStored(target, context, (intent.key ?? intent.input) as Record<string, unknown>);
  }
  const primary = planPrimary(ctx, Object.assign({}, write, { kind: intent.kind, input: intent.input, key: intent.key }));
  const stored = await decodeOne(context, target, storedRaw);
  const companions: WritePlan[] = [];
  for (const h of hooks.all) if (h.companions) companions.push(...h.companions(context, { intent, primary, stored }));
  return { context, target, primary, companions, storedRaw, token: ctx.token };
}

/** Reads the stored item of a key, strongly consistent (a write's before-image). */
function readStored(target: WriteTarget, context: OperationContext, keySource: Record<string, unknown>): Promise<AttributeMap | undefined> {
  const { key } = encodeKey(target.meta, keySource, `${target.meta.name}.${context.kind}`);
  return fetchItem(target, context, getItemInput(context.table as string, key, true));
}


/** Sends a unit with companion actions: one all-or-nothing TransactWriteItems. */
async function send(unit: WriteUnit, returnValues?: 'ALL_NEW' | 'ALL_OLD'): Promise<AttributeMap | undefined> {
  const { primary, context, target } = unit;
  // Several actions: one all-or-nothing transaction. TransactWriteItems returns no item, so the item
  // before is the one read for the extensions (or read now), and the item after is read back.
  const before = returnValues === 'ALL_OLD' ? (unit.storedRaw ?? (await readStoredItem(unit))) : undefined;
  const actions = [primary, ...unit.companions].map((plan, i) => ({ plan, target: i === 0 ? target : undefined }));
  try {
    await sendTransaction(target.executor, context, actions, randomUUID());
  } catch (error) {
    // A single write's own condition (or a companion's, such as a unique value) failed: raise that
    // action's typed error, as if the write had been sent alone.
    if (error instanceof TransactionCanceledError) {
      const failed = error.failures;
      // Several failed conditions come from one race (a stale version and the audit chain head it moved):
      // the first (the primary's, if it failed) says why; nothing was written either way.
      if (failed.length > 0 && failed.every((f) => f.awsCode === 'ConditionalCheckFailed' && f.error)) throw failed[0]?.error;
      throw error;
    }
    // The client request token makes the SDK's retries safe; a transport failure at the end is settled
    // by the primary item's write token (or raised in doubt).
    await settle(unit, error, returnValues);
  }
  if (returnValues === 'ALL_OLD') return before;
  return returnValues === 'ALL_NEW' ? readStoredItem(unit) : undefined;
}

/** Runs the `prepare` and `beforeDecode` hooks for one page of stored items. */
async function preparePage(context: OperationContext, hooks: ResolvedHooks, raws: readonly AttributeMap[]): Promise<void> {
  for (const h of hooks.all) {
    if (h.prepare) await h.prepare(context);
    if (h.beforeDecode) await h.beforeDecode(context, raws);
  }
}

/** Lets the extensions refuse a read, and returns the key conditions they add (a tenant's partition, ...). */
function read(context: OperationContext, hooks: ResolvedHooks, intent: ReadIntent): readonly KeyConditionInput[] {
  let out: readonly KeyConditionInput[] = [];
  for (const h of hooks.all) {
    h.checkRead?.(context);
    if (h.readConditions) out = [...out, ...h.readConditions(context, intent)];
  }
  return out;
}

/** Lets the extensions refuse the partition a read is about to send. */
function partition(context: OperationContext, hooks: ResolvedHooks, value: ReadPartition): void {
  for (const h of hooks.all) h.checkPartition?.(context, value);
}

const runtime: ExtensionRuntime = { resolve, plan, send, preparePage, read, partition };

/**
 * Declares an extension: a name, and for each model the hooks that apply (or `undefined`). Give it to
 * `Database.create({ extensions: [...] })` or to a model's `extensions`.
 *
 * ```ts
 * const stampTenant = defineExtension({ name: 'tenant', forModel: (m) => (m.attributes.tenantId ? hooks : undefined) });
 * ```
 */
export function defineExtension(spec: { readonly name: string; forModel(model: AnyModel): ModelHooks | undefined }): Extension {
  return { name: spec.name, forModel: (model) => spec.forModel(model), runtime };
}

export type { WritePlan, WriteIntent };
