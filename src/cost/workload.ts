/**
 * A workload described in a small file (the `dynamorm cost` command reads it) and its estimate: per
 * operation kind of a model, a rate and an item size; out come units and dollars per month, line by
 * line and in total. Pure: the CLI parses the file and loads the models, this module does the rest.
 *
 * Index entries: an index projecting all attributes has entries of the item's size; a keys-only one
 * of `keyBytes` (default 100); one projecting a list of attributes is counted at the item's size, an
 * upper bound, unless `indexBytes` says better.
 */
import type { AnyModel, IndexMeta } from '../model/model.js';
import { CostInputError } from './errors.js';
import { dollarsOf, priceFor, SECONDS_PER_MONTH, type BillingMode, type Price } from './prices.js';
import { estimateReadSizes, estimateWriteSizes, LSI_ENTRY_OVERHEAD_BYTES, type CapacityEstimate, type IndexEntryChange } from './units.js';

/** Operation kinds a workload line may name. */
export const WORKLOAD_OPERATIONS = ['create', 'put', 'update', 'delete', 'get', 'query'] as const;
export type WorkloadOperation = (typeof WORKLOAD_OPERATIONS)[number];

/** One line of a workload: an operation kind of one model, at a rate. */
export interface WorkloadLine {
  /** What the line prints as (default `operation model`). */
  readonly label?: string;
  /** The model's name (as given to `model()`). */
  readonly model: string;
  readonly operation: WorkloadOperation;
  /** Operations per second (or `perMonth`, not both). */
  readonly perSecond?: number;
  /** Operations per month (730 hours). */
  readonly perMonth?: number;
  /** Size of the item as DynamoDB counts it (names and values), in bytes. */
  readonly itemBytes: number;
  /** Writes: the indexes (names or aliases) the item has an entry in (default: every index of the model). */
  readonly indexes?: readonly string[];
  /** Updates: the indexes whose key the update changes (a delete and a put on each). */
  readonly changesIndexKeys?: readonly string[];
  /** Size of a keys-only index entry, in bytes (default 100). */
  readonly keyBytes?: number;
  /** Size of an entry of the indexes that project a list of attributes (default: `itemBytes`). */
  readonly indexBytes?: number;
  /** Reads: strongly consistent (default false). */
  readonly consistent?: boolean;
  /** Part of a transaction (twice the units). */
  readonly transactional?: boolean;
  /** Queries: the index read (name or alias; default the table). */
  readonly index?: string;
  /** Queries: items read per query (default 1). */
  readonly items?: number;
}

/** A workload description, as parsed from its file. */
export interface Workload {
  /** The models module, relative to the description file. */
  readonly models: string;
  readonly region: string;
  readonly billingMode: BillingMode;
  /** Prices that replace the built-in ones. */
  readonly prices: readonly Price[];
  readonly operations: readonly WorkloadLine[];
}

/** One line's estimate. */
export interface WorkloadLineEstimate {
  readonly label: string;
  /** Operations per month. */
  readonly perMonth: number;
  /** Units of one operation. */
  readonly perOperation: CapacityEstimate;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** US dollars per month. */
  readonly dollars: number;
}

/** A workload's estimate. */
export interface WorkloadEstimate {
  readonly price: Price;
  readonly lines: readonly WorkloadLineEstimate[];
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly dollars: number;
}

const KNOWN_LINE_KEYS = new Set(['label', 'model', 'operation', 'perSecond', 'perMonth', 'itemBytes', 'indexes', 'changesIndexKeys', 'keyBytes', 'indexBytes', 'consistent', 'transactional', 'index', 'items']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function nonNegative(value: unknown, where: string, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new CostInputError(`${where} must be a ${integer ? 'whole ' : ''}number of at least 0`);
  }
  return value;
}

function names(value: unknown, where: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new CostInputError(`${where} must be a list of index names`);
  return value as string[];
}

function parseLine(raw: unknown, at: number): WorkloadLine {
  const where = `operations[${at}]`;
  if (!isObject(raw)) throw new CostInputError(`${where} must be an object`);
  for (const key of Object.keys(raw)) if (!KNOWN_LINE_KEYS.has(key)) throw new CostInputError(`${where} has an unknown key ${JSON.stringify(key)}`);
  if (typeof raw.model !== 'string' || raw.model === '') throw new CostInputError(`${where}.model must name a model`);
  if (!WORKLOAD_OPERATIONS.includes(raw.operation as WorkloadOperation)) throw new CostInputError(`${where}.operation is one of ${WORKLOAD_OPERATIONS.join(', ')}`);
  if ((raw.perSecond === undefined) === (raw.perMonth === undefined)) throw new CostInputError(`${where} needs perSecond or perMonth (one of them)`);
  for (const flag of ['consistent', 'transactional'] as const) {
    if (raw[flag] !== undefined && typeof raw[flag] !== 'boolean') throw new CostInputError(`${where}.${flag} must be true or false`);
  }
  for (const text of ['label', 'index'] as const) {
    if (raw[text] !== undefined && typeof raw[text] !== 'string') throw new CostInputError(`${where}.${text} must be a string`);
  }
  const line: Record<string, unknown> = { model: raw.model, operation: raw.operation, itemBytes: nonNegative(raw.itemBytes, `${where}.itemBytes`, true) };
  if (raw.perSecond !== undefined) line.perSecond = nonNegative(raw.perSecond, `${where}.perSecond`);
  if (raw.perMonth !== undefined) line.perMonth = nonNegative(raw.perMonth, `${where}.perMonth`);
  for (const bytes of ['keyBytes', 'indexBytes', 'items'] as const) if (raw[bytes] !== undefined) line[bytes] = nonNegative(raw[bytes], `${where}.${bytes}`, true);
  for (const list of ['indexes', 'changesIndexKeys'] as const) if (raw[list] !== undefined) line[list] = names(raw[list], `${where}.${list}`);
  for (const key of ['label', 'index', 'consistent', 'transactional'] as const) if (raw[key] !== undefined) line[key] = raw[key];
  return line as unknown as WorkloadLine;
}

function parsePrice(raw: unknown, at: number): Price {
  const where = `prices[${at}]`;
  if (!isObject(raw)) throw new CostInputError(`${where} must be an object`);
  if (typeof raw.region !== 'string' || (raw.billingMode !== 'onDemand' && raw.billingMode !== 'provisioned')) {
    throw new CostInputError(`${where} needs a region and a billingMode (onDemand or provisioned)`);
  }
  return {
    region: raw.region,
    billingMode: raw.billingMode,
    read: nonNegative(raw.read, `${where}.read`),
    write: nonNegative(raw.write, `${where}.write`),
    source: typeof raw.source === 'string' ? raw.source : 'the workload file',
    since: typeof raw.since === 'string' ? raw.since : 'unknown',
  };
}

/** Checks a parsed description file (YAML or JSON) and returns it typed. Throws CostInputError naming the first problem. */
export function parseWorkload(raw: unknown): Workload {
  if (!isObject(raw)) throw new CostInputError('a workload is an object with models, region, billingMode and operations');
  if (typeof raw.models !== 'string' || raw.models === '') throw new CostInputError('models must name the models module');
  const region = raw.region ?? 'us-east-1';
  if (typeof region !== 'string') throw new CostInputError('region must be a string');
  const billingMode = raw.billingMode ?? 'onDemand';
  if (billingMode !== 'onDemand' && billingMode !== 'provisioned') throw new CostInputError('billingMode is onDemand or provisioned');
  if (raw.prices !== undefined && !Array.isArray(raw.prices)) throw new CostInputError('prices must be a list');
  if (!Array.isArray(raw.operations) || raw.operations.length === 0) throw new CostInputError('operations must be a non-empty list');
  return {
    models: raw.models,
    region,
    billingMode,
    prices: ((raw.prices as unknown[] | undefined) ?? []).map(parsePrice),
    operations: raw.operations.map(parseLine),
  };
}

/** The index of a model by name or alias (CostInputError when it has none). */
function indexOf(model: AnyModel, name: string): IndexMeta {
  const index = model.compiled.indexes.find((i) => i.name === name || i.alias === name);
  if (!index) throw new CostInputError(`model ${model.name} has no index ${JSON.stringify(name)}`);
  return index;
}

/** Size of an index entry as written (a local index's counts its overhead). */
function writtenBytes(index: IndexMeta, line: WorkloadLine): number {
  return entryBytes(index, line) + (index.type === 'local' ? LSI_ENTRY_OVERHEAD_BYTES : 0);
}

function entryBytes(index: IndexMeta, line: WorkloadLine): number {
  if (index.projection === 'all') return line.itemBytes;
  if (index.projection === 'keys') return line.keyBytes ?? 100;
  return line.indexBytes ?? line.itemBytes;
}

/** The units one operation of a line consumes. */
export function lineUnits(model: AnyModel, line: WorkloadLine): CapacityEstimate {
  const transactional = line.transactional === true;
  if (line.operation === 'get' || line.operation === 'query') {
    const index = line.index === undefined ? undefined : indexOf(model, line.index);
    if (line.operation === 'get' && index) throw new CostInputError(`a get reads the table: ${JSON.stringify(line.index)} is for queries`);
    const size = index ? entryBytes(index, line) : line.itemBytes;
    const count = line.operation === 'get' ? 1 : (line.items ?? 1);
    return estimateReadSizes(line.operation === 'get' ? 'get' : 'query', [size * count], { consistent: line.consistent === true, transactional, index: index?.name });
  }
  const touched = line.indexes === undefined ? model.compiled.indexes : line.indexes.map((n) => indexOf(model, n));
  const moved = new Set((line.changesIndexKeys ?? []).map((n) => indexOf(model, n).name));
  const size = line.itemBytes;
  const indexes: IndexEntryChange[] = touched.map((index) => {
    const bytes = writtenBytes(index, line);
    if (line.operation === 'delete') return { name: index.name, before: bytes };
    if (line.operation === 'update') return { name: index.name, before: bytes, after: bytes, keyChanged: moved.has(index.name), changed: index.projection !== 'keys' };
    return { name: index.name, after: bytes };
  });
  if (line.operation === 'delete') return estimateWriteSizes({ before: size, indexes, transactional });
  return estimateWriteSizes({ before: line.operation === 'update' ? size : undefined, after: size, indexes, transactional });
}

/** Estimates a workload against its models: units and dollars per month, per line and in total. */
export function estimateWorkload(workload: Workload, models: readonly AnyModel[]): WorkloadEstimate {
  let price: Price;
  try {
    price = priceFor(workload.region, workload.billingMode, workload.prices);
  } catch (error) {
    throw new CostInputError((error as Error).message);
  }
  const lines = workload.operations.map((line): WorkloadLineEstimate => {
    const model = models.find((m) => m.name === line.model);
    if (!model) throw new CostInputError(`the models module exports no model named ${JSON.stringify(line.model)}`);
    const perOperation = lineUnits(model, line);
    const perMonth = line.perMonth ?? (line.perSecond as number) * SECONDS_PER_MONTH;
    const readUnits = perOperation.read * perMonth;
    const writeUnits = perOperation.write * perMonth;
    return { label: line.label ?? `${line.operation} ${line.model}`, perMonth, perOperation, readUnits, writeUnits, dollars: dollarsOf(price, readUnits, writeUnits) };
  });
  let readUnits = 0;
  let writeUnits = 0;
  let dollars = 0;
  for (const line of lines) {
    readUnits += line.readUnits;
    writeUnits += line.writeUnits;
    dollars += line.dollars;
  }
  return { price, lines, readUnits, writeUnits, dollars };
}
