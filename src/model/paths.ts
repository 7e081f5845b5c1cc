/**
 * Resolves a field path (`'amount'`, `'address.city'`) to its stored attribute names and its codec.
 * A field whose own name contains a dot is found first, so odd names keep working.
 */
import { ValidationError } from '../errors.js';
import { compileCodec, describe, type Codec } from '../marshal/codec.js';
import type { AttrSpec } from './attributes.js';
import type { CompiledModel, FieldMeta } from './model.js';

/** A resolved path. */
export interface ResolvedPath {
  /** Stored attribute names, outermost first. */
  readonly segments: readonly string[];
  readonly spec: AttrSpec;
  readonly codec: Codec;
  /** The top-level field the path starts from. */
  readonly field: FieldMeta;
}

const nestedCodecs = new WeakMap<AttrSpec, Codec>();

/** Resolves `path` on a model or throws {@link ValidationError} (`unknown-field`). */
export function resolvePath(model: CompiledModel, path: string, label: string): ResolvedPath {
  if (typeof path !== 'string') {
    // A name forced past the compiler (a number, undefined, a symbol): never put it in a path or a message.
    throw new ValidationError([{ path: [], rule: 'unknown-field', message: `a field name is a string, got ${describe(path)}` }], label);
  }
  const top = model.byName.get(path);
  top?.spec.checkCondition?.(path, label);
  if (top) return { segments: [top.stored], spec: top.spec, codec: top.codec, field: top };
  // Names may contain dots at any level ('address.x.y' with a nested field 'x.y'): longest name first.
  const parts = path.split('.');
  for (let end = parts.length - 1; end >= 1; end--) {
    const field = model.byName.get(parts.slice(0, end).join('.'));
    if (!field) continue;
    field.spec.checkCondition?.(path, label);
    const segments = [field.stored];
    const spec = resolveNested(field.spec, parts, end, segments);
    if (!spec) continue;
    let codec = nestedCodecs.get(spec);
    if (!codec) {
      codec = compileCodec({ spec } as never);
      nestedCodecs.set(spec, codec);
    }
    return { segments, spec, codec, field };
  }
  throw new ValidationError([{ path: [path], rule: 'unknown-field', message: `is not a field of ${model.name}` }], label);
}

/** Walks `parts[from..]` into nested object shapes, pushing stored names onto `segments`. */
function resolveNested(spec: AttrSpec, parts: readonly string[], from: number, segments: string[]): AttrSpec | undefined {
  if (from === parts.length) return spec;
  const shape = spec.kind === 'object' ? spec.shape : undefined;
  if (!shape) return undefined;
  for (let end = parts.length; end > from; end--) {
    const name = parts.slice(from, end).join('.');
    const next = Object.hasOwn(shape, name) ? shape[name] : undefined;
    if (!next) continue;
    segments.push(next.spec.storedName ?? name);
    const found = resolveNested(next.spec, parts, end, segments);
    if (found) return found;
    segments.pop();
  }
  return undefined;
}
