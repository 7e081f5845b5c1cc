/**
 * Tables from models: build the CreateTable input (keys, GSIs, LSIs, billing, stream, TTL) from one
 * or several models sharing a table, create it and wait until it is active, and report how an
 * existing table differs from what the models need. Nothing is created implicitly.
 */
import type {
  AttributeDefinition,
  CreateTableCommandInput,
  GlobalSecondaryIndex,
  LocalSecondaryIndex,
  Projection,
  TableDescription,
} from '@aws-sdk/client-dynamodb';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { operationContext } from '../client/context.js';
import type { CommandClass, Executor } from '../client/executor.js';
import { ModelDefinitionError, TimeoutError, ValidationError } from '../errors.js';
import { describe } from '../marshal/codec.js';
import { isModel, tableNameProblem, type AnyModel, type FieldMeta, type IndexMeta } from '../model/model.js';

/** Options for {@link TableManager.create}. */
export interface CreateTableOptions {
  /** `PAY_PER_REQUEST` (default) or `PROVISIONED` (the default when `throughput` is given). */
  readonly billingMode?: 'PAY_PER_REQUEST' | 'PROVISIONED';
  /** Read/write capacity units (positive integers) for the table and each GSI when provisioned. Default 5/5. */
  readonly throughput?: { readonly read: number; readonly write: number };
  /** Enable a DynamoDB stream with this view type. */
  readonly stream?: 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
  /** Do nothing if the table already exists (default false: an existing table is an error). */
  readonly ifNotExists?: boolean;
  /** Wait until the table is ACTIVE (default true). */
  readonly wait?: boolean;
  /** Longest wait, in milliseconds (default 60 000). */
  readonly timeoutMs?: number;
}

/** One difference between a table and what its models need. */
export interface TableDifference {
  /**
   * What differs: `table` (missing), `keySchema`, `attribute:<name>`, `gsi:<name>`, `lsi:<name>`,
   * `billingMode`, `throughput`, `throughput:<gsi name>`, `stream` or `ttl`.
   */
  readonly path: string;
  readonly expected: string;
  readonly actual: string;
}

/** DynamoDB scalar type of a key attribute. */
function scalarType(field: FieldMeta): 'S' | 'N' | 'B' {
  const kind = field.spec.kind;
  if (kind === 'binary') return 'B';
  if (kind === 'date') return field.spec.dateStorage === 'iso' || field.spec.dateStorage === undefined ? 'S' : 'N';
  if (kind === 'string' || kind === 'enum') return 'S';
  return 'N';
}

function projectionOf(index: IndexMeta, tableKeys: readonly (FieldMeta | undefined)[]): Projection {
  if (index.projection === 'all') return { ProjectionType: 'ALL' };
  if (index.projection === 'keys') return { ProjectionType: 'KEYS_ONLY' };
  // Key attributes are always projected; DynamoDB does not want them listed again.
  const keys = new Set([...tableKeys, index.partitionKey, index.sortKey].map((f) => f?.stored));
  const extra = [...new Set(index.projection.map((f) => f.stored))].filter((name) => !keys.has(name));
  return extra.length ? { ProjectionType: 'INCLUDE', NonKeyAttributes: extra } : { ProjectionType: 'KEYS_ONLY' };
}

function checkThroughput(options: CreateTableOptions): boolean {
  const { billingMode, throughput } = options;
  if (throughput && billingMode === 'PAY_PER_REQUEST') {
    throw new ValidationError([{ path: ['throughput'], rule: 'billing-mode', message: 'throughput needs billingMode PROVISIONED' }], 'table');
  }
  for (const side of ['read', 'write'] as const) {
    const value = throughput?.[side];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) {
      throw new ValidationError([{ path: ['throughput', side], rule: 'capacity', message: `must be a positive integer, got ${value}` }], 'table');
    }
  }
  return billingMode === 'PROVISIONED' || (billingMode === undefined && throughput !== undefined);
}

function keySchema(pk: FieldMeta, sk: FieldMeta | undefined) {
  return [
    { AttributeName: pk.stored, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.stored, KeyType: 'RANGE' as const }] : []),
  ];
}

/**
 * The CreateTable input for a table shared by `models`. The models must agree on the table's key
 * attributes and on any index they both declare.
 */
export function tableDefinition(tableName: string, models: readonly AnyModel[], options: CreateTableOptions = {}): CreateTableCommandInput {
  const [first] = models;
  if (!first) throw new ModelDefinitionError('tableDefinition needs at least one model');
  const problem = tableNameProblem(tableName);
  if (problem) throw new ModelDefinitionError(`the table name${typeof tableName === 'string' ? ` ${JSON.stringify(tableName)}` : ''} ${problem}`);
  const attributes = new Map<string, 'S' | 'N' | 'B'>();
  const define = (field: FieldMeta, owner: string) => {
    const type = scalarType(field);
    const seen = attributes.get(field.stored);
    if (seen && seen !== type) throw new ModelDefinitionError(`${owner}: attribute ${field.stored} is ${type} here but ${seen} elsewhere`);
    attributes.set(field.stored, type);
  };
  const base = first.compiled;
  for (const m of models) {
    const c = m.compiled;
    if (m.table !== first.table) throw new ModelDefinitionError(`models ${first.name} and ${m.name} are in different tables`);
    if (c.partitionKey.stored !== base.partitionKey.stored || c.sortKey?.stored !== base.sortKey?.stored) {
      throw new ModelDefinitionError(`models ${first.name} and ${m.name} share table ${m.table} but not its key attributes`);
    }
    define(c.partitionKey, m.name);
    if (c.sortKey) define(c.sortKey, m.name);
  }
  const throughput = { ReadCapacityUnits: options.throughput?.read ?? 5, WriteCapacityUnits: options.throughput?.write ?? 5 };
  const provisioned = checkThroughput(options);
  const gsis = new Map<string, GlobalSecondaryIndex>();
  const lsis = new Map<string, LocalSecondaryIndex>();
  const shardCounts = new Map<string, string>();
  for (const m of models) {
    for (const index of m.compiled.indexes) {
      define(index.partitionKey, m.name);
      if (index.sortKey) define(index.sortKey, m.name);
      const definition = {
        IndexName: index.name,
        KeySchema: keySchema(index.partitionKey, index.sortKey),
        Projection: projectionOf(index, [base.partitionKey, base.sortKey]),
      };
      if ((index.type === 'local' ? gsis : lsis).has(index.name)) {
        throw new ModelDefinitionError(`index ${index.name} is declared both global and local`);
      }
      const existing = (index.type === 'local' ? lsis : gsis).get(index.name);
      if (existing && JSON.stringify([existing.KeySchema, existing.Projection]) !== JSON.stringify([definition.KeySchema, definition.Projection])) {
        throw new ModelDefinitionError(`index ${index.name} is declared with different keys or projection by two models`);
      }
      // Shards are no part of DynamoDB's schema, but models sharing an index must spread (and read) it alike.
      const sharding = index.partitionKey.sharding;
      const shards = `${sharding?.shards ?? 1}/${sharding?.reads ?? 1}`;
      if ((shardCounts.get(index.name) ?? shards) !== shards) throw new ModelDefinitionError(`index ${index.name} is declared with different shard counts by two models`);
      shardCounts.set(index.name, shards);
      if (index.type === 'local') lsis.set(index.name, definition);
      else gsis.set(index.name, provisioned ? { ...definition, ProvisionedThroughput: throughput } : definition);
    }
  }
  return {
    TableName: tableName,
    KeySchema: keySchema(base.partitionKey, base.sortKey),
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]): AttributeDefinition => ({ AttributeName, AttributeType })),
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ...(provisioned ? { ProvisionedThroughput: throughput } : {}),
    ...(gsis.size ? { GlobalSecondaryIndexes: [...gsis.values()] } : {}),
    ...(lsis.size ? { LocalSecondaryIndexes: [...lsis.values()] } : {}),
    ...(options.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: options.stream } } : {}),
  };
}

/** The TTL attribute of the models sharing a table, if any (they must agree). */
export function ttlAttribute(models: readonly AnyModel[]): string | undefined {
  const names = new Set(models.flatMap((m) => m.compiled.fields.filter((f) => f.spec.ttl).map((f) => f.stored)));
  if (names.size > 1) throw new ModelDefinitionError(`a table has one TTL attribute; models declare ${[...names].join(', ')}`);
  return [...names][0];
}

function modelList(models: AnyModel | readonly AnyModel[]): readonly AnyModel[] {
  const list = Array.isArray(models) ? (models as readonly AnyModel[]) : [models as AnyModel];
  if (list.length === 0) throw new ModelDefinitionError('a table needs at least one model');
  list.forEach((m: unknown, i) => {
    if (!isModel(m)) throw new ModelDefinitionError(`table model #${i} is not a model made with model(), got ${describe(m)}`);
  });
  return list;
}

/** Creates, compares and deletes tables from models. Get one with `tables(db)` (or `db.tables` on a DynamORM). */
export class TableManager {
  /** @internal */
  constructor(private readonly db: Executor) {}

  /** Sends one table-management request (operation kind `table`). */
  private send<T>(command: CommandClass, operation: string, input: Record<string, unknown>): Promise<T> {
    return this.db.send<T>(command, { operation, input, context: operationContext(this.db, 'table') });
  }

  /**
   * Creates the table for `models` (several models may share one table), waits until it is active and
   * enables TTL when a model has a `ttl` attribute.
   */
  async create(models: AnyModel | readonly AnyModel[], options: CreateTableOptions = {}): Promise<TableDescription> {
    const list = modelList(models);
    const name = this.db.tableName(list[0] as AnyModel);
    const input = tableDefinition(name, list, options);
    const ttl = ttlAttribute(list);
    let description: TableDescription | undefined;
    try {
      const out = await this.send<{ TableDescription?: TableDescription }>(CreateTableCommand, 'CreateTable', { ...input });
      description = out.TableDescription;
    } catch (error) {
      const exists = (error as { awsCode?: string }).awsCode === 'ResourceInUseException';
      // A CreateTable the SDK retried (its first answer lost or too slow) finds the table its own first
      // attempt created: that is success, not "already exists".
      const retried = ((error as { cause?: { $metadata?: { attempts?: number } } }).cause?.$metadata?.attempts ?? 1) > 1;
      if (!(exists && (options.ifNotExists || retried))) throw error;
    }
    if (options.wait !== false) description = await this.waitUntilActive(name, options.timeoutMs ?? 60_000);
    else description ??= await this.describe(name);
    if (ttl) {
      const current = await this.send<{ TimeToLiveDescription?: { TimeToLiveStatus?: string; AttributeName?: string } }>(DescribeTimeToLiveCommand, 'DescribeTimeToLive', { TableName: name });
      const status = current.TimeToLiveDescription?.TimeToLiveStatus;
      if (status !== 'ENABLED' && status !== 'ENABLING') {
        await this.send(UpdateTimeToLiveCommand, 'UpdateTimeToLive', { TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: ttl } });
      }
    }
    return description ?? {};
  }

  /** Describes a table, or `undefined` when it does not exist. */
  async describe(tableName: string): Promise<TableDescription | undefined> {
    try {
      const out = await this.send<{ Table?: TableDescription }>(DescribeTableCommand, 'DescribeTable', { TableName: tableName });
      return out.Table;
    } catch (error) {
      if ((error as { awsCode?: string }).awsCode === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  /** Polls until the table and its indexes are ACTIVE. */
  async waitUntilActive(tableName: string, timeoutMs = 60_000): Promise<TableDescription> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      const table = await this.describe(tableName);
      const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
      if (table?.TableStatus === 'ACTIVE' && indexesActive) return table;
      if (Date.now() + delay > deadline) throw new TimeoutError(`table ${tableName} was not active after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /**
   * Compares an existing table with what `models` need: key schema, attribute types, indexes,
   * billing mode, stream and TTL. An empty list means the table matches; a missing table is one
   * difference at path `table`.
   */
  async diff(models: AnyModel | readonly AnyModel[], options: CreateTableOptions = {}): Promise<TableDifference[]> {
    const list = modelList(models);
    const name = this.db.tableName(list[0] as AnyModel);
    const wanted = tableDefinition(name, list, options);
    const table = await this.describe(name);
    if (!table) return [{ path: 'table', expected: name, actual: 'missing' }];
    const diffs: TableDifference[] = [];
    const check = (path: string, expected: unknown, actual: unknown) => {
      const e = JSON.stringify(expected ?? null);
      const a = JSON.stringify(actual ?? null);
      if (e !== a) diffs.push({ path, expected: e, actual: a });
    };
    const keys = (k: readonly { AttributeName?: string; KeyType?: string }[] | undefined) => k?.map((e) => `${e.AttributeName}:${e.KeyType}`);
    check('keySchema', keys(wanted.KeySchema), keys(table.KeySchema));
    const actualTypes = new Map((table.AttributeDefinitions ?? []).map((d) => [d.AttributeName, d.AttributeType]));
    for (const def of wanted.AttributeDefinitions ?? []) check(`attribute:${def.AttributeName}`, def.AttributeType, actualTypes.get(def.AttributeName));
    type IndexLike = { KeySchema?: { AttributeName?: string; KeyType?: string }[]; Projection?: Projection };
    const indexShape = (i: IndexLike | undefined) =>
      i && { keys: keys(i.KeySchema), projection: i.Projection?.ProjectionType, include: [...(i.Projection?.NonKeyAttributes ?? [])].sort() };
    for (const [kind, want, have] of [
      ['gsi', wanted.GlobalSecondaryIndexes ?? [], table.GlobalSecondaryIndexes ?? []],
      ['lsi', wanted.LocalSecondaryIndexes ?? [], table.LocalSecondaryIndexes ?? []],
    ] as const) {
      const byName = new Map<string | undefined, IndexLike>(have.map((i) => [i.IndexName, i]));
      for (const w of want) check(`${kind}:${w.IndexName}`, indexShape(w), indexShape(byName.get(w.IndexName)));
      for (const h of have) if (!want.some((w) => w.IndexName === h.IndexName)) check(`${kind}:${h.IndexName}`, undefined, indexShape(h));
    }
    // DescribeTable leaves BillingModeSummary out for tables that were always provisioned.
    const billingMode = table.BillingModeSummary?.BillingMode ?? 'PROVISIONED';
    check('billingMode', wanted.BillingMode, billingMode);
    if (wanted.BillingMode === 'PROVISIONED' && billingMode === 'PROVISIONED') {
      const capacity = (t: { ReadCapacityUnits?: number; WriteCapacityUnits?: number } | undefined) => t && { read: t.ReadCapacityUnits, write: t.WriteCapacityUnits };
      check('throughput', capacity(wanted.ProvisionedThroughput), capacity(table.ProvisionedThroughput));
      const actualGsis = new Map((table.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, i]));
      for (const w of wanted.GlobalSecondaryIndexes ?? []) {
        const h = actualGsis.get(w.IndexName);
        if (h) check(`throughput:${w.IndexName}`, capacity(w.ProvisionedThroughput), capacity(h.ProvisionedThroughput));
      }
    }
    check('stream', wanted.StreamSpecification?.StreamViewType, table.StreamSpecification?.StreamEnabled ? table.StreamSpecification.StreamViewType : undefined);
    const ttl = ttlAttribute(list);
    const ttlState = await this.send<{ TimeToLiveDescription?: { TimeToLiveStatus?: string; AttributeName?: string } }>(DescribeTimeToLiveCommand, 'DescribeTimeToLive', { TableName: name });
    const enabled = ['ENABLED', 'ENABLING'].includes(ttlState.TimeToLiveDescription?.TimeToLiveStatus ?? '');
    check('ttl', ttl, enabled ? ttlState.TimeToLiveDescription?.AttributeName : undefined);
    return diffs;
  }

  /** Deletes a model's table (tests and tooling). Missing tables are ignored. */
  async delete(model: AnyModel): Promise<void> {
    modelList(model);
    try {
      await this.send(DeleteTableCommand, 'DeleteTable', { TableName: this.db.tableName(model) });
    } catch (error) {
      if ((error as { awsCode?: string }).awsCode !== 'ResourceNotFoundException') throw error;
    }
  }
}

/** Table creation, comparison and deletion from models, for one database (its client and table prefix). */
export function tables(db: Executor): TableManager {
  return new TableManager(db);
}
