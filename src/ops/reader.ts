/**
 * The page loop shared by queries, scans and collections: sends Query/Scan requests one page at a
 * time, decodes items, applies the item limit across pages (after filtering) and works out where to
 * resume. Only one page is held in memory at a time.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Database } from '../database.js';
import { currentDeadline, DeadlineExceededError, timeForAnotherStep } from '../deadline.js';

type AttributeMap = Record<string, AttributeValue>;

/** A read stopped before its deadline; `next` is where it resumes. Builders turn it into DeadlineExceededError. */
export class ReadStopped extends Error {
  constructor(readonly next: AttributeMap) {
    super('read stopped before the deadline');
  }
}

/** One Query or Scan, ready to page through. */
export interface ReadRequest<T> {
  readonly operation: 'Query' | 'Scan';
  /** The request without ExclusiveStartKey and Limit. */
  readonly input: Record<string, unknown>;
  readonly model?: string;
  /** Decodes one stored item; `undefined` skips it (e.g. another model's item in a shared table). */
  readonly decode: (item: AttributeMap) => T | undefined;
  /** Stored names of the key attributes a resume point needs. */
  readonly keyAttributes: readonly string[];
  /** Most items to return in all (after filtering). */
  readonly limit?: number;
  /** Items DynamoDB evaluates per request (its `Limit`). */
  readonly pageSize?: number;
  /** Whether a FilterExpression may drop items (then DynamoDB's Limit cannot be the item limit). */
  readonly filtered: boolean;
}

/** One page of results and where the next one starts (`undefined`: nothing more). */
export interface ReadPage<T> {
  readonly items: T[];
  readonly next: AttributeMap | undefined;
}

function keyOf(item: AttributeMap, attributes: readonly string[]): AttributeMap {
  const key: AttributeMap = {};
  for (const a of attributes) if (item[a] !== undefined) key[a] = item[a] as AttributeValue;
  return key;
}

/**
 * Yields pages from `start` on. When the item limit is reached inside a page, the page is cut and
 * `next` is the key of the last item returned, so resuming reads nothing twice and skips nothing.
 */
export async function* readPages<T>(db: Database, request: ReadRequest<T>, start?: AttributeMap): AsyncGenerator<ReadPage<T>> {
  let startKey = start && Object.keys(start).length > 0 ? start : undefined;
  let remaining = request.limit ?? Infinity;
  let lastPageMs = 0;
  const deadline = currentDeadline();
  while (remaining > 0) {
    // Under a deadline, only start a page that should finish in time; otherwise hand back where to resume.
    if (startKey && !timeForAnotherStep(deadline, lastPageMs)) throw new ReadStopped(startKey);
    const started = Date.now();
    // Without a filter DynamoDB's Limit can follow the item limit; one item more tells whether
    // anything follows, so a walk never ends on an empty page.
    const limit = request.filtered ? request.pageSize : Math.min(request.pageSize ?? Infinity, remaining + 1);
    const input: Record<string, unknown> = Object.assign({}, request.input); // not a spread: keys are added below
    if (startKey) input.ExclusiveStartKey = startKey;
    if (limit !== undefined && limit !== Infinity) input.Limit = limit;
    let output: { Items?: AttributeMap[]; LastEvaluatedKey?: AttributeMap };
    try {
      output = await db.send({ operation: request.operation, input, ...(request.model ? { model: request.model } : {}) });
    } catch (error) {
      // A read aborted at the deadline changed nothing: resume from the page it was reading.
      if (error instanceof DeadlineExceededError) throw new ReadStopped(startKey ?? {});
      throw error;
    }
    lastPageMs = Date.now() - started;
    const items: T[] = [];
    let cutAt: AttributeMap | undefined;
    const raws = output.Items ?? [];
    let cutIndex = -1;
    for (const [i, raw] of raws.entries()) {
      const item = request.decode(raw);
      if (item === undefined) continue;
      items.push(item);
      if (items.length === remaining) {
        cutAt = raw;
        cutIndex = i;
        break;
      }
    }
    remaining -= items.length;
    // Cut inside the page: resume after the last returned item, unless nothing after it in this page
    // is a result (only skipped items, e.g. other models in a collection): then resume where DynamoDB
    // stopped, so a cursor never leads to an empty last page when the end is already known.
    const moreInPage = cutAt !== undefined && raws.slice(cutIndex + 1).some((raw) => request.decode(raw) !== undefined);
    const next = cutAt && moreInPage ? keyOf(cutAt, request.keyAttributes) : output.LastEvaluatedKey;
    yield { items, next: remaining > 0 || cutAt ? next : undefined };
    if (!next) return;
    startKey = next;
  }
}

/** Counts matching items over all pages with `Select: COUNT` (`pageSize`: items evaluated per request). */
export async function countItems(
  db: Database,
  operation: 'Query' | 'Scan',
  input: Record<string, unknown>,
  model?: string,
  pageSize?: number,
): Promise<number> {
  let count = 0;
  let startKey: AttributeMap | undefined;
  do {
    const output = await db.send<{ Count?: number; LastEvaluatedKey?: AttributeMap }>({
      operation,
      input: { ...input, Select: 'COUNT', ...(pageSize !== undefined ? { Limit: pageSize } : {}), ...(startKey ? { ExclusiveStartKey: startKey } : {}) },
      ...(model ? { model } : {}),
    });
    count += output.Count ?? 0;
    startKey = output.LastEvaluatedKey;
  } while (startKey);
  return count;
}
