/**
 * The tables of a set of models, as the CLI works with them: models grouped by table, each table's
 * CreateTable definition (the one `tables(db).create` sends, so generated templates and live tables
 * agree) and its TTL attribute.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { isModel, type AnyModel } from '../model/model.js';
import { tableDefinition, ttlAttribute, type CreateTableOptions } from '../tables/table.js';

/** One table and what the models need of it. */
export interface TableSchema {
  /** The table name (prefix applied). */
  readonly name: string;
  /** The models stored in it. */
  readonly models: readonly AnyModel[];
  /** Its CreateTable input. */
  readonly definition: CreateTableCommandInput;
  /** Its time-to-live attribute, if a model has one. */
  readonly ttl: string | undefined;
}

/** Every model exported by a module (values made with `model()`), in export order, each once. */
export function modelsOf(module: Readonly<Record<string, unknown>>): AnyModel[] {
  const out: AnyModel[] = [];
  for (const value of Object.values(module)) if (isModel(value) && !out.includes(value)) out.push(value);
  return out;
}

/**
 * The tables of `models`, sorted by name, with `prefix` before each name. Sorted, because a module's
 * export order depends on the loader (Node sorts a namespace's exports, tsx and vite keep source order),
 * and generated files must not change with it.
 */
export function tableSchemas(models: readonly AnyModel[], prefix = '', options: CreateTableOptions = {}): TableSchema[] {
  const byTable = new Map<string, AnyModel[]>();
  for (const m of models) byTable.set(m.table, [...(byTable.get(m.table) ?? []), m]);
  return [...byTable].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([table, list]) => {
    const name = `${prefix}${table}`;
    return { name, models: list, definition: tableDefinition(name, list, options), ttl: ttlAttribute(list) };
  });
}
