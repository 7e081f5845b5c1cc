/**
 * Chooses the table key or index that serves a query's `where()` conditions and compiles them into a
 * KeyConditionExpression. Every `where()` condition must become a key condition; when no index can
 * take them all, the query fails with NoUsableIndexError naming the indexes that exist: it never
 * turns into a scan on its own.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { NoUsableIndexError, ValidationError } from '../errors.js';
import { CONDITION_OPS, operatorText, type ConditionOp } from '../expr/condition.js';
import type { Placeholders } from '../expr/placeholders.js';
import { describe, type Issues } from '../marshal/codec.js';
import { checkKeySize, componentText, templateValue } from '../model/item-codec.js';
import { fillTemplate, templatePrefix } from '../model/key-template.js';
import { MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, type CompiledModel, type FieldMeta } from '../model/model.js';

/** One `where(path, op, value)` of a query. */
export interface KeyConditionInput {
  readonly path: string;
  readonly op: ConditionOp;
  readonly value: unknown;
}

/** A table key or an index a query could use. */
interface Candidate {
  /** Index alias in the model, or undefined for the table. */
  readonly alias: string | undefined;
  /** Index name in DynamoDB, or undefined for the table. */
  readonly indexName: string | undefined;
  readonly type: 'table' | 'global' | 'local';
  readonly partitionKey: FieldMeta;
  readonly sortKey: FieldMeta | undefined;
  /** Stored names of the table key plus this candidate's key (what a cursor needs). */
  readonly keyAttributes: readonly string[];
  /** Stored names of this candidate's own key attributes. */
  readonly ownKeyAttributes: readonly string[];
}

/** How a query will run. */
export interface QueryPlan {
  readonly indexAlias: string | undefined;
  readonly indexName: string | undefined;
  readonly type: 'table' | 'global' | 'local';
  /** The primary key when the conditions name it completely (GetItem can serve the query). */
  readonly fullKey: Record<string, AttributeValue> | undefined;
  /** Key condition parts, resolved into values. */
  readonly partition: { readonly attribute: string; readonly value: AttributeValue };
  readonly sort: (SortSpec & { readonly attribute: string }) | undefined;
  /** Stored names of the attributes a cursor needs (table key plus index key). */
  readonly keyAttributes: readonly string[];
  /** Stored names of the queried table's or index's own key attributes (filters may not use them). */
  readonly ownKeyAttributes: readonly string[];
  /** The queried index's sharding (dynamorm/sharding), when its partition key is sharded. */
  readonly sharding: FieldMeta['sharding'];
}

/** A sort key condition without its attribute name. */
type SortSpec =
  | { readonly op: '=' | '<' | '<=' | '>' | '>=' | 'begins_with'; readonly value: AttributeValue }
  | { readonly op: 'between'; readonly value: AttributeValue; readonly high: AttributeValue };

const SORT_OPS = new Set(['=', '<', '<=', '>', '>=', 'between', 'begins_with']);

const candidateCache = new WeakMap<CompiledModel, readonly Candidate[]>();

/** The table key and every index of a model (computed once per model). */
function candidates(model: CompiledModel): readonly Candidate[] {
  const cached = candidateCache.get(model);
  if (cached) return cached;
  const candidate = (alias: string | undefined, indexName: string | undefined, type: Candidate['type'], pk: FieldMeta, sk: FieldMeta | undefined): Candidate => ({
    alias,
    indexName,
    type,
    partitionKey: pk,
    sortKey: sk,
    keyAttributes: [...new Set([model.partitionKey.stored, model.sortKey?.stored, pk.stored, sk?.stored])].filter((x): x is string => x !== undefined),
    ownKeyAttributes: sk ? [pk.stored, sk.stored] : [pk.stored],
  });
  const list: readonly Candidate[] = [
    candidate(undefined, undefined, 'table', model.partitionKey, model.sortKey),
    ...model.indexes.map((i) => candidate(i.alias, i.name, i.type, i.partitionKey, i.sortKey)),
  ];
  candidateCache.set(model, list);
  return list;
}

function describeCandidate(c: Candidate): string {
  const keys = [c.partitionKey, c.sortKey].filter(Boolean).map((f) => keyFieldsText(f as FieldMeta));
  return `${c.alias ?? 'table'}${c.indexName ? ` [${c.indexName}]` : ''} (${keys.join(', ')})`;
}

function keyFieldsText(f: FieldMeta): string {
  return f.template ? `${f.name} = ${f.template.source}` : f.name;
}

/** Encodes one key value with its field codec; issues collect problems. */
function encodeValue(field: FieldMeta, value: unknown, issues: Issues): AttributeValue | undefined {
  if (value === undefined || value === null) {
    issues.push({ path: [field.name], rule: 'required', message: 'key conditions need a value' });
    return undefined;
  }
  return field.codec.encode(value, [field.name], issues, false);
}

interface Attempt {
  readonly partition: AttributeValue | undefined;
  readonly sort: SortSpec | undefined;
  readonly sortIsFullKey: boolean;
}

/** Tries to serve the conditions with one candidate; returns undefined when it cannot. */
function attempt(model: CompiledModel, c: Candidate, conditions: readonly KeyConditionInput[], issues: Issues): Attempt | undefined {
  // Conditions this candidate serves; an array, not a Set: there are only a few (this runs per query).
  const consumed: KeyConditionInput[] = [];
  const consume = (cond: KeyConditionInput) => {
    if (!consumed.includes(cond)) consumed.push(cond);
  };
  const equal = (name: string) => conditions.find((x) => x.path === name && x.op === '=');

  // Partition key: equality on the field, or on every field of its template.
  let partition: AttributeValue | undefined;
  const pk = c.partitionKey;
  // The conditions name this candidate's key but with bad values: the candidate is the one meant, and
  // the query fails with ValidationError (the issues), not with "no index serves".
  const invalid: Attempt = { partition: undefined, sort: undefined, sortIsFullKey: false };
  const before = issues.length;
  if (pk.template) {
    const values: Record<string, unknown> = {};
    for (const name of pk.template.fields) {
      const cond = equal(name);
      if (!cond) return undefined;
      consume(cond);
      values[name] = cond.value;
    }
    // Filled as on write: bad values and separators inside a value are issues, not "no index serves".
    const filled = templateValue(model, pk, values, issues);
    if (!filled) return invalid;
    partition = filled;
  } else {
    const cond = equal(pk.name);
    if (!cond) return undefined;
    consume(cond);
    partition = encodeValue(pk, cond.value, issues);
  }

  let sort: SortSpec | undefined;
  let sortIsFullKey = c.sortKey === undefined;
  const sk = c.sortKey;
  if (sk?.template) {
    // Leading fields given by equality form a prefix; the next field may take begins_with or a range
    // (a range only on the last field, where the lexical order of the key is the field's order).
    const texts: Record<string, string | undefined> = {};
    const fields = sk.template.fields;
    let i = 0;
    for (; i < fields.length; i++) {
      const cond = equal(fields[i] as string);
      if (!cond) break;
      consume(cond);
      texts[fields[i] as string] = componentText(model.byName.get(fields[i] as string) as FieldMeta, cond.value, issues);
    }
    if (issues.length > before) return invalid;
    // A leading value holding the separator that follows it would make the prefix match other keys
    // (fillTemplate checks the fields it reaches before the first one missing).
    const checked = fillTemplate(sk.template, texts);
    if ('separator' in checked) {
      issues.push({ path: [checked.field], rule: 'key-separator', message: `cannot contain "${checked.separator}", the separator that follows it in ${sk.name}` });
      return invalid;
    }
    const prefix = templatePrefix(sk.template, texts);
    if (i === fields.length) {
      const filled = fillTemplate(sk.template, texts);
      if ('key' in filled) {
        sort = { op: '=', value: { S: filled.key } };
        sortIsFullKey = true;
      }
    } else {
      const next = fields[i] as string;
      const isLast = i === fields.length - 1;
      const range = conditions.find((x) => x.path === next && x.op !== '=' && SORT_OPS.has(x.op));
      const component = model.byName.get(next) as FieldMeta;
      if (range && range.op === 'begins_with' && typeof range.value !== 'string') {
        issues.push({ path: [next], rule: 'type', message: 'begins_with takes a string' });
        return invalid;
      }
      if (range && isLast && range.op === 'between' && component.spec.kind !== 'string' && component.spec.kind !== 'enum') {
        // Numbers inside a key are text, not zero-padded: "N#10" sorts before "N#2", so a range on
        // them would read the wrong items. Refuse it rather than answer wrongly.
        issues.push({ path: [next], rule: 'template-range', message: `is a number inside the key template of ${sk.name}: its text does not sort as numbers, so it cannot take a range` });
        return invalid;
      }
      if (range && range.op === 'begins_with' && typeof range.value === 'string') {
        consume(range);
        sort = { op: 'begins_with', value: { S: prefix + range.value } };
      } else if (range && isLast && range.op === 'between' && Array.isArray(range.value)) {
        consume(range);
        const [low, high] = range.value as [unknown, unknown];
        sort = {
          op: 'between',
          value: { S: prefix + (componentText(component, low, issues) ?? '') },
          high: { S: prefix + (componentText(component, high, issues) ?? '') },
        };
      } else if (prefix !== '') {
        sort = { op: 'begins_with', value: { S: prefix } };
      }
    }
  } else if (sk) {
    const cond = conditions.find((x) => x.path === sk.name && SORT_OPS.has(x.op));
    if (cond) {
      consume(cond);
      if (cond.op === 'between') {
        const [low, high] = Array.isArray(cond.value) ? (cond.value as [unknown, unknown]) : [undefined, undefined];
        const lowValue = encodeValue(sk, low, issues);
        const highValue = encodeValue(sk, high, issues);
        if (lowValue && highValue) sort = { op: 'between', value: lowValue, high: highValue };
      } else if (cond.op === 'begins_with') {
        if (typeof cond.value !== 'string') issues.push({ path: [sk.name], rule: 'type', message: 'begins_with takes a string' });
        else sort = { op: 'begins_with', value: { S: cond.value } };
      } else {
        const value = encodeValue(sk, cond.value, issues);
        if (value) sort = { op: cond.op as '=' | '<' | '<=' | '>' | '>=', value };
      }
      sortIsFullKey = cond.op === '=';
    }
  }
  if (consumed.length !== conditions.length) return undefined;
  return { partition, sort, sortIsFullKey };
}

/**
 * Plans a query: the forced index (`.index(alias)`) or the best candidate that serves every
 * `where()` condition (a sort-key condition beats none; the table beats an index on a tie).
 */
export function planQuery(model: CompiledModel, conditions: readonly KeyConditionInput[], forcedAlias: string | undefined, label: string): QueryPlan {
  const all = candidates(model);
  let pool = all;
  if (forcedAlias !== undefined) {
    pool = all.filter((c) => c.alias === forcedAlias);
    if (pool.length === 0) {
      throw new ValidationError(
        [{ path: [], rule: 'unknown-index', message: `${model.name} has no index ${typeof forcedAlias === 'string' ? JSON.stringify(forcedAlias) : `(${describe(forcedAlias)})`}; it has ${all.slice(1).map((c) => c.alias).join(', ') || 'none'}` }],
        label,
      );
    }
  }
  if (conditions.length === 0) {
    throw new NoUsableIndexError(
      `${label}: a query needs where() conditions on a partition key. Keys and indexes: ${all.map(describeCandidate).join('; ')}. To read every item, use a scan (.scan() on a DynamORM handle, or scan(db, model)).`,
    );
  }
  // A name that is no field, or an operator that is none (forced past the compiler), is a mistake in
  // the query, not a missing index.
  const unknown = conditions.filter((c) => typeof c.path !== 'string' || !model.byName.has(c.path.split('.')[0] as string));
  if (unknown.length > 0) {
    throw new ValidationError(
      unknown.map((c) =>
        typeof c.path === 'string'
          ? { path: [c.path], rule: 'unknown-field', message: `is not a field of ${model.name}` }
          : { path: [], rule: 'unknown-field', message: `a field name is a string, got ${describe(c.path)}` },
      ),
      label,
    );
  }
  const badOperators = conditions.filter((c) => !CONDITION_OPS.has(c.op));
  if (badOperators.length > 0) {
    throw new ValidationError(badOperators.map((c) => ({ path: [c.path], rule: 'operator', message: `unknown operator ${operatorText(c.op)}` })), label);
  }
  let best: { c: Candidate; a: Attempt } | undefined;
  for (const c of pool) {
    const issues: Issues = [];
    const a = attempt(model, c, conditions, issues);
    if (!a) continue;
    if (issues.length > 0) throw new ValidationError(issues, label);
    if (!best || (a.sort && !best.a.sort)) best = { c, a };
  }
  if (!best || !best.a.partition) {
    const asked = conditions.map((x) => `${x.path} ${x.op}`).join(', ');
    throw new NoUsableIndexError(
      `${label}: no ${forcedAlias ? `key of index ${forcedAlias}` : 'table key or index'} serves where(${asked}). ` +
        `Keys and indexes: ${all.map(describeCandidate).join('; ')}. Move non-key conditions to .filter(), ` +
        `add an index, or read the whole table with a scan and a filter (.scan() on a DynamORM handle, or scan(db, model)).`,
    );
  }
  const { c, a } = best;
  // No key is longer than DynamoDB's limits (it refuses sort key conditions over 1024 bytes, and gets by
  // such keys): a key condition over them is a mistake, not a query that finds nothing.
  const sizeIssues: Issues = [];
  checkKeySize(a.partition as AttributeValue, MAX_PARTITION_KEY_BYTES, [c.partitionKey.name], sizeIssues);
  if (a.sort && c.sortKey) {
    for (const value of a.sort.op === 'between' ? [a.sort.value, a.sort.high] : [a.sort.value]) checkKeySize(value, MAX_SORT_KEY_BYTES, [c.sortKey.name], sizeIssues);
  }
  if (sizeIssues.length > 0) throw new ValidationError(sizeIssues, label);
  const partitionValue = best.a.partition;
  let fullKey: Record<string, AttributeValue> | undefined;
  if (c.type === 'table' && a.sortIsFullKey) {
    fullKey = { [c.partitionKey.stored]: partitionValue };
    if (c.sortKey && a.sort) fullKey[c.sortKey.stored] = a.sort.value;
  }
  return {
    indexAlias: c.alias,
    indexName: c.indexName,
    type: c.type,
    fullKey,
    partition: { attribute: c.partitionKey.stored, value: partitionValue },
    sort: a.sort && c.sortKey ? { attribute: c.sortKey.stored, ...a.sort } : undefined,
    keyAttributes: c.keyAttributes,
    ownKeyAttributes: c.ownKeyAttributes,
    sharding: c.partitionKey.sharding,
  };
}

/** Compiles a plan's key condition into expression text. */
export function keyConditionExpression(plan: QueryPlan, ph: Placeholders): string {
  let text = `${ph.name(plan.partition.attribute)} = ${ph.value(plan.partition.value)}`;
  const sort = plan.sort;
  if (!sort) return text;
  const name = ph.name(sort.attribute);
  if (sort.op === 'between') text += ` AND ${name} BETWEEN ${ph.value(sort.value)} AND ${ph.value(sort.high)}`;
  else if (sort.op === 'begins_with') text += ` AND begins_with(${name}, ${ph.value(sort.value)})`;
  else text += ` AND ${name} ${sort.op} ${ph.value(sort.value)}`;
  return text;
}
