/**
 * What a request means to the cache: which reads may be answered from it (and what each answer
 * depends on), and what each write invalidates. Pure functions of the request, unit-tested alone.
 *
 * Dependencies, all within one partner account:
 * - `item`: one item of one table; every `get` (GetItem) depends on its item.
 * - `table-query`: any item of a table; `count` and `first` (Query) depend on it.
 * - `table`: a write to a table whose key attributes are not known invalidates all of that table.
 * - `global`: a write whose tables are not known (PartiQL, ...) invalidates everything.
 */
import { createHash } from 'node:crypto';
import type { DynamORMRequest } from '../../config.js';
import { serialize } from './serialize.js';

type AttributeMap = Record<string, unknown>;

/** A cacheable read: its entry key and what it depends on. */
export interface CachedRead {
  readonly key: string;
  readonly deps: readonly string[];
}

/** Operations that change nothing (they never invalidate). */
const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/** A short, value-free name for a dependency or entry (no key value reaches the store's key names). */
function digest(parts: readonly unknown[]): string {
  return createHash('sha256').update(serialize(parts)).digest('base64url');
}

/** An item key as text: attribute names sorted, so `{ pk, sk }` and `{ sk, pk }` are one key. */
export function canonicalKey(key: AttributeMap): string {
  return serialize(Object.keys(key).sort().map((name) => [name, key[name]]));
}

const partnerOf = (request: DynamORMRequest) => request.context?.partner ?? null;
export const globalDep = (partner: string | null) => digest(['global', partner]);
export const tableDep = (partner: string | null, table: string) => digest(['table', partner, table]);
export const queryDep = (partner: string | null, table: string) => digest(['table-query', partner, table]);
export const itemDep = (partner: string | null, table: string, key: AttributeMap) => digest(['item', partner, table, canonicalKey(key)]);

/** Whether the operation changes nothing. Describe and List calls change nothing either. */
export function isRead(operation: string): boolean {
  return READS.has(operation) || operation.startsWith('Describe') || operation.startsWith('List');
}

/** What a Query sends for `count()` (Select COUNT) or `first()` (a first page of at most two items). */
function isCountOrFirst(input: AttributeMap): boolean {
  if (input.Select === 'COUNT') return true;
  return input.ExclusiveStartKey === undefined && typeof input.Limit === 'number' && input.Limit <= 2;
}

/**
 * The entry key and dependencies of a read the cache may answer, or `undefined` (the read goes to the
 * table). `consistent`: whether strongly consistent reads may be answered too. The entry key holds the
 * tenant and the partner: an answer is never shared across them.
 */
export function cachedRead(request: DynamORMRequest, consistent: boolean): CachedRead | undefined {
  const { operation, input } = request;
  const table = input.TableName;
  if (typeof table !== 'string') return undefined;
  if (input.ConsistentRead === true && !consistent) return undefined;
  const partner = partnerOf(request);
  // Asking for the consumed capacity does not change the answer.
  const { ReturnConsumedCapacity: _c, ...shape } = input;
  const key = digest(['entry', partner, request.context?.tenant ?? null, operation, shape]);
  if (operation === 'GetItem' && input.Key && typeof input.Key === 'object') {
    return { key, deps: [globalDep(partner), tableDep(partner, table), itemDep(partner, table, input.Key as AttributeMap)] };
  }
  if (operation === 'Query' && isCountOrFirst(input)) {
    return { key, deps: [globalDep(partner), tableDep(partner, table), queryDep(partner, table)] };
  }
  return undefined;
}

/** Key attribute names per physical table, when known. */
export type KeyNames = (table: string) => readonly string[] | undefined;

function keyFrom(item: AttributeMap, names: readonly string[] | undefined): AttributeMap | undefined {
  if (!names) return undefined;
  const key: AttributeMap = {};
  for (const name of names) {
    if (item[name] === undefined) return undefined;
    key[name] = item[name];
  }
  return key;
}

/** The dependencies one write to `table` invalidates: its item when the key is known, else the whole table. */
function touched(out: Set<string>, partner: string | null, table: unknown, key: AttributeMap | undefined): void {
  if (typeof table !== 'string') {
    out.add(globalDep(partner));
    return;
  }
  out.add(queryDep(partner, table));
  out.add(key ? itemDep(partner, table, key) : tableDep(partner, table));
}

/**
 * What a request that may change items invalidates (empty for reads). Writes of every kind: single
 * items, batch writes and transactions item by item; table management the whole table; anything
 * else (PartiQL statements) everything of the partner account.
 */
export function invalidatedBy(request: DynamORMRequest, keyNames: KeyNames): string[] {
  const { operation, input } = request;
  if (isRead(operation)) return [];
  const partner = partnerOf(request);
  const out = new Set<string>();
  const item = (table: unknown, body: AttributeMap | undefined): void => {
    if (body?.Key && typeof body.Key === 'object') touched(out, partner, table, body.Key as AttributeMap);
    else if (body?.Item && typeof body.Item === 'object' && typeof table === 'string') touched(out, partner, table, keyFrom(body.Item as AttributeMap, keyNames(table)));
    else touched(out, partner, table, undefined);
  };
  switch (operation) {
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      item(input.TableName, input);
      break;
    case 'BatchWriteItem':
      for (const [table, writes] of Object.entries((input.RequestItems ?? {}) as Record<string, AttributeMap[]>)) {
        for (const write of writes ?? []) item(table, (write.PutRequest ?? write.DeleteRequest) as AttributeMap | undefined);
      }
      break;
    case 'TransactWriteItems':
      for (const entry of (input.TransactItems ?? []) as AttributeMap[]) {
        const write = (entry.Put ?? entry.Update ?? entry.Delete) as AttributeMap | undefined;
        if (write) item(write.TableName, write); // a ConditionCheck changes nothing
      }
      break;
    default:
      touched(out, partner, input.TableName, undefined);
  }
  return [...out];
}
