/**
 * The cost plugin: one middleware that asks DynamoDB for the capacity each request consumed
 * (`ReturnConsumedCapacity: 'INDEXES'`, unless the request says otherwise), counts it by operation,
 * model, table, index (and tenant and partner when allowed), prices it, projects a month from the
 * observed rate, and fires cost alerts. Observing never changes a request's outcome.
 */
import type { DynamORMRequest, Middleware } from '../config.js';
import { ConfigurationError } from '../errors.js';
import { askForCapacity, capacityOf, safely } from '../plugins/metrics/facts.js';
import { metricsPluginOf } from '../plugins/metrics/plugin.js';
import type { Plugin, PluginHost } from '../plugins/plugin.js';
import { Ledger, type CostLine } from './ledger.js';
import { checkPrice, priceFor, SECONDS_PER_MONTH, type BillingMode, type Price } from './prices.js';

/** Options of {@link costPlugin}. */
export interface CostOptions {
  /** The middleware's name (default `cost`). */
  readonly name?: string;
  /** The region whose prices apply (default `us-east-1`). */
  readonly region?: string;
  /** How the tables are billed (default `onDemand`). */
  readonly billingMode?: BillingMode;
  /** Billing mode of particular tables, by physical name (prefix included), where it differs. */
  readonly tables?: Readonly<Record<string, BillingMode>>;
  /** Prices that replace the built-in ones of the same region and billing mode (see `PRICES`). */
  readonly prices?: readonly Price[];
  /**
   * Tenant and partner as dimensions of the lines. Off by default: each tenant is a new line, so
   * allow it only when the number of tenants or partners is small (as the metrics plugin's `allow`).
   */
  readonly allow?: { readonly tenant?: boolean; readonly partner?: boolean };
  /**
   * The shortest period a projection divides by, in seconds (default 60): a few requests in the
   * first milliseconds of a process do not project to a fortune.
   */
  readonly minimumSeconds?: number;
  /** Name of the metric the projection is published as through an installed metrics plugin (default `EstimatedMonthlyCost`). */
  readonly metricName?: string;
  /** Called with what an alert callback throws (default: ignored). */
  readonly onError?: (error: unknown) => void;
  /** Clock, in ms (default `Date.now`). */
  readonly now?: () => number;
}

/** What `costs()` returns: the capacity consumed since the plugin was created or reset, priced. */
export interface CostReport {
  /** Start of the period. */
  readonly since: Date;
  /** Length of the period, in seconds. */
  readonly seconds: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** US dollars. */
  readonly dollars: number;
  /** By operation, model, table, index (tenant, partner when allowed), most expensive first. */
  readonly lines: readonly CostLine[];
  /** The prices used by default (tables with a billing mode of their own use theirs). */
  readonly price: Price;
}

/** A month projected from the rate observed so far. */
export interface MonthlyEstimate {
  /** US dollars in a month (730 hours) at the observed rate. */
  readonly dollars: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** The period observed, in seconds. */
  readonly observedSeconds: number;
  /** What the period cost, in US dollars. */
  readonly observedDollars: number;
}

/** A cost alert's callback; it gets the projection that crossed the limit. */
export type CostAlertCallback = (estimate: MonthlyEstimate) => void;

/** The cost plugin: install it with `db.use(plugin)` or `Database.create({ plugins: [plugin] })`. */
export interface CostPlugin extends Plugin {
  /** The capacity consumed since the plugin was created or last reset, priced. */
  costs(): CostReport;
  /** A month at the rate observed since the plugin was created or last reset. */
  estimateMonthlyCost(): MonthlyEstimate;
  /**
   * Calls `callback` once, the first time the monthly projection reaches `limit` dollars (checked
   * after each request). Returns a function that cancels the alert.
   */
  setCostAlert(limit: number, callback: CostAlertCallback): () => void;
  /** Starts a new period (alerts that fired stay fired). */
  reset(): void;
}

/** Middleware of the cost plugins, to find a database's plugin (derived databases share it). */
const installed = new WeakMap<Middleware, CostPlugin>();

/** Creates the cost plugin. Unknown prices or bad options throw ConfigurationError here, not on a request. */
export function costPlugin(options: CostOptions = {}): CostPlugin {
  const name = options.name ?? 'cost';
  const region = options.region ?? 'us-east-1';
  const given = options.prices ?? [];
  for (const price of given) checkPrice(price);
  const price = priceFor(region, options.billingMode ?? 'onDemand', given);
  const byTable = new Map<string, Price>();
  for (const [table, mode] of Object.entries(options.tables ?? {})) byTable.set(table, priceFor(region, mode, given));
  const priceOf = (table: string): Price => byTable.get(table) ?? price;
  const minimumSeconds = options.minimumSeconds ?? 60;
  if (!(Number.isFinite(minimumSeconds) && minimumSeconds > 0)) throw new ConfigurationError('minimumSeconds must be a positive number');
  const keepTenant = options.allow?.tenant === true;
  const keepPartner = options.allow?.partner === true;
  const metricName = options.metricName ?? 'EstimatedMonthlyCost';
  const now = options.now ?? Date.now;
  const onError = options.onError;

  let since = now();
  let ledger = new Ledger(priceOf);
  const alerts = new Set<{ limit: number; callback: CostAlertCallback }>();
  let host: PluginHost | undefined;

  const estimate = (): MonthlyEstimate => {
    const observedSeconds = Math.max(0, (now() - since) / 1000);
    const scale = SECONDS_PER_MONTH / Math.max(observedSeconds, minimumSeconds);
    return { dollars: ledger.dollars * scale, readUnits: ledger.read * scale, writeUnits: ledger.write * scale, observedSeconds, observedDollars: ledger.dollars };
  };

  const afterRequest = (): void => {
    const projected = estimate();
    for (const alert of alerts) {
      if (projected.dollars < alert.limit) continue;
      alerts.delete(alert);
      safely(() => alert.callback(projected), onError);
    }
    // Across functions: the projection as a metric of the metrics plugin, when one is installed.
    if (host) metricsPluginOf(host)?.gauge(metricName, projected.dollars);
  };

  const record = (request: DynamORMRequest, output: unknown): void => {
    const uses = capacityOf(request.operation, output);
    if (uses.length === 0) return;
    const context = request.context;
    ledger.add(
      {
        operation: context?.kind ?? 'table',
        model: context?.model ?? request.model ?? 'none',
        tenant: keepTenant ? (context?.tenant ?? 'none') : undefined,
        partner: keepPartner ? (context?.partner ?? 'none') : undefined,
      },
      uses,
    );
    afterRequest();
  };

  const middleware: Middleware = async (request, next) => {
    const sent = askForCapacity(request);
    const output = await next(sent);
    safely(() => record(sent, output), onError);
    return output;
  };

  const plugin: CostPlugin = {
    name,
    install(target: PluginHost) {
      host = target;
      target.use(name, middleware);
    },
    costs: () => {
      const seconds = Math.max(0.001, (now() - since) / 1000);
      return { since: new Date(since), seconds, readUnits: ledger.read, writeUnits: ledger.write, dollars: ledger.dollars, lines: ledger.list(), price };
    },
    estimateMonthlyCost: estimate,
    setCostAlert(limit, callback) {
      if (!(typeof limit === 'number' && Number.isFinite(limit) && limit >= 0)) throw new ConfigurationError('a cost alert limit is a finite non-negative number of dollars');
      if (typeof callback !== 'function') throw new ConfigurationError('a cost alert needs a callback');
      const alert = { limit, callback };
      alerts.add(alert);
      return () => void alerts.delete(alert);
    },
    reset() {
      since = now();
      ledger = new Ledger(priceOf);
    },
  };
  installed.set(middleware, plugin);
  return plugin;
}

/** The cost plugin installed on `db`. Throws ConfigurationError when there is none. */
function pluginOf(db: { readonly plugins: PluginHost['plugins'] }): CostPlugin {
  for (const [, middleware] of db.plugins) {
    const plugin = installed.get(middleware);
    if (plugin) return plugin;
  }
  throw new ConfigurationError('no cost plugin is installed on this database; add one with db.use(costPlugin())');
}

/** The capacity `db` consumed since its cost plugin was created or reset, by operation, model, table and index, priced. */
export function costs(db: { readonly plugins: PluginHost['plugins'] }): CostReport {
  return pluginOf(db).costs();
}

/** A month of `db`'s requests at the rate its cost plugin observed. */
export function estimateMonthlyCost(db: { readonly plugins: PluginHost['plugins'] }): MonthlyEstimate {
  return pluginOf(db).estimateMonthlyCost();
}

/**
 * Calls `callback` once, in this process, the first time `db`'s monthly projection reaches `limit`
 * dollars. Across functions, alarm on the projection the metrics plugin exports. Returns a cancel function.
 */
export function setCostAlert(db: { readonly plugins: PluginHost['plugins'] }, limit: number, callback: CostAlertCallback): () => void {
  return pluginOf(db).setCostAlert(limit, callback);
}
