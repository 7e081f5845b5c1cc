/**
 * Reading a sharded index: one Query per shard, in parallel, merged into one stream in the index's
 * sort order, and one cursor that holds every shard's place.
 *
 * Each shard keeps a buffer of the items it has read but not yet returned. The next item is the
 * smallest head among the buffers; it may be returned only while no shard with more on the server has
 * an empty buffer (that shard's next item could be smaller): such shards are read first, together.
 * A shard's place in a cursor is the key of the last item it returned (or where its buffer was read
 * from), so items read but not returned are read again on resume: every item once, in order.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Executor } from '../client/executor.js';
import { DeadlineExceededError, timeForAnotherStep } from '../deadline.js';
import { InvalidCursorError } from '../errors.js';
import { cursorCodec, keyFromJson, keyToJson } from '../read/cursor.js';
import { stoppedAt, type Page, type ReadPlan, type SegmentedRunner } from '../read/runner.js';
import { compareValues } from './order.js';

type AttributeMap = Record<string, AttributeValue>;

/** A shard's place: a key to resume after, `undefined` (not started) or `null` (read to the end). */
export type Place = AttributeMap | null | undefined;

/** One shard being read. */
interface Shard {
  /** Items read and accepted, not yet returned; `at` is the next. */
  buffer: AttributeMap[];
  at: number;
  /** The start key the buffer was read from. */
  from: AttributeMap | undefined;
  /** Where the next read starts (DynamoDB's LastEvaluatedKey), while `open`. */
  resume: AttributeMap | undefined;
  /** More may follow on the server. */
  open: boolean;
  /** The Limit of its last read (grows while the shard keeps running dry). */
  limit: number;
}

/** The order of the merged items. */
export interface MergeOrder {
  /** Stored name of the index sort key (`undefined`: no sort key, shards follow one another). */
  readonly attribute: string | undefined;
  readonly descending: boolean;
}

function keyOf(item: AttributeMap, attributes: readonly string[]): AttributeMap {
  const key: AttributeMap = {};
  for (const a of attributes) if (item[a] !== undefined) key[a] = item[a] as AttributeValue;
  return key;
}

/** A sharded read in progress. */
export class ShardMerge<T> {
  private readonly shards: Shard[];
  private lastRoundMs = 0;
  private rounds = 0;

  constructor(
    private readonly executor: Executor,
    private readonly plan: ReadPlan<T>,
    private readonly order: MergeOrder,
    places: readonly Place[],
  ) {
    this.shards = places.map((place) => ({ buffer: [], at: 0, from: undefined, resume: place ?? undefined, open: place !== null, limit: 0 }));
  }

  /** Every shard is read to the end and returned. */
  done(): boolean {
    return this.shards.every((s) => !s.open && s.at >= s.buffer.length);
  }

  /** Each shard's place, for a cursor. */
  places(): Place[] {
    return this.shards.map((s) => {
      if (s.at < s.buffer.length) return s.at > 0 ? keyOf(s.buffer[s.at - 1] as AttributeMap, this.plan.keyAttributes) : s.from;
      return s.open ? s.resume : null;
    });
  }

  /**
   * Reads the next page of every shard that has run dry but has more, together. `remaining` is how many
   * items the caller still wants (sizes the reads). Throws {@link Stop} when the deadline leaves no time.
   */
  async refill(remaining: number): Promise<void> {
    const dry = this.shards.filter((s) => s.open && s.at >= s.buffer.length);
    if (dry.length === 0) return;
    if (this.rounds > 0 && !timeForAnotherStep(this.plan.context.deadline, this.lastRoundMs)) throw new Stop();
    this.rounds++;
    const started = Date.now();
    const plan = this.plan;
    const open = this.shards.filter((s) => s.open).length;
    // Sized for an even spread (each shard holds about 1/open of what is wanted, plus one to see past
    // it), doubled for a shard that runs dry again: few requests, and little read twice.
    const even = remaining === Infinity ? Infinity : Math.ceil(remaining / open) + 1;
    const results = await Promise.allSettled(
      dry.map(async (s) => {
        const grown = s.limit > 0 ? s.limit * 2 : even;
        const limit = Math.min(plan.pageSize ?? Infinity, plan.filtered ? grown : Math.min(grown, remaining + 1));
        const input: Record<string, unknown> = Object.assign({}, plan.inputs[this.shards.indexOf(s)]);
        if (s.resume) input.ExclusiveStartKey = s.resume;
        if (limit !== Infinity) input.Limit = limit;
        const output = await this.executor.send<{ Items?: AttributeMap[]; LastEvaluatedKey?: AttributeMap }>(plan.command, {
          operation: plan.operation,
          input,
          model: plan.context.model,
          context: plan.context,
        });
        s.limit = limit === Infinity ? 0 : limit;
        s.from = s.resume;
        s.buffer = (output.Items ?? []).filter((raw) => plan.accepts(raw));
        s.at = 0;
        s.resume = output.LastEvaluatedKey;
        s.open = output.LastEvaluatedKey !== undefined;
      }),
    );
    this.lastRoundMs = Date.now() - started;
    for (const r of results) {
      if (r.status === 'rejected') {
        // Aborted at the deadline: nothing was read; the shards keep their places.
        if (r.reason instanceof DeadlineExceededError) throw new Stop();
        throw r.reason;
      }
    }
  }

  /** Up to `max` items that can be returned now, in merged order (stored form). */
  take(max: number): AttributeMap[] {
    const out: AttributeMap[] = [];
    const shards = this.shards;
    while (out.length < max) {
      let best = -1;
      for (let i = 0; i < shards.length; i++) {
        const s = shards[i] as Shard;
        if (s.at >= s.buffer.length) {
          if (s.open) return out; // its next item is unknown: read it first
          continue;
        }
        if (best < 0 || this.before(s, shards[best] as Shard)) best = i;
      }
      if (best < 0) return out;
      const s = shards[best] as Shard;
      out.push(s.buffer[s.at++] as AttributeMap);
    }
    return out;
  }

  /** Whether the head of `a` comes before the head of `b` (ties: the lower shard first). */
  private before(a: Shard, b: Shard): boolean {
    const attribute = this.order.attribute;
    if (attribute === undefined) return false; // shards in turn: the lower one, found first, stays
    const c = compareValues((a.buffer[a.at] as AttributeMap)[attribute], (b.buffer[b.at] as AttributeMap)[attribute]);
    return this.order.descending ? c > 0 : c < 0;
  }
}

/** The merge ran out of time before its deadline; the places say where to resume. */
export class Stop extends Error {
  constructor() {
    super('sharded read stopped before the deadline');
  }
}

/** The binding of a sharded cursor: the query's, and how many shards it reads. */
function bindingOf(plan: ReadPlan<unknown>): string {
  return `${plan.binding()}/shards:${plan.inputs.length}`;
}

/** Makes the cursor of a sharded read: one place per shard. */
export function encodePlaces(secret: string | undefined, plan: ReadPlan<unknown>, places: readonly Place[]): string {
  return cursorCodec(secret).encode(bindingOf(plan), places.map((p) => (p === null ? null : p === undefined ? 0 : keyToJson(p))));
}

/** Opens the cursor of a sharded read; refuses one of another query or another shard count. */
export function decodePlaces(secret: string | undefined, plan: ReadPlan<unknown>, cursor: unknown): Place[] {
  const state = cursorCodec(secret).decode(bindingOf(plan), cursor);
  if (!Array.isArray(state) || state.length !== plan.inputs.length) throw new InvalidCursorError('shard count does not match');
  try {
    return state.map((s: unknown) => (s === null ? null : s === 0 ? undefined : keyFromJson(s)));
  } catch {
    throw new InvalidCursorError('does not hold shard places');
  }
}

function startPlaces(executor: Executor, plan: ReadPlan<unknown>, cursor: string | undefined): Place[] {
  return cursor === undefined ? new Array<Place>(plan.inputs.length).fill(undefined) : decodePlaces(executor.config.cursorSecret, plan, cursor);
}

/** The runner for a sharded index query sorted on `attribute`. */
export function mergeRunner(order: MergeOrder): SegmentedRunner {
  return {
    async *pages<T>(executor: Executor, plan: ReadPlan<T>, resumeFrom: string | undefined): AsyncGenerator<T[]> {
      const merge = new ShardMerge(executor, plan, order, startPlaces(executor, plan, resumeFrom));
      let remaining = plan.limit ?? Infinity;
      try {
        while (remaining > 0 && !merge.done()) {
          await merge.refill(remaining);
          const raws = merge.take(remaining);
          remaining -= raws.length;
          if (raws.length > 0) yield await plan.decode(raws);
        }
      } catch (error) {
        if (error instanceof Stop) throw stoppedAt(executor, plan, (secret) => encodePlaces(secret, plan, merge.places()));
        throw error;
      }
    },

    async page<T>(executor: Executor, plan: ReadPlan<T>, cursor: string | undefined): Promise<Page<T>> {
      cursorCodec(executor.config.cursorSecret); // no secret: refused before anything is read, as for any page()
      const merge = new ShardMerge(executor, plan, order, startPlaces(executor, plan, cursor));
      const limit = plan.limit;
      const raws: AttributeMap[] = [];
      try {
        if (limit === undefined) {
          // No limit: one read of every shard, and what can be returned from it.
          await merge.refill(Infinity);
          raws.push(...merge.take(Infinity));
        } else {
          while (raws.length < limit && !merge.done()) {
            await merge.refill(limit - raws.length);
            raws.push(...merge.take(limit - raws.length));
          }
        }
      } catch (error) {
        // Out of time: the items taken so far, and a cursor after them.
        if (!(error instanceof Stop)) throw error;
      }
      const items = raws.length > 0 ? await plan.decode(raws) : [];
      return { items, cursor: merge.done() ? undefined : encodePlaces(executor.config.cursorSecret, plan, merge.places()) };
    },
  };
}
