/**
 * `encrypted(base)`: an attribute whose value is stored AES-256-GCM encrypted, as DynamoDB binary.
 * Its codec is scoped: it encrypts when the item's key is known, under the data key the encryption
 * extension prepared for the operation (`CodecScope.context`), bound to the model's table, the key
 * and the attribute name. It never decrypts: the extension opens a whole page of stored values before
 * decoding (one key unwrap per distinct data key), and the codec only reads back what was opened.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import { ModelDefinitionError } from '../errors.js';
import { compileCodec, type Codec, type CodecFactory } from '../marshal/codec.js';
import { Attr, type Validator } from '../model/attributes.js';
import { seal } from './envelope.js';
import { DecryptionError } from './errors.js';
import type { WriteKey } from './key-source.js';
import { valueToBytes } from './plaintext.js';
import type { BeaconOptions } from './beacon.js';

/** What the extension prepared for one write: its data key and the model's table. */
export interface WriteSlot {
  readonly key: WriteKey;
  readonly table: string;
}

/** @internal Data keys prepared per operation (the extension's `prepare` fills it; the codec reads it). */
export const prepared = new WeakMap<OperationContext, WriteSlot>();

/**
 * @internal Stored values whose plaintext is known: those this process just encrypted, and those the
 * extension opened before a page is decoded. Keyed by the very AttributeValue object decoded.
 */
export const opened = new WeakMap<AttributeValue, AttributeValue>();

/** Options of {@link encrypted}. */
export interface EncryptedOptions {
  /**
   * A blind index: a keyed HMAC-SHA256 of the value written to another attribute (a plain
   * `attr.string().optional()` of the model, which an index may use), so equality lookups work
   * without decrypting. See {@link BeaconOptions} and the guide for what it leaks.
   */
  readonly beacon?: BeaconOptions;
}

/** @internal What the extension needs to know of an encrypted field. */
export interface EncryptedField {
  readonly base: Attr<unknown>;
  readonly options: EncryptedOptions;
}

/** @internal The encrypted fields' settings, by their codec factory (kept by every copy of the spec). */
export const encryptedFields = new WeakMap<CodecFactory, EncryptedField>();

/**
 * An encrypted attribute: chains like its base attribute (`optional()`, `default()`, `validate()`,
 * `storedAs()`) but cannot be a key, and conditions, filters and key conditions cannot name it (a
 * compile error, and a ValidationError at run time). `_sealed` exists for the compiler only.
 */
export type EncryptedAttr<Out, In, Opt extends boolean, Def extends boolean> = Sealed<Out, In, Opt, Def> & Attr<Out, In, Opt, Def, 'none', 'none', ''>;

/** The chain of an encrypted attribute (each step stays encrypted). */
export interface Sealed<Out, In, Opt extends boolean, Def extends boolean> {
  /** @internal Phantom: marks the field as stored bound to its item. Never set at run time. */
  readonly _sealed: true;
  optional(): EncryptedAttr<Out, In, true, Def>;
  default(value: In | (() => In)): EncryptedAttr<Out, In, Opt, true>;
  validate(fn: Validator<Out>, rule?: string): EncryptedAttr<Out, In, Opt, Def>;
  storedAs(name: string): EncryptedAttr<Out, In, Opt, Def>;
  /** Encrypted fields cannot be keys. */
  partitionKey: never;
  /** Encrypted fields cannot be keys. */
  sortKey: never;
  /** Encrypted fields are never shown. */
  loggable: never;
}

const NOT_PLAIN = 'an encrypted field takes a plain value in create, put or update: not an update action, a condition or a key';

function refuse(issues: { path: readonly (string | number)[]; rule: string; message: string }[], path: readonly (string | number)[], rule: string, message: string): undefined {
  issues.push({ path: [...path], rule, message });
  return undefined;
}

/**
 * Encrypts a field: `encrypted(attr.string())`, `encrypted(attr.cents().optional())`,
 * `encrypted(attr.json())`... Any base attribute that is not a key, template or clock field. Needs the
 * {@link encryption} extension on the database or the model (a handle without it refuses to be made).
 *
 * ```ts
 * const Card = model('Card', {
 *   table: 'cards',
 *   attributes: { id: attr.string().partitionKey(), number: encrypted(attr.string()), version: attr.version() },
 * });
 * ```
 */
export function encrypted<Out, In, Opt extends boolean, Def extends boolean>(
  base: Attr<Out, In, Opt, Def, 'none', 'none', string>,
  options: EncryptedOptions = {},
): EncryptedAttr<Out, In, Opt, Def> {
  const spec = (base as { spec?: Attr<unknown>['spec'] } | undefined)?.spec;
  if (!spec || typeof spec.codec !== 'function') throw new ModelDefinitionError('encrypted() takes an attribute (attr.string(), attr.cents(), ...)');
  if (spec.key !== 'none' || spec.generated !== 'none' || spec.template !== undefined) {
    throw new ModelDefinitionError('encrypted() takes a plain attribute: not a key, a key template, a version or a clock field');
  }
  if (spec.ttl) throw new ModelDefinitionError('encrypted() cannot take a TTL attribute: DynamoDB must read it');
  const kind = spec.kind;
  const factory: CodecFactory = (_spec, isKey) => {
    if (isKey) throw new ModelDefinitionError('an encrypted field cannot be a key of the table or of an index');
    return encryptedCodec(compileCodec(base), kind.endsWith('Set') ? (kind.slice(0, -3) as 'string' | 'number' | 'binary') : undefined);
  };
  encryptedFields.set(factory, { base: base as Attr<unknown>, options });
  return new Attr({
    ...spec,
    kind: 'custom',
    codec: factory,
    element: base,
    validators: [],
    needs: [...(spec.needs ?? []), 'encryption'],
  }) as unknown as EncryptedAttr<Out, In, Opt, Def>;
}

const EMPTY_SET = { string: 'SS', number: 'NS', binary: 'BS' } as const;

/** The codec of an encrypted field around its base attribute's codec. */
function encryptedCodec(inner: Codec, set: 'string' | 'number' | 'binary' | undefined): Codec {
  return {
    scoped: true,
    encode(value, path, issues, applyRules = true, scope) {
      if (!scope?.context) return refuse(issues, path, 'encrypted', NOT_PLAIN);
      const before = issues.length;
      let plain = inner.encode(value, path, issues, applyRules);
      if (issues.length > before) return undefined;
      // DynamoDB has no empty sets, but an encrypted one is a value like any other: keep it.
      if (!plain && set) plain = { [EMPTY_SET[set]]: [] } as unknown as AttributeValue;
      if (!plain) return undefined;
      const slot = prepared.get(scope.context);
      if (!slot) return refuse(issues, path, 'encryption', 'no data key was prepared: give the encryption() extension to the database or the model');
      const bytes = valueToBytes(plain);
      slot.key.bytes += bytes.byteLength;
      const stored: AttributeValue = { B: seal(slot.key.key.plaintext, slot.key.header, bytes, { table: slot.table, key: scope.key, attribute: scope.attribute }) };
      opened.set(stored, plain);
      return stored;
    },
    decode(value, path) {
      const plain = opened.get(value);
      // The extension opens every stored value of a page before it is decoded; anything else is refused.
      if (!plain) throw new DecryptionError('(unknown model)', String(path[0]), 'format');
      return inner.decode(plain, path);
    },
  };
}
