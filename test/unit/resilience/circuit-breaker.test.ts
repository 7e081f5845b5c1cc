/**
 * The circuit breaker without DynamoDB: the state machine under any sequence of outcomes and clock
 * moves (fast-check) never has more than N probes in flight in half-open, closes only after M
 * successful probes of the same spell, refuses everything while open and cooling down, and opens only
 * after the threshold of failures in a row. The classification counts only signs of an unhealthy
 * service, and the middleware keeps a circuit per table and partner, refuses before sending, and lets
 * exactly N of 100 concurrent callers through in half-open.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { OperationContext } from '../../../src/client/context.js';
import type { DynamORMRequest, Middleware } from '../../../src/config.js';
import { DeadlineExceededError } from '../../../src/deadline.js';
import { DynamoDBError, ThrottledError, TimeoutError, ValidationError } from '../../../src/errors.js';
import type { PluginEntries } from '../../../src/plugins/plugin.js';
import {
  Circuit,
  CircuitOpenError,
  circuitBreaker,
  classifyOutcome,
  type CircuitBreaker,
  type CircuitSettings,
  type Outcome,
  type Permit,
  type StateChange,
  type Transition,
} from '../../../src/plugins/circuit-breaker/index.js';

const OUTCOMES: Outcome[] = ['success', 'failure', 'throttle', 'neutral'];

type Step = { op: 'acquire' } | { op: 'settle'; pick: number; outcome: Outcome } | { op: 'wait'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Step>({ op: 'acquire' }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('settle' as const),
      pick: fc.nat(),
      // Failures weigh more, so runs reach open and half-open often.
      outcome: fc.oneof({ weight: 3, arbitrary: fc.constant<Outcome>('failure') }, { weight: 3, arbitrary: fc.constantFrom(...OUTCOMES) }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 300 }) }) },
);

const settingsArb: fc.Arbitrary<CircuitSettings> = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 5 }),
  cooldownMs: fc.integer({ min: 0, max: 200 }),
  probes: fc.integer({ min: 1, max: 4 }),
  closeAfter: fc.integer({ min: 1, max: 4 }),
  throttleTrips: fc.boolean(),
});

describe('Circuit (state machine)', () => {
  test('any sequence: at most N probes in flight, closes only after M probe successes, open refuses, opens only at the threshold', () => {
    const reached = { halfOpenFull: 0, closedAgain: 0, probeFailed: 0 };
    fc.assert(
      fc.property(settingsArb, fc.array(step, { minLength: 20, maxLength: 200, size: 'max' }), (settings, steps) => {
        const circuit = new Circuit(settings);
        let now = 0;
        // The model: permits not settled, probes of the current half-open spell, failures in a row.
        const outstanding: { permit: Permit; spell: number; probe: boolean }[] = [];
        let spell = 0;
        let state = 'closed';
        let probesInFlight = 0;
        let probeSuccesses = 0;
        let inARow = 0;
        let openedAt = 0;
        const transitions: Transition[] = [];
        const onChange = (t: Transition) => {
          transitions.push(t);
          expect(t.from).toBe(state);
          // Each transition is one the rules allow, for the reason they give.
          if (t.to === 'open' && t.from === 'closed') expect(inARow).toBe(settings.failureThreshold);
          if (t.to === 'closed') expect(probeSuccesses).toBe(settings.closeAfter);
          if (t.to === 'half-open') expect(now - openedAt).toBeGreaterThanOrEqual(settings.cooldownMs);
          state = t.to;
          spell++;
          probesInFlight = 0;
          probeSuccesses = 0;
          inARow = 0;
          if (t.to === 'open') openedAt = now;
        };
        let halfOpenFull = false;
        for (const s of steps) {
          if (s.op === 'wait') now += s.ms;
          else if (s.op === 'acquire') {
            const before = circuit.stateAt(now);
            const result = circuit.acquire(now, onChange);
            if ('state' in result) {
              // Refused: open and cooling down, or half-open with every slot taken.
              if (result.state === 'open') expect(now - openedAt).toBeLessThan(settings.cooldownMs);
              else {
                expect(probesInFlight).toBe(settings.probes);
                halfOpenFull = true;
              }
            } else {
              expect(before).not.toBe('open');
              outstanding.push({ permit: result, spell, probe: result.probe });
              if (result.probe) probesInFlight++;
            }
          } else if (outstanding.length > 0) {
            const [taken] = outstanding.splice(s.pick % outstanding.length, 1);
            const current = taken!.spell === spell;
            const counted = s.outcome === 'throttle' && settings.throttleTrips ? 'failure' : s.outcome;
            if (current && taken!.probe) {
              probesInFlight--;
              if (counted === 'success') probeSuccesses++;
            } else if (current) {
              if (counted === 'success') inARow = 0;
              if (counted === 'failure') inARow++;
            }
            circuit.settle(taken!.permit, s.outcome, now, onChange);
          }
          expect(probesInFlight).toBeLessThanOrEqual(settings.probes);
          expect(circuit.figures(now).probesInFlight).toBe(state === 'half-open' ? probesInFlight : 0);
          expect(circuit.stateAt(now)).toBe(state === 'open' && now - openedAt >= settings.cooldownMs ? 'half-open' : state);
        }
        reached.halfOpenFull += halfOpenFull ? 1 : 0;
        reached.closedAgain += transitions.some((t) => t.reason === 'probes-succeeded') ? 1 : 0;
        reached.probeFailed += transitions.some((t) => t.reason === 'probe-failed') ? 1 : 0;
      }),
      { numRuns: 300 },
    );
    // The runs did reach the states under test (not only the closed state).
    expect(reached.halfOpenFull).toBeGreaterThan(60);
    expect(reached.closedAgain).toBeGreaterThan(15);
    expect(reached.probeFailed).toBeGreaterThan(60);
  }, 60_000);

  test('a probe that fails re-opens at once; stale outcomes from before the change move nothing', () => {
    const circuit = new Circuit({ failureThreshold: 2, cooldownMs: 100, probes: 2, closeAfter: 2, throttleTrips: false });
    const slow = circuit.acquire(0) as Permit;
    const a = circuit.acquire(0) as Permit;
    const b = circuit.acquire(0) as Permit;
    circuit.settle(a, 'failure', 1);
    circuit.settle(b, 'failure', 2);
    expect(circuit.stateAt(2)).toBe('open');
    // A request started while closed succeeds late: the circuit stays open.
    circuit.settle(slow, 'success', 3);
    expect(circuit.stateAt(50)).toBe('open');
    expect(circuit.acquire(50)).toEqual({ state: 'open', retryAfterMs: 52 });
    const p1 = circuit.acquire(102) as Permit;
    const p2 = circuit.acquire(102) as Permit;
    expect([p1.probe, p2.probe]).toEqual([true, true]);
    expect(circuit.acquire(102)).toEqual({ state: 'half-open', retryAfterMs: undefined });
    circuit.settle(p1, 'failure', 103);
    expect(circuit.stateAt(103)).toBe('open');
    // The other probe of the failed spell comes back fine: it neither closes nor frees a slot.
    circuit.settle(p2, 'success', 104);
    expect(circuit.figures(104)).toMatchObject({ state: 'open', probesInFlight: 0, probeSuccesses: 0 });
  });

  test('throttles are counted apart and do not open the circuit unless told to', () => {
    const counting = new Circuit({ failureThreshold: 1, cooldownMs: 100, probes: 1, closeAfter: 1, throttleTrips: false });
    for (let i = 0; i < 10; i++) counting.settle(counting.acquire(0) as Permit, 'throttle', 0);
    expect(counting.figures(0)).toMatchObject({ state: 'closed', throttles: 10, failures: 0 });
    const tripping = new Circuit({ failureThreshold: 1, cooldownMs: 100, probes: 1, closeAfter: 1, throttleTrips: true });
    tripping.settle(tripping.acquire(0) as Permit, 'throttle', 0);
    expect(tripping.stateAt(0)).toBe('open');
  });
});

describe('classifyOutcome', () => {
  const sdk = (name: string, status: number, fault: 'client' | 'server') => Object.assign(new Error(name), { name, $fault: fault, $metadata: { httpStatusCode: status } });
  test('5xx, time-outs and network errors are failures; answers are successes; throttles apart; deadlines neutral', () => {
    expect(classifyOutcome(undefined)).toBe('success');
    expect(classifyOutcome(new DynamoDBError('InternalServerError', 'x', sdk('InternalServerError', 500, 'server')))).toBe('failure');
    expect(classifyOutcome(new DynamoDBError('ECONNREFUSED', 'x', Object.assign(new Error('x'), { code: 'ECONNREFUSED' })))).toBe('failure');
    expect(classifyOutcome(new TimeoutError('x'))).toBe('failure');
    expect(classifyOutcome(new ThrottledError('x'))).toBe('throttle');
    expect(classifyOutcome(new DeadlineExceededError('x'))).toBe('neutral');
    expect(classifyOutcome(new DynamoDBError('ValidationException', 'x', sdk('ValidationException', 400, 'client')))).toBe('success');
    expect(classifyOutcome(new DynamoDBError('ResourceNotFoundException', 'x', sdk('ResourceNotFoundException', 400, 'client')))).toBe('success');
    expect(classifyOutcome(sdk('ConditionalCheckFailedException', 400, 'client'))).toBe('success');
    expect(classifyOutcome(new ValidationError([{ path: [], rule: 'x', message: 'x' }]))).toBe('neutral');
    expect(classifyOutcome(new Error('from another middleware'))).toBe('neutral');
  });
});

const context = (table: string | undefined, partner?: string): OperationContext => ({
  kind: 'get',
  model: 'Order',
  table,
  now: new Date(0),
  deadline: undefined,
  tenant: undefined,
  actor: undefined,
  partner,
});
const request = (table: string, partner?: string): DynamORMRequest => ({ operation: 'GetItem', input: { TableName: table }, context: context(table, partner) });

function installed(plugin: CircuitBreaker): Middleware {
  const host = { plugins: [] as PluginEntries, use(name: string, mw: Middleware) { host.plugins = [...host.plugins, [name, mw]]; } };
  plugin.install(host);
  return host.plugins[0]![1];
}

const serverError = () => new DynamoDBError('InternalServerError', 'x', Object.assign(new Error('x'), { $fault: 'server', $metadata: { httpStatusCode: 500 } }));

describe('circuitBreaker (middleware)', () => {
  test('per table and partner; refuses before sending; 100 concurrent callers in half-open let exactly N through; closes after M', async () => {
    let clock = 0;
    const changes: StateChange[] = [];
    const breaker = circuitBreaker({ failureThreshold: 3, cooldownMs: 1000, probes: 4, closeAfter: 2, now: () => clock, onStateChange: (c) => changes.push(c) });
    const mw = installed(breaker);
    let sent = 0;
    const failing = () => {
      sent++;
      return Promise.reject(serverError());
    };
    for (let i = 0; i < 3; i++) await expect(mw(request('orders', 'p1'), failing)).rejects.toBeInstanceOf(DynamoDBError);
    expect(breaker.state({ table: 'orders', partner: 'p1' })).toBe('open');
    // Another partner's circuit on the same table, and another table, are untouched.
    expect(breaker.state({ table: 'orders' })).toBe('closed');
    await expect(mw(request('orders'), () => Promise.resolve('ok'))).resolves.toBe('ok');
    const before = sent;
    const refused = await mw(request('orders', 'p1'), failing).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect(refused).toMatchObject({ sent: false, state: 'open', table: 'orders', partner: 'p1', retryAfterMs: 1000, code: 'CIRCUIT_OPEN', name: 'CircuitOpenError' });
    expect(sent).toBe(before);

    clock = 1000;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let through = 0;
    const slow = async () => {
      through++;
      await gate;
      return 'ok';
    };
    const calls = Array.from({ length: 100 }, () => mw(request('orders', 'p1'), slow));
    expect(through).toBe(4);
    release();
    const results = await Promise.allSettled(calls);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof CircuitOpenError && r.reason.state === 'half-open')).toHaveLength(96);
    expect(breaker.state({ table: 'orders', partner: 'p1' })).toBe('closed');
    expect(changes.map((c) => [c.from, c.to, c.reason, c.partner])).toEqual([
      ['closed', 'open', 'failures', 'p1'],
      ['open', 'half-open', 'cooldown', 'p1'],
      ['half-open', 'closed', 'probes-succeeded', 'p1'],
    ]);
  });

  test('a batch across tables goes only if every circuit lets it; a throwing listener or classifier changes nothing', async () => {
    const breaker = circuitBreaker({ failureThreshold: 1, onStateChange: () => { throw new Error('observer'); }, classify: (e) => (e ? 'failure' : (() => { throw new Error('x'); })()) });
    const mw = installed(breaker);
    await expect(mw(request('a'), () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    const batch: DynamORMRequest = { operation: 'BatchWriteItem', input: { RequestItems: { a: [], b: [] } }, context: context(undefined) };
    let sent = false;
    await expect(mw(batch, () => ((sent = true), Promise.resolve({})))).rejects.toBeInstanceOf(CircuitOpenError);
    expect(sent).toBe(false);
    // b's permit was given back: b alone still goes.
    await expect(mw(request('b'), () => Promise.resolve('ok'))).resolves.toBe('ok');
    expect(breaker.circuits().map((c) => [c.table, c.state])).toEqual([['a', 'open'], ['b', 'closed']]);
    breaker.reset({ table: 'a' });
    expect(breaker.state({ table: 'a' })).toBe('closed');
  });

  test('bad options are a ConfigurationError at creation', () => {
    expect(() => circuitBreaker({ probes: 0 })).toThrow(/probes must be an integer/);
    expect(() => circuitBreaker({ cooldownMs: -1 })).toThrow(/cooldownMs/);
  });
});
