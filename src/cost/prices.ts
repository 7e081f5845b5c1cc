/**
 * What a capacity unit costs, per region and billing mode. The figures are data with their source
 * and date, and every one can be replaced (`costPlugin({ prices })`, the workload file's `prices`):
 * DynamORM cannot know your contract, your region's current list price, or a later price change.
 *
 * CHECK BEFORE RELYING ON THESE FIGURES. They were written without network access:
 * - us-east-1 on-demand, $0.625 per million write request units and $0.125 per million read request
 *   units: the figures given in DynamORM's issue 11, from AWS's announcement of the on-demand price
 *   reduction effective 2024-11-01 (half the earlier $1.25 and $0.25).
 * - us-east-1 provisioned, $0.00065 per write capacity unit-hour and $0.00013 per read capacity
 *   unit-hour: AWS's DynamoDB pricing page as known to the author (Standard table class), not
 *   verified here.
 * Storage, backups, streams, global table replication and the Standard-IA table class are not counted.
 */
import { ConfigurationError } from '../errors.js';

/** How a table is billed: per request (on-demand) or per provisioned capacity-hour. */
export type BillingMode = 'onDemand' | 'provisioned';

/** Hours in a month as AWS's pricing pages count them. */
export const HOURS_PER_MONTH = 730;
/** Seconds in that month. */
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;

/**
 * The price of capacity in one region and billing mode, in US dollars. On-demand: per request unit.
 * Provisioned: per unit-hour of provisioned capacity; a consumed unit is then counted as 1/3600 of a
 * unit-hour, the cost of provisioning exactly the rate consumed (a lower bound: what you provision,
 * not what you use, is billed).
 */
export interface Price {
  readonly region: string;
  readonly billingMode: BillingMode;
  /** On-demand: dollars per write request unit. Provisioned: dollars per write capacity unit-hour. */
  readonly write: number;
  /** On-demand: dollars per read request unit. Provisioned: dollars per read capacity unit-hour. */
  readonly read: number;
  /** Where the figures come from. */
  readonly source: string;
  /** The date from which they apply (ISO date). */
  readonly since: string;
}

/** The built-in figures (see this module's note: check them before relying on them). */
export const PRICES: readonly Price[] = [
  {
    region: 'us-east-1',
    billingMode: 'onDemand',
    write: 0.625 / 1e6,
    read: 0.125 / 1e6,
    source: 'DynamORM issue 11, from the AWS announcement of the on-demand price reduction of 2024-11-01 (unverified here)',
    since: '2024-11-01',
  },
  {
    region: 'us-east-1',
    billingMode: 'provisioned',
    write: 0.00065,
    read: 0.00013,
    source: 'AWS DynamoDB pricing page, provisioned capacity, Standard table class, as known to the author (unverified here)',
    since: '2024-11-01',
  },
];

/** The price of `region` and `billingMode`: from `given` first, then the built-in table. ConfigurationError when neither has it. */
export function priceFor(region: string, billingMode: BillingMode, given: readonly Price[] = []): Price {
  if (billingMode !== 'onDemand' && billingMode !== 'provisioned') throw new ConfigurationError('billingMode is onDemand or provisioned');
  const match = (p: Price) => p.region === region && p.billingMode === billingMode;
  const price = given.find(match) ?? PRICES.find(match);
  if (!price) throw new ConfigurationError(`no ${billingMode} price for region ${JSON.stringify(region)}: pass one in prices`);
  checkPrice(price);
  return price;
}

/** Refuses a price that is not a finite, non-negative number. */
export function checkPrice(price: Price): void {
  for (const figure of [price.read, price.write]) {
    if (typeof figure !== 'number' || !Number.isFinite(figure) || figure < 0) throw new ConfigurationError('prices are finite non-negative numbers of dollars');
  }
}

/** Dollars of consumed units at `price` (provisioned: the unit-hours of exactly that consumption). */
export function dollarsOf(price: Price, read: number, write: number): number {
  const perUnit = price.billingMode === 'onDemand' ? 1 : 1 / 3600;
  return (read * price.read + write * price.write) * perUnit;
}
