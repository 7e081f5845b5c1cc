/** `assertEventually()`: retries an assertion until it passes, for effects that land later (streams, queues, GSIs). */

/** Options of {@link assertEventually}. */
export interface EventuallyOptions {
  /** Longest wait, in ms (default 5000). */
  readonly timeoutMs?: number;
  /** Pause between attempts, in ms (default 50). */
  readonly intervalMs?: number;
}

/**
 * Calls `assertion` until it does not throw (nor reject) and returns what it returned. After
 * `timeoutMs` it throws the last failure, with the number of attempts in the message.
 *
 * ```ts
 * await assertEventually(async () => expect(await db.model(Payment).where('merchantId', '=', 'm1').count()).toBe(3));
 * ```
 */
export async function assertEventually<T>(assertion: () => T | Promise<T>, options: EventuallyOptions | number = {}): Promise<T> {
  const { timeoutMs = 5000, intervalMs = 50 } = typeof options === 'number' ? { timeoutMs: options } : options;
  const until = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() + intervalMs > until) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`assertEventually: still failing after ${attempt} attempts in ${timeoutMs} ms: ${message}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
