/**
 * `dynamorm/attr`: the attribute builders as a module. `import * as attr from 'dynamorm/attr'` is used
 * exactly like the `attr` object of `dynamorm`, and lets a bundler keep only the builders (and value
 * codecs) a function's models use.
 *
 * ```ts
 * import * as attr from 'dynamorm/attr';
 * const Payment = model('Payment', { table: 'payments', attributes: { id: attr.string().partitionKey() } });
 * ```
 * @packageDocumentation
 */
export {
  bigint,
  binary,
  binarySet,
  boolean,
  cents,
  createdAt,
  custom,
  date,
  decimal,
  enumOf as enum,
  integer,
  json,
  list,
  number,
  numberSet,
  object,
  record,
  string,
  stringSet,
  template,
  ttl,
  updatedAt,
  version,
} from './model/attributes.js';
