/**
 * The `encryption()` extension: for models with encrypted fields, it prepares a data key before a
 * write that encrypts (async, so the synchronous codec finds it ready), stamps blind-index beacons,
 * and opens every encrypted value of a page before the page is decoded: each distinct data key is
 * unwrapped once, then each value is decrypted and verified against its item's key and attribute.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import { ConfigurationError, ModelDefinitionError } from '../errors.js';
import type { Extension, ModelHooks, WriteIntent } from '../extensions/extension.js';
import { defineExtension } from '../extensions/runtime.js';
import { remove, UpdateAction } from '../expr/update-actions.js';
import { compileCodec, type Codec, type Issues } from '../marshal/codec.js';
import type { AttributeMap } from '../model/item-codec.js';
import type { AnyModel, FieldMeta } from '../model/model.js';
import { encryptedFields, opened, prepared, type EncryptedField } from './attribute.js';
import { beaconOf } from './beacon.js';
import { open, parseEnvelope, type Envelope } from './envelope.js';
import { DecryptionError } from './errors.js';
import type { KeyProvider } from './key-provider.js';
import { idOf, KeySource, type KeyCacheOptions } from './key-source.js';
import { bytesToValue } from './plaintext.js';

/** @internal The key provider and data keys behind each model's hooks (what `reencrypt` works with). */
export const keysOf = new WeakMap<object, { readonly provider: KeyProvider; readonly source: KeySource }>();

/** Options of {@link encryption}. */
export interface EncryptionOptions {
  /** Where data keys come from: `kmsKeyProvider({ keyId })`, or `localKeyProvider(key)` for tests. */
  readonly keyProvider: KeyProvider;
  /**
   * Reuse data keys within bounds (see {@link KeyCacheOptions}). Without it every item write makes a
   * fresh data key (one KMS call per write) and every page unwraps its keys anew.
   */
  readonly cache?: KeyCacheOptions;
}

/** @internal One encrypted field of a model, as the extension handles it. */
export interface SealedField {
  readonly meta: FieldMeta;
  readonly settings: EncryptedField;
  /** The base attribute's codec (for beacons). */
  readonly plain: Codec;
  /** The field storing this field's beacon, if it has one. */
  readonly beacon: FieldMeta | undefined;
}

/** @internal The encrypted fields of a model (empty when it has none). */
export function sealedFields(model: AnyModel): SealedField[] {
  const meta = model.compiled;
  const out: SealedField[] = [];
  for (const field of meta.fields) {
    const settings = encryptedFields.get(field.spec.codec);
    if (!settings) continue;
    const beaconName = settings.options.beacon?.field;
    const beacon = beaconName === undefined ? undefined : meta.byName.get(beaconName);
    if (beaconName !== undefined) {
      if (!beacon || beacon.spec.kind !== 'string' || !beacon.spec.optional || beacon.key !== 'none') {
        throw new ModelDefinitionError(`model ${meta.name}: the beacon of ${field.name} needs a field ${beaconName}: attr.string().optional()`);
      }
      const { key, bits = 64 } = settings.options.beacon as { key: Uint8Array; bits?: number };
      if (!(key instanceof Uint8Array) || key.byteLength < 32) throw new ModelDefinitionError(`model ${meta.name}: the beacon key of ${field.name} is at least 32 bytes`);
      if (!Number.isInteger(bits) || bits < 8 || bits > 256) throw new ModelDefinitionError(`model ${meta.name}: beacon bits are 8 to 256`);
    }
    out.push({ meta: field, settings, plain: compileCodec(settings.base), beacon });
  }
  return out;
}

/** Whether a write encrypts anything (a data key is fetched only then). */
function encrypts(intent: WriteIntent, fields: readonly SealedField[]): boolean {
  const input = intent.input;
  if (!input || (intent.kind !== 'create' && intent.kind !== 'put' && intent.kind !== 'update')) return false;
  return fields.some(({ meta }) => {
    const value = Object.hasOwn(input, meta.name) ? input[meta.name] : undefined;
    if (intent.kind === 'update') return value !== undefined && !(value instanceof UpdateAction);
    return value !== undefined || meta.spec.hasDefault;
  });
}

/** The write with the beacons of the encrypted values it sets (and removes). */
function withBeacons(intent: WriteIntent, fields: readonly SealedField[]): WriteIntent {
  const input = intent.input;
  if (!input || (intent.kind !== 'create' && intent.kind !== 'put' && intent.kind !== 'update')) return intent;
  let out: Record<string, unknown> | undefined;
  for (const field of fields) {
    const options = field.settings.options.beacon;
    if (!options || !field.beacon) continue;
    const value = Object.hasOwn(input, field.meta.name) ? input[field.meta.name] : undefined;
    if (value === undefined) continue;
    out ??= { ...input };
    if (value instanceof UpdateAction) {
      if (value.kind === 'remove') out[field.beacon.name] = remove();
      continue;
    }
    const issues: Issues = [];
    const plain = field.plain.encode(value, [field.meta.name], issues);
    // A bad value is reported by the field's own codec; no beacon of it is made.
    if (plain && issues.length === 0) out[field.beacon.name] = beaconOf(options, field.meta.stored, plain);
  }
  return out ? { ...intent, input: out } : intent;
}

/** The primary key of a stored item (what its values are bound to). */
function keyOf(model: AnyModel, raw: AttributeMap): Record<string, AttributeValue> | undefined {
  const key: Record<string, AttributeValue> = {};
  for (const part of [model.compiled.partitionKey, model.compiled.sortKey]) {
    if (!part) continue;
    const value = raw[part.stored];
    if (!value) return undefined;
    key[part.stored] = value;
  }
  return key;
}

/** Opens every encrypted value of a page: one unwrap per distinct data key, then one decryption per value. */
async function openPage(source: KeySource, model: AnyModel, fields: readonly SealedField[], raws: readonly AttributeMap[], known: ReadonlyMap<string, Uint8Array> | undefined): Promise<void> {
  const wanted = new Map<string, { keyId: string; wrapped: Uint8Array }>();
  const pending: { value: AttributeValue; envelope: Envelope; id: string; field: FieldMeta; key: Record<string, AttributeValue> }[] = [];
  for (const raw of raws) {
    for (const { meta } of fields) {
      const value = Object.hasOwn(raw, meta.stored) ? raw[meta.stored] : undefined;
      if (!value || opened.has(value)) continue;
      const key = keyOf(model, raw);
      if (!value.B || !key) throw new DecryptionError(model.name, meta.name, 'format');
      let envelope: Envelope;
      try {
        envelope = parseEnvelope(value.B);
      } catch {
        throw new DecryptionError(model.name, meta.name, 'format');
      }
      const id = idOf(envelope.keyId, envelope.wrappedKey);
      if (!wanted.has(id)) wanted.set(id, { keyId: envelope.keyId, wrapped: envelope.wrappedKey });
      pending.push({ value, envelope, id, field: meta, key });
    }
  }
  if (pending.length === 0) return;
  const keys = await source.unwrap(wanted, known);
  for (const { value, envelope, id, field, key } of pending) {
    let plain: AttributeValue;
    try {
      plain = bytesToValue(open(keys.get(id) as Uint8Array, envelope, { table: model.table, key, attribute: field.stored }));
    } catch {
      throw new DecryptionError(model.name, field.name, 'authentication');
    }
    opened.set(value, plain);
  }
}

/**
 * Field encryption for the models with `encrypted()` fields: give it to `Database.create({ extensions })`
 * or to a model's `extensions`.
 *
 * ```ts
 * const db = DynamORM.create({ extensions: [encryption({ keyProvider: kmsKeyProvider({ keyId: 'alias/payments' }), cache: { maxAge: 60_000 } })] });
 * ```
 */
export function encryption(options: EncryptionOptions): Extension {
  const provider = options?.keyProvider;
  if (!provider || typeof provider.generateDataKey !== 'function' || typeof provider.decryptDataKey !== 'function') {
    throw new ConfigurationError('encryption() needs a keyProvider: kmsKeyProvider({ keyId }) or localKeyProvider(key)');
  }
  const cache = options.cache;
  if (cache !== undefined && !(Number.isFinite(cache.maxAge) && cache.maxAge > 0)) throw new ConfigurationError('encryption(): cache.maxAge is a positive number of milliseconds');
  const source = new KeySource(provider, cache);
  return defineExtension({
    name: 'encryption',
    forModel(model) {
      const fields = sealedFields(model);
      if (fields.length === 0) return undefined;
      const beacons = fields.some((f) => f.beacon);
      const hooks = {
        ...(beacons ? { adjustWrite: (_context: OperationContext, write: WriteIntent) => withBeacons(write, fields) } : {}),
        async prepare(context, write) {
          if (!write || !encrypts(write.intent, fields)) return;
          prepared.set(context, { key: await source.forWrite(), table: model.table });
        },
        async beforeDecode(context, items) {
          // A write's own data key opens what it wrote (an update's item read back) without a call.
          const mine = prepared.get(context)?.key.key;
          await openPage(source, model, fields, items, mine && new Map([[idOf(mine.keyId, mine.wrapped), mine.plaintext]]));
        },
      } satisfies ModelHooks;
      keysOf.set(hooks, { provider, source });
      return hooks;
    },
  });
}
