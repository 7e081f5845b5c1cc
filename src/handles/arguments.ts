/**
 * Checks of the arguments the public API takes besides items, keys and patches (those are checked by
 * their codecs): options objects, condition functions, models, arrays of requests. JavaScript callers
 * (or casts) can pass anything; each mistake is a ValidationError before anything is sent, never a
 * TypeError from deep inside. Each check is a few `typeof` tests: nothing on the hot path walks.
 */
import { ValidationError } from '../errors.js';
import { describe } from '../marshal/codec.js';
import { isModel, type AnyModel } from '../model/model.js';

/** Throws a ValidationError (rule `type` unless given) about an argument. */
export function badArgument(label: string, message: string, rule = 'type', path: readonly (string | number)[] = []): never {
  throw new ValidationError([{ path, rule, message }], label);
}

/**
 * An options argument: `undefined` or an object. A `condition` in it must be a function of the
 * condition builder (what it returns is checked when it compiles).
 */
export function checkOptions(options: unknown, label: string): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) badArgument(label, `expected an options object, got ${describe(options)}`);
  const condition = (options as { condition?: unknown }).condition;
  if (condition !== undefined && typeof condition !== 'function') {
    badArgument(label, `a condition is a function of the condition builder, got ${describe(condition)}`, 'condition');
  }
}

/** The item of a create or put: an object (checked before planning reads its version field). */
export function checkItem(input: unknown, label: string): void {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) badArgument(label, `expected an item object, got ${describe(input)}`);
}

/** A model argument: made with `model()`. */
export function checkModel(model: unknown, label: string): asserts model is AnyModel {
  if (!isModel(model)) badArgument(label, `expected a model made with model(), got ${describe(model)}`);
}

/** An array argument (of keys, items or requests). */
export function checkArray(value: unknown, what: string, label: string): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) badArgument(label, `${what} must be an array, got ${describe(value)}`);
}
