/**
 * Expression placeholders. Every attribute name becomes `#nN` and every value `:vN`, so reserved
 * words and names with `#`, `.`, `:`, spaces or any unicode are always safe.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** Collects names and values for one request's expressions. */
export class Placeholders {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, AttributeValue> = {};
  private readonly nameIds = new Map<string, string>();
  private valueCount = 0;

  /** Placeholder for one attribute name (deduplicated). */
  name(attribute: string): string {
    let id = this.nameIds.get(attribute);
    if (id === undefined) {
      id = `#n${this.nameIds.size}`;
      this.nameIds.set(attribute, id);
      this.names[id] = attribute;
    }
    return id;
  }

  /** Document path: names for map keys, `[i]` for list indexes. */
  path(segments: readonly (string | number)[]): string {
    let out = '';
    for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out === '' ? this.name(s) : `.${this.name(s)}`;
    return out;
  }

  /** Placeholder for a value. */
  value(value: AttributeValue): string {
    const id = `:v${this.valueCount++}`;
    this.values[id] = value;
    return id;
  }

  /**
   * A name and a value under fixed placeholders (`#_x`, `:_x`: never produced by `name`/`value`), so
   * an expression that uses them can be a constant string.
   */
  fixed(namePlaceholder: `#_${string}`, name: string, valuePlaceholder: `:_${string}`, value: AttributeValue): void {
    this.names[namePlaceholder] = name;
    this.values[valuePlaceholder] = value;
    this.fixedCount++;
  }
  private fixedCount = 0;

  /** The request fields, leaving out empty maps (DynamoDB rejects them). */
  attributes(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, AttributeValue> } {
    const out: { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, AttributeValue> } = {};
    if (this.nameIds.size + this.fixedCount > 0) out.ExpressionAttributeNames = this.names;
    if (this.valueCount + this.fixedCount > 0) out.ExpressionAttributeValues = this.values;
    return out;
  }
}
