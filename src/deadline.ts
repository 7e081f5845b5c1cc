/**
 * Deadlines carried through the call chain (in the ambient scope, scope.ts), so every request made while handling
 * one Lambda invocation knows when to stop: a request that would start after the deadline is not
 * sent, requests in flight are aborted at it, and long reads and batches stop early with what they
 * finished. Nothing here runs unless a deadline is set.
 */
import { conceal, TimeoutError } from './errors.js';
import { currentScope, withScope } from './scope.js';

/**
 * A point in time by which no new work may start (`at`), and a later one (`abortAt`) at which work
 * still in flight is aborted. The gap lets a write that started in time finish, so its outcome is
 * known rather than "may have been applied".
 */
export class Deadline {
  private controller: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Epoch ms at which requests in flight are aborted (default: `at`). */
  readonly abortAt: number;

  /** @param at epoch milliseconds after which nothing new starts */
  constructor(
    readonly at: number,
    options: { abortAt?: number; now?: () => number } = {},
  ) {
    this.abortAt = Math.max(at, options.abortAt ?? at);
    this.now = options.now ?? Date.now;
  }

  private readonly now: () => number;

  /** Milliseconds left (negative once passed). */
  remaining(): number {
    return this.at - this.now();
  }

  /** Fires at `abortAt`. Created on first use; its timer is cleared by {@link dispose}. */
  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = new AbortController();
      this.controller = controller;
      const left = this.abortAt - this.now();
      if (left <= 0) controller.abort(new TimeoutError('deadline reached'));
      else {
        this.timer = setTimeout(() => controller.abort(new TimeoutError('deadline reached')), left);
        this.timer.unref?.();
      }
    }
    return this.controller.signal;
  }

  /** Clears the timer (no timers left behind between invocations). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * The deadline was reached (or too close to start more work). Nothing in flight was left half done:
 * `cursor` resumes a read where it stopped, `unprocessed` lists the batch writes or keys not done,
 * `items` holds what `all()` had read. Those lists hold items and keys: they are readable but not
 * enumerable, so logging the error shows none of them.
 */
export class DeadlineExceededError<T = unknown> extends TimeoutError {
  static override readonly errorName: string = 'DeadlineExceededError';
  readonly cursor: string | undefined;
  readonly items: readonly T[];
  readonly unprocessed: readonly unknown[];
  /**
   * For batch writes: writes whose request was in flight when it was aborted at the last moment, so
   * they may or may not have been applied (puts and deletes are idempotent: sending them again is safe).
   * Everything in `unprocessed` was certainly not written.
   */
  readonly inDoubt: readonly unknown[];
  /** For batches: what did succeed (the batch get result so far, or `{ written }`). */
  readonly partial: unknown;
  /** True when a request was aborted in flight (it may have been applied), false when none was sent. */
  readonly inFlight: boolean;
  constructor(
    message: string,
    details: {
      cursor?: string | undefined;
      items?: readonly T[];
      unprocessed?: readonly unknown[];
      inDoubt?: readonly unknown[];
      partial?: unknown;
      inFlight?: boolean;
    } = {},
  ) {
    super(message);
    this.cursor = details.cursor;
    this.items = details.items ?? [];
    this.unprocessed = details.unprocessed ?? [];
    this.inDoubt = details.inDoubt ?? [];
    this.partial = details.partial;
    this.inFlight = details.inFlight ?? false;
    conceal(this, ['items', 'unprocessed', 'inDoubt', 'partial']);
  }
}

/** Runs `fn` with a deadline (epoch ms, or a Deadline) for every DynamORM request it makes. */
export async function withDeadline<T>(deadline: number | Deadline, fn: () => Promise<T> | T): Promise<T> {
  const d = typeof deadline === 'number' ? new Deadline(deadline) : deadline;
  try {
    return await withScope({ deadline: d }, fn);
  } finally {
    d.dispose();
  }
}

/** The deadline of the current call chain, if any. */
export function currentDeadline(): Deadline | undefined {
  return currentScope()?.deadline;
}

/**
 * Whether there is time to start one more step that took `lastStepMs` last time: the step must fit
 * before the deadline with half again as much to spare.
 */
export function timeForAnotherStep(deadline: Deadline | undefined, lastStepMs: number): boolean {
  return deadline === undefined || deadline.remaining() > Math.max(1, lastStepMs * 1.5);
}
