/**
 * Per-attribute codecs: validate a field value and turn it into a DynamoDB AttributeValue, and back.
 * Codecs are compiled once per attribute at model load. Typed attributes know their DynamoDB type, so
 * they encode directly (exact for bigint/decimal, one walk, no guessing). `json` attributes are walked
 * here too: the SDK's marshaller throws on doubles above 2^53 and drops `__proto__` keys.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import { ModelDefinitionError, type ValidationIssue } from '../errors.js';
import type { AttrSpec, SpecCarrier } from '../model/attr-spec.js';
import { MAX_ITEM_BYTES } from './item-size.js';
import { canonicalDecimal, jsNumberToText, numberProblem, textToBigInt } from './numbers.js';

/** Collects validation issues while encoding. */
export type Issues = ValidationIssue[];
type Path = readonly (string | number)[];

/** Builds the codec of one attribute kind from its spec (`isKey`: the attribute is a table or index key). */
export type CodecFactory = (spec: AttrSpec, isKey: boolean) => Codec;

/**
 * Where an encoded value goes: its table, the item's primary key (encoded) and the stored attribute
 * name. Codecs that declare `scoped` get it, so a ciphertext can be bound to its place.
 */
export interface CodecScope {
  readonly table: string;
  readonly key: Readonly<Record<string, AttributeValue>>;
  readonly attribute: string;
  /** The operation the value is written for (what its extensions prepared for it, such as a data key). */
  readonly context?: OperationContext | undefined;
}

/** A compiled codec for one attribute. */
export interface Codec {
  /** Validates and encodes; returns `undefined` when the value is to be left out (absent, empty set). */
  encode(value: unknown, path: Path, issues: Issues, applyRules?: boolean, scope?: CodecScope): AttributeValue | undefined;
  /**
   * The codec needs a {@link CodecScope} (an encryption codec binding its ciphertext to table, key and
   * attribute): items encode it after their key, and get it passed. Other codecs never pay for scopes.
   */
  readonly scoped?: boolean;
  /** Decodes a stored value. Throws when the stored value cannot be represented without loss. */
  decode(value: AttributeValue, path: Path): unknown;
  /** Encodes one member of a set or list as a single value (for `contains`). */
  member?(value: unknown, path: Path, issues: Issues): AttributeValue | undefined;
}

const MAX_SAFE_EPOCH_SECONDS = 1e11; // year 5138: anything larger is almost certainly milliseconds

/**
 * The deepest a list or map may sit, counting the item's top-level attribute as level 1: DynamoDB
 * allows documents 32 levels deep, so a scalar may sit inside at most 31 lists and maps, and a 32nd
 * list or map (even an empty one) is refused (checked against DynamoDB Local). A value's path has
 * one segment per level, so the check is `path.length`: no extra walk.
 */
export const MAX_NESTING = 31;

/** Refuses a list or map nested deeper than DynamoDB allows (see {@link MAX_NESTING}). */
function tooDeep(path: Path, issues: Issues): boolean {
  if (path.length <= MAX_NESTING) return false;
  issue(issues, path, 'depth', `lists and maps nest at most ${MAX_NESTING} deep below an item (DynamoDB's limit of 32 levels)`);
  return true;
}

/**
 * A list longer than the item size limit cannot be stored (every element costs at least a byte): said
 * at once, without walking billions of holes of `new Array(2 ** 32 - 1)`.
 */
function tooLong(value: readonly unknown[], path: Path, issues: Issues): boolean {
  if (value.length <= MAX_ITEM_BYTES) return false;
  issue(issues, path, 'item-size', `a list of ${value.length} elements is over DynamoDB's ${MAX_ITEM_BYTES} bytes`);
  return true;
}

/** Reports the first hole of a sparse array (`[1, , 3]`): DynamoDB lists have none, and skipping it would shift the rest. */
function sparse(value: readonly unknown[], path: Path, issues: Issues): undefined {
  let hole = 0;
  while (hole < value.length && hole in value) hole++;
  return issue(issues, [...path, hole], 'sparse-array', 'the array has a hole (a sparse array); give every element');
}

function issue(issues: Issues, path: Path, rule: string, message: string): undefined {
  issues.push({ path: [...path], rule, message });
  return undefined;
}

/** Error thrown when a stored value does not fit the model (e.g. an unsafe integer in a `cents` field). */
export class StoredValueError extends Error {
  constructor(
    readonly path: Path,
    message: string,
  ) {
    super(message);
  }
}

/** An integer or cents value as DynamoDB number text (safe integers always fit its 38 digits). */
function integerText(value: unknown, path: Path, issues: Issues, kind: 'integer' | 'cents'): string | undefined {
  if (typeof value !== 'number') return issue(issues, path, 'type', `expected a number, got ${describe(value)}`);
  if (!Number.isFinite(value)) return issue(issues, path, 'finite', 'NaN and Infinity cannot be stored');
  if (!Number.isSafeInteger(value)) {
    return issue(
      issues,
      path,
      kind,
      kind === 'cents' ? 'is not a safe integer amount of minor units' : 'is not a safe integer',
    );
  }
  return String(value);
}

/** A stored integer, refusing one a double cannot hold exactly (written by another program, say). */
function textToInteger(text: string, path: Path): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new StoredValueError(path, 'stored number is not a safe integer');
  return n;
}

function numberText(value: unknown, path: Path, issues: Issues): string | undefined {
  if (typeof value !== 'number') return issue(issues, path, 'type', `expected a number, got ${describe(value)}`);
  if (!Number.isFinite(value)) return issue(issues, path, 'finite', 'NaN and Infinity cannot be stored');
  // Safe integers always fit DynamoDB's 38 digits: skip the decimal analysis on the hot path.
  if (Number.isSafeInteger(value)) return String(value);
  const text = jsNumberToText(value);
  const problem = numberProblem(text);
  return problem ? issue(issues, path, 'number-range', problem) : text;
}

/**
 * A stored number as a JS number, refusing any value a double cannot hold exactly (written by another
 * program, say): silent rounding of money or ids is the bug this library exists to avoid.
 */
function textToNumber(text: string, path: Path): number {
  const n = Number(text);
  // Up to 15 characters means at most 15 significant digits: always exact as a double.
  if (text.length > 15 && canonicalDecimal(jsNumberToText(n)) !== canonicalDecimal(text)) {
    throw new StoredValueError(path, 'stored number cannot be read as a JS number without rounding; use attr.decimal() or attr.bigint()');
  }
  return n;
}

function need<T>(value: T | undefined, type: string, path: Path): T {
  if (value === undefined) throw new StoredValueError(path, `expected a stored ${type} value`);
  return value;
}

/** Short description of a value's type for error messages (never the value itself: it may be secret). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  if (value instanceof Set) return 'a Set';
  if (value instanceof Uint8Array) return 'binary data';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function toDate(value: unknown, path: Path, issues: Issues, spec: AttrSpec): Date | undefined {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? issue(issues, path, 'date', 'invalid Date') : value;
  }
  if (spec.ttl && typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) return issue(issues, path, 'ttl', 'TTL must be whole epoch seconds');
    if (value > MAX_SAFE_EPOCH_SECONDS) {
      return issue(issues, path, 'ttl', 'looks like epoch milliseconds; TTL takes epoch seconds or a Date');
    }
    return new Date(value * 1000);
  }
  return issue(issues, path, 'type', `expected a Date, got ${describe(value)}`);
}

// createdAt and updatedAt of one write share one clock reading: format it once.
let lastIsoTime = Number.NaN;
let lastIsoText = '';

function encodeDate(date: Date, spec: AttrSpec): AttributeValue {
  const time = date.getTime();
  switch (spec.dateStorage) {
    case 'epochSeconds':
      return { N: String(Math.floor(time / 1000)) };
    case 'epochMillis':
      return { N: String(time) };
    default:
      if (time !== lastIsoTime) {
        lastIsoText = date.toISOString();
        lastIsoTime = time;
      }
      return { S: lastIsoText };
  }
}

function decodeDate(value: AttributeValue, path: Path, spec: AttrSpec): Date {
  if (spec.dateStorage === 'iso' || spec.dateStorage === undefined) {
    const d = new Date(need(value.S, 'S', path));
    if (Number.isNaN(d.getTime())) throw new StoredValueError(path, 'stored date is not a valid ISO string');
    return d;
  }
  const n = Number(need(value.N, 'N', path));
  const d = new Date(spec.dateStorage === 'epochSeconds' ? n * 1000 : n);
  if (Number.isNaN(d.getTime())) throw new StoredValueError(path, 'stored date is out of range');
  return d;
}

function setValues(value: unknown, path: Path, issues: Issues): unknown[] | undefined {
  if (value instanceof Set) return [...(value as Set<unknown>)];
  if (Array.isArray(value)) {
    // Duplicates collapse, so a long array may make a small set; a long one with holes is refused at once.
    if (value.length > MAX_ITEM_BYTES && Object.keys(value).length !== value.length) return sparse(value, path, issues);
    return value;
  }
  return issue(issues, path, 'type', `expected a Set or an array, got ${describe(value)}`);
}

/** JSON numbers: exact JS numbers stay numbers; anything a double cannot hold exactly comes back as bigint or a string. */
function wrapJsonNumber(text: string): number | bigint | string {
  const n = Number(text);
  const canonical = canonicalDecimal(text);
  if (Number.isFinite(n) && jsNumberToText(n) === canonical) return n;
  return canonical.includes('.') ? canonical : BigInt(canonical);
}

function checkJson(value: unknown, path: Path, issues: Issues): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) issue(issues, path, 'finite', 'NaN and Infinity cannot be stored');
    else {
      const problem = numberProblem(jsNumberToText(value));
      if (problem) issue(issues, path, 'number-range', problem);
    }
    return;
  }
  if (Array.isArray(value)) {
    if (tooDeep(path, issues) || tooLong(value, path, issues)) return;
    let seen = 0;
    value.forEach((v, i) => {
      seen++;
      checkJson(v, [...path, i], issues);
    });
    if (seen !== value.length) sparse(value, path, issues);
    return;
  }
  if (isPlainObject(value)) {
    if (tooDeep(path, issues)) return;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (k === '') issue(issues, [...path, k], 'map-key', 'map keys cannot be empty');
      else checkJson(v, [...path, k], issues);
    }
    return;
  }
  issue(issues, path, 'json', `${describe(value)} is not a JSON value`);
}

/** Sets a property, even one named `__proto__` (a plain assignment would replace the prototype instead). */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** A checked JSON value as an AttributeValue (numbers exact, `__proto__` keys kept). */
function jsonToAttr(value: unknown): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'boolean') return { BOOL: value };
  if (typeof value === 'number') return { N: jsNumberToText(value) };
  if (Array.isArray(value)) return { L: value.map(jsonToAttr) };
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) setOwn(out, k, jsonToAttr(v));
  return { M: out };
}

/** A stored value as JSON (walked here so numbers stay exact and `__proto__` keys survive). */
function attrToJson(value: AttributeValue): unknown {
  if (value.N !== undefined) return wrapJsonNumber(value.N);
  if (value.L !== undefined) return value.L.map(attrToJson);
  if (value.M !== undefined) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value.M)) setOwn(out, k, attrToJson(v));
    return out;
  }
  if (value.S !== undefined) return value.S;
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.B !== undefined) return value.B;
  // Sets (written by other tools: JSON has none) come back as Sets, as the SDK would return them.
  if (value.SS !== undefined) return new Set(value.SS);
  if (value.NS !== undefined) return new Set(value.NS.map(wrapJsonNumber));
  if (value.BS !== undefined) return new Set(value.BS);
  return null;
}

/** Compiles the codec of one attribute (and, recursively, of nested ones). */
export function compileCodec(attribute: SpecCarrier, isKey = false): Codec {
  const spec = attribute.spec;
  const base = spec.codec(spec, isKey);
  if (spec.validators.length === 0) return base;
  return {
    ...base,
    encode(value, path, issues, applyRules = true, scope) {
      const before = issues.length;
      const encoded = base.encode(value, path, issues, applyRules, scope);
      if (applyRules && issues.length === before) {
        for (const { fn, rule } of spec.validators) {
          const verdict = (fn as (v: unknown) => unknown)(value);
          if (verdict === false) issue(issues, path, rule, `failed the ${rule} rule`);
          else if (typeof verdict === 'string') issue(issues, path, rule, verdict);
        }
      }
      return encoded;
    },
  };
}

// One factory per kind, each referenced only by its `attr.*` builder: a bundle that never uses, say,
// `attr.json()` through `import * as attr from 'dynamorm/attr'` does not carry the JSON codec.

/** `attr.string()` and key templates. */
export function stringCodec(_spec: AttrSpec, isKey: boolean): Codec {
  return {
    encode(value, path, issues) {
      if (typeof value !== 'string') return issue(issues, path, 'type', `expected a string, got ${describe(value)}`);
      if (isKey && value === '') return issue(issues, path, 'required', 'key values cannot be empty');
      return { S: value };
    },
    decode: (v, path) => need(v.S, 'S', path),
  };
}

/** `attr.number()`: any finite double. */
export function numberCodec(): Codec {
  return {
    encode(value, path, issues) {
      const text = numberText(value, path, issues);
      return text === undefined ? undefined : { N: text };
    },
    decode: (v, path) => textToNumber(need(v.N, 'N', path), path),
  };
}

/**
 * `attr.integer()`, `attr.cents()` and `attr.version()`: safe integers only. Kept apart from
 * `numberCodec` so models without floating-point fields carry no decimal analysis.
 */
export function integerCodec(spec: AttrSpec): Codec {
  const kind = spec.kind === 'cents' ? 'cents' : 'integer';
  return {
    encode(value, path, issues) {
      const text = integerText(value, path, issues, kind);
      return text === undefined ? undefined : { N: text };
    },
    decode: (v, path) => textToInteger(need(v.N, 'N', path), path),
  };
}

/** `attr.bigint()`: exact, up to DynamoDB's 38 digits. */
export function bigintCodec(): Codec {
  return {
    encode(value, path, issues) {
      if (typeof value !== 'bigint') return issue(issues, path, 'type', `expected a bigint, got ${describe(value)}`);
      const text = value.toString();
      const problem = numberProblem(text);
      return problem ? issue(issues, path, 'number-range', problem) : { N: text };
    },
    decode: (v, path) => textToBigInt(need(v.N, 'N', path)),
  };
}

/** `attr.decimal()`: decimal strings, exact to 38 significant digits. */
export function decimalCodec(): Codec {
  return {
    encode(value, path, issues) {
      if (typeof value !== 'string') return issue(issues, path, 'type', `expected a decimal string, got ${describe(value)}`);
      const problem = numberProblem(value);
      return problem ? issue(issues, path, 'number-range', problem) : { N: canonicalDecimal(value) };
    },
    decode: (v, path) => canonicalDecimal(need(v.N, 'N', path)),
  };
}

/** `attr.boolean()`. */
export function booleanCodec(): Codec {
  return {
    encode: (value, path, issues) => (typeof value === 'boolean' ? { BOOL: value } : issue(issues, path, 'type', `expected a boolean, got ${describe(value)}`)),
    decode: (v, path) => need(v.BOOL, 'BOOL', path),
  };
}

/** `attr.date()`, `attr.createdAt()`, `attr.updatedAt()` and `attr.ttl()`. */
export function dateCodec(spec: AttrSpec): Codec {
  return {
    encode(value, path, issues) {
      const date = toDate(value, path, issues, spec);
      return date && encodeDate(date, spec);
    },
    decode: (v, path) => decodeDate(v, path, spec),
  };
}

/** `attr.enum([...])`. */
export function enumCodec(spec: AttrSpec): Codec {
  const allowed = new Set(spec.values);
  return {
    encode(value, path, issues) {
      if (typeof value !== 'string' || !allowed.has(value)) {
        return issue(issues, path, 'enum', `expected one of ${[...allowed].map((v) => JSON.stringify(v)).join(', ')}`);
      }
      return { S: value };
    },
    decode(v, path) {
      const s = need(v.S, 'S', path);
      if (!allowed.has(s)) throw new StoredValueError(path, 'stored value is not one of the enum values');
      return s;
    },
  };
}

/** `attr.list(element)`. */
export function listCodec(spec: AttrSpec): Codec {
  const element = compileCodec(spec.element as SpecCarrier);
  const encodeElement = (value: unknown, path: Path, issues: Issues): AttributeValue | undefined =>
    value === undefined ? issue(issues, path, 'required', 'list elements cannot be undefined') : element.encode(value, path, issues);
  return {
    encode(value, path, issues) {
      if (!Array.isArray(value)) return issue(issues, path, 'type', `expected an array, got ${describe(value)}`);
      if (tooDeep(path, issues) || tooLong(value, path, issues)) return undefined;
      const out: AttributeValue[] = [];
      let visited = 0;
      value.forEach((v, i) => {
        visited++;
        const encoded = encodeElement(v, [...path, i], issues);
        if (encoded) out.push(encoded);
      });
      // forEach skips holes: fewer visits than the length means a sparse array.
      if (visited !== value.length) return sparse(value, path, issues);
      return { L: out };
    },
    decode: (v, path) => need(v.L, 'L', path).map((x, i) => element.decode(x, [...path, i])),
    member: encodeElement,
  };
}

/** `attr.record(element)`: string keys to values of one definition. */
export function recordCodec(spec: AttrSpec): Codec {
  const element = compileCodec(spec.element as SpecCarrier);
  return {
    encode(value, path, issues) {
      if (!isPlainObject(value)) return issue(issues, path, 'type', `expected an object, got ${describe(value)}`);
      if (tooDeep(path, issues)) return undefined;
      const out: Record<string, AttributeValue> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue;
        if (k === '') {
          issue(issues, [...path, k], 'map-key', 'map keys cannot be empty');
          continue;
        }
        const encoded = element.encode(v, [...path, k], issues);
        if (encoded) setOwn(out, k, encoded);
      }
      return { M: out };
    },
    decode(v, path) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(need(v.M, 'M', path))) setOwn(out, k, element.decode(x, [...path, k]));
      return out;
    },
  };
}

/** `attr.binary()`. */
export function binaryCodec(_spec: AttrSpec, isKey: boolean): Codec {
  return {
    encode(value, path, issues) {
      if (!(value instanceof Uint8Array)) return issue(issues, path, 'type', `expected a Uint8Array, got ${describe(value)}`);
      if (isKey && value.byteLength === 0) return issue(issues, path, 'required', 'key values cannot be empty');
      return { B: value };
    },
    decode: (v, path) => need(v.B, 'B', path),
  };
}

/** `attr.json()`: any JSON value as a native document, numbers exact. */
export function jsonCodec(): Codec {
  return {
    encode(value, path, issues) {
      const before = issues.length;
      checkJson(value, path, issues);
      if (issues.length > before) return undefined;
      return jsonToAttr(value);
    },
    decode: (v) => attrToJson(v),
  };
}

/** `attr.custom(base, converter)`: the converter around the base attribute's codec. */
export function customCodec(spec: AttrSpec, isKey: boolean): Codec {
  const inner = compileCodec(spec.element as SpecCarrier, isKey);
  const converter = spec.converter as NonNullable<AttrSpec['converter']>;
  return {
    encode(value, path, issues, applyRules) {
      let stored: unknown;
      try {
        stored = converter.encode(value);
      } catch (error) {
        return issue(issues, path, 'convert', `could not convert: ${(error as Error).message}`);
      }
      return inner.encode(stored, path, issues, applyRules);
    },
    decode: (v, path) => converter.decode(inner.decode(v, path)),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `attr.stringSet()`, `attr.numberSet()` and `attr.binarySet()`. */
export function setCodec(spec: AttrSpec): Codec {
  const kind = spec.kind as 'stringSet' | 'numberSet' | 'binarySet';
  const element = (value: unknown, path: Path, issues: Issues): string | Uint8Array | undefined => {
    if (kind === 'stringSet') return typeof value === 'string' ? value : issue(issues, path, 'type', `expected a string, got ${describe(value)}`);
    if (kind === 'binarySet') return value instanceof Uint8Array ? value : issue(issues, path, 'type', `expected binary data, got ${describe(value)}`);
    return numberText(value, path, issues);
  };
  const encodeAll = (value: unknown, path: Path, issues: Issues): AttributeValue | undefined => {
    const values = setValues(value, path, issues);
    if (!values) return undefined;
    const out: (string | Uint8Array)[] = [];
    const seen = new Set<string>();
    let visited = 0;
    values.forEach((v, i) => {
      visited++;
      const e = element(v, [...path, i], issues);
      if (e === undefined) return;
      const id = typeof e === 'string' ? e : Buffer.from(e).toString('base64');
      if (!seen.has(id)) {
        seen.add(id);
        out.push(e);
      }
    });
    if (visited !== values.length) return sparse(values, path, issues);
    if (out.length === 0) return undefined; // DynamoDB has no empty sets: an empty set is no attribute.
    if (kind === 'stringSet') return { SS: out as string[] };
    if (kind === 'numberSet') return { NS: out as string[] };
    return { BS: out as Uint8Array[] };
  };
  return {
    encode: encodeAll,
    decode(v, path) {
      if (kind === 'stringSet') return new Set(need(v.SS, 'SS', path));
      if (kind === 'numberSet') return new Set(need(v.NS, 'NS', path).map((t) => textToNumber(t, path)));
      return new Set(need(v.BS, 'BS', path));
    },
    member(value, path, issues) {
      const e = element(value, path, issues);
      if (e === undefined) return undefined;
      if (kind === 'stringSet') return { S: e as string };
      if (kind === 'numberSet') return { N: e as string };
      return { B: e as Uint8Array };
    },
  };
}

/** `attr.object(shape)`: a nested schema stored as a map. */
export function objectCodec(spec: AttrSpec): Codec {
  const fields = Object.entries(spec.shape ?? {}).map(([name, a]) => {
    const stored = a.spec.storedName ?? name;
    if (name === '__proto__' || stored === '__proto__') throw new ModelDefinitionError(`object field ${name}: the name __proto__ is not allowed`);
    if (stored === '') throw new ModelDefinitionError(`object field ${JSON.stringify(name)}: attribute names cannot be empty`);
    return { name, stored, spec: a.spec, codec: compileCodec(a) };
  });
  const known = new Set(fields.map((f) => f.name));
  return {
    encode(value, path, issues, applyRules) {
      if (!isPlainObject(value)) return issue(issues, path, 'type', `expected an object, got ${describe(value)}`);
      if (tooDeep(path, issues)) return undefined;
      const out: Record<string, AttributeValue> = {};
      for (const key of Object.keys(value)) {
        if (!known.has(key)) issue(issues, [...path, key], 'unknown-field', 'is not a field of this object');
      }
      for (const f of fields) {
        let v = Object.hasOwn(value, f.name) ? value[f.name] : undefined;
        if (v === undefined && f.spec.hasDefault) v = resolveDefault(f.spec);
        if (v === undefined) {
          if (!f.spec.optional) issue(issues, [...path, f.name], 'required', 'is required');
          continue;
        }
        const encoded = f.codec.encode(v, [...path, f.name], issues, applyRules);
        if (encoded) out[f.stored] = encoded;
      }
      return { M: out };
    },
    decode(v, path) {
      const map = need(v.M, 'M', path);
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        const stored = Object.hasOwn(map, f.stored) ? map[f.stored] : undefined;
        if (stored === undefined) {
          if (f.spec.kind.endsWith('Set') && !f.spec.optional) out[f.name] = new Set();
          continue;
        }
        out[f.name] = f.codec.decode(stored, [...path, f.name]);
      }
      return out;
    },
  };
}

/** The default value of an attribute, calling it when it is a function. */
export function resolveDefault(spec: AttrSpec): unknown {
  return typeof spec.defaultValue === 'function' ? (spec.defaultValue as () => unknown)() : spec.defaultValue;
}
