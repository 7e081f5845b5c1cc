/**
 * `freezeTime()`: stops the clock for a test. It replaces the global `Date` (so `new Date()`,
 * `Date.now()` and every database whose clock is the default read the frozen time) until `restore()`.
 * Timers (`setTimeout`) are not touched: code that waits still waits. The AWS SDK signs requests with
 * the frozen time too, which DynamoDB Local accepts and real AWS refuses when it is far off: freeze time
 * only against DynamoDB Local, or give the database its own `clock` instead.
 */

/** A frozen clock. */
export interface FrozenTime {
  /** The frozen time now. */
  now(): Date;
  /** Moves the frozen time to `at`. */
  set(at: Date | string | number): void;
  /** Moves the frozen time forward by `ms` milliseconds. */
  advance(ms: number): void;
  /** Gives `Date` back (safe to call twice). */
  restore(): void;
  [Symbol.dispose](): void;
}

/**
 * Freezes `Date` at `at` (default: now).
 *
 * ```ts
 * const time = freezeTime('2026-01-01T00:00:00Z');
 * try { ... time.advance(60_000); ... } finally { time.restore(); }
 * ```
 */
export function freezeTime(at: Date | string | number = Date.now()): FrozenTime {
  const RealDate = globalThis.Date;
  let current = new RealDate(at).getTime();
  if (Number.isNaN(current)) throw new TypeError(`freezeTime: ${String(at)} is not a time`);
  class FrozenDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(current);
      else super(...(args as [string]));
    }
    static override now(): number {
      return current;
    }
  }
  globalThis.Date = FrozenDate as DateConstructor;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    globalThis.Date = RealDate;
  };
  return {
    now: () => new RealDate(current),
    set(next) {
      const time = new RealDate(next).getTime();
      if (Number.isNaN(time)) throw new TypeError(`freezeTime: ${String(next)} is not a time`);
      current = time;
    },
    advance(ms) {
      current += ms;
    },
    restore,
    [Symbol.dispose]: restore,
  };
}
