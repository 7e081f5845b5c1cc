/**
 * `dynamorm/circuit-breaker`: a circuit per table and partner account that opens after failures that
 * say DynamoDB is unhealthy (5xx, time-outs, network errors), refuses requests without sending them
 * while open ({@link CircuitOpenError}), lets a bounded number of probes through once cooled down, and
 * closes after they succeed.
 *
 * ```ts
 * import { circuitBreaker } from 'dynamorm/circuit-breaker';
 * const breaker = circuitBreaker({ failureThreshold: 5, cooldownMs: 10_000, probes: 1, closeAfter: 2 });
 * const db = Database.create({ plugins: [breaker] });
 * ```
 * @packageDocumentation
 */
export { circuitBreaker } from './plugin.js';
export type { CircuitBreaker, CircuitBreakerOptions, CircuitKey, CircuitSnapshot, StateChange, StateChangeListener } from './plugin.js';
export { Circuit } from './circuit.js';
export type { CircuitFigures, CircuitSettings, CircuitState, Outcome, Permit, Refusal, Transition, TransitionReason } from './circuit.js';
export { classifyOutcome } from './classify.js';
export { CircuitOpenError } from './errors.js';
