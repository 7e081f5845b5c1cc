/**
 * Transactional reads: `transactGet(db, [...])` reads up to 100 items in one consistent snapshot.
 */
import { TransactGetItemsCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { operationContext } from '../client/context.js';
import type { Executor } from '../client/executor.js';
import { DynamoDBError, TransactionCanceledError, ValidationError } from '../errors.js';
import { badArgument, checkArray, checkModel } from '../handles/arguments.js';
import type { KeyOrItem } from '../handles/model-client.js';
import { describe } from '../marshal/codec.js';
import { encodeKey, type AttributeMap } from '../model/item-codec.js';
import type { AnyModel } from '../model/model.js';
import type { Item } from '../model/types.js';
import { MAX_TRANSACTION_ACTIONS } from '../write/transact.js';
import { decodeOne } from './decode.js';
import { getItemInput } from './get.js';
import { isOwnItem } from './projection.js';

/** One item to read in `db.transactGet([...])`. */
export interface TransactGetRequest<M extends AnyModel = AnyModel> {
  readonly model: M;
  readonly key: KeyOrItem<M>;
}

/** An item read for `db.transactGet([...])`. */
export function txGet<M extends AnyModel>(model: M, key: KeyOrItem<M>): TransactGetRequest<M> {
  return { model, key };
}

/** Items of a transactional read, in request order (`undefined` where none exists). */
export type TransactGetResult<R extends readonly TransactGetRequest[]> = {
  -readonly [I in keyof R]: R[I] extends TransactGetRequest<infer M> ? Item<M> | undefined : never;
};

/** Reads up to 100 items (`txGet(Model, key)`) in one consistent snapshot; a typed tuple comes back. */
export async function transactGet<const R extends readonly TransactGetRequest[]>(db: Executor, requests: R): Promise<TransactGetResult<R>> {
  const context = operationContext(db, 'transactGet');
  checkArray(requests, 'the requests (txGet(Model, key) each)', 'transactGet');
  requests.forEach((request: unknown, index) => {
    const label = `transactGet request #${index}`;
    if (typeof request !== 'object' || request === null) badArgument(label, `expected txGet(Model, key), got ${describe(request)}`);
    const { model } = request as Partial<TransactGetRequest>;
    checkModel(model, label);
    // The handle checks the table name the database will use (its prefix included).
    db.target(model);
  });
  if (requests.length === 0 || requests.length > MAX_TRANSACTION_ACTIONS) {
    throw new ValidationError([{ path: [], rule: 'transaction-size', message: `transactGet takes 1 to ${MAX_TRANSACTION_ACTIONS} items` }], 'transactGet');
  }
  const items = requests.map((r) => {
    const { key } = encodeKey(r.model.compiled, r.key as Record<string, unknown>, `${r.model.name}.transactGet`);
    // Extensions may refuse a key's partition (another tenant's) before anything is sent.
    const hooks = db.target(r.model).hooks;
    if (hooks) hooks.runtime.partition(context, hooks, { index: undefined, value: key[r.model.compiled.partitionKey.stored] as AttributeValue });
    return { Get: getItemInput(db.tableName(r.model), key, false) };
  });
  try {
    const output = await db.send<{ Responses?: { Item?: AttributeMap }[] }>(TransactGetItemsCommand, {
      operation: 'TransactGetItems',
      input: { TransactItems: items },
      context,
    });
    // Another model's item under a key (a shared table) is not an item of this model: undefined.
    const own = (r: TransactGetRequest, raw: AttributeMap | undefined) => (raw && isOwnItem(r.model.compiled, raw) ? raw : undefined);
    return (await Promise.all(requests.map((r, i) => decodeOne(context, db.target(r.model), own(r, output.Responses?.[i]?.Item))))) as TransactGetResult<R>;
  } catch (error) {
    if (error instanceof DynamoDBError && error.awsCode === 'TransactionCanceledException') {
      const reasons = requests.map((r, index) => {
        const code = (error.cause as { CancellationReasons?: { Code?: string }[] }).CancellationReasons?.[index]?.Code ?? 'Unknown';
        return {
          index,
          model: r.model.name,
          key: encodeKey(r.model.compiled, r.key as Record<string, unknown>, 'transactGet').fields,
          awsCode: code,
          error: code === 'None' ? undefined : new DynamoDBError(code, `transactGet item #${index}`),
          item: undefined,
        };
      });
      throw new TransactionCanceledError(reasons, error.cause);
    }
    throw error;
  }
}
