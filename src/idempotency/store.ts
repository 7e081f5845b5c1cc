/**
 * The idempotency store: one record per (operation, key) in a DynamoDB table of its own (a DynamORM
 * model), and the conditional writes that claim, complete, release and settle it. Every write is
 * fenced: completing or releasing requires the claimer's owner token, so an attempt whose claim expired
 * and was taken over can change nothing.
 *
 * Time: every instant is epoch milliseconds from the database's clock (`config.clock`), compared in
 * conditions as numbers. Only `ttl` is epoch seconds, because DynamoDB's time to live requires it; it is
 * derived from `expiresAt` and never compared.
 */
import type { Database } from '../database.js';
import { ConditionalCheckFailedError, WriteInDoubtError } from '../errors.js';
import type { ConditionBuilder } from '../expr/condition.js';
import * as attr from '../model/attributes.js';
import { model } from '../model/model.js';
import type { Item } from '../model/types.js';

/** The model of idempotency records (one per table name). */
function recordModel(table: string) {
  return model('IdempotencyRecord', {
    table,
    attributes: {
      /** `<operation>#<SHA-256 of the key's canonical JSON>`: fixed length, never the key itself. */
      id: attr.string().partitionKey(),
      status: attr.enumOf(['IN_PROGRESS', 'COMPLETED']),
      /** SHA-256 of the payload's canonical JSON, computed once, before the function runs. */
      hash: attr.string(),
      /** The claimer's token: completion and release require it. */
      owner: attr.string(),
      /** Epoch ms: an in-progress claim may be taken over after this (unless `reconcile`). */
      lockedUntil: attr.integer(),
      /** Epoch ms: the record may be replaced after this. Absent on claims kept until reconciled. */
      expiresAt: attr.integer().optional(),
      /** Set by `lockUntilReconciled`: an expired claim is never taken over, only settled. */
      reconcile: attr.boolean().optional(),
      /** The function's result as JSON text (absent for `undefined`). */
      result: attr.string().optional(),
      /** DynamoDB's time to live (epoch seconds), from `expiresAt`. */
      ttl: attr.ttl().optional(),
    },
  });
}

/** The record model's type. */
export type IdempotencyRecordModel = ReturnType<typeof recordModel>;
/** An idempotency record as stored. */
export type IdempotencyRecord = Item<IdempotencyRecordModel>;

/** Options of {@link idempotencyStore}. */
export interface IdempotencyStoreOptions {
  /** Table name (the database's table prefix is added), default `idempotency`. */
  readonly table?: string;
}

/** A claim attempt's outcome: claimed, or the record that stood in the way (returned by the failed write itself). */
export type ClaimOutcome =
  | { readonly claimed: true }
  | { readonly claimed: false; readonly record: IdempotencyRecord | undefined; readonly inDoubt?: WriteInDoubtError };

/** What a claim writes. */
export interface ClaimRequest {
  readonly id: string;
  readonly hash: string;
  readonly owner: string;
  /** The clock reading the claim is decided at (epoch ms). */
  readonly now: number;
  readonly lockedUntil: number;
  /** Epoch ms; `undefined` for a claim kept until reconciled. */
  readonly expiresAt: number | undefined;
  readonly reconcile: boolean;
}

type Conditions = ConditionBuilder<IdempotencyRecordModel>;

const ttlOf = (expiresAt: number) => Math.ceil(expiresAt / 1000);

/**
 * The store: the record model on a database. `db` may be a function (`lambdaDatabase()`), called on
 * first use, so that creating the store at module scope does nothing.
 */
export class IdempotencyStore {
  /** The model of the records: create its table with `tables(db).create([store.model])`. */
  readonly model: IdempotencyRecordModel;
  private readonly source: Database | (() => Database);

  constructor(db: Database | (() => Database), options: IdempotencyStoreOptions = {}) {
    this.source = db;
    this.model = recordModel(options.table ?? 'idempotency');
  }

  /** The database the records live on. */
  get db(): Database {
    return typeof this.source === 'function' ? this.source() : this.source;
  }

  /** Epoch ms from the database's clock. */
  now(): number {
    return this.db.config.clock().getTime();
  }

  /**
   * One conditional PutItem: the key is free, or its record expired, or it is an in-progress claim
   * that expired and is not kept until reconciled. When the condition fails, DynamoDB returns the
   * record in the way with the failure (ReturnValuesOnConditionCheckFailure: ALL_OLD): no second read.
   */
  async claim(c: ClaimRequest): Promise<ClaimOutcome> {
    const records = this.db.model(this.model);
    const item = {
      id: c.id,
      status: 'IN_PROGRESS' as const,
      hash: c.hash,
      owner: c.owner,
      lockedUntil: c.lockedUntil,
      ...(c.expiresAt !== undefined ? { expiresAt: c.expiresAt, ttl: ttlOf(c.expiresAt) } : {}),
      ...(c.reconcile ? { reconcile: true } : {}),
    };
    try {
      await records.put(item, {
        condition: (b: Conditions) =>
          b.or(
            b.notExists('id'),
            b.where('expiresAt', '<=', c.now),
            b.and(b.where('status', '=', 'IN_PROGRESS'), b.where('lockedUntil', '<=', c.now), b.notExists('reconcile')),
          ),
      });
      return { claimed: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedError) return { claimed: false, record: error.item as IdempotencyRecord | undefined };
      // A lost answer that the write token could not settle: the caller sends the claim again, and
      // the record that then stands in the way tells (its owner token is this claim's, or not).
      if (error instanceof WriteInDoubtError) {
        const failed = error.cause instanceof ConditionalCheckFailedError ? (error.cause.item as IdempotencyRecord | undefined) : undefined;
        return { claimed: false, record: failed, inDoubt: error };
      }
      throw error;
    }
  }

  /** The record of `id`, strongly consistent. */
  read(id: string): Promise<IdempotencyRecord | undefined> {
    return this.db.model(this.model).get({ id }, { consistent: true });
  }

  /** The patch that completes a record with `result` (JSON text), kept until `expiresAt`. */
  completion(result: string | undefined, expiresAt: number) {
    return { status: 'COMPLETED' as const, expiresAt, ttl: ttlOf(expiresAt), ...(result !== undefined ? { result } : {}) };
  }

  /** The condition every fenced write carries: the record is this owner's claim, still in progress. */
  owned(owner: string) {
    return (b: Conditions) => b.and(b.where('owner', '=', owner), b.where('status', '=', 'IN_PROGRESS'));
  }

  /** Completes the owner's claim alone (no other write). ConditionalCheckFailedError when not its claim. */
  async complete(id: string, owner: string, result: string | undefined, expiresAt: number): Promise<void> {
    await this.db.model(this.model).update({ id }, this.completion(result, expiresAt), { condition: this.owned(owner) });
  }

  /** Deletes the owner's claim (a failed attempt, so a retry can run). ConditionalCheckFailedError when not its claim. */
  async release(id: string, owner: string): Promise<void> {
    await this.db.model(this.model).delete({ id }, { condition: this.owned(owner) });
  }

  /** Expires the owner's claim now (kept until reconciled: retries get IdempotencyNeedsReconciliationError at once). */
  async expire(id: string, owner: string, now: number): Promise<void> {
    await this.db.model(this.model).update({ id }, { lockedUntil: now }, { condition: this.owned(owner) });
  }

  /** An operator's settlement of an expired claim: completed with `result`. */
  async settleCompleted(id: string, result: string | undefined, now: number, expiresAt: number): Promise<void> {
    await this.db.model(this.model).update({ id }, this.completion(result, expiresAt), { condition: expiredClaim(now) });
  }

  /** An operator's settlement of an expired claim: deleted, so the next attempt runs. */
  async settleReleased(id: string, now: number): Promise<void> {
    await this.db.model(this.model).delete({ id }, { condition: expiredClaim(now) });
  }
}

function expiredClaim(now: number) {
  return (b: Conditions) => b.and(b.exists('id'), b.where('status', '=', 'IN_PROGRESS'), b.where('lockedUntil', '<=', now));
}

/**
 * An idempotency store on `db`: the table of records that makes operations idempotent. Give it to
 * {@link makeIdempotent} or {@link idempotentHandler}. `db` may be `lambdaDatabase()`'s function.
 */
export function idempotencyStore(db: Database | (() => Database), options: IdempotencyStoreOptions = {}): IdempotencyStore {
  return new IdempotencyStore(db, options);
}
