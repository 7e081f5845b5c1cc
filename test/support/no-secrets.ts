/**
 * Every way an error reaches a log: its message, `String(e)`, `JSON.stringify(e)`, `util.inspect`
 * (what `console.error` prints), its enumerable properties, and the same for each cause in its
 * chain and for the reasons of a cancelled transaction. `expectNoSecrets` asserts none of them holds
 * any of the given strings.
 */
import { inspect } from 'node:util';
import { expect } from 'vitest';

/** The texts a logger could print for `error`, its causes and its reasons. */
export function renderings(error: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 8) return;
    seen.add(value);
    const e = value as Error & { reasons?: unknown[] };
    const own = Object.fromEntries(Object.entries(e));
    const forIn: Record<string, unknown> = {};
    for (const k in e) forIn[k] = (e as unknown as Record<string, unknown>)[k]; // what pino-like serialisers copy
    out.push(
      inspect(e, { depth: 10 }),
      inspect(e, { depth: 10, breakLength: Infinity, compact: true }),
      inspect(Object.entries(e), { depth: 10 }),
      JSON.stringify(e),
      JSON.stringify(own),
      JSON.stringify(forIn),
    );
    if (e instanceof Error) out.push(e.message, String(e), e.stack ?? '');
    if (Array.isArray(e.reasons)) {
      for (const r of e.reasons) {
        out.push(inspect(r, { depth: 10 }), JSON.stringify(r));
        visit((r as { error?: unknown }).error, depth + 1);
      }
    }
    visit(e.cause, depth + 1);
  };
  visit(error, 0);
  return out;
}

/** Asserts no rendering of `error` (or of its causes and reasons) contains any of `secrets`. */
export function expectNoSecrets(error: unknown, secrets: readonly string[]): void {
  expect(error).toBeInstanceOf(Error);
  const texts = renderings(error);
  expect(texts.length).toBeGreaterThan(5);
  for (const text of texts) {
    for (const secret of secrets) {
      if (text.includes(secret)) throw new Error(`a secret leaked through ${(error as Error).name}:\n${text}`);
    }
  }
}

/** The causes of an error, outermost first. */
export function causes(error: unknown): unknown[] {
  const out: unknown[] = [];
  for (let c = (error as { cause?: unknown }).cause; c !== undefined && out.length < 10; c = (c as { cause?: unknown }).cause) out.push(c);
  return out;
}
