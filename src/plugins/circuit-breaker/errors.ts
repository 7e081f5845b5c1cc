/** The circuit breaker's error. */
import { DynamORMError } from '../../errors.js';

/**
 * The circuit of the request's table (for the request's partner account) is open, or half-open with
 * every probe slot taken: the request was refused before it was sent. Nothing was sent and nothing
 * changed; retrying after `retryAfterMs` is safe. A request that was sent never fails with this error:
 * it ends with what DynamoDB answered.
 */
export class CircuitOpenError extends DynamORMError {
  static override readonly errorName: string = 'CircuitOpenError';
  /** Always false: the request was not sent (batch writes and the batcher read this). */
  readonly sent = false;
  /** The physical table whose circuit refused. */
  readonly table: string;
  /** The partner account of the circuit, if any. */
  readonly partner: string | undefined;
  /** `open` (cooling down) or `half-open` (every probe slot taken). */
  readonly state: 'open' | 'half-open';
  /** When open: milliseconds until the circuit lets probes through. */
  readonly retryAfterMs: number | undefined;
  constructor(operation: string, table: string, partner: string | undefined, state: 'open' | 'half-open', retryAfterMs: number | undefined) {
    const whose = `table ${table}${partner !== undefined ? ` (partner ${partner})` : ''}`;
    const detail = state === 'open' ? `is open for ${retryAfterMs ?? 0} ms more` : 'is half-open and its probes are in flight';
    super('CIRCUIT_OPEN', `${operation} was not sent: the circuit of ${whose} ${detail}`);
    this.table = table;
    this.partner = partner;
    this.state = state;
    this.retryAfterMs = retryAfterMs;
  }
}
