/**
 * The batcher: single writes gathered into BatchWriteItem calls of up to 25, written through the one
 * batch path (`batchWrite`: validation, encoding, unprocessed-item retries), with a promise per write
 * that tells what happened to that write.
 *
 * - Writes added in different scopes (another tenant, another invocation's deadline) never share a
 *   batch; each batch runs in the async context of its first write, so its requests carry that scope.
 * - Two writes to one key never share a batch, and the later one is not sent before the earlier one
 *   has settled: the order of writes to a key is kept.
 * - At most `parallelism` batches are in flight and at most `maxPending` writes are queued or in
 *   flight; beyond that `add()` waits (or refuses, `whenFull: 'reject'`).
 * - Under a deadline, a batch that would not finish in time is not sent: its writes are handed back
 *   (BatchItemNotWrittenError, reason `deadline`, and in `flush()`'s report), never dropped.
 */
import { AsyncResource } from 'node:async_hooks';
import type { Executor } from '../client/executor.js';
import { DeadlineExceededError, timeForAnotherStep, type Deadline } from '../deadline.js';
import { DynamoDBError, ThrottledError, UnprocessedItemsError, ValidationError } from '../errors.js';
import { badArgument, checkArray, checkItem, checkModel } from '../handles/arguments.js';
import type { KeyOrItem } from '../handles/model-client.js';
import type { AnyModel } from '../model/model.js';
import type { CreateInput } from '../model/types.js';
import { currentScope, type AmbientScope } from '../scope.js';
import { batchWrite, deleteKeys, putItems, type BatchWriteRequest } from '../write/batch-write.js';
import { BatchItemInDoubtError, BatchItemNotWrittenError, BatcherClosedError, BatcherFullError, type BatchedWrite } from './errors.js';

/** Options of {@link batcher}. */
export interface BatcherOptions {
  /** Writes per BatchWriteItem call, 1 to 25 (default 25). */
  readonly maxSize?: number;
  /** Longest a write waits for its batch to fill before it is sent anyway, in ms (default 100). */
  readonly maxWait?: number;
  /** Batches in flight at once (default 4). */
  readonly parallelism?: number;
  /** Most writes queued or in flight; more wait in `add()` or are refused (default 1 000). */
  readonly maxPending?: number;
  /**
   * When `maxPending` writes are pending: `wait` (default) holds the new write outside the batcher
   * until there is room (its promise covers the wait), `reject` throws BatcherFullError from `add()`.
   * A producer that must not outrun the writes awaits `ready()` before each `add()`.
   */
  readonly whenFull?: 'wait' | 'reject';
}

/** What became of the writes a `flush()` or `close()` waited for. */
export interface BatcherReport {
  /** Writes applied. */
  readonly written: number;
  /** Writes certainly not applied (deadline, retries exhausted, batch refused): add them again. */
  readonly notWritten: readonly BatchedWrite[];
  /** Writes that may have been applied (idempotent: adding them again is safe). */
  readonly inDoubt: readonly BatchedWrite[];
  /** Writes refused for their own reason (a ValidationError): adding them again fails the same way. */
  readonly refused: readonly { readonly write: BatchedWrite; readonly error: unknown }[];
}

/** Running figures. */
export interface BatcherStats {
  readonly added: number;
  readonly written: number;
  readonly notWritten: number;
  readonly inDoubt: number;
  readonly refused: number;
  /** Writes queued or in flight. */
  readonly pending: number;
  /** Writes waiting in `add()` for room. */
  readonly waiting: number;
  /** BatchWriteItem batches started (a batch's retries are part of it). */
  readonly batches: number;
  readonly inFlight: number;
}

/** A batcher bound to one database. */
export interface Batcher {
  /** Puts one item; the promise settles when its batch is written (or with this write's own error). */
  add<M extends AnyModel>(model: M, item: CreateInput<M>): Promise<void>;
  /** Adds every write of a `putItems(...)` or `deleteKeys(...)`: one promise per item or key, in order. */
  add(request: BatchWriteRequest): Promise<void>[];
  /** Deletes one item by key; the promise settles as for `add`. */
  delete<M extends AnyModel>(model: M, key: KeyOrItem<M>): Promise<void>;
  /** Resolves when a write added now would be taken without waiting. */
  ready(): Promise<void>;
  /**
   * Sends every write added so far without waiting for `maxWait`, and resolves (never rejects) when
   * they have all settled, with what became of them.
   */
  flush(): Promise<BatcherReport>;
  /** Refuses further writes (BatcherClosedError), then flushes everything added before. */
  close(): Promise<BatcherReport>;
  stats(): BatcherStats;
}

type Outcome = 'written' | 'notWritten' | 'inDoubt' | 'refused';

interface Entry {
  readonly write: BatchedWrite;
  /** The key's identity in its table: two entries with one id never share or overlap a batch. */
  readonly id: string;
  readonly scope: AmbientScope | undefined;
  outcome?: Outcome;
  error?: unknown;
  settle(outcome: Outcome, error?: unknown): void;
  /** What `add()` returned: resolves when written, rejects with the write's own error. */
  readonly promise: Promise<void>;
  /** Resolves when the write has settled, whatever the outcome (flush waits on it). */
  readonly done: Promise<void>;
  /** Runs a function in the async context of the `add()` call. */
  readonly run: <T>(fn: () => T) => T;
}

interface Forming {
  entries: Entry[];
  ids: Set<string>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const NO_SCOPE = {};
const MAX_SIZE = 25;

function positive(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!(Number.isSafeInteger(value) && value >= 1 && value <= max)) badArgument('batcher', `${name} must be an integer from 1 to ${max}, got ${value}`, 'option');
  return value;
}

/** A value of a key field as a string that tells values apart (`undefined` when it cannot). */
function keyPart(value: unknown): string | undefined {
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `n${value}`;
  if (value instanceof Uint8Array) return `b${Buffer.from(value).toString('base64')}`;
  if (value instanceof Date) return `d${value.getTime()}`;
  return undefined;
}

/** Errors after which nothing of the call was applied. */
function certainlyNotApplied(error: unknown): boolean {
  if (error instanceof ThrottledError || error instanceof ValidationError) return true;
  if (error instanceof DeadlineExceededError) return !error.inFlight;
  if ((error as { sent?: unknown } | undefined)?.sent === false) return true;
  if (error instanceof DynamoDBError) {
    const status = (error.cause as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
    return status !== undefined && status >= 400 && status < 500;
  }
  return false;
}

/**
 * Creates a batcher on `db` (a `Database`, a `DynamORM`, or a derived one). Options are checked here
 * (ValidationError). Nothing is sent until writes are added.
 */
export function batcher(db: Executor, options: BatcherOptions = {}): Batcher {
  const maxSize = positive('maxSize', options.maxSize, MAX_SIZE, MAX_SIZE);
  const parallelism = positive('parallelism', options.parallelism, 4);
  const maxPending = positive('maxPending', options.maxPending, 1000);
  const maxWait = options.maxWait ?? 100;
  if (!(Number.isFinite(maxWait) && maxWait >= 0)) badArgument('batcher', `maxWait must be a number of ms from 0, got ${maxWait}`, 'option');
  const whenFull = options.whenFull ?? 'wait';

  const forming = new Map<object, Forming>();
  const queue: Entry[][] = [];
  const active = new Set<string>();
  const waiting: Entry[] = [];
  const live = new Set<Entry>();
  const roomWaiters: (() => void)[] = [];
  let pending = 0;
  let inFlight = 0;
  let urgent = 0;
  let closed = false;
  let lastBatchMs = 0;
  // The deadline the estimate was measured under, and the last one that halved it (see writeBatch).
  let measuredUnder: Deadline | undefined;
  let halvedUnder: Deadline | undefined;
  let unknownKeys = 0;
  const counts = { added: 0, written: 0, notWritten: 0, inDoubt: 0, refused: 0, batches: 0 };

  const idOf = (model: AnyModel, value: Record<string, unknown>): string => {
    let id = db.tableName(model);
    for (const field of model.compiled.keyInputFields) {
      const part = keyPart(value[field.name]);
      // A key that cannot be told apart is its own: the write path refuses it anyway.
      if (part === undefined) return `\u0001${++unknownKeys}`;
      id += `\u0000${part}`;
    }
    return id;
  };

  const makeEntry = (write: BatchedWrite): Entry => {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const result = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Failures are also reported by flush() and close(): a caller who ignores the promise must not
    // bring the process down with an unhandled rejection.
    result.catch(() => undefined);
    let markDone!: () => void;
    const done = new Promise<void>((res) => (markDone = res));
    const value = (write.kind === 'put' ? write.item : write.key) as Record<string, unknown>;
    const entry: Entry = {
      write,
      id: idOf(write.model, value),
      scope: currentScope(),
      promise: result,
      done,
      run: AsyncResource.bind(<T>(fn: () => T): T => fn()),
      settle(outcome, error) {
        if (entry.outcome) return;
        entry.outcome = outcome;
        entry.error = error;
        counts[outcome]++;
        live.delete(entry);
        pending--;
        markDone();
        if (outcome === 'written') resolve();
        else reject(error);
        admit();
      },
    };
    return entry;
  };

  /** Takes waiting writes while there is room, and wakes `ready()` callers. */
  const admit = () => {
    while (waiting.length > 0 && pending < maxPending) place(waiting.shift() as Entry);
    if (pending < maxPending) for (const wake of roomWaiters.splice(0)) wake();
  };

  /** Puts an admitted write in the forming batch of its scope. */
  const place = (entry: Entry) => {
    pending++;
    const key = entry.scope ?? NO_SCOPE;
    let batch = forming.get(key);
    // Two writes to one key never share a batch.
    if (batch?.ids.has(entry.id)) {
      seal(key);
      batch = undefined;
    }
    if (!batch) {
      batch = { entries: [], ids: new Set(), timer: undefined };
      forming.set(key, batch);
      const deadline = entry.scope?.deadline;
      const wait = urgent > 0 ? 0 : deadline ? Math.min(maxWait, Math.max(0, deadline.remaining() - lastBatchMs * 1.5)) : maxWait;
      const sealing = batch;
      batch.timer = setTimeout(() => {
        if (forming.get(key) === sealing) seal(key);
      }, wait);
    }
    batch.entries.push(entry);
    batch.ids.add(entry.id);
    if (batch.entries.length >= maxSize) seal(key);
  };

  const seal = (key: object) => {
    const batch = forming.get(key);
    if (!batch) return;
    forming.delete(key);
    if (batch.timer) clearTimeout(batch.timer);
    queue.push(batch.entries);
    dispatch();
  };

  /**
   * Starts queued batches in order while there is room; a batch waits while a write to one of its
   * keys is in flight or in a batch queued before it.
   */
  const dispatch = () => {
    while (inFlight < parallelism) {
      const claimed = new Set(active);
      const index = queue.findIndex((entries) => {
        const free = entries.every((e) => !claimed.has(e.id));
        for (const e of entries) claimed.add(e.id);
        return free;
      });
      if (index < 0) return;
      const entries = queue.splice(index, 1)[0] as Entry[];
      inFlight++;
      counts.batches++;
      for (const e of entries) active.add(e.id);
      void (entries[0] as Entry)
        .run(() => writeBatch(entries))
        .catch((error: unknown) => {
          // writeBatch settles every write itself; anything left unsettled here is in doubt.
          for (const e of entries) e.settle('inDoubt', new BatchItemInDoubtError(e.write, error));
        })
        .finally(() => {
          inFlight--;
          for (const e of entries) active.delete(e.id);
          dispatch();
        });
    }
  };

  /** Writes one batch through batchWrite and settles each write with what happened to it. */
  const writeBatch = async (entries: readonly Entry[]): Promise<void> => {
    const deadline: Deadline | undefined = entries[0]?.scope?.deadline;
    if (deadline && !timeForAnotherStep(deadline, lastBatchMs)) {
      // Handing back sends nothing, so the estimate would never be measured again: one slow batch
      // would keep every later invocation with less time from sending, for the container's life.
      // Each later invocation (another deadline) that hands back halves it once, so one of them
      // tries a batch and measures again.
      if (deadline !== measuredUnder && deadline !== halvedUnder) {
        halvedUnder = deadline;
        lastBatchMs /= 2;
      }
      const cause = new DeadlineExceededError('the batch was not sent: too close to the deadline');
      for (const e of entries) e.settle('notWritten', new BatchItemNotWrittenError(e.write, 'deadline', cause));
      return;
    }
    // Watches what the batch sends: whether anything may have been applied before an error.
    let mayHaveApplied = false;
    const watched: Executor = {
      config: db.config,
      partner: db.partner,
      tableName: (model) => db.tableName(model),
      target: (model) => db.target(model),
      send: async (command, request) => {
        try {
          const output = await db.send(command, request);
          mayHaveApplied = true;
          return output as never;
        } catch (error) {
          if (!certainlyNotApplied(error)) mayHaveApplied = true;
          throw error;
        }
      },
    };
    // Only batches that were sent say how long the next one will take (a hand-back takes no time).
    const started = Date.now();
    try {
      await batchWrite(watched, requestsOf(entries));
      lastBatchMs = Date.now() - started;
      measuredUnder = deadline;
      for (const e of entries) e.settle('written');
    } catch (error) {
      if (mayHaveApplied) {
        lastBatchMs = Date.now() - started;
        measuredUnder = deadline;
      }
      if (error instanceof UnprocessedItemsError || error instanceof DeadlineExceededError) {
        const byValue = new Map<unknown, Entry[]>();
        for (const e of entries) {
          const value = e.write.kind === 'put' ? e.write.item : e.write.key;
          byValue.set(value, [...(byValue.get(value) ?? []), e]);
        }
        const mark = (list: readonly unknown[], outcome: (e: Entry) => void) => {
          for (const original of list) {
            const o = original as { item?: unknown; key?: unknown; kind: string };
            for (const e of byValue.get(o.kind === 'put' ? o.item : o.key) ?? []) outcome(e);
          }
        };
        const reason = error instanceof DeadlineExceededError ? 'deadline' : 'unprocessed';
        mark(error.unprocessed, (e) => e.settle('notWritten', new BatchItemNotWrittenError(e.write, reason, error)));
        mark(error.inDoubt, (e) => e.settle('inDoubt', new BatchItemInDoubtError(e.write, error)));
        for (const e of entries) e.settle('written');
      } else if (error instanceof ValidationError && !mayHaveApplied) {
        // Refused before sending, for one write's sake (or two writes to one stored key): each write
        // alone, in order, so every other write goes and the bad one fails with its own error.
        if (entries.length === 1) (entries[0] as Entry).settle('refused', error);
        else for (const e of entries) await writeBatch([e]);
      } else if (mayHaveApplied) {
        for (const e of entries) e.settle('inDoubt', new BatchItemInDoubtError(e.write, error));
      } else {
        for (const e of entries) e.settle('notWritten', new BatchItemNotWrittenError(e.write, 'refused', error));
      }
    }
  };

  const accept = (write: BatchedWrite): Promise<void> => {
    const entry = makeEntry(write);
    counts.added++;
    live.add(entry);
    if (pending < maxPending && waiting.length === 0) place(entry);
    else waiting.push(entry);
    return entry.promise;
  };

  const refuseIfUnable = (count: number) => {
    if (closed) throw new BatcherClosedError();
    if (whenFull === 'reject' && pending + waiting.length + count > maxPending) throw new BatcherFullError(maxPending);
  };

  const flush = async (): Promise<BatcherReport> => {
    const targets = [...live];
    urgent++;
    try {
      for (const key of [...forming.keys()]) seal(key);
      // Writes admitted from the waiting line while flushing are sealed at once (urgent), in batches
      // that may still fill up within this tick.
      await Promise.all(targets.map((e) => e.done));
    } finally {
      urgent--;
    }
    const report = { written: 0, notWritten: [] as BatchedWrite[], inDoubt: [] as BatchedWrite[], refused: [] as { write: BatchedWrite; error: unknown }[] };
    for (const e of targets) {
      if (e.outcome === 'written') report.written++;
      else if (e.outcome === 'notWritten') report.notWritten.push(e.write);
      else if (e.outcome === 'inDoubt') report.inDoubt.push(e.write);
      else report.refused.push({ write: e.write, error: e.error });
    }
    return report;
  };

  function add<M extends AnyModel>(model: M, item: CreateInput<M>): Promise<void>;
  function add(request: BatchWriteRequest): Promise<void>[];
  function add(first: AnyModel | BatchWriteRequest, item?: unknown): Promise<void> | Promise<void>[] {
    if (item !== undefined || (first as { kind?: unknown }).kind === undefined) {
      checkModel(first, 'batcher.add');
      checkItem(item, `${first.name}: batcher.add`);
      refuseIfUnable(1);
      return accept({ kind: 'put', model: first, item: item as object });
    }
    const request = first as BatchWriteRequest;
    checkModel(request.model, 'batcher.add');
    const values: readonly unknown[] = request.kind === 'put' ? request.items : request.kind === 'delete' ? request.keys : [];
    if (request.kind !== 'put' && request.kind !== 'delete') badArgument('batcher.add', 'expected putItems(Model, items) or deleteKeys(Model, keys)');
    checkArray(values, request.kind === 'put' ? 'items' : 'keys', `${request.model.name}: batcher.add`);
    for (const value of values) checkItem(value, `${request.model.name}: batcher.add`);
    refuseIfUnable(values.length);
    return values.map((value) =>
      accept(request.kind === 'put' ? { kind: 'put', model: request.model, item: value as object } : { kind: 'delete', model: request.model, key: value as object }),
    );
  }

  return {
    add,
    delete(model, key) {
      checkModel(model, 'batcher.delete');
      checkItem(key, `${(model as AnyModel).name}: batcher.delete`);
      refuseIfUnable(1);
      return accept({ kind: 'delete', model, key: key as object });
    },
    ready() {
      return pending < maxPending && waiting.length === 0 ? Promise.resolve() : new Promise<void>((resolve) => roomWaiters.push(resolve));
    },
    flush,
    close() {
      closed = true;
      return flush();
    },
    stats() {
      return { ...counts, pending, waiting: waiting.length, inFlight };
    },
  };
}

/** The batchWrite requests of a batch: consecutive writes of one model and kind share a request. */
function requestsOf(entries: readonly Entry[]): BatchWriteRequest[] {
  const requests: BatchWriteRequest[] = [];
  let current: { kind: 'put' | 'delete'; model: AnyModel; values: object[] } | undefined;
  for (const { write } of entries) {
    const value = write.kind === 'put' ? write.item : write.key;
    if (current && current.kind === write.kind && current.model === write.model) current.values.push(value);
    else requests.push(finish((current = { kind: write.kind, model: write.model, values: [value] })));
  }
  return requests;
}

/** A request whose list is the (still growing) `values` array of `current`. */
function finish(current: { kind: 'put' | 'delete'; model: AnyModel; values: object[] }): BatchWriteRequest {
  return current.kind === 'put' ? putItems(current.model, current.values as never[]) : deleteKeys(current.model, current.values as never[]);
}
