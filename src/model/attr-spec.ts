/**
 * The runtime description of attributes (kinds, key roles, the spec each builder carries). Kept apart
 * from the builders so codecs can read specs without importing the builders that import them.
 */
import type { Extension } from '../extensions/extension.js';
import type { CodecFactory } from '../marshal/codec.js';

/** Anything that carries an attribute spec (an attribute builder). */
export interface SpecCarrier {
  readonly spec: AttrSpec;
}

/** What kind of value an attribute holds; decides validation and how it is stored. */
export type AttrKind =
  | 'string'
  | 'number'
  | 'integer'
  | 'cents'
  | 'bigint'
  | 'decimal'
  | 'boolean'
  | 'date'
  | 'enum'
  | 'object'
  | 'list'
  | 'record'
  | 'stringSet'
  | 'numberSet'
  | 'binarySet'
  | 'binary'
  | 'json'
  | 'custom';

/** How a `Date` attribute is stored: ISO-8601 string (sorts correctly), epoch seconds or epoch milliseconds. */
export type DateStorage = 'iso' | 'epochSeconds' | 'epochMillis';

/** Which key of the table (or of no key) an attribute is. */
export type KeyKind = 'partition' | 'sort' | 'none';

/**
 * Who fills the attribute: the caller (`none`), a key template (`template`), the version counter
 * (`version`) or the clock (`createdAt` / `updatedAt`).
 */
export type GeneratedKind = 'none' | 'template' | 'version' | 'createdAt' | 'updatedAt';

/** A custom validation rule: return `true` (or nothing) when valid, or a message saying what is wrong. */
export type Validator<T> = (value: T) => boolean | string | void;

/** Converts between a field's own value and a value of a built-in attribute type. */
export interface Converter<T, S> {
  /** From the field value to the stored representation. */
  encode(value: T): S;
  /** From the stored representation back to the field value. */
  decode(stored: S): T;
}

/** The runtime description of an attribute. Read by the compiler in `model()`; not part of the typed API. */
export interface AttrSpec {
  readonly kind: AttrKind;
  /** Builds the attribute's codec; each builder names its own, so unused kinds can be left out of a bundle. */
  readonly codec: CodecFactory;
  readonly optional: boolean;
  readonly defaultValue?: unknown;
  readonly hasDefault: boolean;
  readonly validators: readonly { readonly fn: Validator<never>; readonly rule: string }[];
  readonly storedName?: string;
  readonly key: KeyKind;
  readonly generated: GeneratedKind;
  readonly template?: string;
  readonly ttl: boolean;
  readonly dateStorage?: DateStorage;
  readonly values?: readonly string[];
  readonly shape?: Readonly<Record<string, SpecCarrier>>;
  readonly element?: SpecCarrier;
  readonly converter?: Converter<unknown, unknown>;
  /** A key field whose values errors and logs may show (`.loggable()`); other key values are redacted. */
  readonly loggable?: boolean;
  /**
   * Names of the extensions this attribute cannot work without (`unique`, `encryption`, ...): a model
   * handle whose resolved extensions lack one refuses to be made, so a feature is never silently off.
   */
  readonly needs?: readonly string[];
  /** An extension the attribute brings with it (added to its model's extensions by `model()`). */
  readonly extension?: Extension;
  /**
   * `.unique()`: the value is unique in its model, per the values of the `scope` fields (guard items
   * of the `unique` extension, `dynamorm/unique`, enforce it).
   */
  readonly unique?: { readonly scope: readonly string[] };
  /**
   * Runs when a condition or filter names the field, and throws to refuse it before anything is sent
   * (an ephemeral field is never stored, so no condition can name it). The check travels with the
   * attribute, so the core carries only the call.
   */
  readonly checkCondition?: (path: string, label: string) => void;
}
