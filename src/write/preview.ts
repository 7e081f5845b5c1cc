/**
 * Requests without sending: the exact DynamoDB request a write would send, built by the same write
 * path (extensions and their companion actions included), for logs, reviews and tests. Nothing is
 * written. A model whose extensions need the stored item to plan (an audit before-image, a unique
 * value being moved) still reads it, strongly consistent, and their `prepare` hooks run.
 *
 * ```ts
 * const { operation, input } = await preview(db.model(Payment)).create({ id: 'p1', amount: 1250 });
 * ```
 */
import { operationContext } from '../client/context.js';
import { checkItem, checkOptions } from '../handles/arguments.js';
import type { ModelClient, CreateOptions, DeleteOptions, KeyOrItem, PutOptions, UpdateOptions } from '../handles/model-client.js';
import type { AnyModel } from '../model/model.js';
import type { CreateInput, UpdatePatch } from '../model/types.js';
import { transactInput } from './transact.js';
import { planWrite, singleInput, type WriteRequest } from './unit.js';

/** A request as DynamoDB would receive it. */
export interface RequestPreview {
  /** `PutItem`, `UpdateItem`, `DeleteItem`, or `TransactWriteItems` when extensions add companion actions. */
  readonly operation: 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'TransactWriteItems';
  readonly input: Record<string, unknown>;
}

/** The writes of one model, previewed. Each validates exactly as the write would, and sends nothing. */
export interface WritePreview<M extends AnyModel> {
  create(input: CreateInput<M>, options?: CreateOptions<M>): Promise<RequestPreview>;
  put(input: CreateInput<M> & { version?: number }, options?: PutOptions<M>): Promise<RequestPreview>;
  update(key: KeyOrItem<M>, patch: UpdatePatch<M>, options?: UpdateOptions<M>): Promise<RequestPreview>;
  delete(key: KeyOrItem<M>, options?: DeleteOptions<M>): Promise<RequestPreview>;
}

/**
 * Previews the writes of a model handle: `preview(db.model(M)).update(key, patch)` resolves to the
 * request `db.model(M).update(key, patch)` would send. A write with companion actions previews as its
 * TransactWriteItems (its ClientRequestToken is a placeholder: each real send makes its own). The write
 * token stored with the item (`_wt`, see the model's `writeToken`) is new for every call, so the real
 * write carries another one.
 */
export function preview<M extends AnyModel>(handle: ModelClient<M>): WritePreview<M> {
  const run = async (write: WriteRequest, returnValues?: 'ALL_NEW' | 'ALL_OLD'): Promise<RequestPreview> => {
    const unit = await planWrite(handle, operationContext(handle.executor, write.kind, handle.model), write);
    if (unit.companions.length === 0) return { operation: unit.primary.operation as RequestPreview['operation'], input: singleInput(unit.primary, returnValues) };
    const actions = [unit.primary, ...unit.companions].map((plan) => ({ plan, target: undefined }));
    return { operation: 'TransactWriteItems', input: transactInput(actions, 'preview') };
  };
  const options = (o: object | undefined, kind: string) => {
    checkOptions(o, `${handle.meta.name}.${kind}`);
    return (o ?? {}) as WriteRequest['options'];
  };
  return {
    create: async (input, o) => {
      checkItem(input, `${handle.meta.name}.create`);
      return run({ kind: 'create', input: input as Record<string, unknown>, key: undefined, options: options(o, 'create') });
    },
    put: async (input, o) => {
      checkItem(input, `${handle.meta.name}.put`);
      return run({ kind: 'put', input: input as Record<string, unknown>, key: undefined, options: options(o, 'put') });
    },
    update: async (key, patch, o) =>
      run({ kind: 'update', input: patch as Record<string, unknown>, key: key as Record<string, unknown>, options: options(o, 'update') }, 'ALL_NEW'),
    delete: async (key, o) =>
      run({ kind: 'delete', input: undefined, key: key as Record<string, unknown>, options: options(o, 'delete') }, o?.returnOld ? 'ALL_OLD' : undefined),
  };
}
