/** The batcher's errors. The writes they carry are readable but not enumerable: logs never show them. */
import { conceal, DynamORMError } from '../errors.js';
import type { AnyModel } from '../model/model.js';

/** One write the batcher was given, as given (the model object, so it can be added again). */
export type BatchedWrite =
  | { readonly kind: 'put'; readonly model: AnyModel; readonly item: object }
  | { readonly kind: 'delete'; readonly model: AnyModel; readonly key: object };

/** Why a write was certainly not written. */
export type NotWrittenReason =
  /** The deadline of the call chain came before it could be sent (handed back, never sent). */
  | 'deadline'
  /** DynamoDB still reported it unprocessed (or throttled it) after the last batch retry. */
  | 'unprocessed'
  /** Its batch was refused as a whole before anything of it was applied (a 4xx, an open circuit). */
  | 'refused';

/**
 * This write was certainly not applied: nothing changed for its item. `write` is the write as given,
 * to add again (after the deadline, in the next invocation); `cause` says why.
 */
export class BatchItemNotWrittenError extends DynamORMError {
  static override readonly errorName: string = 'BatchItemNotWrittenError';
  /** The write as given. Not enumerable. */
  readonly write: BatchedWrite;
  readonly reason: NotWrittenReason;
  constructor(write: BatchedWrite, reason: NotWrittenReason, cause?: unknown) {
    const why = reason === 'deadline' ? 'the deadline came first' : reason === 'unprocessed' ? 'still unprocessed after the last retry' : 'its batch was refused';
    super('NOT_WRITTEN', `batched ${write.kind} of ${write.model.name} was not written: ${why}`, { cause });
    this.write = write;
    this.reason = reason;
    conceal(this, ['write']);
  }
}

/**
 * This write may or may not have been applied: its last attempt timed out, lost its connection, got a
 * 5xx, or was aborted at the deadline. Batched puts and deletes are idempotent: adding it again is
 * safe, and reading the item tells which happened.
 */
export class BatchItemInDoubtError extends DynamORMError {
  static override readonly errorName: string = 'BatchItemInDoubtError';
  /** Always true: the marker every in-doubt write error carries. */
  readonly inDoubt = true;
  /** The write as given. Not enumerable. */
  readonly write: BatchedWrite;
  constructor(write: BatchedWrite, cause?: unknown) {
    super('IN_DOUBT', `batched ${write.kind} of ${write.model.name} may or may not have been applied`, { cause });
    this.write = write;
    conceal(this, ['write']);
  }
}

/** `add()` was refused because `maxPending` writes are pending (`whenFull: 'reject'`). Nothing was queued. */
export class BatcherFullError extends DynamORMError {
  static override readonly errorName: string = 'BatcherFullError';
  constructor(maxPending: number) {
    super('BATCHER_FULL', `the batcher already holds ${maxPending} pending write(s); nothing was queued`);
  }
}

/** `add()` after `close()`. Nothing was queued. */
export class BatcherClosedError extends DynamORMError {
  static override readonly errorName: string = 'BatcherClosedError';
  constructor() {
    super('BATCHER_CLOSED', 'the batcher is closed; nothing was queued');
  }
}
