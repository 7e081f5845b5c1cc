/**
 * The pure parts of data migrations: which migrations are pending, each segment's place as the
 * record stores it, and the condition that an item is unchanged since it was read. No I/O, no clock.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { keyFromJson, keyToJson } from '../read/cursor.js';
import { MigrationDefinitionError } from './errors.js';
import type { Migration } from './define.js';

type AttributeMap = Record<string, AttributeValue>;

/** The attribute that marks an item as written by a migration: it holds the migration's id. */
export const MARK_ATTRIBUTE = '_mg';

/** What a migration's record says about it, as planning needs it. */
export interface RecordSummary {
  readonly id: string;
  readonly status: MigrationStatus;
}

/**
 * Where a migration stands. `running`: a runner holds (or held, until its lease expires) the lease;
 * `stopped`: an error stopped it, its segments keep their place; `incomplete`: a pass over the table
 * ended with items still conflicting (the next run starts a new pass, skipping marked items);
 * `completed`: done, never run again.
 */
export type MigrationStatus = 'running' | 'stopped' | 'incomplete' | 'completed';

/** One pending migration and what a run of it will do. */
export interface PendingMigration {
  readonly migration: Migration;
  /** `start` (never run), `resume` (stopped, or a runner crashed: from each segment's place), `new pass` (incomplete). */
  readonly action: 'start' | 'resume' | 'new pass';
}

/**
 * The migrations still to run, in the order of their ids: those without a record, and those whose
 * record is not `completed`.
 * @throws MigrationDefinitionError when two different migrations share an id.
 */
export function pendingMigrations(migrations: readonly Migration[], records: readonly RecordSummary[]): PendingMigration[] {
  const byId = new Map<string, Migration>();
  for (const m of migrations) {
    const other = byId.get(m.id);
    if (other && other !== m) throw new MigrationDefinitionError(m.id, 'two migrations have this id');
    byId.set(m.id, m);
  }
  const status = new Map(records.map((r) => [r.id, r.status]));
  return [...byId.values()]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .flatMap((migration): PendingMigration[] => {
      const s = status.get(migration.id);
      if (s === 'completed') return [];
      return [{ migration, action: s === undefined ? 'start' : s === 'incomplete' ? 'new pass' : 'resume' }];
    });
}

/** A segment's place: not started, finished, or the key to continue after. */
export type Position = 'start' | 'done' | AttributeMap;

/** A position as the record stores it (a string: `start`, `done`, or the key as JSON). */
export function encodePosition(position: Position): string {
  return typeof position === 'string' ? position : JSON.stringify(keyToJson(position));
}

/** Reads a stored position back; anything unreadable is `start` (reading a segment again is safe: marked items are skipped). */
export function decodePosition(text: unknown): Position {
  if (text === 'done') return 'done';
  if (typeof text !== 'string' || text === 'start') return 'start';
  try {
    return keyFromJson(JSON.parse(text));
  } catch {
    return 'start';
  }
}

/** The positions of `segments` segments from the record's map (missing ones start). */
export function positionsOf(cursors: Readonly<Record<string, unknown>> | undefined, segments: number): Position[] {
  return Array.from({ length: segments }, (_, s) => decodePosition(cursors?.[String(s)]));
}

/** A condition to add to a write: expression text and its own placeholders. */
export interface RawCondition {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, AttributeValue>;
}

/**
 * DynamoDB allows 300 operators and functions in an expression, and 4 KB of expression text; the
 * write's own conditions need a few. Items with more attributes than this cannot be checked in one
 * condition, and are reported, not written.
 */
export const MAX_COMPARED_ATTRIBUTES = 140;
const MAX_EXPRESSION_BYTES = 3500;

/**
 * The condition that an item is unchanged since it was read as `raw`: every attribute read still
 * holds the value read (DynamoDB compares strings, numbers, binaries, sets, lists and maps by value),
 * and every attribute in `known` that was absent is still absent (the model's attributes, the write
 * token and the mark: what a writer through DynamORM can add). `undefined` when the item has too many
 * attributes for one condition. Placeholders start with `#mg`/`:mg`, apart from a write's own.
 */
export function unchangedCondition(raw: Readonly<AttributeMap>, known: readonly string[]): RawCondition | undefined {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const parts: string[] = [];
  let n = 0;
  for (const [attribute, value] of Object.entries(raw)) {
    const name = `#mg${n}`;
    const val = `:mg${n}`;
    names[name] = attribute;
    values[val] = value;
    parts.push(`${name} = ${val}`);
    n++;
  }
  for (const attribute of new Set(known)) {
    if (Object.hasOwn(raw, attribute)) continue;
    const name = `#mg${n++}`;
    names[name] = attribute;
    parts.push(`attribute_not_exists(${name})`);
  }
  if (parts.length === 0 || parts.length > MAX_COMPARED_ATTRIBUTES) return undefined;
  const expression = parts.join(' AND ');
  if (Buffer.byteLength(expression) > MAX_EXPRESSION_BYTES) return undefined;
  return { expression, names, values };
}

/** The condition that the stored item still carries `version` (a versioned model's check). */
export function versionCondition(attribute: string, version: AttributeValue): RawCondition {
  return { expression: '#mgv = :mgv', names: { '#mgv': attribute }, values: { ':mgv': version } };
}

/** A write's input with `condition` added (AND) to its own, placeholders merged. */
export function withCondition(input: Readonly<Record<string, unknown>>, condition: RawCondition): Record<string, unknown> {
  const out: Record<string, unknown> = Object.assign({}, input);
  const own = input.ConditionExpression as string | undefined;
  out.ConditionExpression = own ? `(${own}) AND (${condition.expression})` : condition.expression;
  out.ExpressionAttributeNames = Object.assign({}, input.ExpressionAttributeNames as object | undefined, condition.names);
  if (Object.keys(condition.values).length > 0) out.ExpressionAttributeValues = Object.assign({}, input.ExpressionAttributeValues as object | undefined, condition.values);
  return out;
}

/** Whether two keys (the attributes of `keyAttributes`) are the same. */
export function sameKey(a: Readonly<AttributeMap>, b: Readonly<AttributeMap>, keyAttributes: readonly string[]): boolean {
  return keyAttributes.every((k) => JSON.stringify(keyToJson({ [k]: a[k] ?? { S: '' } })) === JSON.stringify(keyToJson({ [k]: b[k] ?? { S: '' } })) && (a[k] === undefined) === (b[k] === undefined));
}
