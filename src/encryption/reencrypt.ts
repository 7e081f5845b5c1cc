/**
 * `reencrypt(db, Model)`: after a key rotation, rewrites the items whose encrypted values are still
 * under an older master key so that every value is under the current one. Old values stay readable
 * all along (each names its key); this only lets the old key be retired.
 *
 * It scans the model's items reading only their keys and encrypted attributes, and looks at each
 * value's key id without decrypting. A stale item is read (strongly consistent) and updated with its
 * own values, conditional on its version: a concurrent change is never overwritten (the item is read
 * again and retried). Progress is reported after each page with a cursor; `resumeFrom` starts after it,
 * so an interrupted run resumes where it stopped, and items already moved are skipped.
 */
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { operationContext } from '../client/context.js';
import { ConfigurationError, InvalidCursorError, VersionConflictError } from '../errors.js';
import type { Database } from '../database.js';
import { decodeItem, keyFieldsOf, type AttributeMap } from '../model/item-codec.js';
import type { AnyModel } from '../model/model.js';
import { keyFromJson, keyToJson } from '../read/cursor.js';
import { parseEnvelope } from './envelope.js';
import { keysOf, sealedFields } from './extension.js';

/** Where a re-encryption run stands. */
export interface ReencryptProgress {
  /** Items looked at so far. */
  readonly scanned: number;
  /** Items rewritten under the current key so far. */
  readonly rewritten: number;
  /** Items already under the current key (or with no encrypted value). */
  readonly current: number;
  /** Where to resume (`resumeFrom`), or `undefined` when the scan is complete. */
  readonly cursor: string | undefined;
}

/** Options of {@link reencrypt}. */
export interface ReencryptOptions {
  /** Called after each page (await-ed): record `cursor` to resume after an interruption. */
  readonly onProgress?: (progress: ReencryptProgress) => void | Promise<void>;
  /** A cursor from an earlier run's progress: starts after it. */
  readonly resumeFrom?: string;
  /** Items read per page (default 100). */
  readonly pageSize?: number;
}

const RETRIES = 5;

/**
 * Rewrites the model's items whose encrypted values are under an older master key. The model must be
 * versioned (the rewrite is conditional on the version) and its handle must have the encryption
 * extension. Resolves with the final progress.
 */
export async function reencrypt(db: Database, model: AnyModel, options: ReencryptOptions = {}): Promise<ReencryptProgress> {
  const meta = model.compiled;
  const version = meta.version;
  if (!version) throw new ConfigurationError(`reencrypt(${meta.name}): the model needs a version attribute, so a rewrite never overwrites a concurrent change`);
  const handle = db.model(model);
  const keys = handle.hooks?.all.map((h) => keysOf.get(h)).find((k) => k !== undefined);
  if (!keys) throw new ConfigurationError(`reencrypt(${meta.name}): the model's handle has no encryption() extension`);
  const fields = sealedFields(model).map((f) => f.meta);
  const currentKey = await keys.provider.currentKeyId();
  // A data key cached from before the rotation must not write the new values.
  keys.source.retireAllBut(currentKey);

  const names: Record<string, string> = {};
  const keyAttributes = [meta.partitionKey, ...(meta.sortKey ? [meta.sortKey] : [])];
  const projected = [...keyAttributes.map((f) => f.stored), ...fields.map((f) => f.stored)];
  projected.forEach((name, i) => (names[`#p${i}`] = name));
  const input: Record<string, unknown> = {
    TableName: db.tableName(model),
    ProjectionExpression: Object.keys(names).join(', '),
    ExpressionAttributeNames: names,
    Limit: options.pageSize ?? 100,
  };
  if (meta.entity) {
    names['#entity'] = meta.entity.attribute;
    input.FilterExpression = '#entity = :entity';
    input.ExpressionAttributeValues = { ':entity': { S: meta.entity.value } };
  }

  let start = options.resumeFrom === undefined ? undefined : fromCursor(options.resumeFrom);
  let scanned = 0;
  let rewritten = 0;
  let current = 0;
  for (;;) {
    const context = operationContext(db, 'scan', model);
    const page = await db.send<{ Items?: AttributeMap[]; LastEvaluatedKey?: AttributeMap }>(ScanCommand, {
      operation: 'Scan',
      input: start ? { ...input, ExclusiveStartKey: start } : input,
      model: meta.name,
      context,
    });
    for (const raw of page.Items ?? []) {
      scanned++;
      if (!isStale(raw, fields, currentKey)) {
        current++;
        continue;
      }
      const key = keyFieldsOf(meta, decodeItem(meta, keyOnly(raw, keyAttributes.map((f) => f.stored))));
      if (await rewrite(handle, key, fields.map((f) => f.name))) rewritten++;
      else current++;
    }
    start = page.LastEvaluatedKey;
    const progress: ReencryptProgress = { scanned, rewritten, current, cursor: start && toCursor(start) };
    await options.onProgress?.(progress);
    if (!start) return progress;
  }
}

/** Whether any encrypted value of a stored item is under another master key than `currentKey`. */
function isStale(raw: AttributeMap, fields: readonly { stored: string }[], currentKey: string): boolean {
  return fields.some(({ stored }) => {
    const value = raw[stored];
    if (!value?.B) return false;
    try {
      return parseEnvelope(value.B).keyId !== currentKey;
    } catch {
      return false; // not an encrypted value: reading it raises DecryptionError; rewriting cannot fix it
    }
  });
}

/** Rewrites one item's encrypted values under the current key; `false` if it has none any more. */
async function rewrite(handle: ReturnType<Database['model']>, key: Record<string, unknown>, fields: readonly string[]): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const item = (await handle.get(key as never, { consistent: true })) as Record<string, unknown> | undefined;
    if (!item) return false; // deleted meanwhile
    const patch: Record<string, unknown> = {};
    for (const name of fields) if (item[name] !== undefined) patch[name] = item[name];
    if (Object.keys(patch).length === 0) return false;
    try {
      // The item read carries its version: the update applies only if nobody changed it since.
      await handle.update(item as never, patch as never);
      return true;
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= RETRIES) throw error;
    }
  }
}

function keyOnly(raw: AttributeMap, names: readonly string[]): AttributeMap {
  const out: AttributeMap = {};
  for (const name of names) out[name] = raw[name] as AttributeValue;
  return out;
}

function toCursor(key: AttributeMap): string {
  return Buffer.from(JSON.stringify(keyToJson(key)), 'utf8').toString('base64url');
}

function fromCursor(cursor: string): AttributeMap {
  try {
    return keyFromJson(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidCursorError('reencrypt: the resumeFrom cursor is not one reencrypt reported');
  }
}
