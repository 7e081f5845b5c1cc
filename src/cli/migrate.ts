/**
 * `dynamorm migrate`: compares the tables the models need with the live ones and makes a plan of
 * steps, then (asked to) applies it. DynamoDB (and CloudFormation) take one global secondary index
 * created or deleted per table update, so each index change is a step of its own, and each new index
 * is waited for until it has backfilled. Nothing is deleted (an index, a table) unless asked for with
 * `allowDelete`: a changed or unknown index is reported and kept.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import type { TableSchema } from './schema.js';

/** One step of a migration plan. */
export type MigrationStep =
  | { readonly kind: 'createTable'; readonly table: string; readonly input: CreateTableCommandInput }
  | {
      readonly kind: 'createIndex';
      readonly table: string;
      readonly index: string;
      readonly input: GlobalSecondaryIndex;
      /** Types of the index's key attributes (an UpdateTable that adds an index must declare them). */
      readonly attributes: readonly AttributeDefinition[];
    }
  | { readonly kind: 'deleteIndex'; readonly table: string; readonly index: string }
  | { readonly kind: 'enableTtl'; readonly table: string; readonly attribute: string };

/** A plan: the steps to run, and what it will not do (and why). */
export interface MigrationPlan {
  readonly steps: MigrationStep[];
  /** Differences left alone: deletions not allowed, and changes DynamoDB cannot make in place. */
  readonly kept: string[];
  /** Differences that need a new table (key schema, local indexes): the plan cannot reach the models. */
  readonly blocked: string[];
}

/** What the live side of a table looks like (undefined: no such table). */
export interface LiveTable {
  readonly description: TableDescription | undefined;
  readonly ttl: string | undefined;
}

type KeyElement = { AttributeName?: string; KeyType?: string };
const keys = (k: readonly KeyElement[] | undefined) => JSON.stringify(k?.map((e) => [e.AttributeName, e.KeyType]) ?? []);
const shape = (i: { KeySchema?: KeyElement[]; Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] } }) =>
  JSON.stringify([keys(i.KeySchema), i.Projection?.ProjectionType, [...(i.Projection?.NonKeyAttributes ?? [])].sort()]);

/** Plans the migration of one table (pure: the live side is given). */
export function planTable(wanted: TableSchema, live: LiveTable, options: { readonly allowDelete?: boolean } = {}): MigrationPlan {
  const steps: MigrationStep[] = [];
  const kept: string[] = [];
  const blocked: string[] = [];
  const table = wanted.name;
  const have = live.description;
  if (!have) {
    steps.push({ kind: 'createTable', table, input: wanted.definition });
    if (wanted.ttl) steps.push({ kind: 'enableTtl', table, attribute: wanted.ttl });
    return { steps, kept, blocked };
  }
  if (keys(wanted.definition.KeySchema) !== keys(have.KeySchema)) blocked.push(`${table}: the key schema differs (a new table is needed)`);
  const wantLsi = (wanted.definition.LocalSecondaryIndexes ?? []).map(shape).sort();
  const haveLsi = (have.LocalSecondaryIndexes ?? []).map(shape).sort();
  if (JSON.stringify(wantLsi) !== JSON.stringify(haveLsi)) blocked.push(`${table}: local secondary indexes differ (they are fixed when a table is created)`);
  const wantGsi = new Map((wanted.definition.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName as string, i]));
  const haveGsi = new Map((have.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName as string, i]));
  // Deletions first: an index that changed is deleted, then created again under the same name.
  for (const [name, index] of haveGsi) {
    const want = wantGsi.get(name);
    if (want && shape(want) === shape(index)) continue;
    const why = want ? 'changed keys or projection' : 'not in the models';
    if (options.allowDelete) steps.push({ kind: 'deleteIndex', table, index: name });
    else kept.push(`${table}: index ${name} (${why}) is kept: pass --allow-delete to delete${want ? ' and re-create' : ''} it`);
  }
  for (const [name, index] of wantGsi) {
    const existing = haveGsi.get(name);
    if (existing && shape(existing) === shape(index)) continue;
    if (existing && !options.allowDelete) continue;
    const keyNames = new Set(index.KeySchema?.map((k) => k.AttributeName));
    const attributes = (wanted.definition.AttributeDefinitions ?? []).filter((a) => keyNames.has(a.AttributeName));
    steps.push({ kind: 'createIndex', table, index: name, input: index, attributes });
  }
  if (wanted.ttl && live.ttl !== wanted.ttl) {
    if (live.ttl) kept.push(`${table}: time to live is on ${live.ttl}, the models use ${wanted.ttl} (change it by hand: DynamoDB allows one change per hour)`);
    else steps.push({ kind: 'enableTtl', table, attribute: wanted.ttl });
  }
  return { steps, kept, blocked };
}

/** A step as one line of a plan. */
export function describeStep(step: MigrationStep): string {
  switch (step.kind) {
    case 'createTable':
      return `create table ${step.table}${step.input.GlobalSecondaryIndexes ? ` with indexes ${step.input.GlobalSecondaryIndexes.map((i) => i.IndexName).join(', ')}` : ''}`;
    case 'createIndex':
      return `create index ${step.index} on ${step.table} (and wait for it to backfill)`;
    case 'deleteIndex':
      return `DELETE index ${step.index} on ${step.table}`;
    case 'enableTtl':
      return `enable time to live on ${step.table}.${step.attribute}`;
  }
}

/** Reads the live side of a table. */
export async function readLive(client: DynamoDBClient, table: string): Promise<LiveTable> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    const on = ['ENABLED', 'ENABLING'].includes(ttl.TimeToLiveDescription?.TimeToLiveStatus ?? '');
    return { description: Table, ttl: on ? ttl.TimeToLiveDescription?.AttributeName : undefined };
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return { description: undefined, ttl: undefined };
    throw error;
  }
}

/** Progress of a step being applied. */
export interface StepProgress {
  readonly step: MigrationStep;
  /** What is happening (`waiting for the index to backfill`, ...). */
  readonly status: string;
  /** Items backfilled so far / the table's item count, when DynamoDB reports them. */
  readonly done?: number;
  readonly total?: number;
}

/** Applies one step and waits until DynamoDB has finished it (a new index: until it is ACTIVE). */
export async function applyStep(client: DynamoDBClient, step: MigrationStep, onProgress: (p: StepProgress) => void = () => undefined, pollMs = 1000): Promise<void> {
  switch (step.kind) {
    case 'createTable':
      try {
        await client.send(new CreateTableCommand(step.input));
      } catch (error) {
        // A retried CreateTable finds the table its own first attempt created: that is success.
        const e = error as { name?: string; $metadata?: { attempts?: number } };
        if (!(e.name === 'ResourceInUseException' && (e.$metadata?.attempts ?? 1) > 1)) throw error;
      }
      break;
    case 'createIndex': {
      const live = await readLive(client, step.table);
      const definitions = (live.description?.AttributeDefinitions ?? []).slice();
      const needed = step.attributes.filter((d) => !definitions.some((x) => x.AttributeName === d.AttributeName));
      await client.send(
        new UpdateTableCommand({
          TableName: step.table,
          AttributeDefinitions: [...definitions, ...needed],
          GlobalSecondaryIndexUpdates: [{ Create: step.input }],
        }),
      );
      break;
    }
    case 'deleteIndex':
      await client.send(new UpdateTableCommand({ TableName: step.table, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: step.index } }] }));
      break;
    case 'enableTtl':
      await waitActive(client, step, onProgress, pollMs);
      await client.send(new UpdateTimeToLiveCommand({ TableName: step.table, TimeToLiveSpecification: { AttributeName: step.attribute, Enabled: true } }));
      return;
  }
  await waitActive(client, step, onProgress, pollMs);
}

/** The longest wait for one step (a large index can take hours to backfill; a stuck one must not hang the CLI for ever). */
const STEP_WAIT_MS = 6 * 60 * 60 * 1000;

async function waitActive(client: DynamoDBClient, step: MigrationStep, onProgress: (p: StepProgress) => void, pollMs: number): Promise<void> {
  const until = Date.now() + STEP_WAIT_MS;
  for (;;) {
    if (Date.now() > until) throw new Error(`${describeStep(step)}: not finished after ${STEP_WAIT_MS / 3_600_000} hours; nothing more was applied`);
    const { description } = await readLive(client, step.table);
    const index = step.kind === 'createIndex' || step.kind === 'deleteIndex' ? description?.GlobalSecondaryIndexes?.find((i) => i.IndexName === step.index) : undefined;
    const tableActive = description?.TableStatus === 'ACTIVE';
    const done = step.kind === 'deleteIndex' ? tableActive && !index : step.kind === 'createIndex' ? tableActive && index?.IndexStatus === 'ACTIVE' : tableActive;
    if (done) return;
    const backfilling = index?.Backfilling === true;
    onProgress({
      step,
      status: backfilling ? 'backfilling the index' : `waiting for ${step.kind === 'createIndex' ? 'the index' : 'the table'} to be active`,
      ...(index?.ItemCount !== undefined ? { done: index.ItemCount } : {}),
      ...(description?.ItemCount !== undefined ? { total: description.ItemCount } : {}),
    });
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
