import type { OAuth2Client } from 'google-auth-library';
import { WebhookError } from '../protocol/errors';
import { checkCaller, type TokenClaims } from './claims';
import { SIGNATURE_REMOVED } from './platform';
import { bearerToken, singleHeader, unauthorized, type AuthStrategy } from './strategy';
import { VerifiedTokenCache } from './tokenCache';

const CHALLENGE = 'Bearer realm="cx-webhook", error="invalid_token"';
const ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];

export interface IdTokenOptions {
  allowedCallers: readonly string[];
  audiences: readonly string[];
  /** PEM certs endpoint (Google's by default). */
  certsUrl: string;
  cache?: VerifiedTokenCache;
}

// google-auth-library's messages embed the whole token; only these fixed reasons reach the log.
const REASONS: readonly [RegExp, string][] = [
  [/^No pem found/, 'the token was signed by an unknown key'],
  [/^Invalid token signature/, 'the token signature is invalid'],
  [/^Token used too late/, 'the token has expired'],
  [/^Token used too early/, 'the token is not valid yet'],
  [/^Invalid issuer/, 'the token has the wrong issuer'],
  [/^Wrong recipient/, 'the token is for another audience'],
  [/^Expiration time too far/, 'the token lifetime is too long'],
];

function reasonFor(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  return REASONS.find(([pattern]) => pattern.test(message))?.[1] ?? 'the token is malformed';
}

function createClient(certsUrl: string): OAuth2Client {
  // Loaded here, not at the top: only this strategy needs the library, so other modes start faster.
  const { OAuth2Client: Client } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('google-auth-library') as typeof import('google-auth-library');
  return new Client({
    endpoints: { oauth2FederatedSignonPemCertsUrl: certsUrl },
    // Node's own fetch: gaxios would otherwise import node-fetch, which fails under jest and
    // adds weight to the bundle.
    transporterOptions: { fetchImplementation: fetch },
  });
}

/**
 * Verifies a Google-signed ID token (the Dialogflow service agent's) with google-auth-library:
 * signature against Google's certs, issuer, audience, expiry; then `email_verified` and the caller
 * allow-list, which the library does not check.
 */
export function idTokenStrategy(
  options: IdTokenOptions,
): AuthStrategy & { cache: VerifiedTokenCache } {
  const client = createClient(options.certsUrl);
  const allowed = new Set(options.allowedCallers.map((e) => e.toLowerCase()));
  const audiences = [...options.audiences];
  const cache = options.cache ?? new VerifiedTokenCache();
  // Concurrent first calls with one token share a single verification.
  const pending = new Map<string, Promise<TokenClaims>>();

  async function verify(token: string): Promise<TokenClaims> {
    let certs;
    try {
      certs = (await client.getFederatedSignonCertsAsync()).certs;
    } catch {
      // Our dependency failing is not the caller's fault.
      throw new WebhookError(503, 'the token signing certificates could not be fetched');
    }
    let claims: TokenClaims | undefined;
    try {
      const ticket = await client.verifySignedJwtWithCertsAsync(token, certs, audiences, ISSUERS);
      claims = ticket.getPayload();
    } catch (error) {
      throw unauthorized(CHALLENGE, reasonFor(error));
    }
    if (!claims) throw unauthorized(CHALLENGE, 'the token payload is malformed');
    cache.set(token, claims);
    return claims;
  }

  return {
    name: 'id-token',
    cost: 3,
    cache,
    async authenticate(headers) {
      const token = bearerToken(singleHeader(headers, 'authorization'));
      if (!token) throw unauthorized('Bearer realm="cx-webhook"', 'a bearer token is missing');
      if (token.endsWith(`.${SIGNATURE_REMOVED}`)) {
        throw unauthorized(CHALLENGE, 'a token without its signature is refused in id-token mode');
      }
      let claims = cache.get(token);
      if (!claims) {
        let verification = pending.get(token);
        if (!verification) {
          verification = verify(token).finally(() => pending.delete(token));
          pending.set(token, verification);
        }
        claims = await verification;
      }
      return { email: checkCaller(claims, allowed) };
    },
  };
}
