/**
 * Parallel segments: a scan split into segments is read with one page in flight per segment, pages
 * yielded as they arrive, and one cursor holding every segment's place. Only parallel scans load it.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Executor } from '../client/executor.js';
import { InvalidCursorError } from '../errors.js';
import { cursorCodec, keyFromJson, keyToJson, type CursorCodec } from './cursor.js';
import { ReadStopped, segmentPages, stoppedAt, type Page, type ReadPlan, type SegmentedRunner, type SegmentPage } from './runner.js';

type AttributeMap = Record<string, AttributeValue>;

/** Makes a cursor holding per-segment keys of a parallel scan (`null` = segment finished). */
function encodeSegments(codec: CursorCodec, binding: string, keys: readonly (AttributeMap | null | undefined)[]): string {
  return codec.encode(binding, keys.map((k) => (k === null ? null : k === undefined ? 0 : keyToJson(k))));
}

/** Opens a parallel-scan cursor: per segment, a key to resume from, `undefined` (not started) or `null` (done). */
function decodeSegments(codec: CursorCodec, binding: string, cursor: unknown, segments: number): (AttributeMap | null | undefined)[] {
  const state = codec.decode(binding, cursor);
  if (!Array.isArray(state) || state.length !== segments) throw new InvalidCursorError('segment count does not match');
  try {
    return state.map((s: unknown) => (s === null ? null : s === 0 ? undefined : keyFromJson(s)));
  } catch {
    throw new InvalidCursorError('does not hold segment keys');
  }
}

/** Every page of every segment, from a cursor of `page()` or of a DeadlineExceededError on. */
async function* pages<T>(executor: Executor, plan: ReadPlan<T>, resumeFrom: string | undefined): AsyncGenerator<T[]> {
  const segments = plan.inputs.length;
  // Parallel: each segment fetches one page at a time. Each segment's place (next key; null = done)
  // is kept, so a stop at the deadline can be resumed.
  const positions: (AttributeMap | null | undefined)[] =
    resumeFrom === undefined
      ? new Array<undefined>(segments).fill(undefined)
      : decodeSegments(cursorCodec(executor.config.cursorSecret), plan.binding(), resumeFrom, segments);
  let remaining = plan.limit ?? Infinity;
  const iterators = positions.map((start, s) => (start === null ? undefined : segmentPages(executor, plan, s, start ?? undefined)));
  type Step = { s: number; r: IteratorResult<SegmentPage<T>> };
  const pending = new Map<number, Promise<Step>>();
  const advance = (s: number) => {
    const it = iterators[s];
    if (it) pending.set(s, it.next().then((r) => ({ s, r })));
  };
  iterators.forEach((_, s) => advance(s));
  try {
    while (pending.size > 0 && remaining > 0) {
      let step: Step;
      try {
        step = await Promise.race(pending.values());
      } catch (error) {
        if (error instanceof ReadStopped) throw stoppedAt(executor, plan, (s) => encodeSegments(cursorCodec(s), plan.binding(), positions));
        throw error;
      }
      const { s, r } = step;
      if (r.done) {
        pending.delete(s);
        positions[s] = null;
        continue;
      }
      positions[s] = r.value.next ?? null;
      advance(s);
      const items = r.value.items.slice(0, remaining);
      remaining -= items.length;
      if (items.length > 0) yield items;
    }
  } finally {
    await Promise.allSettled([...pending.values()]);
    await Promise.all(iterators.map((it) => it?.return(undefined)));
  }
}

/** One page from every unfinished segment, fetched together; the cursor keeps each segment's place. */
async function page<T>(executor: Executor, plan: ReadPlan<T>, cursor: string | undefined): Promise<Page<T>> {
  const segments = plan.inputs.length;
  const codec = cursorCodec(executor.config.cursorSecret);
  const starts = cursor === undefined ? new Array<AttributeMap | null | undefined>(segments).fill(undefined) : decodeSegments(codec, plan.binding(), cursor, segments);
  // The limit is shared out between the unfinished segments, so a page never holds more than `limit`
  // items; with fewer items than segments, only the first `limit` of them are read this time.
  const open = starts.flatMap((start, s) => (start === null ? [] : [s]));
  const reading = new Set(plan.limit === undefined ? open : open.slice(0, plan.limit));
  const perSegment = plan.limit === undefined ? undefined : Math.max(1, Math.floor(plan.limit / reading.size));
  const results = await Promise.all(
    starts.map(async (start, s): Promise<{ items: T[]; next: AttributeMap | null | undefined }> => {
      if (start === null) return { items: [], next: null };
      if (!reading.has(s)) return { items: [], next: start };
      try {
        for await (const page of segmentPages(executor, plan, s, start, perSegment, true)) return { items: page.items, next: page.next ?? null };
      } catch (error) {
        // Out of time before this segment's page: it keeps its place.
        if (error instanceof ReadStopped) return { items: [], next: error.next };
        throw error;
      }
      return { items: [], next: null };
    }),
  );
  const items = results.flatMap((r) => r.items);
  const done = results.every((r) => r.next === null);
  return { items, cursor: done ? undefined : encodeSegments(codec, plan.binding(), results.map((r) => r.next)) };
}

/** The runner a parallel scan's plan carries. */
export const SEGMENTED: SegmentedRunner = { pages, page };
