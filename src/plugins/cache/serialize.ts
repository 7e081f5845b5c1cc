/**
 * DynamoDB outputs as text and back: JSON, with binary values (`B`, `BS`, keys) kept as base64, so a
 * cached answer is the raw output DynamORM decodes (encrypted fields stay encrypted in the store).
 */

const BINARY = '$bin';

/** JSON text of a value; Uint8Arrays (Buffers included) become `{ "$bin": base64 }`. */
export function serialize(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const original = this[key]; // before toJSON: a Buffer would already be { type, data }
    if (original instanceof Uint8Array) return { [BINARY]: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') };
    return v;
  });
}

/**
 * The value of {@link serialize}'s text. `{ "$bin": string }` is unambiguous: in DynamoDB outputs the
 * values of attribute maps are always objects, never strings.
 */
export function deserialize(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const data = (v as Record<string, unknown>)[BINARY];
      if (keys.length === 1 && typeof data === 'string') return new Uint8Array(Buffer.from(data, 'base64'));
    }
    return v;
  });
}
