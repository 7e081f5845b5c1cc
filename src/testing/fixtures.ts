/**
 * `loadFixture()`: test data from a YAML (or JSON) file or an object, written through the models, so
 * every value is validated and encoded as the application would write it. YAML's plain values are
 * turned into the model's types first: ISO strings into dates, lists into sets, strings into bigints and
 * base64 strings into bytes. The YAML parser (`yaml`) is an optional peer dependency, loaded only here.
 */
import { readFile } from 'node:fs/promises';
import type { Database } from '../database.js';
import { ItemAlreadyExistsError, ValidationError } from '../errors.js';
import type { AttrSpec } from '../model/attr-spec.js';
import type { AnyModel } from '../model/model.js';
import type { Item } from '../model/types.js';

/** The items loaded, per model name given. */
export type FixtureItems<Ms extends Readonly<Record<string, AnyModel>>> = { -readonly [K in keyof Ms]: Item<Ms[K]>[] };

/**
 * Loads fixtures: `source` is a path to a `.yaml`/`.yml`/`.json` file, or the data itself, shaped
 * `{ <model name>: [item, ...] }` with the names of `models`. Every item is written with `put` (so
 * loading twice gives the same table: a versioned item already stored is replaced at its version); returns the items as stored, typed per model.
 *
 * ```ts
 * const { Payment: payments } = await loadFixture(db, 'test/fixtures/payments.yaml', { Payment });
 * ```
 * Throws `ValidationError` naming the model, the item's position and the field for data that does not
 * fit (nothing of that item is written; items before it are).
 */
export async function loadFixture<const Ms extends Readonly<Record<string, AnyModel>>>(
  db: Database,
  source: string | Readonly<Record<string, readonly unknown[]>>,
  models: Ms,
): Promise<FixtureItems<Ms>> {
  const data = typeof source === 'string' ? await readSource(source) : source;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw fixtureError([], 'a fixture is a map from model names to lists of items');
  const unknown = Object.keys(data).filter((name) => !Object.hasOwn(models, name));
  if (unknown.length > 0) throw fixtureError([], `the fixture names models it was not given: ${unknown.join(', ')} (given: ${Object.keys(models).join(', ')})`);
  const out: Record<string, unknown[]> = {};
  for (const [name, model] of Object.entries(models)) {
    const items = (data as Record<string, unknown>)[name] ?? [];
    if (!Array.isArray(items)) throw fixtureError([name], 'is a list of items');
    const handle = db.model(model);
    out[name] = [];
    for (const [i, raw] of items.entries()) {
      try {
        out[name].push(await putFixture(handle, fromPlain(model.compiled.fields, raw) as Record<string, unknown>));
      } catch (error) {
        if (error instanceof ValidationError) throw new ValidationError(error.issues.map((issue) => ({ ...issue, path: [name, i, ...issue.path] })), `fixture ${name}[${i}]`);
        throw error;
      }
    }
  }
  return out as FixtureItems<Ms>;
}

/** Puts one item; a versioned item already stored is replaced at its stored version (loading twice works). */
async function putFixture(handle: ReturnType<Database['model']>, item: Record<string, unknown>): Promise<unknown> {
  try {
    return await handle.put(item as never);
  } catch (error) {
    if (!(error instanceof ItemAlreadyExistsError) || item.version !== undefined) throw error;
    const stored = (await handle.get(item as never, { consistent: true })) as { version?: number } | undefined;
    return handle.put({ ...item, version: stored?.version } as never);
  }
}

async function readSource(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  if (path.endsWith('.json')) return JSON.parse(text);
  let yaml: typeof import('yaml');
  try {
    yaml = await import('yaml');
  } catch (error) {
    throw new Error('loadFixture reads YAML with the `yaml` package: npm install --save-dev yaml', { cause: error });
  }
  return yaml.parse(text);
}

function fixtureError(path: (string | number)[], message: string): ValidationError {
  return new ValidationError([{ path, rule: 'fixture', message }], 'loadFixture');
}

/** Turns YAML's plain values into the types the fields take (other values are left for validation). */
function fromPlain(fields: readonly { readonly name: string; readonly spec: AttrSpec }[], raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const field of fields) if (Object.hasOwn(out, field.name)) out[field.name] = valueOf(field.spec, out[field.name]);
  return out;
}

function valueOf(spec: AttrSpec, value: unknown): unknown {
  switch (spec.kind) {
    case 'date':
      return typeof value === 'string' ? new Date(value) : value;
    case 'bigint':
      return typeof value === 'string' || typeof value === 'number' ? BigInt(value) : value;
    case 'binary':
      return typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'base64')) : value;
    case 'stringSet':
    case 'numberSet':
      return Array.isArray(value) ? new Set(value) : value;
    case 'binarySet':
      return Array.isArray(value) ? new Set(value.map((v) => (typeof v === 'string' ? new Uint8Array(Buffer.from(v, 'base64')) : v))) : value;
    case 'object':
      return spec.shape ? fromPlain(Object.entries(spec.shape).map(([name, s]) => ({ name, spec: s.spec })), value) : value;
    case 'list':
      return Array.isArray(value) && spec.element ? value.map((v) => valueOf(spec.element?.spec as AttrSpec, v)) : value;
    case 'record':
      return typeof value === 'object' && value !== null && spec.element
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, valueOf(spec.element?.spec as AttrSpec, v)]))
        : value;
    default:
      return value;
  }
}
