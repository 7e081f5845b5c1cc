/**
 * Projections: the stored attributes a read asks for. Template fields parse back from their key
 * template, so the template is read too; `always` adds what the read itself needs (the keys a cursor
 * resumes from, the entity attribute that tells models apart).
 */
import { ValidationError } from '../errors.js';
import type { Placeholders } from '../expr/placeholders.js';
import { describe } from '../marshal/codec.js';
import type { CompiledModel } from '../model/model.js';

/**
 * The ProjectionExpression for `fields` (compiled into `ph`); unknown fields are a ValidationError.
 * `always` lists stored names the read itself needs (keys a cursor resumes from, the entity attribute).
 */
export function projectionExpression(meta: CompiledModel, fields: readonly string[], ph: Placeholders, always: readonly string[], label: string): string {
  if (!Array.isArray(fields)) throw new ValidationError([{ path: [], rule: 'projection', message: `a projection is an array of field names, got ${describe(fields)}` }], label);
  if (fields.length === 0) throw new ValidationError([{ path: [], rule: 'projection', message: 'a projection needs at least one field' }], label);
  const stored = new Set<string>(always);
  for (const name of fields) {
    if (typeof name !== 'string') throw new ValidationError([{ path: [], rule: 'unknown-field', message: `a field name is a string, got ${describe(name)}` }], label);
    const field = meta.byName.get(name);
    if (!field) throw new ValidationError([{ path: [name], rule: 'unknown-field', message: `is not a field of ${meta.name}` }], label);
    stored.add(field.stored);
    // A value bound to its item (a scoped codec: an encrypted field) is read with the item's key.
    if (field.codec.scoped) for (const key of [meta.partitionKey, meta.sortKey]) if (key) stored.add(key.stored);
    for (const t of meta.templates) if (t.template?.fields.includes(name)) stored.add(t.stored);
  }
  return [...stored].map((s) => ph.name(s)).join(', ');
}

/** Whether a stored item is this model's (in a shared table, another model's item carries another entity type). */
export function isOwnItem(meta: CompiledModel, raw: Readonly<Record<string, { S?: string } | undefined>>): boolean {
  const entity = meta.entity;
  return !entity || raw[entity.attribute] === undefined || raw[entity.attribute]?.S === entity.value;
}
