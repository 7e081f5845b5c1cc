/**
 * Consumed capacity gathered by place (operation, model, table, index, and tenant and partner when
 * allowed) with a running total in dollars. Memory grows with the number of places, not of requests.
 */
import type { CapacityUse } from '../plugins/metrics/facts.js';
import { dollarsOf, type Price } from './prices.js';

/** What one place consumed. */
export interface CostLine {
  /** The DynamORM operation: `create`, `query`, `transactWrite`, ... */
  readonly operation: string;
  /** The model, or `none` for operations across models (batches, transactions). */
  readonly model: string;
  /** The physical table (prefix applied). */
  readonly table: string;
  /** The index name, or `table` for the table's own share. */
  readonly index: string;
  /** Only when the plugin allows tenant dimensions. */
  readonly tenant?: string;
  /** Only when the plugin allows partner dimensions. */
  readonly partner?: string;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** US dollars, at the table's price (see `Price` for what provisioned figures mean). */
  readonly dollars: number;
}

/** Where a request's capacity is counted. */
export interface Place {
  readonly operation: string;
  readonly model: string;
  readonly tenant: string | undefined;
  readonly partner: string | undefined;
}

type Entry = { -readonly [K in keyof CostLine]: CostLine[K] };

/** The consumed capacity of a period. */
export class Ledger {
  private lines = new Map<string, Entry>();
  read = 0;
  write = 0;
  dollars = 0;

  constructor(private readonly priceOf: (table: string) => Price) {}

  /** Adds what one request consumed. */
  add(place: Place, uses: readonly CapacityUse[]): void {
    for (const use of uses) {
      const index = use.index ?? 'table';
      const key = `${place.operation}\u0000${place.model}\u0000${use.table}\u0000${index}\u0000${place.tenant}\u0000${place.partner}`;
      let line = this.lines.get(key);
      if (!line) {
        line = { operation: place.operation, model: place.model, table: use.table, index, readUnits: 0, writeUnits: 0, dollars: 0 };
        if (place.tenant !== undefined) line.tenant = place.tenant;
        if (place.partner !== undefined) line.partner = place.partner;
        this.lines.set(key, line);
      }
      const dollars = dollarsOf(this.priceOf(use.table), use.read, use.write);
      line.readUnits += use.read;
      line.writeUnits += use.write;
      line.dollars += dollars;
      this.read += use.read;
      this.write += use.write;
      this.dollars += dollars;
    }
  }

  /** The lines, most expensive first. */
  list(): CostLine[] {
    return [...this.lines.values()].map((l) => ({ ...l })).sort((a, b) => b.dollars - a.dollars || b.writeUnits + b.readUnits - (a.writeUnits + a.readUnits));
  }
}
