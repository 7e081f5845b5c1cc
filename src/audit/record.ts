/**
 * The stored form of audit records and chain heads, and their hashes. A record's hash is SHA-256 of
 * the canonical text of every attribute it stores except `hash` itself (so an edit of any attribute,
 * or an attribute added, shows), and each record stores the hash of the one before (`prev`; the
 * first stores GENESIS): the records of one item form a chain. Pure: no I/O.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { canonicalItem, sha256Hex } from './canonical.js';
import { HEAD_SHARDS } from './table.js';

type AttributeMap = Record<string, AttributeValue>;

/** The `prev` of the first record of a chain. */
export const GENESIS = '0'.repeat(64);

/** What an audited write did. */
export type AuditOperation = 'create' | 'put' | 'update' | 'delete';

/** The content of one record, before it is stored. */
export interface RecordContent {
  readonly chain: string;
  readonly seq: number;
  readonly prev: string;
  readonly model: string;
  /** The item's primary key, as stored. */
  readonly key: AttributeMap;
  readonly op: AuditOperation;
  readonly at: Date;
  readonly actor?: string | undefined;
  readonly requestId?: string | undefined;
  readonly sourceIp?: string | undefined;
  readonly tenant?: string | undefined;
  /** Tracked fields before and after, as stored (field name to value); absent when there was no item. */
  readonly before?: AttributeMap | undefined;
  readonly after?: AttributeMap | undefined;
  /** Tracked fields recorded as changed without their values (encrypted fields). */
  readonly changed?: readonly string[] | undefined;
  /** The item's version after the write (before it, for a delete), on versioned models. */
  readonly version?: number | undefined;
}

/** The chain of an item: its model and a digest of its stored key (keys may be long, or secret). */
export function chainId(model: string, key: AttributeMap): string {
  return `${model}#${sha256Hex(canonicalItem(key))}`;
}

/** The index partition of a chain's head (its digest picks one of HEAD_SHARDS). */
export function headShard(chain: string): string {
  return `h${parseInt(chain.slice(-4), 16) % HEAD_SHARDS}`;
}

/** The hash of a stored record: of everything it stores but `hash`. */
export function recordHash(item: Readonly<AttributeMap>): string {
  const { hash: _hash, ...rest } = item;
  return sha256Hex(canonicalItem(rest));
}

/** The stored item of a record, its hash included. */
export function recordItem(content: RecordContent): AttributeMap {
  const at = content.at.toISOString();
  const item: AttributeMap = {
    chain: { S: content.chain },
    seq: { N: String(content.seq) },
    prev: { S: content.prev },
    model: { S: content.model },
    key: { M: content.key },
    op: { S: content.op },
    at: { S: at },
    day: { S: at.slice(0, 10) },
  };
  if (content.actor !== undefined) item.actor = { S: content.actor };
  if (content.requestId !== undefined) item.requestId = { S: content.requestId };
  if (content.sourceIp !== undefined) item.sourceIp = { S: content.sourceIp };
  if (content.tenant !== undefined) item.tenant = { S: content.tenant };
  if (content.before) item.before = { M: content.before };
  if (content.after) item.after = { M: content.after };
  if (content.changed && content.changed.length > 0) item.changed = { SS: [...content.changed].sort() };
  if (content.version !== undefined) item.version = { N: String(content.version) };
  item.hash = { S: recordHash(item) };
  return item;
}

/** A chain's head: where its last record is. Stored at `seq` 0 of the chain's partition. */
export interface ChainHead {
  /** The last record's sequence number (0: the chain has none). */
  readonly seq: number;
  /** The last record's hash (GENESIS when none). */
  readonly hash: string;
}

/** The stored head of a chain after its record `seq` with hash `hash`. */
export function headItem(chain: string, model: string, key: AttributeMap, seq: number, hash: string, at: Date): AttributeMap {
  return {
    chain: { S: chain },
    seq: { N: '0' },
    head: { N: String(seq) },
    hash: { S: hash },
    model: { S: model },
    key: { M: key },
    hshard: { S: headShard(chain) },
    updated: { S: at.toISOString() },
  };
}

/** Reads a stored head (GENESIS at 0 when there is none). */
export function readHead(item: AttributeMap | undefined): ChainHead {
  if (!item) return { seq: 0, hash: GENESIS };
  return { seq: Number(item.head?.N ?? '0'), hash: item.hash?.S ?? GENESIS };
}
