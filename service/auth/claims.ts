import { forbidden } from './strategy';

/** The ID-token claims the service reads. */
export interface TokenClaims {
  readonly iss?: string;
  readonly aud?: string;
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly exp?: number;
  readonly iat?: number;
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
