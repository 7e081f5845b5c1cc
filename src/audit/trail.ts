/**
 * Querying the trail, streamed: an item's records in chain order (strongly consistent), an actor's
 * records in time order, and every record in a time range (one query per UTC day, in order).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Executor } from '../client/executor.js';
import { ValidationError } from '../errors.js';
import { encodeKey } from '../model/item-codec.js';
import type { AnyModel } from '../model/model.js';
import type { Item, KeyInput } from '../model/types.js';
import type { AuditLog } from './extension.js';
import { decodeRecord, queryItems, type AuditRecord } from './read.js';
import { chainId } from './record.js';
import { BY_ACTOR, BY_DAY } from './table.js';

/** A time range; both ends are included, and either may be left out. */
export interface TimeRange {
  readonly from?: Date;
  readonly to?: Date;
}

/** The queries of one audit log on one database. */
export interface AuditTrail {
  /** The records of one item, oldest first (strongly consistent). */
  item<M extends AnyModel>(model: M, key: KeyInput<M>): AsyncIterable<AuditRecord<Item<M>>>;
  /** The records of one actor, oldest first, within `range` if given. */
  byActor(actor: string, range?: TimeRange): AsyncIterable<AuditRecord>;
  /** Every record with a time in `range` (both ends required), oldest first. */
  between(range: Required<TimeRange>): AsyncIterable<AuditRecord>;
}

const DAY_MS = 86_400_000;

function checkDate(value: unknown, name: string, label: string): void {
  if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime()))) {
    throw new ValidationError([{ path: [name], rule: 'type', message: 'expected a valid Date' }], label);
  }
}

function checkRange(range: TimeRange, label: string): void {
  checkDate(range.from, 'from', label);
  checkDate(range.to, 'to', label);
  if (range.from && range.to && range.from.getTime() > range.to.getTime()) {
    throw new ValidationError([{ path: ['from'], rule: 'range', message: 'from is after to' }], label);
  }
}

/** The key condition on `at` for a range (BETWEEN, >= or <=), added to `names`/`values`. */
function timeCondition(range: TimeRange, values: Record<string, unknown>): string | undefined {
  const { from, to } = range;
  if (from) values[':f'] = { S: from.toISOString() };
  if (to) values[':t'] = { S: to.toISOString() };
  if (from && to) return '#at BETWEEN :f AND :t';
  if (from) return '#at >= :f';
  if (to) return '#at <= :t';
  return undefined;
}

async function* decoded<T>(log: AuditLog, items: AsyncIterable<Record<string, AttributeValue>>): AsyncGenerator<AuditRecord<T>> {
  for await (const item of items) yield decodeRecord<T>(log, item);
}

/**
 * The queries of `log` on `db`. Each returns an AsyncIterable that reads a page at a time as it is
 * iterated: `for await (const record of auditTrail(db, log).item(Payment, { id }))`.
 */
export function auditTrail(db: Executor, log: AuditLog): AuditTrail {
  return {
    item<M extends AnyModel>(model: M, key: KeyInput<M>) {
      const label = `audit ${model.name}.item`;
      const { key: stored } = encodeKey(model.compiled, key as Record<string, unknown>, label);
      const input = {
        KeyConditionExpression: '#c = :c AND #s >= :one',
        ExpressionAttributeNames: { '#c': 'chain', '#s': 'seq' },
        ExpressionAttributeValues: { ':c': { S: chainId(model.name, stored) }, ':one': { N: '1' } },
        ConsistentRead: true,
      };
      return decoded<Item<M>>(log, queryItems(db, log, input));
    },
    byActor(actor, range = {}) {
      const label = 'audit byActor';
      if (typeof actor !== 'string' || actor === '') throw new ValidationError([{ path: ['actor'], rule: 'type', message: 'expected a non-empty string' }], label);
      checkRange(range, label);
      const values: Record<string, unknown> = { ':a': { S: actor } };
      const time = timeCondition(range, values);
      const input = {
        IndexName: BY_ACTOR,
        KeyConditionExpression: time ? `#a = :a AND ${time}` : '#a = :a',
        ExpressionAttributeNames: time ? { '#a': 'actor', '#at': 'at' } : { '#a': 'actor' },
        ExpressionAttributeValues: values,
      };
      return decoded(log, queryItems(db, log, input));
    },
    between(range) {
      const label = 'audit between';
      if (!range || !range.from || !range.to) throw new ValidationError([{ path: [], rule: 'range', message: 'between() needs from and to' }], label);
      checkRange(range, label);
      return decoded(log, byDays(db, log, range));
    },
  };
}

/** The records of each UTC day of the range, day after day. */
async function* byDays(db: Executor, log: AuditLog, range: Required<TimeRange>) {
  const first = Date.UTC(range.from.getUTCFullYear(), range.from.getUTCMonth(), range.from.getUTCDate());
  for (let day = first; day <= range.to.getTime(); day += DAY_MS) {
    const values: Record<string, unknown> = { ':d': { S: new Date(day).toISOString().slice(0, 10) } };
    const time = timeCondition(range, values) as string;
    yield* queryItems(db, log, {
      IndexName: BY_DAY,
      KeyConditionExpression: `#d = :d AND ${time}`,
      ExpressionAttributeNames: { '#d': 'day', '#at': 'at' },
      ExpressionAttributeValues: values,
    });
  }
}
