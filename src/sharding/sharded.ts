/**
 * `sharded({...})`: a global index whose partition key (a key template, `S#{status}`) is spread over
 * `shards` partitions. On write the stored key gets the suffix `#<shard>`, the shard being a fixed
 * function of the item's primary key; a query of the index reads every shard in parallel and merges
 * them in sort-key order, with one cursor for all of them. Everything here reaches the core through
 * the index definition (`sharding`), so a bundle without a sharded index carries none of it.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ModelDefinitionError } from '../errors.js';
import type { IndexDefinition, IndexSharding } from '../model/model.js';
import { shardOf } from './hash.js';
import { mergeRunner } from './merge.js';

/** Most shards an index may have: a query sends one request per shard read. */
export const MAX_SHARDS = 256;

/** The definition of a sharded index: an index definition with a shard count. */
export interface ShardedIndexDefinition<F extends string = string> extends IndexDefinition<F> {
  /** Partitions the index key is spread over (2 to 256). Each query of the index sends one Query per shard. */
  readonly shards: number;
  /**
   * Shards a query reads, when more than `shards` (while changing the count: see the guide). Items
   * written under a larger count stay readable until they are moved.
   */
  readonly readShards?: number;
}

/** A sharded index definition, as `model()` takes it. */
export type ShardedIndex<D> = D & { readonly sharding: IndexSharding };

const SUFFIX = /#(0|[1-9]\d{0,2})$/;

/**
 * Declares a write-sharded global index, for a low-cardinality partition key (a status, say) whose
 * partition would otherwise take every write:
 *
 * ```ts
 * indexes: {
 *   byStatus: sharded({ name: 'gsi-status-created', partitionKey: 'statusKey', sortKey: 'createdAt', shards: 16 }),
 * }
 * ```
 *
 * The partition key must be a key template field of its own (`statusKey: attr.template('S#{status}')`):
 * the stored `status` keeps its plain value. Throws {@link ModelDefinitionError} for a bad count.
 */
export function sharded<const D extends ShardedIndexDefinition>(definition: D): ShardedIndex<D> {
  if (typeof definition !== 'object' || definition === null) throw new ModelDefinitionError('sharded() takes an index definition with shards');
  const { shards, readShards = shards, type } = definition;
  const label = `sharded index ${typeof definition.name === 'string' ? definition.name : ''}`;
  if (!Number.isSafeInteger(shards) || shards < 2 || shards > MAX_SHARDS) throw new ModelDefinitionError(`${label}: shards is an integer from 2 to ${MAX_SHARDS}`);
  if (!Number.isSafeInteger(readShards) || readShards < shards || readShards > MAX_SHARDS) {
    throw new ModelDefinitionError(`${label}: readShards is an integer from shards to ${MAX_SHARDS}`);
  }
  if (type === 'local') throw new ModelDefinitionError(`${label}: only a global index can be sharded`);
  return Object.assign({}, definition, { sharding: sharding(shards, readShards) });
}

/** The sharding of an index: written to `shards` partitions, read from `reads`. */
export function sharding(shards: number, reads: number): IndexSharding {
  return {
    shards,
    reads,
    place(value, model, item) {
      if (value.S === undefined) return value;
      const key: Record<string, AttributeValue> = {};
      for (const part of [model.partitionKey, model.sortKey]) if (part && item[part.stored]) key[part.stored] = item[part.stored] as AttributeValue;
      return { S: `${value.S}#${shardOf(key, shards)}` };
    },
    baseOf(stored) {
      const m = SUFFIX.exec(stored);
      return m && Number(m[1]) < reads ? stored.slice(0, m.index) : undefined;
    },
    query(plan, index, partition, descending) {
      const inputs = shardInputs(plan.inputs[0] as Record<string, unknown>, partition, reads);
      return Object.assign(plan, { inputs, segmented: mergeRunner({ attribute: index.sortKey?.stored, descending }) });
    },
    problem(alias, partitionKey, type, indexes) {
      if (type !== 'global') return "only a global index can be sharded (a local one shares the table's partition)";
      if (!partitionKey.template || partitionKey.key !== 'none') {
        return `a sharded index's partition key must be a key template field of its own (attr.template('S#{status}')), so the fields it is made of keep their plain values`;
      }
      const other = Object.entries(indexes).find(([name, d]) => name !== alias && (d.partitionKey === partitionKey.name || d.sortKey === partitionKey.name));
      if (other) return `its sharded partition key ${partitionKey.name} is also a key of index ${other[0]}`;
      if (indexes[alias]?.shards !== shards) return 'shards was changed after sharded(): declare the index with sharded({ ..., shards })';
      return undefined;
    },
  };
}

/** The inputs of a query of each shard: `input` with its partition value (`partition`, the template's text) suffixed. */
export function shardInputs(input: Record<string, unknown>, partition: AttributeValue, reads: number): Record<string, unknown>[] {
  const values = input.ExpressionAttributeValues as Record<string, AttributeValue>;
  // The partition's placeholder: the value object the key condition was built with.
  const slot = Object.keys(values).find((k) => values[k] === partition);
  if (slot === undefined || partition.S === undefined) throw new Error('sharded query: the partition value is not in the key condition');
  const base = partition.S;
  return Array.from({ length: reads }, (_, s) => Object.assign({}, input, { ExpressionAttributeValues: Object.assign({}, values, { [slot]: { S: `${base}#${s}` } }) }));
}
