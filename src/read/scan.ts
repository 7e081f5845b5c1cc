/**
 * The scan builder: reads a whole table or index, in parallel segments if asked, with the filters,
 * limits, cursors and streaming of queries. It reads, and pays for, every item, so it is never
 * chosen for you: `db.model(M).scan()` on a DynamORM, or `scan(db, M)` on the core Database.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { OperationContext } from '../client/context.js';
import type { Executor, ModelTarget } from '../client/executor.js';
import { ValidationError } from '../errors.js';
import { Placeholders } from '../expr/placeholders.js';
import { describe } from '../marshal/codec.js';
import type { ItemField, Projected } from '../handles/model-client.js';
import type { AnyModel } from '../model/model.js';
import { initialState, ReadBuilder, type ReadState } from './read-builder.js';
import type { KeyConditionInput } from './query-plan.js';
import type { ReadPlan } from './runner.js';
import { SEGMENTED } from './segments.js';

interface ScanState extends ReadState {
  readonly segments: number | undefined;
}

/** A scan of a model's table or of one of its indexes. It reads (and pays for) every item. */
export class ScanBuilder<M extends AnyModel, F extends ItemField<M> = ItemField<M>> extends ReadBuilder<M, F, ScanState> {
  protected readonly kind = 'scan';

  /** @internal */
  static start<M extends AnyModel>(target: ModelTarget): ScanBuilder<M> {
    return new ScanBuilder(target, Object.assign(initialState(), { segments: undefined }));
  }

  protected with(changes: Partial<ScanState>): this {
    return new ScanBuilder(this.target, Object.assign({}, this.state, changes)) as this;
  }

  protected label(): string {
    return `${this.meta.name}.scan`;
  }

  /** Scans this index (by its alias in the model) instead of the table. */
  index(alias: keyof M['indexes'] & string): this {
    if (!this.meta.indexes.some((i) => i.alias === alias)) {
      const name = typeof alias === 'string' ? JSON.stringify(alias) : `(${describe(alias)})`;
      throw new ValidationError([{ path: [], rule: 'unknown-index', message: `${this.meta.name} has no index ${name}` }], this.label());
    }
    return this.with({ index: alias });
  }

  /** Splits the scan into `segments` parallel segments (1 to 1,000,000). */
  parallel(segments: number): this {
    if (!Number.isSafeInteger(segments) || segments < 1 || segments > 1_000_000) {
      throw new ValidationError([{ path: [], rule: 'segments', message: 'segments must be an integer from 1 to 1,000,000' }], this.label());
    }
    return this.with({ segments });
  }

  private keyAttributes(): string[] {
    const index = this.meta.indexes.find((i) => i.alias === this.state.index);
    return [...new Set([this.meta.partitionKey.stored, this.meta.sortKey?.stored, index?.partitionKey.stored, index?.sortKey?.stored])].filter(
      (x): x is string => x !== undefined,
    );
  }

  toInput(): Record<string, unknown> {
    const ph = new Placeholders();
    const index = this.meta.indexes.find((i) => i.alias === this.state.index);
    if (this.state.consistent && index?.type === 'global') {
      throw new ValidationError([{ path: [], rule: 'consistent-read', message: `index ${index.alias} is global: it cannot be read consistently` }], this.label());
    }
    const input: Record<string, unknown> = { TableName: this.target.executor.tableName(this.target.model) };
    if (index) input.IndexName = index.name;
    Object.assign(input, this.commonInput(ph, this.keyAttributes()), ph.attributes());
    return input;
  }

  protected plan(context: OperationContext, _forCount: boolean, extra: readonly KeyConditionInput[]): ReadPlan<Projected<M, F>> {
    // Extensions that scope reads by key (a tenant's partition) cannot scope a scan: refuse it rather
    // than read other partitions.
    if (extra.length > 0) {
      throw new ValidationError(
        [{ path: [], rule: 'scan-scoped', message: `${this.meta.name} reads are scoped by key (${this.target.hooks?.names.join(', ')}): use a query, not a scan` }],
        this.label(),
      );
    }
    const input = this.toInput();
    const segments = this.state.segments ?? 1;
    const inputs = segments === 1 ? [input] : Array.from({ length: segments }, (_, s) => Object.assign({}, input, { Segment: s, TotalSegments: segments }));
    return Object.assign(this.planFields(context), {
      operation: 'Scan' as const,
      command: ScanCommand,
      inputs,
      keyAttributes: this.keyAttributes(),
      binding: this.binder('Scan', inputs[0] as Record<string, unknown>),
      ...(segments > 1 ? { segmented: SEGMENTED } : {}),
    });
  }
}

/** A scan of a model's table (or of an index, with `.index(alias)`): reads, and pays for, every item. */
export function scan<M extends AnyModel>(db: Executor, model: M): ScanBuilder<M> {
  return ScanBuilder.start(db.target(model));
}
