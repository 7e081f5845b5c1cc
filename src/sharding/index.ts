/**
 * `dynamorm/sharding`: write-sharded index keys for low-cardinality partition keys. See
 * docs/guides/sharding.md.
 */
export { sharded, sharding, MAX_SHARDS, type ShardedIndexDefinition, type ShardedIndex } from './sharded.js';
export { shardOf } from './hash.js';
export type { IndexSharding } from '../model/model.js';
