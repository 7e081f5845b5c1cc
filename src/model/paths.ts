/**
 * Resolves a field path (`'amount'`, `'address.city'`) to its stored attribute names and its codec.
 * A field whose own name contains a dot is found first, so odd names keep working.
 */
import { ValidationError } from '../errors.js';
import { compileCodec, type Codec } from '../marshal/codec.js';
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
export function resolvePath(model: CompiledModel, path: string, context: string): ResolvedPath {
  const top = model.byName.get(path);
  if (top) return { segments: [top.stored], spec: top.spec, codec: top.codec, field: top };
  const parts = path.split('.');
  const field = model.byName.get(parts[0] ?? '');
  if (field && parts.length > 1) {
    const segments = [field.stored];
    let spec = field.spec;
    for (const part of parts.slice(1)) {
      const next = spec.kind === 'object' && spec.shape && Object.hasOwn(spec.shape, part) ? spec.shape[part] : undefined;
      if (!next) break;
      spec = next.spec;
      segments.push(spec.storedName ?? part);
    }
    if (segments.length === parts.length) {
      let codec = nestedCodecs.get(spec);
      if (!codec) {
        codec = compileCodec({ spec } as never);
        nestedCodecs.set(spec, codec);
      }
      return { segments, spec, codec, field };
    }
  }
  throw new ValidationError([{ path: [path], rule: 'unknown-field', message: `is not a field of ${model.name}` }], context);
}
