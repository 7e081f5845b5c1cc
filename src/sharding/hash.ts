/**
 * The shard of an item: a fixed function of its encoded primary key, so every write of the item
 * (create, put, update, delete, in a transaction or a batch) finds the same shard, and a changed status
 * moves the item within it. FNV-1a (32-bit) over the key's canonical text, finished with MurmurHash3's
 * avalanche step so that nearby keys (`p-1`, `p-2`) spread, taken modulo the shard count. Never change
 * it: stored keys depend on it.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** The canonical text of a primary key: each attribute (by name order) as type, length and value. */
export function keyText(key: Readonly<Record<string, AttributeValue>>): string {
  let out = '';
  for (const name of Object.keys(key).sort()) {
    const value = key[name] as AttributeValue;
    const [type, text] =
      value.S !== undefined ? ['S', value.S] : value.N !== undefined ? ['N', value.N] : value.B !== undefined ? ['B', Buffer.from(value.B).toString('base64')] : ['?', ''];
    out += `${type}${text.length}:${text}`;
  }
  return out;
}

/** A 32-bit hash of a text: FNV-1a over its UTF-16 code units, then MurmurHash3's fmix32. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The shard (0 to `shards` - 1) of an item with this encoded primary key. */
export function shardOf(key: Readonly<Record<string, AttributeValue>>, shards: number): number {
  return hash32(keyText(key)) % shards;
}
