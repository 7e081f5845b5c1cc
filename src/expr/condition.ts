/**
 * Typed conditions for writes (and, later, query filters): a small tree built with
 * {@link ConditionBuilder}, compiled to a DynamoDB condition expression with safe placeholders.
 *
 * ```ts
 * await payments.update(key, patch, {
 *   condition: (c) => c.and(c.where('status', '=', 'pending'), c.where('amount', '<=', 10_000)),
 * });
 * ```
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ValidationError } from '../errors.js';
import { describe, type Issues } from '../marshal/codec.js';
import { MAX_ITEM_BYTES, sizeIfOver } from '../marshal/item-size.js';
import type { CompiledModel } from '../model/model.js';
import { resolvePath, type ResolvedPath } from '../model/paths.js';
import type { FieldPath, HasShape, Item, ValueAt } from '../model/types.js';
import type { Placeholders } from './placeholders.js';

/** Comparison operators. */
export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';
/** Every operator `where()` takes. */
export type ConditionOp = CompareOp | 'between' | 'in' | 'begins_with' | 'contains';

/** The value an operator takes for a field of type `V`. */
export type OperandOf<V, O extends ConditionOp> = O extends CompareOp
  ? V
  : O extends 'between'
    ? readonly [V, V]
    : O extends 'in'
      ? readonly V[]
      : O extends 'begins_with'
        ? string
        : V extends Set<infer E>
          ? E
          : V extends readonly (infer E)[]
            ? E
            : string;

/** @internal The condition tree. */
export type ConditionNode =
  | { readonly kind: 'where'; readonly path: string; readonly op: ConditionOp; readonly value: unknown }
  | { readonly kind: 'exists' | 'notExists'; readonly path: string }
  | { readonly kind: 'size'; readonly path: string; readonly op: CompareOp | 'between'; readonly value: unknown }
  | { readonly kind: 'and' | 'or'; readonly items: readonly Condition<never>[] }
  | { readonly kind: 'not'; readonly item: Condition<never> }
  /** What a condition function gave that is no condition (compiling it reports rule `condition`). */
  | { readonly kind: 'invalid'; readonly message: string };

/** A condition on items of model `M`. Build it with {@link ConditionBuilder}. */
export class Condition<M> {
  declare private readonly _model: M;
  /** @internal */
  constructor(readonly node: ConditionNode) {}
}

/** Builds typed conditions; field names and value types are checked by the compiler. */
export interface ConditionBuilder<M extends HasShape> {
  /** `field op value`; `between` takes `[low, high]`, `in` a list, `contains` a member or substring. */
  where<P extends FieldPath<M>, O extends ConditionOp>(path: P, op: O, value: OperandOf<ValueAt<Item<M>, P>, O>): Condition<M>;
  /** The field has a value. */
  exists(path: FieldPath<M>): Condition<M>;
  /** The field has no value. */
  notExists(path: FieldPath<M>): Condition<M>;
  /** Compares the size of a field (string length, bytes, list/map/set members). */
  size<O extends CompareOp | 'between'>(path: FieldPath<M>, op: O, value: O extends 'between' ? readonly [number, number] : number): Condition<M>;
  /** All of the conditions hold. */
  and(...conditions: Condition<M>[]): Condition<M>;
  /** At least one of the conditions holds. */
  or(...conditions: Condition<M>[]): Condition<M>;
  /** The condition does not hold. */
  not(condition: Condition<M>): Condition<M>;
}

/** A condition given to a write: a function of the builder. */
export type ConditionInput<M extends HasShape> = (c: ConditionBuilder<M>) => Condition<M>;

const builder: ConditionBuilder<never> = {
  where: (path, op, value) => new Condition({ kind: 'where', path, op, value }),
  exists: (path) => new Condition({ kind: 'exists', path }),
  notExists: (path) => new Condition({ kind: 'notExists', path }),
  size: (path, op, value) => new Condition({ kind: 'size', path, op, value }),
  and: (...items) => new Condition({ kind: 'and', items }),
  or: (...items) => new Condition({ kind: 'or', items }),
  not: (item) => new Condition({ kind: 'not', item }),
};

/**
 * Builds the condition tree of a condition input. Input that is no condition function, or a function
 * that returns no condition, gives a condition that fails to compile with a ValidationError (rule
 * `condition`) before anything is sent.
 */
export function buildCondition<M extends HasShape>(input: ConditionInput<M>): Condition<M> {
  if (typeof input !== 'function') {
    return new Condition({ kind: 'invalid', message: `a condition is a function of the condition builder, got ${describe(input)}` });
  }
  const condition: unknown = input(builder as unknown as ConditionBuilder<M>);
  if (!(condition instanceof Condition)) {
    return new Condition({ kind: 'invalid', message: `a condition function must return a condition built with its argument, got ${describe(condition)}` });
  }
  return condition as Condition<M>;
}

/** Every field path a condition names. */
export function conditionPaths(node: ConditionNode): string[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.items.flatMap((c) => (c instanceof Condition ? conditionPaths(c.node) : []));
    case 'not':
      return node.item instanceof Condition ? conditionPaths(node.item.node) : [];
    case 'invalid':
      return [];
    default:
      // A name forced past the compiler that is no string is reported when the condition compiles.
      return typeof node.path === 'string' ? [node.path] : [];
  }
}

/** Wraps an expression in parentheses unless it already is one parenthesised group (DynamoDB rejects redundant ones). */
export function parenthesize(expression: string): string {
  if (expression.startsWith('(')) {
    let depth = 0;
    for (let i = 0; i < expression.length; i++) {
      if (expression[i] === '(') depth++;
      else if (expression[i] === ')') depth--;
      if (depth === 0) {
        if (i === expression.length - 1) return expression;
        break;
      }
    }
  }
  return `(${expression})`;
}

/** Joins condition expressions with AND/OR, grouping each so precedence never changes their meaning. */
export function joinConditions(parts: readonly string[], operator: 'AND' | 'OR'): string {
  const present = parts.filter((p) => p !== '');
  return present.length === 1 ? (present[0] as string) : present.map(parenthesize).join(` ${operator} `);
}

const COMPARE = new Set(['=', '<>', '<', '<=', '>', '>=']);

/** Every operator `where()` takes (an operator is never written into an expression unless it is one of these). */
export const CONDITION_OPS: ReadonlySet<unknown> = new Set([...COMPARE, 'between', 'in', 'begins_with', 'contains']);

/**
 * Compiles a condition into expression text, adding names and values to `placeholders`. Values are
 * validated with the field's own codec; problems throw {@link ValidationError}.
 */
export function compileCondition(model: CompiledModel, condition: Condition<unknown>, placeholders: Placeholders, label: string): string {
  const issues: Issues = [];
  const text = compileNode(model, condition.node, placeholders, issues, label);
  if (issues.length > 0) throw new ValidationError(issues, label);
  return text;
}

/** An operator as messages show it: short strings as written, anything else by its type. */
export function operatorText(op: unknown): string {
  return typeof op === 'string' && op.length <= 20 ? JSON.stringify(op) : `(${describe(op)})`;
}

/** A part of a condition that is no condition built with the builder (`c.and(undefined)`, `c.not({})`). */
function compileItem(model: CompiledModel, item: unknown, ph: Placeholders, issues: Issues, label: string): string {
  if (item instanceof Condition) return compileNode(model, item.node as ConditionNode, ph, issues, label);
  issues.push({ path: [], rule: 'condition', message: `and(), or() and not() take conditions built with the builder, got ${describe(item)}` });
  return '';
}

function compileNode(model: CompiledModel, node: ConditionNode, ph: Placeholders, issues: Issues, label: string): string {
  switch (node.kind) {
    case 'and':
    case 'or': {
      if (node.items.length === 0) {
        issues.push({ path: [], rule: 'condition', message: `${node.kind}() needs at least one condition` });
        return '';
      }
      const parts = node.items.map((c) => compileItem(model, c, ph, issues, label));
      return joinConditions(parts, node.kind === 'and' ? 'AND' : 'OR');
    }
    case 'not':
      return `NOT ${parenthesize(compileItem(model, node.item, ph, issues, label))}`;
    case 'invalid':
      issues.push({ path: [], rule: 'condition', message: node.message });
      return '';
    case 'exists':
    case 'notExists': {
      const resolved = resolvePath(model, node.path, label);
      if (sealed(resolved, node.path, issues)) return '';
      const name = ph.path(resolved.segments);
      return node.kind === 'exists' ? `attribute_exists(${name})` : `attribute_not_exists(${name})`;
    }
    case 'size': {
      const resolved = resolvePath(model, node.path, label);
      if (sealed(resolved, node.path, issues)) return '';
      const name = `size(${ph.path(resolved.segments)})`;
      const number = (v: unknown): string => {
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
          issues.push({ path: [node.path], rule: 'type', message: 'size() compares with a non-negative integer' });
          return '';
        }
        return ph.value({ N: String(v) });
      };
      if (node.op === 'between') {
        const [low, high] = pair(node.value, node.path, issues);
        return `${name} BETWEEN ${number(low)} AND ${number(high)}`;
      }
      // The operator is written into the expression: only the comparison operators get there.
      if (!COMPARE.has(node.op)) {
        issues.push({ path: [node.path], rule: 'operator', message: `size() compares with =, <>, <, <=, >, >= or between, not ${operatorText(node.op)}` });
        return '';
      }
      return `${name} ${node.op} ${number(node.value)}`;
    }
    case 'where':
      return compileWhere(model, node, ph, issues, label);
  }
}

/**
 * A field whose codec is scoped (its stored form is bound to its item: an encrypted field) has no
 * stored value a condition could compare, so no condition, filter or key condition may name it. Said
 * before its value is even encoded, so the value never reaches a request.
 */
function sealed(resolved: ResolvedPath, path: string, issues: Issues): boolean {
  if (!resolved.field.codec.scoped) return false;
  issues.push({ path: [path], rule: 'not-comparable', message: 'is stored bound to its item (encrypted): conditions and filters cannot name it' });
  return true;
}

function pair(value: unknown, path: string, issues: Issues): [unknown, unknown] {
  if (!Array.isArray(value) || value.length !== 2) {
    issues.push({ path: [path], rule: 'type', message: 'between takes [low, high]' });
    return [undefined, undefined];
  }
  return [value[0], value[1]];
}

function compileWhere(
  model: CompiledModel,
  node: Extract<ConditionNode, { kind: 'where' }>,
  ph: Placeholders,
  issues: Issues,
  label: string,
): string {
  const resolved = resolvePath(model, node.path, label);
  if (sealed(resolved, node.path, issues)) return '';
  const name = ph.path(resolved.segments);
  const encode = (value: unknown): string => {
    if (value === undefined || value === null) {
      issues.push({ path: [node.path], rule: 'required', message: `${node.op} needs a value` });
      return ph.value({ NULL: true });
    }
    const av = resolved.codec.encode(value, [node.path], issues, false);
    // DynamoDB refuses a map value over the item size limit (no stored value could equal it anyway).
    if (av?.M && sizeIfOver(av.M, MAX_ITEM_BYTES) !== undefined) {
      issues.push({ path: [node.path], rule: 'item-size', message: `the value is over DynamoDB's ${MAX_ITEM_BYTES} bytes` });
    }
    return ph.value(av ?? { NULL: true });
  };
  const { op } = node;
  if (COMPARE.has(op)) return `${name} ${op} ${encode(node.value)}`;
  if (op === 'between') {
    const [low, high] = pair(node.value, node.path, issues);
    return `${name} BETWEEN ${encode(low)} AND ${encode(high)}`;
  }
  if (op === 'in') {
    const list = Array.isArray(node.value) ? node.value : [];
    if (list.length === 0 || list.length > 100) {
      issues.push({ path: [node.path], rule: 'in', message: 'in takes a list of 1 to 100 values' });
      return '';
    }
    // Array.from visits the holes of a sparse list too (as undefined: a missing value), map() would skip them.
    return `${name} IN (${Array.from(list, encode).join(', ')})`;
  }
  if (op === 'begins_with') {
    if (typeof node.value !== 'string') {
      issues.push({ path: [node.path], rule: 'type', message: 'begins_with takes a string' });
      return '';
    }
    return `begins_with(${name}, ${ph.value({ S: node.value })})`;
  }
  if (op === 'contains') {
    let av: AttributeValue | undefined;
    if (resolved.codec.member) av = resolved.codec.member(node.value, [node.path], issues);
    else if (typeof node.value === 'string') av = { S: node.value };
    else issues.push({ path: [node.path], rule: 'type', message: 'contains takes a substring, or a member of a set or list' });
    return `contains(${name}, ${ph.value(av ?? { NULL: true })})`;
  }
  issues.push({ path: [node.path], rule: 'operator', message: `unknown operator ${operatorText(op)}` });
  return '';
}
