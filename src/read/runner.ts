/**
 * The one read runner: queries, scans (parallel segments included), collections and GetItem reads
 * all run a {@link ReadPlan} through these functions, which serve `pages`, `page` and `count` (and
 * through them `first`, `all` and `stream`). Pages are fetched one at a time per segment, decoded a
 * page at a time (read/decode.ts), cut at the item limit so a cursor resumes exactly after the last
 * item returned, and stopped cleanly before a deadline.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import type { CommandClass, Executor } from '../client/executor.js';
import { DeadlineExceededError, timeForAnotherStep } from '../deadline.js';
import { cursorCodec } from './cursor.js';

type AttributeMap = Record<string, AttributeValue>;

/** A read ready to run: plain DynamoDB inputs plus how to decode and resume it. Builders make them. */
export interface ReadPlan<T> {
  readonly context: OperationContext;
  readonly operation: 'GetItem' | 'Query' | 'Scan';
  readonly command: CommandClass;
  /** One input per segment (one for GetItem and Query), without ExclusiveStartKey and Limit. */
  readonly inputs: readonly Record<string, unknown>[];
  /** For messages: `Payment.query`, `collection`, ... */
  readonly label: string;
  /** Whether a stored item is a result (another model's item in a shared table is not). */
  readonly accepts: (raw: AttributeMap) => boolean;
  /** Decodes one page of accepted items (read/decode.ts). */
  readonly decode: (raws: AttributeMap[]) => Promise<T[]>;
  /** Stored names of the key attributes a resume point needs. */
  readonly keyAttributes: readonly string[];
  /** Most items to return in all (after filtering). */
  readonly limit: number | undefined;
  /** Items DynamoDB evaluates per request (its `Limit`). */
  readonly pageSize: number | undefined;
  /** Whether a FilterExpression may drop items (then DynamoDB's Limit cannot be the item limit). */
  readonly filtered: boolean;
  /** What a cursor is bound to (computed only when a cursor is made or read). */
  readonly binding: () => string;
  /** Reads several segments together (parallel scans; read/segments.ts). Needed when `inputs` has more than one. */
  readonly segmented?: SegmentedRunner;
}

/** How several segments are read together (read/segments.ts), kept out of bundles that never scan in parallel. */
export interface SegmentedRunner {
  pages<T>(executor: Executor, plan: ReadPlan<T>, resumeFrom: string | undefined): AsyncGenerator<T[]>;
  page<T>(executor: Executor, plan: ReadPlan<T>, cursor: string | undefined): Promise<Page<T>>;
}

/** A page of results and the cursor of the next page (`undefined` when there is none). */
export interface Page<T> {
  readonly items: T[];
  readonly cursor: string | undefined;
}

/** A read stopped before its deadline; `next` is where it resumes. */
export class ReadStopped extends Error {
  constructor(readonly next: AttributeMap) {
    super('read stopped before the deadline');
  }
}

export interface SegmentPage<T> {
  readonly items: T[];
  readonly next: AttributeMap | undefined;
}

function keyOf(item: AttributeMap, attributes: readonly string[]): AttributeMap {
  const key: AttributeMap = {};
  for (const a of attributes) if (item[a] !== undefined) key[a] = item[a] as AttributeValue;
  return key;
}

/**
 * Pages of one segment from `start` on. When the item limit is reached inside a page, the page is cut
 * and `next` is the key of the last item returned, so resuming reads nothing twice and skips nothing.
 */
export async function* segmentPages<T>(
  executor: Executor,
  plan: ReadPlan<T>,
  segment: number,
  start: AttributeMap | undefined,
  limit = plan.limit,
  peek = false,
): AsyncGenerator<SegmentPage<T>> {
  let startKey = start && Object.keys(start).length > 0 ? start : undefined;
  let remaining = limit ?? Infinity;
  let lastPageMs = 0;
  const deadline = plan.context.deadline;
  const base = plan.inputs[segment] as Record<string, unknown>;
  while (remaining > 0) {
    // Under a deadline, only start a page that should finish in time; otherwise hand back where to resume.
    if (startKey && !timeForAnotherStep(deadline, lastPageMs)) throw new ReadStopped(startKey);
    const started = Date.now();
    // Without a filter DynamoDB's Limit can follow the item limit. A page handed out with a cursor
    // (`peek`) asks for one item more, to tell whether anything follows: a cursor then never leads
    // to an empty page. A walk that stops at the limit needs no such item (it can cost a read unit:
    // docs/decisions.md, "Read cost").
    const pageLimit = plan.filtered ? plan.pageSize : Math.min(plan.pageSize ?? Infinity, peek ? remaining + 1 : remaining);
    const input: Record<string, unknown> = Object.assign({}, base); // not a spread: keys are added below
    if (startKey) input.ExclusiveStartKey = startKey;
    if (pageLimit !== undefined && pageLimit !== Infinity) input.Limit = pageLimit;
    let output: { Items?: AttributeMap[]; LastEvaluatedKey?: AttributeMap };
    try {
      output = await executor.send(plan.command, { operation: plan.operation, input, model: plan.context.model, context: plan.context });
    } catch (error) {
      // A read aborted at the deadline changed nothing: resume from the page it was reading.
      if (error instanceof DeadlineExceededError) throw new ReadStopped(startKey ?? {});
      throw error;
    }
    lastPageMs = Date.now() - started;
    const raws = output.Items ?? [];
    const taken: AttributeMap[] = [];
    let more = false; // a result follows the cut inside this page
    for (const raw of raws) {
      if (!plan.accepts(raw)) continue;
      if (taken.length === remaining) {
        more = true;
        break;
      }
      taken.push(raw);
    }
    const cutAt = taken.length === remaining ? taken[taken.length - 1] : undefined;
    remaining -= taken.length;
    // Cut inside the page: resume after the last returned item, unless nothing after it in this page
    // is a result (only skipped items, e.g. other models in a collection): then resume where DynamoDB
    // stopped, so a cursor never leads to an empty last page when the end is already known.
    const next = cutAt && more ? keyOf(cutAt, plan.keyAttributes) : output.LastEvaluatedKey;
    yield { items: taken.length > 0 ? await plan.decode(taken) : [], next: remaining > 0 || cutAt ? next : undefined };
    if (!next) return;
    startKey = next;
  }
}

/** One GetItem: a page of zero or one item. */
async function getItemPage<T>(executor: Executor, plan: ReadPlan<T>): Promise<T[]> {
  const output = await executor.send<{ Item?: AttributeMap }>(plan.command, {
    operation: 'GetItem',
    input: plan.inputs[0] as Record<string, unknown>,
    model: plan.context.model,
    context: plan.context,
  });
  return output.Item && plan.accepts(output.Item) ? plan.decode([output.Item]) : [];
}

/** The error for a read stopped before its deadline, with a cursor when a secret is configured. */
export function stoppedAt(executor: Executor, plan: ReadPlan<unknown>, cursor: (secret: string) => string): DeadlineExceededError {
  const secret = executor.config.cursorSecret;
  if (!secret) return new DeadlineExceededError(`${plan.label}: stopped before the deadline; set cursorSecret to get a cursor to resume from`);
  return new DeadlineExceededError(`${plan.label}: stopped before the deadline; continue from the cursor (resume(cursor), or page(cursor))`, { cursor: cursor(secret) });
}

/**
 * Every page of a plan, from `resumeFrom` (a cursor of `page()` or of a DeadlineExceededError) on.
 * Parallel segments are read together and their pages yielded as they arrive.
 */
export async function* readPages<T>(executor: Executor, plan: ReadPlan<T>, resumeFrom?: string): AsyncGenerator<T[]> {
  if (plan.operation === 'GetItem') {
    yield await getItemPage(executor, plan);
    return;
  }
  const segments = plan.inputs.length;
  if (segments === 1) {
    const start = resumeFrom === undefined ? undefined : cursorCodec(executor.config.cursorSecret).decodeKey(plan.binding(), resumeFrom);
    try {
      for await (const page of segmentPages(executor, plan, 0, start)) yield page.items;
    } catch (error) {
      if (error instanceof ReadStopped) throw stoppedAt(executor, plan, (s) => cursorCodec(s).encodeKey(plan.binding(), error.next));
      throw error;
    }
    return;
  }
  yield* (plan.segmented as SegmentedRunner).pages(executor, plan, resumeFrom);
}

/**
 * Every item of a plan. Before a deadline it stops with DeadlineExceededError holding the items read
 * and the cursor to resume from.
 */
export async function readAll<T>(executor: Executor, plan: ReadPlan<T>, resumeFrom?: string): Promise<T[]> {
  const out: T[] = [];
  try {
    for await (const page of readPages(executor, plan, resumeFrom)) out.push(...page);
  } catch (error) {
    if (error instanceof DeadlineExceededError) throw new DeadlineExceededError(error.message, { cursor: error.cursor, items: out });
    throw error;
  }
  return out;
}

/**
 * One page: up to the limit (or one DynamoDB page without a limit) and an opaque, signed cursor for
 * the next. Parallel segments each contribute one page, the limit shared out between them.
 */
export async function readPage<T>(executor: Executor, plan: ReadPlan<T>, cursor?: string): Promise<Page<T>> {
  const codec = cursorCodec(executor.config.cursorSecret);
  if (plan.operation === 'GetItem') {
    if (cursor !== undefined) codec.decodeKey(plan.binding(), cursor); // refuse a foreign cursor all the same
    return { items: await getItemPage(executor, plan), cursor: undefined };
  }
  const segments = plan.inputs.length;
  if (segments === 1) {
    const start = cursor === undefined ? undefined : codec.decodeKey(plan.binding(), cursor);
    const items: T[] = [];
    let next: AttributeMap | undefined;
    try {
      for await (const page of segmentPages(executor, plan, 0, start, plan.limit, true)) {
        items.push(...page.items);
        next = page.next;
        if (plan.limit === undefined) break;
      }
    } catch (error) {
      // Out of time: hand back the items read so far; the cursor resumes after them.
      if (!(error instanceof ReadStopped)) throw error;
      next = error.next;
    }
    return { items, cursor: next ? codec.encodeKey(plan.binding(), next) : undefined };
  }
  return (plan.segmented as SegmentedRunner).page(executor, plan, cursor);
}

/** Counts matching items over all pages and segments with `Select: COUNT` (items are not transferred). */
export async function countItems(executor: Executor, plan: ReadPlan<unknown>): Promise<number> {
  const counts = await Promise.all(
    plan.inputs.map(async (base) => {
      let count = 0;
      let startKey: AttributeMap | undefined;
      do {
        const input: Record<string, unknown> = Object.assign({}, base, { Select: 'COUNT' });
        if (plan.pageSize !== undefined) input.Limit = plan.pageSize;
        if (startKey) input.ExclusiveStartKey = startKey;
        const output = await executor.send<{ Count?: number; LastEvaluatedKey?: AttributeMap }>(plan.command, {
          operation: plan.operation,
          input,
          model: plan.context.model,
          context: plan.context,
        });
        count += output.Count ?? 0;
        startKey = output.LastEvaluatedKey;
      } while (startKey);
      return count;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}
