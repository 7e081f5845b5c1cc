/**
 * `findByBeacon(handle, field, value)`: an equality lookup on an encrypted field through its beacon,
 * without decrypting the table.
 */
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { ModelClient } from '../handles/model-client.js';
import type { AnyModel } from '../model/model.js';
import type { Item } from '../model/types.js';
import { beaconOf } from './beacon.js';
import { sealedFields } from './extension.js';
import { valueToBytes } from './plaintext.js';

/**
 * Finds the items whose encrypted `field` equals `value` through its beacon: one equality query on the
 * beacon field (give the model an index whose partition key is that field), then the candidates are
 * decrypted and compared, so a truncated beacon's collisions never show up in the result.
 *
 * ```ts
 * const cards = await findByBeacon(db.model(Card), 'number', '4111111111111111');
 * ```
 */
export async function findByBeacon<M extends AnyModel>(handle: ModelClient<M>, field: keyof Item<M> & string, value: unknown): Promise<Item<M>[]> {
  const label = `${handle.model.name}.findByBeacon`;
  const sealed = sealedFields(handle.model).find((f) => f.meta.name === field);
  const options = sealed?.settings.options.beacon;
  if (!sealed || !options || !sealed.beacon) throw new ValidationError([{ path: [String(field)], rule: 'beacon', message: 'is not an encrypted field with a beacon' }], label);
  const issues: ValidationIssue[] = [];
  const plain = sealed.plain.encode(value, [field], issues);
  if (!plain || issues.length > 0) throw new ValidationError(issues.length > 0 ? issues : [{ path: [field], rule: 'required', message: 'needs a value' }], label);
  const wanted = Buffer.from(valueToBytes(plain));
  const query = (handle as unknown as { where(path: string, op: '=', value: string): { all(): Promise<Record<string, unknown>[]> } }).where(
    sealed.beacon.name,
    '=',
    beaconOf(options, sealed.meta.stored, plain),
  );
  const candidates = await query.all();
  return candidates.filter((item) => {
    if (item[field] === undefined) return false;
    const stored = sealed.plain.encode(item[field], [field], []);
    return stored !== undefined && wanted.equals(valueToBytes(stored));
  }) as Item<M>[];
}
