/**
 * The model handle of a {@link DynamORM} database: the item operations and queries plus batches and
 * scans of one model. Kept apart from ModelClient so a bundle that never batches or scans does not
 * carry their code.
 */
import type { AnyModel } from '../model/model.js';
import type { CreateInput, Item, KeyInput } from '../model/types.js';
import { batchGet, getKeys } from '../read/batch-get.js';
import { scan, type ScanBuilder } from '../read/scan.js';
import { batchWrite, deleteKeys, putItems } from '../write/batch-write.js';
import { ModelClient, type KeyOrItem } from './model-client.js';

/** Typed operations on one model's items, batches and scans included. Get one with `db.model(Model)` on a DynamORM. */
export class FullModelClient<M extends AnyModel> extends ModelClient<M> {
  /** Scans the whole table (or an index): reads, and pays for, every item. */
  scan(): ScanBuilder<M> {
    return scan(this.executor, this.model);
  }

  /** Reads many items of this model (see `batchGet`). */
  async batchGet(keys: readonly KeyOrItem<M>[], options: { consistent?: boolean } = {}): Promise<{ items: Item<M>[]; missing: KeyInput<M>[] }> {
    const result = await batchGet(this.executor, [getKeys(this.model, keys, options)] as const);
    return { items: result.items[0], missing: result.missing[0] };
  }

  /** Puts many items of this model (unversioned models only; see `batchWrite`). */
  batchPut(items: readonly CreateInput<M>[]): Promise<{ written: number }> {
    return batchWrite(this.executor, [putItems(this.model, items)]);
  }

  /** Deletes many items of this model (unversioned models only; see `batchWrite`). */
  batchDelete(keys: readonly KeyOrItem<M>[]): Promise<{ written: number }> {
    return batchWrite(this.executor, [deleteKeys(this.model, keys)]);
  }
}
