/**
 * Key templates such as `TENANT#{tenantId}#TXN#{transactionId}`: filled from an item's fields on write
 * and parsed back into those fields on read.
 *
 * Parsing is unambiguous because a field value may not contain the literal text that follows it in
 * the template (checked on write).
 */

/** One piece of a template: literal text or a field placeholder. */
export type TemplatePart = { readonly literal: string } | { readonly field: string };

/** A parsed key template. */
export interface KeyTemplate {
  readonly source: string;
  readonly parts: readonly TemplatePart[];
  /** Field names used by the template, in order. */
  readonly fields: readonly string[];
}

/** Field names inside a template literal type: `'A#{x}#B#{y}'` gives `'x' | 'y'`. */
export type TemplateFields<T extends string> = T extends `${string}{${infer F}}${infer Rest}` ? F | TemplateFields<Rest> : never;

/** Parses template text. Throws a plain Error with the reason; `model()` wraps it. */
export function parseTemplate(source: string): KeyTemplate {
  const parts: TemplatePart[] = [];
  const fields: string[] = [];
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    const name = m[1] ?? '';
    if (name === '') throw new Error(`empty placeholder in key template "${source}"`);
    if (m.index > last) parts.push({ literal: source.slice(last, m.index) });
    else if (parts.length > 0) throw new Error(`placeholders {${fields.at(-1)}} and {${name}} need literal text between them in "${source}"`);
    if (fields.includes(name)) throw new Error(`field {${name}} appears twice in key template "${source}"`);
    parts.push({ field: name });
    fields.push(name);
    last = m.index + m[0].length;
  }
  if (last < source.length) parts.push({ literal: source.slice(last) });
  if (/[{}]/.test(parts.map((p) => ('literal' in p ? p.literal : '')).join(''))) {
    throw new Error(`unbalanced braces in key template "${source}"`);
  }
  return { source, parts, fields };
}

/** The literal text following the placeholder at `index`, if any. */
function followingLiteral(template: KeyTemplate, index: number): string | undefined {
  const next = template.parts[index + 1];
  return next && 'literal' in next ? next.literal : undefined;
}

/**
 * Fills a template from field texts. Returns the key, or the name of the field that is missing or
 * holds the following separator (which would make the key unparseable).
 */
export function fillTemplate(
  template: KeyTemplate,
  texts: Readonly<Record<string, string | undefined>>,
): { key: string } | { missing: string } | { separator: string; field: string } {
  let out = '';
  for (let i = 0; i < template.parts.length; i++) {
    const part = template.parts[i] as TemplatePart;
    if ('literal' in part) {
      out += part.literal;
      continue;
    }
    const text = Object.hasOwn(texts, part.field) ? texts[part.field] : undefined;
    if (text === undefined) return { missing: part.field };
    const separator = followingLiteral(template, i);
    // Parsing splits at the first occurrence of the separator, so it must first occur right after the value
    // (a value ending with the start of the separator, like 'a#' before '##', would shift the split too).
    if (separator !== undefined && (text + separator).indexOf(separator) !== text.length) return { separator, field: part.field };
    out += text;
  }
  return { key: out };
}

/**
 * Fills the template as far as the given fields allow, stopping at the first missing field: the
 * prefix used for `begins_with` on a sort key.
 */
export function templatePrefix(template: KeyTemplate, texts: Readonly<Record<string, string | undefined>>): string {
  let out = '';
  for (const part of template.parts) {
    if ('literal' in part) out += part.literal;
    else {
      const text = Object.hasOwn(texts, part.field) ? texts[part.field] : undefined;
      if (text === undefined) return out;
      out += text;
    }
  }
  return out;
}

/** Parses a stored key back into field texts, or `undefined` when it does not match the template. */
export function parseKey(template: KeyTemplate, key: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let pos = 0;
  for (let i = 0; i < template.parts.length; i++) {
    const part = template.parts[i] as TemplatePart;
    if ('literal' in part) {
      if (!key.startsWith(part.literal, pos)) return undefined;
      pos += part.literal.length;
      continue;
    }
    const separator = followingLiteral(template, i);
    const end = separator === undefined ? key.length : key.indexOf(separator, pos);
    if (end < 0) return undefined;
    out[part.field] = key.slice(pos, end);
    pos = end;
  }
  return pos === key.length ? out : undefined;
}
