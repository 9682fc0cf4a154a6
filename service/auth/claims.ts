import { forbidden, unauthorized } from './strategy';

/** The ID-token claims the service reads. */
export interface TokenClaims {
  readonly aud?: string;
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly exp?: number;
  readonly nbf?: number;
}

/** What Cloud Run puts where the signature was, after its IAM invoker check passed. */
export const SIGNATURE_REMOVED = 'SIGNATURE_REMOVED_BY_GOOGLE';

/** google-auth-library's allowance for clock drift, used by both token strategies. */
const CLOCK_SKEW_SECONDS = 300;

/** Decodes one base64url JWT segment as a JSON object, or undefined if it is not one. */
export function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The time claims, checked alike in both token modes: `exp` must be a number (google-auth-library
 * would take a numeric string), and a token is not accepted before its `nbf` (which the library
 * does not check), each with the library's clock allowance. Returns `exp`.
 */
export function checkTokenTimes(
  claims: TokenClaims,
  challenge: string,
  nowMs = Date.now(),
): number {
  const now = nowMs / 1000;
  const isTime = (t: unknown): t is number => typeof t === 'number' && Number.isFinite(t);
  if (!isTime(claims.exp) || (claims.nbf !== undefined && !isTime(claims.nbf))) {
    throw unauthorized(challenge, 'the token is malformed');
  }
  if (claims.nbf !== undefined && claims.nbf - CLOCK_SKEW_SECONDS > now) {
    throw unauthorized(challenge, 'the token is not valid yet');
  }
  if (claims.exp + CLOCK_SKEW_SECONDS < now) throw unauthorized(challenge, 'the token has expired');
  return claims.exp;
}

/**
 * The checks google-auth-library does not make, run on every request (also on a cache hit):
 * Google has verified the address (where asked), and it is one of the allowed service agents.
 */
export function checkCaller(
  claims: TokenClaims,
  allowed: ReadonlySet<string>,
  requireVerifiedEmail = true,
): string {
  const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : undefined;
  if (!email) throw forbidden('the token names no caller email');
  if (requireVerifiedEmail && claims.email_verified !== true) {
    throw forbidden('the caller email is not verified');
  }
  if (!allowed.has(email)) throw forbidden('the caller is not allowed');
  return email;
}
