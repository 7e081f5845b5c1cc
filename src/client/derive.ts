/**
 * Derived databases: the same configuration, plugins and models on another account's credentials,
 * region, client or table prefix. This is how a partner account plugs in: one call gives a database
 * whose requests carry the partner on their context. A function, not a method, so single-account
 * bundles do not carry it.
 */
import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { ResolvedConfig } from '../config.js';
import type { Database } from '../database.js';
import type { PluginEntries } from '../plugins/plugin.js';

/** What a derived database changes. Everything left out is the original's. */
export interface DeriveOptions {
  /** The partner account the derived database serves (on every operation's context). */
  readonly partner?: string;
  /** Credentials for the derived database's own client. */
  readonly credentials?: DynamoDBClientConfig['credentials'];
  /** Region of the derived database's own client. */
  readonly region?: string;
  /** A client to use as is. */
  readonly client?: DynamoDBClient;
  /** Table prefix of the derived database. */
  readonly tablePrefix?: string;
}

type DatabaseKind<D> = new (config: ResolvedConfig, plugins: PluginEntries, partner?: string) => D;

/**
 * A database of the same kind as `db` (a `Database` or a `DynamORM`) with other credentials, region,
 * client or table prefix: a copy of its plugins (later changes to either do not reach the other), its
 * own model handles, and its own client unless neither credentials nor region change (then the
 * connections are shared; `destroy()` on either closes them).
 */
export function derive<D extends Database>(db: D, options: DeriveOptions): D {
  const ownClient = options.client ?? (options.credentials || options.region ? undefined : db.client);
  const config: ResolvedConfig = Object.assign({}, db.config, {
    client: ownClient,
    region: options.region ?? db.config.region,
    credentials: options.credentials ?? db.config.credentials,
    tablePrefix: options.tablePrefix ?? db.config.tablePrefix,
  });
  const Kind = db.constructor as DatabaseKind<D>;
  return new Kind(config, [...db.plugins], options.partner ?? db.partner);
}
