/**
 * The partner registry: which AWS account (an IAM role to assume) serves each partner, in which
 * region, with which table prefix. Built from code, from a JSON document or from the environment,
 * and checked as a whole: one PartnerRegistryError lists every problem, without repeating values.
 */
import { PartnerRegistryError, type PartnerRegistryIssue } from './errors.js';

/** How DynamORM reaches one partner's account. */
export interface PartnerConfig {
  /** The IAM role to assume in the partner's account: `arn:aws:iam::123456789012:role/name`. */
  readonly roleArn: string;
  /** The external id the role's trust policy requires (a shared secret: never shown in messages). */
  readonly externalId?: string;
  /** Region of the partner's tables (default: the base database's region). */
  readonly region?: string;
  /** Table prefix in the partner's account; replaces the base database's prefix (default: kept). */
  readonly tablePrefix?: string;
  /** Session tags passed to AssumeRole (at most 50; keys up to 128 characters, values up to 256). */
  readonly sessionTags?: Readonly<Record<string, string>>;
  /** Lifetime asked of STS, in seconds (900 to 43 200; default: the role's, usually 3600). */
  readonly durationSeconds?: number;
}

/** Partner id → how to reach its account. */
export type PartnerRegistry<Id extends string = string> = Readonly<Record<Id, PartnerConfig>>;

/** Environment variable read by {@link partnerRegistryFromEnv} by default. */
export const PARTNERS_ENV = 'DYNAMORM_PARTNERS';

/** Partner ids: they go into STS session names and scopes, so a small alphabet. */
export const PARTNER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const TABLE_PREFIX = /^[A-Za-z0-9_.-]{0,200}$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const FIELDS = new Set(['roleArn', 'externalId', 'region', 'tablePrefix', 'sessionTags', 'durationSeconds']);

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/** The problems of one partner's entry (empty when it is usable). */
function check(id: string, entry: unknown): PartnerRegistryIssue[] {
  const issues: PartnerRegistryIssue[] = [];
  const issue = (field: string | undefined, message: string) => issues.push({ partner: id, field, message });
  if (!PARTNER_ID.test(id)) issue(undefined, 'a partner id is 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit');
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    issue(undefined, `must be an object, got ${kind(entry)}`);
    return issues;
  }
  const e = entry as Record<string, unknown>;
  for (const field of Object.keys(e)) if (!FIELDS.has(field)) issue(field, 'unknown field');
  const text = (field: string, pattern: RegExp, rule: string, required = false) => {
    const value = e[field];
    if (value === undefined) {
      if (required) issue(field, 'required');
    } else if (typeof value !== 'string') issue(field, `must be a string, got ${kind(value)}`);
    else if (!pattern.test(value)) issue(field, rule);
  };
  text('roleArn', ROLE_ARN, 'must be an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)', true);
  text('externalId', EXTERNAL_ID, 'must be 2 to 1224 characters of letters, digits and _+=,.@:/-');
  text('region', REGION, 'must be an AWS region name such as eu-west-1');
  text('tablePrefix', TABLE_PREFIX, 'must be at most 200 letters, digits, "_", "." or "-"');
  const duration = e.durationSeconds;
  if (duration !== undefined && !(Number.isInteger(duration) && (duration as number) >= 900 && (duration as number) <= 43_200)) {
    issue('durationSeconds', 'must be a whole number of seconds from 900 to 43200');
  }
  const tags = e.sessionTags;
  if (tags !== undefined) {
    if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) issue('sessionTags', `must be an object of strings, got ${kind(tags)}`);
    else {
      const entries = Object.entries(tags as Record<string, unknown>);
      if (entries.length > 50) issue('sessionTags', 'at most 50 session tags');
      entries.forEach(([key, value], n) => {
        // The key may be what is wrong: name the tag by position, not by its text.
        if (!TAG_KEY.test(key)) issue(`sessionTags[${n}]`, 'a tag key is 1 to 128 letters, digits, spaces or _.:/=+-@');
        if (typeof value !== 'string') issue(`sessionTags[${n}]`, `a tag value must be a string, got ${kind(value)}`);
        else if (!TAG_VALUE.test(value)) issue(`sessionTags[${n}]`, 'a tag value is at most 256 letters, digits, spaces or _.:/=+-@');
      });
    }
  }
  return issues;
}

/**
 * Checks a registry given in code and returns it, frozen, with its ids as a literal type. Throws a
 * PartnerRegistryError that lists every problem (unknown fields included: a misspelt `externalID`
 * would otherwise be dropped silently and the role assumed without it).
 */
export function definePartners<const R extends Record<string, PartnerConfig>>(registry: R): PartnerRegistry<Extract<keyof R, string>> {
  return parsePartnerRegistry(registry) as PartnerRegistry<Extract<keyof R, string>>;
}

/** Checks a registry of unknown shape (a parsed JSON document, say) and returns it, frozen. */
export function parsePartnerRegistry(value: unknown): PartnerRegistry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PartnerRegistryError([{ partner: undefined, field: undefined, message: `must be an object of partners, got ${kind(value)}` }]);
  }
  const issues: PartnerRegistryIssue[] = [];
  const out: Record<string, PartnerConfig> = {};
  for (const [id, entry] of Object.entries(value)) {
    const found = check(id, entry);
    issues.push(...found);
    if (found.length === 0) {
      const e = entry as PartnerConfig;
      out[id] = Object.freeze(Object.assign({}, e, e.sessionTags ? { sessionTags: Object.freeze(Object.fromEntries(Object.entries(e.sessionTags))) } : {}));
    }
  }
  if (issues.length > 0) throw new PartnerRegistryError(issues);
  return Object.freeze(out);
}

/** Parses and checks a registry written as JSON. Invalid JSON is a PartnerRegistryError too (its text is not repeated). */
export function partnerRegistryFromJson(json: string): PartnerRegistry {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new PartnerRegistryError([{ partner: undefined, field: undefined, message: 'is not valid JSON' }]);
  }
  return parsePartnerRegistry(value);
}

/**
 * Reads the registry from an environment variable holding its JSON (default `DYNAMORM_PARTNERS`).
 * A variable that is missing or empty is a PartnerRegistryError.
 */
export function partnerRegistryFromEnv(env: Readonly<Record<string, string | undefined>> = process.env, name: string = PARTNERS_ENV): PartnerRegistry {
  const json = env[name];
  if (!json) throw new PartnerRegistryError([{ partner: undefined, field: undefined, message: `the environment variable ${name} is not set` }]);
  return partnerRegistryFromJson(json);
}
