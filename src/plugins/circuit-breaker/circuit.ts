/**
 * One circuit's state machine, pure: no timers, no I/O. Time is read from the `now` each call is
 * given, so the cool-down ends when a request arrives after it (nothing runs in the background, and
 * a Lambda container frozen between invocations has nothing to wake up).
 *
 * - closed: every request goes; `failureThreshold` failures in a row open it.
 * - open: every request is refused until `cooldownMs` has passed since it opened.
 * - half-open: at most `probes` requests in flight at a time; `closeAfter` successful probes close it,
 *   one failed probe opens it again.
 *
 * Each permit carries the generation it was given in. An outcome of an older generation (a request
 * that was in flight when the state changed) is counted in the figures but moves nothing: a slow
 * request started while closed cannot close a circuit that has since opened, nor free a probe slot.
 */

/** The three states. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * How a request ended, as the circuit counts it: `failure` (the service looks unhealthy), `throttle`
 * (DynamoDB refused for capacity), `success` (DynamoDB answered, even with a 4xx), `neutral` (tells
 * nothing about the service: the request was stopped by the caller's deadline or by other middleware).
 */
export type Outcome = 'success' | 'failure' | 'throttle' | 'neutral';

/** The settings of a circuit (see `CircuitBreakerOptions` for their defaults and meaning). */
export interface CircuitSettings {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  readonly probes: number;
  readonly closeAfter: number;
  /** Whether a throttled request counts as a failure (default: it is only counted apart). */
  readonly throttleTrips: boolean;
}

/** What the circuit gave a request: its generation, and whether it is a half-open probe. */
export interface Permit {
  readonly generation: number;
  readonly probe: boolean;
}

/** A refusal: the state that refused, and (when open) how long until probes are let through. */
export interface Refusal {
  readonly state: 'open' | 'half-open';
  readonly retryAfterMs: number | undefined;
}

/** Why the state changed. */
export type TransitionReason = 'failures' | 'cooldown' | 'probe-failed' | 'probes-succeeded' | 'reset';

/** One change of state. */
export interface Transition {
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: TransitionReason;
  /** Epoch ms of the change (the clock reading of the request that caused it). */
  readonly at: number;
}

/** A circuit's figures. Counts are since the circuit was created (or reset). */
export interface CircuitFigures {
  readonly state: CircuitState;
  /** Failures in a row now (closed state). */
  readonly consecutiveFailures: number;
  readonly failures: number;
  readonly throttles: number;
  readonly successes: number;
  /** Requests refused without being sent. */
  readonly rejected: number;
  /** Probes in flight (half-open state). */
  readonly probesInFlight: number;
  /** Successful probes so far in this half-open spell. */
  readonly probeSuccesses: number;
  /** Epoch ms at which the circuit last opened, if it ever did. */
  readonly openedAt: number | undefined;
}

/** One circuit. Every method is given the clock reading; none reads a clock itself. */
export class Circuit {
  private current: CircuitState = 'closed';
  private generation = 0;
  private consecutive = 0;
  private inFlight = 0;
  private probeOk = 0;
  private opened: number | undefined;
  private counts = { failures: 0, throttles: 0, successes: 0, rejected: 0 };

  constructor(private readonly settings: CircuitSettings) {}

  /** The state as of `now` (an open circuit whose cool-down has passed reads `half-open`). */
  stateAt(now: number): CircuitState {
    return this.current === 'open' && this.cooledDown(now) ? 'half-open' : this.current;
  }

  /**
   * Asks to send one request: a permit, or a refusal (nothing may be sent). `onChange` hears of the
   * move from open to half-open that the clock may cause.
   */
  acquire(now: number, onChange?: (t: Transition) => void): Permit | Refusal {
    if (this.current === 'open') {
      if (!this.cooledDown(now)) {
        this.counts.rejected++;
        return { state: 'open', retryAfterMs: Math.max(0, (this.opened ?? now) + this.settings.cooldownMs - now) };
      }
      this.move('half-open', 'cooldown', now, onChange);
    }
    if (this.current === 'half-open') {
      if (this.inFlight >= this.settings.probes) {
        this.counts.rejected++;
        return { state: 'half-open', retryAfterMs: undefined };
      }
      this.inFlight++;
      return { generation: this.generation, probe: true };
    }
    return { generation: this.generation, probe: false };
  }

  /** Records how the request of `permit` ended. */
  settle(permit: Permit, outcome: Outcome, now: number, onChange?: (t: Transition) => void): void {
    const counted = outcome === 'throttle' && this.settings.throttleTrips ? 'failure' : outcome;
    if (outcome === 'throttle') this.counts.throttles++;
    if (counted === 'failure') this.counts.failures++;
    if (counted === 'success') this.counts.successes++;
    // A request of an earlier generation moves nothing (see the module note).
    if (permit.generation !== this.generation) return;
    if (permit.probe) {
      this.inFlight--;
      if (counted === 'failure') this.open('probe-failed', now, onChange);
      else if (counted === 'success' && ++this.probeOk >= this.settings.closeAfter) this.move('closed', 'probes-succeeded', now, onChange);
      return;
    }
    if (counted === 'success') this.consecutive = 0;
    else if (counted === 'failure' && ++this.consecutive >= this.settings.failureThreshold) this.open('failures', now, onChange);
  }

  /** Closes the circuit and clears its figures. */
  reset(now: number, onChange?: (t: Transition) => void): void {
    if (this.current !== 'closed') this.move('closed', 'reset', now, onChange);
    this.counts = { failures: 0, throttles: 0, successes: 0, rejected: 0 };
    this.opened = undefined;
  }

  /** The circuit's figures as of `now`. */
  figures(now: number): CircuitFigures {
    return {
      state: this.stateAt(now),
      consecutiveFailures: this.consecutive,
      ...this.counts,
      probesInFlight: this.inFlight,
      probeSuccesses: this.probeOk,
      openedAt: this.opened,
    };
  }

  private cooledDown(now: number): boolean {
    return now - (this.opened ?? now) >= this.settings.cooldownMs;
  }

  private open(reason: TransitionReason, now: number, onChange?: (t: Transition) => void): void {
    this.opened = now;
    this.move('open', reason, now, onChange);
  }

  /** Every change starts a new generation with fresh counters. */
  private move(to: CircuitState, reason: TransitionReason, now: number, onChange?: (t: Transition) => void): void {
    const from = this.current;
    this.current = to;
    this.generation++;
    this.consecutive = 0;
    this.inFlight = 0;
    this.probeOk = 0;
    onChange?.({ from, to, reason, at: now });
  }
}

/** Whether `acquire` refused. */
export function isRefusal(result: Permit | Refusal): result is Refusal {
  return 'state' in result;
}
