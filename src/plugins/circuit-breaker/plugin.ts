/**
 * The circuit-breaker plugin: one middleware that keeps a circuit per table and partner account and
 * refuses, before sending, the requests of a circuit that is open. It decides only before `next`:
 * once a request is sent, its outcome is DynamoDB's, whatever the circuit does meanwhile.
 */
import type { DynamORMRequest, Middleware } from '../../config.js';
import { ConfigurationError } from '../../errors.js';
import type { Plugin, PluginHost } from '../plugin.js';
import { Circuit, isRefusal, type CircuitFigures, type CircuitState, type Outcome, type Permit, type Transition } from './circuit.js';
import { classifyOutcome } from './classify.js';
import { CircuitOpenError } from './errors.js';

/** Options of {@link circuitBreaker}. */
export interface CircuitBreakerOptions {
  /** The middleware's name (default `circuit-breaker`). */
  readonly name?: string;
  /** Failures in a row (5xx, time-outs, network errors, each after the SDK's retries) that open a circuit (default 5). */
  readonly failureThreshold?: number;
  /** How long an open circuit refuses everything before letting probes through, in ms (default 10 000). */
  readonly cooldownMs?: number;
  /** Probes a half-open circuit lets through at a time; the rest are refused (default 1). */
  readonly probes?: number;
  /** Successful probes that close a half-open circuit (default 2). */
  readonly closeAfter?: number;
  /**
   * `count` (default): throttled requests are counted apart and neither open nor close a circuit (a
   * throttle is DynamoDB answering; the SDK and the batch retries back off). `trip`: they count as failures.
   */
  readonly throttling?: 'count' | 'trip';
  /** How a request's end is counted (default {@link classifyOutcome}); `error` is undefined on success. */
  readonly classify?: (error: unknown, request: DynamORMRequest) => Outcome;
  /** Clock in epoch ms (default `Date.now`): the cool-down is checked against it when a request arrives. */
  readonly now?: () => number;
  /** Called on every change of state (also available as `breaker.onStateChange`). */
  readonly onStateChange?: StateChangeListener;
  /** Most circuits kept; beyond it the oldest closed ones are forgotten (default 1 000). */
  readonly maxCircuits?: number;
}

/** Which circuit: a physical table (prefix applied) and the partner account, if any. */
export interface CircuitKey {
  readonly table: string;
  readonly partner?: string | undefined;
}

/** A change of state of one circuit. */
export interface StateChange extends Transition {
  readonly table: string;
  readonly partner: string | undefined;
}

/** Hears state changes. What it throws is ignored: an observer never breaks a request. */
export type StateChangeListener = (change: StateChange) => void;

/** A circuit's figures with its key. */
export interface CircuitSnapshot extends CircuitFigures {
  readonly table: string;
  readonly partner: string | undefined;
}

/** The circuit-breaker plugin: install with `db.use(breaker)` or `Database.create({ plugins: [breaker] })`. */
export interface CircuitBreaker extends Plugin {
  /** The state of one circuit now (`closed` for a circuit that has seen no request). */
  state(key: CircuitKey): CircuitState;
  /** Every circuit's figures. */
  circuits(): CircuitSnapshot[];
  /** Adds a listener of state changes; returns the function that removes it. */
  onStateChange(listener: StateChangeListener): () => void;
  /** Closes one circuit (or all) and clears its figures. */
  reset(key?: CircuitKey): void;
}

/** Requests that name no table (ListTables, ...) are not guarded. */
function tablesOf(request: DynamORMRequest): string[] {
  if (request.context?.table) return [request.context.table];
  const input = request.input;
  if (typeof input.TableName === 'string') return [input.TableName];
  if (input.RequestItems && typeof input.RequestItems === 'object') return Object.keys(input.RequestItems);
  if (Array.isArray(input.TransactItems)) {
    const names = new Set<string>();
    for (const action of input.TransactItems as Record<string, { TableName?: unknown } | undefined>[]) {
      for (const part of Object.values(action)) if (typeof part?.TableName === 'string') names.add(part.TableName);
    }
    return [...names];
  }
  return [];
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isSafeInteger(value) && value >= 1)) throw new ConfigurationError(`circuitBreaker: ${name} must be an integer of at least 1, got ${value}`);
  return value;
}

/**
 * Creates a circuit breaker. Bad options throw ConfigurationError here, not on a request.
 *
 * Place it after metrics and tracing (`plugins: [metrics, tracing, breaker]`) so refused requests are
 * observed too. One breaker serves every database derived from the one it is installed on (partner
 * databases copy the plugins), each partner with circuits of its own.
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const cooldownMs = options.cooldownMs ?? 10_000;
  if (!(Number.isFinite(cooldownMs) && cooldownMs >= 0)) throw new ConfigurationError(`circuitBreaker: cooldownMs must be a number of at least 0, got ${cooldownMs}`);
  const settings = {
    failureThreshold: positiveInteger('failureThreshold', options.failureThreshold, 5),
    cooldownMs,
    probes: positiveInteger('probes', options.probes, 1),
    closeAfter: positiveInteger('closeAfter', options.closeAfter, 2),
    throttleTrips: options.throttling === 'trip',
  };
  const maxCircuits = positiveInteger('maxCircuits', options.maxCircuits, 1000);
  const name = options.name ?? 'circuit-breaker';
  const now = options.now ?? Date.now;
  const classify = options.classify ?? classifyOutcome;
  const listeners = new Set<StateChangeListener>(options.onStateChange ? [options.onStateChange] : []);
  const circuits = new Map<string, { circuit: Circuit; table: string; partner: string | undefined }>();

  const id = (table: string, partner: string | undefined) => `${partner ?? ''}\u0000${table}`;
  const notify = (table: string, partner: string | undefined) => (t: Transition) => {
    for (const listener of listeners) {
      try {
        listener({ ...t, table, partner });
      } catch {
        // An observer never breaks a request.
      }
    }
  };
  const circuitFor = (table: string, partner: string | undefined) => {
    const key = id(table, partner);
    let entry = circuits.get(key);
    if (!entry) {
      if (circuits.size >= maxCircuits) {
        const at = now();
        for (const [k, e] of circuits) {
          if (e.circuit.stateAt(at) === 'closed') {
            circuits.delete(k);
            break;
          }
        }
      }
      entry = { circuit: new Circuit(settings), table, partner };
      circuits.set(key, entry);
    }
    return entry;
  };

  const middleware: Middleware = async (request, next) => {
    const tables = tablesOf(request);
    if (tables.length === 0) return next(request);
    const partner = request.context?.partner;
    const held: { entry: ReturnType<typeof circuitFor>; permit: Permit }[] = [];
    const at = now();
    for (const table of tables) {
      const entry = circuitFor(table, partner);
      const result = entry.circuit.acquire(at, notify(table, partner));
      if (isRefusal(result)) {
        // A request across tables goes only if every circuit lets it: give back what was taken.
        for (const h of held) h.entry.circuit.settle(h.permit, 'neutral', at);
        throw new CircuitOpenError(request.operation, table, partner, result.state, result.retryAfterMs);
      }
      held.push({ entry, permit: result });
    }
    let outcome: Outcome = 'neutral';
    try {
      const output = await next(request);
      outcome = safeClassify(classify, undefined, request);
      return output;
    } catch (error) {
      outcome = safeClassify(classify, error, request);
      throw error;
    } finally {
      const end = now();
      for (const h of held) h.entry.circuit.settle(h.permit, outcome, end, notify(h.entry.table, h.entry.partner));
    }
  };

  return {
    name,
    install(host: PluginHost) {
      host.use(name, middleware);
    },
    state(key) {
      return circuits.get(id(key.table, key.partner))?.circuit.stateAt(now()) ?? 'closed';
    },
    circuits() {
      const at = now();
      return [...circuits.values()].map((e) => ({ ...e.circuit.figures(at), table: e.table, partner: e.partner }));
    },
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reset(key) {
      const at = now();
      const entries = key ? [circuits.get(id(key.table, key.partner))] : [...circuits.values()];
      for (const e of entries) e?.circuit.reset(at, notify(e.table, e.partner));
    },
  };
}

/** A classifier that throws must not change the request's outcome: its verdict is then `neutral`. */
function safeClassify(classify: (error: unknown, request: DynamORMRequest) => Outcome, error: unknown, request: DynamORMRequest): Outcome {
  try {
    return classify(error, request);
  } catch {
    return 'neutral';
  }
}
