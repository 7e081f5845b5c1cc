/**
 * Canonical JSON and hashing of idempotency keys and payloads. The text follows RFC 8785 (JSON
 * Canonicalization Scheme): object members sorted by UTF-16 code units, numbers and strings written
 * as ECMAScript writes them, no whitespace. So the same payload hashes the same whatever the order of
 * its keys, and two payloads that differ as JSON hash differently. Pure: no I/O, no clock.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';

/** Why a value has no canonical JSON (its type only: values never appear in messages). */
function refuse(path: readonly (string | number)[], what: string, label: string): never {
  throw new ValidationError([{ path, rule: 'idempotency-json', message: `${what} has no canonical JSON form` }], label);
}

function write(value: unknown, path: (string | number)[], seen: Set<object>, label: string): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // NaN and Infinity would become `null` in JSON and collide with it: refused instead.
      if (!Number.isFinite(value)) refuse(path, 'a non-finite number', label);
      return JSON.stringify(value);
    case 'bigint':
      // Not JSON, and so never equal to the text of any JSON value: `12n` differs from `12` and `"12"`.
      return `${value}n`;
    case 'undefined':
      return undefined;
    case 'object':
      break;
    default:
      refuse(path, `a ${typeof value}`, label);
  }
  const object = value as object;
  // Dates and other values with toJSON are written as JSON.stringify writes them.
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write((toJSON as () => unknown).call(object), path, seen, label);
  if (seen.has(object)) refuse(path, 'a cycle', label);
  seen.add(object);
  let out: string;
  if (Array.isArray(object)) {
    // As in JSON, an undefined element is written as null.
    out = `[${object.map((v, i) => write(v, [...path, i], seen, label) ?? 'null').join(',')}]`;
  } else {
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto !== Object.prototype && proto !== null) refuse(path, `an instance of ${(object.constructor as { name?: string } | undefined)?.name ?? 'a class'}`, label);
    const parts: string[] = [];
    // Default sort order is by UTF-16 code units, as RFC 8785 requires.
    for (const key of Object.keys(object).sort()) {
      const text = write((object as Record<string, unknown>)[key], [...path, key], seen, label);
      if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
    }
    out = `{${parts.join(',')}}`;
  }
  seen.delete(object);
  return out;
}

/**
 * The canonical JSON text of a value (RFC 8785), extended with bigints as `123n`. `undefined` gives
 * `undefined` (as `JSON.stringify`). Refused with a ValidationError: non-finite numbers, functions,
 * symbols, cycles and class instances without `toJSON` (Map, Set, ...).
 */
export function canonicalJson(value: unknown, label = 'idempotency'): string | undefined {
  return write(value, [], new Set(), label);
}

/** SHA-256 of a value's canonical JSON, as 64 hex digits (an absent value hashes as the empty text). */
export function hashOf(value: unknown, label = 'idempotency'): string {
  return createHash('sha256')
    .update(canonicalJson(value, label) ?? '', 'utf8')
    .digest('hex');
}

/** How a value is picked from an input: a dotted path (`body.idempotencyKey`, `items.0.id`) or a function. */
export type Selector<I> = string | ((input: I) => unknown);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The value `selector` picks from `input` (a missing step of a path gives `undefined`; a string that
 * holds JSON, such as an API Gateway `body`, is parsed when the path goes on into it).
 */
export function select<I>(input: I, selector: Selector<I>): unknown {
  if (typeof selector === 'function') return selector(input);
  let current: unknown = input;
  for (const step of selector.split('.')) {
    // A string holding JSON (an API Gateway `body`) is parsed on the way through.
    if (typeof current === 'string') current = parseJson(current);
    if (current === null || typeof current !== 'object') return undefined;
    // Own properties only: a path never reaches into a prototype (`constructor`, `__proto__`).
    current = Object.hasOwn(current, step) ? (current as Record<string, unknown>)[step] : undefined;
  }
  return current;
}
