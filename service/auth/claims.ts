import { forbidden, unauthorized } from './strategy';

/** The ID-token claims the service reads. */
export interface TokenClaims {
  readonly iss?: string;
  readonly aud?: string;
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly exp?: number;
  readonly iat?: number;
  readonly nbf?: number;
}

/** google-auth-library's allowance for clock drift; the platform strategy uses the same. */
export const CLOCK_SKEW_SECONDS = 300;

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

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Whether `token` is a compact JWT in its one canonical form: three segments of unpadded base64url
 * whose unused trailing bits are zero, header and payload JSON objects. Node's base64 decoder
 * skips characters outside the alphabet and ignores trailing bits, so `<token>!` or a changed last
 * character would verify as the same token while being a new string (a new cache entry each time).
 */
export function isCanonicalJwt(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  for (const part of parts) {
    if (!BASE64URL.test(part)) return false;
    if (Buffer.from(part, 'base64url').toString('base64url') !== part) return false;
  }
  return decodeSegment(parts[0]) !== undefined && decodeSegment(parts[1]) !== undefined;
}

/**
 * The time claims, checked alike in both token modes: `exp` must be a number (google-auth-library
 * would take a numeric string), and a token is not accepted before its `nbf` (which the library
 * does not check), each with the library's clock allowance.
 */
export function checkTokenTimes(claims: TokenClaims, challenge: string, nowMs = Date.now()): void {
  const now = nowMs / 1000;
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
    throw unauthorized(challenge, 'the token is malformed');
  }
  if (claims.nbf !== undefined) {
    if (typeof claims.nbf !== 'number' || !Number.isFinite(claims.nbf)) {
      throw unauthorized(challenge, 'the token is malformed');
    }
    if (claims.nbf - CLOCK_SKEW_SECONDS > now) {
      throw unauthorized(challenge, 'the token is not valid yet');
    }
  }
  if (claims.exp + CLOCK_SKEW_SECONDS < now) throw unauthorized(challenge, 'the token has expired');
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
