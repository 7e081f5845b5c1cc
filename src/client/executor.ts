/**
 * The narrow interface operations talk to: send one request, resolve a table name, read the config.
 * The Database implements it; a derived executor (another account's credentials, another table
 * prefix) is another implementation, so operations never depend on the Database class.
 */
import type { DynamORMRequest, ResolvedConfig } from '../config.js';
import type { ResolvedHooks } from '../extensions/extension.js';
import type { AnyModel, CompiledModel } from '../model/model.js';

/** An AWS SDK command class (`PutItemCommand`, ...). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandClass = new (input: any) => any;

/** What every operation needs from the database it runs on. */
export interface Executor {
  /** The resolved configuration. */
  readonly config: ResolvedConfig;
  /** The partner account this executor serves, when it was derived for one. */
  readonly partner: string | undefined;
  /** The physical table name of a model (table prefix applied). */
  tableName(model: AnyModel): string;
  /**
   * Sends one request through the plugins to DynamoDB. The operation passes its own command class,
   * so a bundle carries only the commands its operations use.
   */
  send<T>(command: CommandClass, request: DynamORMRequest): Promise<T>;
  /** The handle of a model on this executor: its metadata and its resolved extension hooks (cached). */
  target(model: AnyModel): ModelTarget;
}

/** A model on an executor, as operations see it (the model handle implements it). */
export interface ModelTarget {
  readonly executor: Executor;
  readonly model: AnyModel;
  readonly meta: CompiledModel;
  /** The hooks of the extensions that apply to the model; `undefined` when none does. */
  readonly hooks: ResolvedHooks | undefined;
}
