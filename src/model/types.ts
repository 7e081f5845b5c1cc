/**
 * Types inferred from a model: the stored item, the create input, the key, the update patch and
 * typed field paths. Pure types; nothing here exists at run time.
 */
import type { AnyAttr, Flatten, Shape } from './attributes.js';
import type { TemplateFields } from './key-template.js';
import type { UpdateAction } from '../expr/update-actions.js';

/** A model's schema (anything with `attributes`). */
export interface HasShape {
  readonly attributes: Shape;
}

type Attrs<M extends HasShape> = M['attributes'];
type Out<A extends AnyAttr> = A['_types']['out'];
type In<A extends AnyAttr> = A['_types']['in'];

/**
 * The type of an attribute that is written but never read back (`ephemeral()` fields: validated,
 * seen by hooks, never stored). For the compiler only; never set at run time.
 */
export interface WriteOnlyMarker {
  /** @internal Phantom. */
  readonly _writeOnly: true;
}

/** The item type of a model, as read back: `type Payment = Item<typeof Payment>`. Write-only fields are not in it. */
export type Item<M extends HasShape> = Flatten<
  {
    -readonly [K in keyof Attrs<M> as Attrs<M>[K] extends WriteOnlyMarker ? never : Attrs<M>[K]['_types']['opt'] extends true ? never : K]: Out<Attrs<M>[K]>;
  } & {
    -readonly [K in keyof Attrs<M> as Attrs<M>[K] extends WriteOnlyMarker ? never : Attrs<M>[K]['_types']['opt'] extends true ? K : never]?: Out<Attrs<M>[K]>;
  }
>;

/** Fields the caller never sets: key templates, the version counter and updatedAt. */
type Computed<A extends AnyAttr> = A['_types']['gen'] extends 'template' | 'version' | 'updatedAt' ? true : false;
type Omittable<A extends AnyAttr> = A['_types']['opt'] extends true ? true : A['_types']['def'] extends true ? true : false;

/** What `create()` and `put()` accept: optional and defaulted fields may be left out; computed ones are not allowed. */
export type CreateInput<M extends HasShape> = Flatten<
  {
    -readonly [K in keyof Attrs<M> as Computed<Attrs<M>[K]> extends true ? never : Omittable<Attrs<M>[K]> extends true ? never : K]: In<
      Attrs<M>[K]
    >;
  } & {
    -readonly [K in keyof Attrs<M> as Computed<Attrs<M>[K]> extends true ? never : Omittable<Attrs<M>[K]> extends true ? K : never]?: In<
      Attrs<M>[K]
    >;
  }
>;

/** Names of the fields that form a key attribute (itself, or the fields of its template). */
type KeyParts<M extends HasShape, K extends keyof Attrs<M>> = Attrs<M>[K]['_types']['gen'] extends 'template'
  ? TemplateFields<Attrs<M>[K]['_types']['tpl']> & keyof Attrs<M>
  : K;

type PrimaryKeyAttrs<M extends HasShape> = {
  [K in keyof Attrs<M>]: Attrs<M>[K]['_types']['key'] extends 'partition' | 'sort' ? K : never;
}[keyof Attrs<M>];

/** Fields that make up the primary key (template fields expanded). */
export type KeyFields<M extends HasShape> = { [K in PrimaryKeyAttrs<M>]: KeyParts<M, K> }[PrimaryKeyAttrs<M>];

/** The key of an item: `{ id }`, or the template fields `{ tenantId, transactionId }`. */
export type KeyInput<M extends HasShape> = Flatten<{ -readonly [K in KeyFields<M>]: In<Attrs<M>[K]> }>;

/** Fields an update may change: not keys, not key-template fields, not computed or clock fields. */
type Patchable<M extends HasShape> = {
  [K in keyof Attrs<M>]: K extends KeyFields<M> | PrimaryKeyAttrs<M>
    ? never
    : Attrs<M>[K]['_types']['gen'] extends 'none'
      ? K
      : never;
}[keyof Attrs<M>];

/** The value or action an update may give one field. */
export type PatchValue<A extends AnyAttr> =
  | In<A>
  | UpdateAction<'ifNotExists', In<A>>
  | (A['_types']['opt'] extends true ? UpdateAction<'remove', never> : never)
  | (Out<A> extends number | bigint ? UpdateAction<'add', Out<A>> : never)
  | (Out<A> extends Set<infer E> ? UpdateAction<'add' | 'removeFromSet', Iterable<E>> : never)
  | (Out<A> extends readonly (infer E)[] ? UpdateAction<'append' | 'prepend', readonly E[]> : never);

/** What `update()` accepts: a partial patch; fields not named are never touched. */
export type UpdatePatch<M extends HasShape> = { -readonly [K in Patchable<M>]?: PatchValue<Attrs<M>[K]> };

/** Plain nested objects (not Dates, sets, arrays or binary): the ones a dotted path can step into. */
type IsNested<T> = T extends Date | Set<unknown> | Uint8Array | readonly unknown[] | bigint
  ? false
  : T extends Record<string, unknown>
    ? true
    : false;

type Prev = [never, 0, 1, 2, 3];

/** Dotted field paths of a type, up to four levels deep: `'status' | 'address' | 'address.city'`. */
export type PathOf<T, Depth extends number = 4> = [Depth] extends [never]
  ? never
  : {
      [K in keyof T & string]-?: IsNested<NonNullable<T[K]>> extends true ? K | `${K}.${PathOf<NonNullable<T[K]>, Prev[Depth]>}` : K;
    }[keyof T & string];

/** The type found at a dotted path. */
export type ValueAt<T, P extends string> = P extends keyof T
  ? NonNullable<T[P]>
  : P extends `${infer H}.${infer R}`
    ? H extends keyof T
      ? ValueAt<NonNullable<T[H]>, R>
      : never
    : never;

/**
 * Fields stored bound to their item (an encrypted field's attribute carries the phantom `_sealed`):
 * their stored value is no function of the value, so nothing can compare them.
 */
type SealedFields<M extends HasShape> = { [K in keyof Attrs<M>]: Attrs<M>[K] extends { readonly _sealed: true } ? K : never }[keyof Attrs<M>];

/** Field paths of a model's item that conditions, filters and key conditions may name (not encrypted fields). */
export type FieldPath<M extends HasShape> = PathOf<[SealedFields<M>] extends [never] ? Item<M> : Omit<Item<M>, SealedFields<M>>>;
