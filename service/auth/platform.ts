import { checkCaller, checkTokenTimes, decodeSegment, type TokenClaims } from './claims';
import { bearerToken, singleHeader, unauthorized, type AuthStrategy } from './strategy';

/** What Cloud Run puts where the signature was, after its IAM invoker check passed. */
export const SIGNATURE_REMOVED = 'SIGNATURE_REMOVED_BY_GOOGLE';
const CHALLENGE = 'Bearer realm="cx-webhook"';

export interface PlatformOptions {
  allowedCallers: readonly string[];
  /** Checked when set; Cloud Run has already matched `aud` to the service. */
  audiences: readonly string[];
  now?: () => number;
}

/**
 * Trusts Cloud Run's IAM invoker check, which verified the token and stripped its signature, and
 * allow-lists the caller from the forwarded claims. Safe only behind that check: the infra sets
 * this mode only where it is on. A token that still has a real signature did not pass through it
 * and is refused.
 */
export function platformStrategy(options: PlatformOptions): AuthStrategy {
  const allowed = new Set(options.allowedCallers.map((e) => e.toLowerCase()));
  const audiences = new Set(options.audiences);
  const now = options.now ?? Date.now;
  return {
    name: 'platform',
    cost: 2,
    authenticate(headers) {
      // Cloud Run checks X-Serverless-Authorization when both are present.
      const header =
        singleHeader(headers, 'x-serverless-authorization', CHALLENGE) ??
        singleHeader(headers, 'authorization', CHALLENGE);
      const token = bearerToken(header);
      if (!token) throw unauthorized(CHALLENGE, 'a bearer token is missing');
      const parts = token.split('.');
      if (parts.length !== 3) throw unauthorized(CHALLENGE, 'the token is malformed');
      if (parts[2] !== SIGNATURE_REMOVED) {
        throw unauthorized(CHALLENGE, 'the token did not pass the Cloud Run invoker check');
      }
      const claims = decodeSegment(parts[1]) as TokenClaims | undefined;
      if (!claims) throw unauthorized(CHALLENGE, 'the token payload is malformed');
      checkTokenTimes(claims, CHALLENGE, now());
      if (audiences.size > 0 && !(typeof claims.aud === 'string' && audiences.has(claims.aud))) {
        throw unauthorized(CHALLENGE, 'the token is for another audience');
      }
      // Cloud Run has verified the token; only the allow-list is ours to apply.
      return { email: checkCaller(claims, allowed, false) };
    },
  };
}
