/**
 * Partner databases: one derived database per partner (src/client/derive.ts), whose client signs with
 * credentials from STS AssumeRole on the partner's role, whose tables carry the partner's prefix, and
 * whose operations carry the partner on their context. They are kept in a bounded cache: the least
 * recently used goes first, and its client is destroyed once its requests in flight are done. No
 * timers: credentials are refreshed by the SDK client when a request needs them.
 */
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { derive } from '../client/derive.js';
import type { Middleware } from '../config.js';
import type { Database } from '../database.js';
import { ConfigurationError } from '../errors.js';
import { currentScope } from '../scope.js';
import { partnerCredentials } from './credentials.js';
import { PartnerScopeError, UnknownPartnerError } from './errors.js';
import { parsePartnerRegistry, type PartnerConfig, type PartnerRegistry } from './registry.js';

/** Where and how STS is called. Every field is optional. */
export interface StsOptions {
  /** STS endpoint (default: the SDK's, the regional endpoint of `region`). Tests point it at a local STS. */
  readonly endpoint?: string;
  /** Region of the STS client (default: the partner's region). */
  readonly region?: string;
  /**
   * Credentials that call AssumeRole (default: the base database's `credentials` if it was given
   * some, else the SDK's default chain, e.g. the Lambda function's role).
   */
  readonly credentials?: DynamoDBClientConfig['credentials'];
  /** Attempts per AssumeRole call, the first included (default: the SDK's, 3). */
  readonly maxAttempts?: number;
  /** The STS client's request handler (default: the partner database's DynamoDB client's). */
  readonly requestHandler?: DynamoDBClientConfig['requestHandler'];
}

/** Options for {@link partnerAccounts}. */
export interface PartnerAccountsOptions<Id extends string = string> {
  /** The partners (checked again here: a registry from `definePartners`/`partnerRegistryFromEnv` passes as is). */
  readonly registry: PartnerRegistry<Id>;
  /** How STS is reached. */
  readonly sts?: StsOptions;
  /** Partner databases kept at most (default 16); the least recently used is dropped first. */
  readonly maxCached?: number;
}

/** Name of the middleware every partner database has (outermost): the scope check and the in-flight count. */
export const PARTNER_MIDDLEWARE = 'dynamorm:partner';

interface Entry<D> {
  readonly db: D;
  inFlight: number;
  evicted: boolean;
}

/**
 * The partner databases of one base database. Get one with {@link forPartner} (or `get`); create this
 * once per process with {@link partnerAccounts}.
 */
export class PartnerAccounts<D extends Database = Database, Id extends string = string> {
  /** The checked registry. */
  readonly registry: PartnerRegistry<Id>;
  /** Partner databases kept at most. */
  readonly maxCached: number;
  private readonly base: D;
  private readonly sts: StsOptions;
  private readonly cache = new Map<string, Entry<D>>();

  /** @internal Use {@link partnerAccounts}. */
  constructor(base: D, options: PartnerAccountsOptions<Id>) {
    const maxCached = options.maxCached ?? 16;
    if (!(Number.isSafeInteger(maxCached) && maxCached >= 1)) throw new ConfigurationError(`maxCached must be an integer of at least 1, got ${maxCached}`);
    this.registry = parsePartnerRegistry(options.registry) as PartnerRegistry<Id>;
    this.maxCached = maxCached;
    this.base = base;
    this.sts = options.sts ?? {};
  }

  /**
   * The database of partner `id` (default: the partner of the current scope), the same one on every
   * call while it stays cached. Creating it sends nothing: the first request assumes the role.
   * Throws UnknownPartnerError for an id the registry lacks, PartnerScopeError when no id is given
   * and the scope has no partner.
   */
  get(id?: Id): D {
    const partner = id ?? (currentScope()?.partner as Id | undefined);
    if (partner === undefined) throw new PartnerScopeError(undefined, undefined);
    const cached = this.cache.get(partner);
    if (cached) {
      // Most recently used last: Map keeps insertion order.
      this.cache.delete(partner);
      this.cache.set(partner, cached);
      return cached.db;
    }
    if (!Object.hasOwn(this.registry, partner)) throw new UnknownPartnerError(partner);
    const entry = this.open(partner, this.registry[partner]);
    this.cache.set(partner, entry);
    if (this.cache.size > this.maxCached) this.evict(this.cache.keys().next().value as string);
    return entry.db;
  }

  /** Ids of the cached partner databases, least recently used first. */
  cached(): string[] {
    return [...this.cache.keys()];
  }

  /**
   * Drops a partner's database from the cache and destroys its client (at once, or when its last
   * request in flight ends). A handle still held afterwards works, on a new client of its own that is
   * destroyed after each request. Returns whether the partner was cached.
   */
  evict(id: string): boolean {
    const entry = this.cache.get(id);
    if (!entry) return false;
    this.cache.delete(id);
    entry.evicted = true;
    if (entry.inFlight === 0) entry.db.destroy();
    return true;
  }

  /** Evicts every partner database (tests, scripts; a Lambda function keeps them). */
  destroy(): void {
    for (const id of [...this.cache.keys()]) this.evict(id);
  }

  private open(partner: string, config: PartnerConfig): Entry<D> {
    const base = this.base;
    const region = config.region ?? base.config.region;
    const credentials = this.sts.credentials ?? base.config.credentials;
    const assumeRole = fromTemporaryCredentials({
      params: {
        RoleArn: config.roleArn,
        RoleSessionName: `dynamorm-${partner}`,
        ...(config.externalId !== undefined ? { ExternalId: config.externalId } : {}),
        ...(config.durationSeconds !== undefined ? { DurationSeconds: config.durationSeconds } : {}),
        ...(config.sessionTags ? { Tags: Object.entries(config.sessionTags).map(([Key, Value]) => ({ Key, Value })) } : {}),
      },
      ...(credentials ? { masterCredentials: credentials } : {}),
      clientConfig: {
        region: this.sts.region ?? region,
        ...(this.sts.endpoint !== undefined ? { endpoint: this.sts.endpoint } : {}),
        ...(this.sts.maxAttempts !== undefined ? { maxAttempts: this.sts.maxAttempts } : {}),
        ...(this.sts.requestHandler !== undefined ? { requestHandler: this.sts.requestHandler } : {}),
      },
    });
    const db = derive(base, {
      partner,
      region,
      credentials: partnerCredentials(partner, assumeRole),
      ...(config.tablePrefix !== undefined ? { tablePrefix: config.tablePrefix } : {}),
    });
    const entry: Entry<D> = { db, inFlight: 0, evicted: false };
    const guard: Middleware = async (request, next) => {
      const scoped = currentScope()?.partner;
      if (scoped !== undefined && scoped !== partner) throw new PartnerScopeError(partner, scoped);
      entry.inFlight++;
      try {
        return await next(request);
      } finally {
        // An evicted database closes its connections when its last request ends.
        if (--entry.inFlight === 0 && entry.evicted) db.destroy();
      }
    };
    // Outermost, so no other middleware runs (and nothing is sent) for a refused request.
    db.plugins = [[PARTNER_MIDDLEWARE, guard], ...db.plugins];
    return entry;
  }
}

const registered = new WeakMap<Database, PartnerAccounts<Database, string>>();

/**
 * Sets up partner accounts for a base database and returns them; {@link forPartner} then finds them
 * from the database. Call once per process (module scope), next to the database. Nothing is sent.
 * Throws PartnerRegistryError for a bad registry, ConfigurationError when `db` already has partners.
 */
export function partnerAccounts<D extends Database, Id extends string>(db: D, options: PartnerAccountsOptions<Id>): PartnerAccounts<D, Id> {
  if (registered.has(db)) throw new ConfigurationError('this database already has partner accounts; call partnerAccounts once per database');
  const accounts = new PartnerAccounts<D, Id>(db, options);
  registered.set(db, accounts as unknown as PartnerAccounts<Database, string>);
  return accounts;
}

/**
 * The database of partner `id` (default: the partner of the current scope, see `withPartner`): a
 * database of the same kind as `db`, on the partner's account (credentials from STS AssumeRole),
 * region and table prefix, whose operations carry the partner on their context and refuse, before
 * sending, to run in another partner's scope. The same database is returned while it stays cached.
 *
 * A function rather than a `db.forPartner` method, so bundles that serve one account do not carry it.
 * Throws ConfigurationError when `partnerAccounts(db, …)` was not called, UnknownPartnerError for an
 * id not in the registry, PartnerScopeError when no id is given and the scope has no partner.
 */
export function forPartner<D extends Database>(db: D, id?: string): D {
  const accounts = registered.get(db);
  if (!accounts) throw new ConfigurationError('no partner accounts for this database: call partnerAccounts(db, { registry }) first');
  return accounts.get(id) as D;
}
