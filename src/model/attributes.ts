/**
 * Attribute builders: `attr.string()`, `attr.cents()`, `attr.date()`, ... Each builder is an immutable
 * value that carries its runtime spec and, as type parameters, everything the compiler needs to infer
 * item, input, key and patch types. Nothing here talks to DynamoDB.
 */
import {
  bigintCodec,
  binaryCodec,
  booleanCodec,
  customCodec,
  dateCodec,
  decimalCodec,
  enumCodec,
  integerCodec,
  jsonCodec,
  listCodec,
  numberCodec,
  objectCodec,
  recordCodec,
  setCodec,
  stringCodec,
} from '../marshal/codec.js';
import type { CodecFactory } from '../marshal/codec.js';
import type { AttrKind, AttrSpec, Converter, DateStorage, GeneratedKind, KeyKind, Validator } from './attr-spec.js';

export type { AttrKind, AttrSpec, Converter, DateStorage, GeneratedKind, KeyKind, Validator } from './attr-spec.js';

/**
 * An attribute definition. The type parameters are for the compiler:
 * `Out` the value read back, `In` the value accepted on write, `Opt` optional, `Def` has a default,
 * `Key` key role, `Gen` who fills it, `Tpl` the key template text.
 */
export class Attr<
  Out,
  In = Out,
  Opt extends boolean = false,
  Def extends boolean = false,
  Key extends KeyKind = 'none',
  Gen extends GeneratedKind = 'none',
  Tpl extends string = '',
> {
  /** @internal Phantom fields for type inference; never set at run time. */
  declare readonly _types: { out: Out; in: In; opt: Opt; def: Def; key: Key; gen: Gen; tpl: Tpl };
  /** The runtime spec, read by `model()`. */
  readonly spec: AttrSpec;

  /** @internal Use the `attr.*` builders instead. */
  constructor(spec: AttrSpec) {
    this.spec = spec;
  }

  private with<A>(changes: Partial<AttrSpec>): A {
    return new Attr({ ...this.spec, ...changes }) as A;
  }

  /** The field may be absent. Absent fields are not stored (no empty values are written). */
  optional(): Attr<Out, In, true, Def, Key, Gen, Tpl> {
    return this.with({ optional: true });
  }

  /** Value used on create/put when the field is not given; a function is called for every write. */
  default(value: In | (() => In)): Attr<Out, In, Opt, true, Key, Gen, Tpl> {
    return this.with({ defaultValue: value, hasDefault: true });
  }

  /** Adds a validation rule, run before any request. `rule` names it in `ValidationError`. */
  validate(fn: Validator<Out>, rule = 'custom'): Attr<Out, In, Opt, Def, Key, Gen, Tpl> {
    return this.with({ validators: [...this.spec.validators, { fn: fn as Validator<never>, rule }] });
  }

  /** Stores the field under another attribute name (for existing tables). */
  storedAs(name: string): Attr<Out, In, Opt, Def, Key, Gen, Tpl> {
    return this.with({ storedName: name });
  }

  /**
   * Lets errors and logs show this key field's values (a payment id, say). Key values are redacted
   * (`<redacted>`) unless their field is loggable, since a key may be a card fingerprint or an email;
   * values of other fields never appear, loggable or not.
   */
  loggable(): Attr<Out, In, Opt, Def, Key, Gen, Tpl> {
    return this.with({ loggable: true });
  }

  /**
   * The value is unique among the model's items, or per the values of the `scope` fields
   * (`{ scope: ['merchantId'] }`: unique per merchant). Guard items of the `unique` extension
   * (`uniqueValues()` from `dynamorm/unique`) enforce it, written in the same transaction as the item;
   * a handle of a model whose database lacks the extension refuses to be made. Items without a value
   * (or without a scope value) are not constrained.
   */
  unique<const S extends readonly string[] = readonly []>(options: { readonly scope?: S } = {}): this & UniqueMarker<S> {
    return this.with({ unique: { scope: options.scope ?? [] }, needs: [...(this.spec.needs ?? []), 'unique'] });
  }

  /** Marks the field as the table's partition (hash) key. */
  partitionKey(): Attr<Out, In, false, Def, 'partition', Gen, Tpl> {
    return this.with({ key: 'partition' });
  }

  /** Marks the field as the table's sort (range) key. */
  sortKey(): Attr<Out, In, false, Def, 'sort', Gen, Tpl> {
    return this.with({ key: 'sort' });
  }
}

/** The type of a `.unique()` attribute: `S` names its scope fields (for the compiler only; never set at run time). */
export interface UniqueMarker<S extends readonly string[]> {
  /** @internal Phantom. */
  readonly _unique: { readonly scope: S };
}

/** Any attribute definition. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAttr = Attr<any, any, boolean, boolean, KeyKind, GeneratedKind, string>;

/** A schema: field name to attribute definition. */
export type Shape = Record<string, AnyAttr>;

function make<Out, In = Out>(kind: AttrKind, codec: CodecFactory, extra: Partial<AttrSpec> = {}): Attr<Out, In> {
  return new Attr<Out, In>({ kind, codec, optional: false, hasDefault: false, validators: [], key: 'none', generated: 'none', ttl: false, ...extra });
}

/** Output type of a nested shape (fields with `optional()` become optional properties). */
export type ShapeOutput<S extends Shape> = Flatten<
  { [K in keyof S as S[K]['_types']['opt'] extends true ? never : K]: S[K]['_types']['out'] } & {
    [K in keyof S as S[K]['_types']['opt'] extends true ? K : never]?: S[K]['_types']['out'];
  }
>;

/** Input type of a nested shape (optional and defaulted fields may be left out). */
export type ShapeInput<S extends Shape> = Flatten<
  { [K in keyof S as IsOmittable<S[K]> extends true ? never : K]: S[K]['_types']['in'] } & {
    [K in keyof S as IsOmittable<S[K]> extends true ? K : never]?: S[K]['_types']['in'];
  }
>;

type IsOmittable<A extends AnyAttr> = A['_types']['opt'] extends true ? true : A['_types']['def'] extends true ? true : false;

/** Merges an intersection into one object type, for readable hovers. */
export type Flatten<T> = { [K in keyof T]: T[K] } & {};

/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A string. Key strings must be non-empty. */
export const string = () => make<string>('string', stringCodec);
/** A finite number (NaN and Infinity are rejected). */
export const number = () => make<number>('number', numberCodec);
/** A safe integer (|n| <= 2^53 - 1). */
export const integer = () => make<number>('integer', integerCodec);
/** Money as integer minor units (1250 = 12.50). Floats, NaN, Infinity and unsafe integers are rejected. */
export const cents = () => make<number>('cents', integerCodec);
/** An integer of any size as `bigint`, up to the 38 digits DynamoDB keeps. */
export const bigint = () => make<bigint>('bigint', bigintCodec);
/** A decimal number kept as a string (`'12345678901234567890.123'`), exact to 38 significant digits. */
export const decimal = () => make<string>('decimal', decimalCodec);
/** A boolean. */
export const boolean = () => make<boolean>('boolean', booleanCodec);
/** A `Date`, stored as an ISO-8601 string (default), epoch seconds or epoch milliseconds. */
export const date = (options: { storage?: DateStorage } = {}) => make<Date>('date', dateCodec, { dateStorage: options.storage ?? 'iso' });
/** One of a fixed list of strings (`attr.enum([...])`). */
export const enumOf = <const V extends readonly [string, ...string[]]>(values: V) => make<V[number]>('enum', enumCodec, { values });
/** A nested object with its own schema, stored as a map. */
export const object = <S extends Shape>(shape: S) => make<ShapeOutput<S>, ShapeInput<S>>('object', objectCodec, { shape });
/** A list whose elements follow one attribute definition. */
export const list = <A extends AnyAttr>(element: A) => make<A['_types']['out'][], A['_types']['in'][]>('list', listCodec, { element });
/** A map from string keys to values of one attribute definition. */
export const record = <A extends AnyAttr>(element: A) =>
  make<Record<string, A['_types']['out']>, Record<string, A['_types']['in']>>('record', recordCodec, { element });
/** A DynamoDB string set. An empty set is stored as no attribute and read back as an empty set. */
export const stringSet = () => make<Set<string>, Set<string> | readonly string[]>('stringSet', setCodec);
/** A DynamoDB number set. */
export const numberSet = () => make<Set<number>, Set<number> | readonly number[]>('numberSet', setCodec);
/** A DynamoDB binary set. */
export const binarySet = () => make<Set<Uint8Array>, Set<Uint8Array> | readonly Uint8Array[]>('binarySet', setCodec);
/** Binary data. */
export const binary = () => make<Uint8Array>('binary', binaryCodec);
/** Any JSON value, stored as a native DynamoDB document (maps and lists). */
export const json = <T extends JsonValue = JsonValue>() => make<T>('json', jsonCodec);
/**
 * A field of your own type stored as a built-in one.
 * `attr.custom(attr.string(), { encode: (m: Money) => m.toString(), decode: Money.parse })`
 */
export const custom = <T, A extends AnyAttr>(base: A, converter: Converter<T, A['_types']['out']>) =>
  make<T>('custom', customCodec, { element: base, converter: converter as Converter<unknown, unknown> });
/**
 * A string key composed from other fields: `attr.template('TENANT#{tenantId}#TXN#{id}')`. Filled on
 * every write, parsed back into its fields on read; callers never set it.
 */
export const template = <const T extends string>(template: T) =>
  make<string>('string', stringCodec, { template, generated: 'template' }) as unknown as Attr<string, string, false, false, 'none', 'template', T>;
/** Creation time from the configured clock, set once on create. */
export const createdAt = (options: { storage?: DateStorage } = {}) =>
  make<Date>('date', dateCodec, { dateStorage: options.storage ?? 'iso', generated: 'createdAt' }) as unknown as Attr<Date, Date, false, true, 'none', 'createdAt'>;
/** Last write time from the configured clock, set on every write. */
export const updatedAt = (options: { storage?: DateStorage } = {}) =>
  make<Date>('date', dateCodec, { dateStorage: options.storage ?? 'iso', generated: 'updatedAt' }) as unknown as Attr<Date, Date, false, true, 'none', 'updatedAt'>;
/** Optimistic-locking version: 1 on create, checked and bumped by every update and delete. */
export const version = () => make<number>('integer', integerCodec, { generated: 'version' }) as unknown as Attr<number, number, false, true, 'none', 'version'>;
/**
 * DynamoDB time-to-live: accepts a `Date` or epoch seconds, stored as epoch seconds, read back as a
 * `Date`. Epoch milliseconds are rejected (a common bug that makes items live for ever).
 */
export const ttl = () => make<Date, Date | number>('date', dateCodec, { dateStorage: 'epochSeconds', ttl: true });

/**
 * The attribute builders, as one object.
 *
 * ```ts
 * attributes: {
 *   id: attr.string().partitionKey(),
 *   amount: attr.cents(),
 *   status: attr.enum(['pending', 'completed']),
 *   createdAt: attr.createdAt(),
 *   version: attr.version(),
 * }
 * ```
 * An object keeps every builder, and so every codec, in a bundle. `import * as attr from
 * 'dynamorm/attr'` gives the same builders as a module, which bundlers trim to the ones used.
 */
export const attr = {
  string,
  number,
  integer,
  cents,
  bigint,
  decimal,
  boolean,
  date,
  enum: enumOf,
  object,
  list,
  record,
  stringSet,
  numberSet,
  binarySet,
  binary,
  json,
  custom,
  template,
  createdAt,
  updatedAt,
  version,
  ttl,
};
