/**
 * One partner's credentials: the SDK's own `fromTemporaryCredentials` (STS AssumeRole) behind a
 * provider that (1) makes concurrent callers share one AssumeRole, (2) turns a failure into a
 * PartnerCredentialsError and caches nothing from it, and (3) keeps `expiration` on what it returns,
 * so the SDK client memoizes the credentials and asks again before they expire (a provider that
 * dropped `expiration` would be cached forever and fail with ExpiredToken an hour later).
 *
 * When a refresh fails while the credentials in hand are still good for a while, those are returned
 * instead of an error: the SDK asks again on its next request, so the refresh is retried then.
 */
import { PartnerCredentialsError } from './errors.js';

/**
 * Credentials with less than this left are not used as a fallback when a refresh fails: a request
 * signed with them could still be in flight (with the SDK's retries) when they expire.
 */
export const FALLBACK_MIN_REMAINING_MS = 60_000;

/** The STS error code of a failure, if it has one (`AccessDenied`, `ECONNREFUSED`, ...). */
function stsCode(error: unknown): string | undefined {
  const e = error as { name?: unknown; Code?: unknown; code?: unknown } | undefined;
  for (const candidate of [e?.Code, e?.name, e?.code]) {
    if (typeof candidate === 'string' && candidate && candidate !== 'Error' && candidate !== 'CredentialsProviderError') return candidate;
  }
  return undefined;
}

/**
 * Wraps an AssumeRole provider for one partner. `now` is the clock the expiry is judged by (the
 * SDK's own clock is `Date.now`).
 */
export function partnerCredentials<O, I extends { readonly expiration?: Date | undefined }>(
  partner: string,
  assumeRole: (options?: O) => Promise<I>,
  now: () => number = Date.now,
): (options?: O) => Promise<I> {
  let pending: Promise<I> | undefined;
  let last: I | undefined;
  const fetch = async (options?: O): Promise<I> => {
    try {
      const identity = await assumeRole(options);
      last = identity;
      return identity;
    } catch (error) {
      const fallback = last?.expiration;
      if (last && fallback && fallback.getTime() - now() >= FALLBACK_MIN_REMAINING_MS) return last;
      throw new PartnerCredentialsError(partner, stsCode(error), error);
    }
  };
  return (options) => {
    if (!pending) {
      const current = fetch(options);
      pending = current;
      // Cleared after it settles (never before it is stored), so a failure leaves nothing behind.
      const clear = () => {
        if (pending === current) pending = undefined;
      };
      current.then(clear, clear);
    }
    return pending;
  };
}
