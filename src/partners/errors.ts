/**
 * The errors of partner accounts. None of them shows a configuration value (an external id is a
 * shared secret, a role ARN names an account) or a value taken from an event: messages name the
 * partner id and the field, and say what is wrong with it.
 */
import { DynamORMError } from '../errors.js';

/** One problem found in a partner registry. */
export interface PartnerRegistryIssue {
  /** The partner id the problem is about (`undefined` for the document as a whole). */
  readonly partner: string | undefined;
  /** The field, e.g. `roleArn`, `sessionTags.team` (`undefined` for the partner or the document). */
  readonly field: string | undefined;
  /** What is wrong, without the value. */
  readonly message: string;
}

/**
 * A partner registry (from code, the environment or a JSON document) is unusable. Thrown when the
 * registry is built, before any partner database exists, so nothing was sent. `issues` lists every
 * problem found, not only the first.
 */
export class PartnerRegistryError extends DynamORMError {
  static override readonly errorName: string = 'PartnerRegistryError';
  readonly issues: readonly PartnerRegistryIssue[];
  constructor(issues: readonly PartnerRegistryIssue[]) {
    const lines = issues.map((i) => `${[i.partner, i.field].filter((p) => p !== undefined).join('.') || 'registry'}: ${i.message}`);
    super('PARTNER_REGISTRY', `invalid partner registry (${issues.length} problem${issues.length === 1 ? '' : 's'}): ${lines.join('; ')}`);
    this.issues = issues;
  }
}

/**
 * `forPartner(db, id)` was asked for a partner the registry does not have. Nothing was sent. The
 * message names the id only when it is a well-formed partner id.
 */
export class UnknownPartnerError extends DynamORMError {
  static override readonly errorName: string = 'UnknownPartnerError';
  readonly partner: string;
  constructor(partner: string) {
    // An id that could not be one is not repeated: it may come from a request.
    const shown = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(partner) ? ` ${JSON.stringify(partner)}` : ' of that id';
    super('UNKNOWN_PARTNER', `no partner${shown} in the partner registry`);
    this.partner = partner;
  }
}

/**
 * The partner's credentials could not be obtained: STS refused or failed the AssumeRole call (the
 * original error is the `cause`), and no earlier credentials of the partner were still usable.
 * Nothing was sent: the SDK resolves credentials once per request, before its first attempt, so the
 * request never left. Nothing is cached from the failure either: the next request asks STS again.
 */
export class PartnerCredentialsError extends DynamORMError {
  static override readonly errorName: string = 'PartnerCredentialsError';
  readonly partner: string;
  /** The STS error code (`AccessDenied`, `ExpiredToken`, a network code, ...), when there is one. */
  readonly stsCode: string | undefined;
  constructor(partner: string, stsCode: string | undefined, cause: unknown) {
    super('PARTNER_CREDENTIALS', `could not assume the role of partner ${JSON.stringify(partner)}${stsCode ? ` (${stsCode})` : ''}; nothing was sent`, { cause });
    this.partner = partner;
    this.stsCode = stsCode;
  }
}

/**
 * A partner database was used inside the scope of another partner (`withPartner('b', ...)` around
 * a handle obtained with `forPartner(db, 'a')`), or a partner was needed and the scope had none.
 * Raised before the request was sent: nothing was written or read.
 */
export class PartnerScopeError extends DynamORMError {
  static override readonly errorName: string = 'PartnerScopeError';
  /** The partner of the database (`undefined` when the scope had no partner to choose one). */
  readonly partner: string | undefined;
  /** The partner of the scope. */
  readonly scopePartner: string | undefined;
  constructor(partner: string | undefined, scopePartner: string | undefined) {
    super(
      'PARTNER_SCOPE',
      partner === undefined
        ? 'no partner given and none in the current scope (use withPartner or pass the id)'
        : `a database of partner ${JSON.stringify(partner)} refused to run in the scope of partner ${JSON.stringify(scopePartner)}; nothing was sent`,
    );
    this.partner = partner;
    this.scopePartner = scopePartner;
  }
}

/** Why an event did not give a usable partner or tenant. */
export type EventScopeProblem = 'missing-partner' | 'missing-tenant' | 'invalid-partner' | 'invalid-tenant' | 'conflict' | 'unknown-partner' | 'not-an-event';

/**
 * A Lambda event did not carry a usable partner or tenant: missing, not a valid id, given twice with
 * different values (authorizer and header), or a partner the registry does not know. Raised before
 * any DynamORM operation of the invocation, so nothing was sent. The message never repeats the value.
 */
export class EventScopeError extends DynamORMError {
  static override readonly errorName: string = 'EventScopeError';
  readonly problem: EventScopeProblem;
  constructor(problem: EventScopeProblem, detail: string) {
    super('EVENT_SCOPE', `${problem}: ${detail}`);
    this.problem = problem;
  }
}
