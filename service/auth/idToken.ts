import { createPublicKey } from 'node:crypto';
import type { OAuth2Client } from 'google-auth-library';
import { budgetMs } from '../protocol/deadline';
import { WebhookError } from '../protocol/errors';
import { checkCaller, checkTokenTimes, isCanonicalJwt, type TokenClaims } from './claims';
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
  /** The CX webhook timeout: fetching the certificates must fit well inside it. 5 s by default. */
  timeoutMs?: number;
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

const certsUnavailable = () =>
  new WebhookError(503, 'the token signing certificates could not be fetched');

function createClient(certsUrl: string, timeoutMs: number): OAuth2Client {
  // Loaded here, not at the top: only this strategy needs the library, so other modes start faster.
  const { OAuth2Client: Client } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('google-auth-library') as typeof import('google-auth-library');
  const budget = budgetMs(timeoutMs);
  return new Client({
    endpoints: { oauth2FederatedSignonPemCertsUrl: certsUrl },
    transporterOptions: {
      // Node's own fetch: gaxios would otherwise import node-fetch, which fails under jest and
      // adds weight to the bundle.
      fetchImplementation: fetch,
      // gaxios sets no timeout by default, and the library retries a failed certs fetch three
      // times with backoff (over 2 s). One retry, each attempt at most half the request budget;
      // each request also waits no longer than its own deadline.
      timeout: Math.max(250, Math.floor(budget / 2)),
      retryConfig: { retry: 1, noResponseRetries: 1, retryDelay: 100, totalTimeout: budget },
    },
  });
}

/** Whether the PEM holds a key Node can use: a certificate or a public key, not just its BEGIN line. */
function isUsableKey(pem: unknown): boolean {
  if (typeof pem !== 'string') return false;
  try {
    createPublicKey(pem);
    return true;
  } catch {
    return false;
  }
}

/**
 * Certificate answers already checked. The library hands back the same object while its max-age
 * lasts, so each answer's keys are parsed once, not on every verification.
 */
const usable = new WeakSet<object>();

/** Google's PEM endpoint answers a JSON object of key ID → PEM (certificate or public key). */
function isPemCerts(certs: unknown): certs is Record<string, string> {
  if (typeof certs !== 'object' || certs === null || Array.isArray(certs)) return false;
  if (usable.has(certs)) return true;
  const values = Object.values(certs);
  if (values.length === 0 || !values.every(isUsableKey)) return false;
  usable.add(certs);
  return true;
}

/**
 * Verifies a Google-signed ID token (the Dialogflow service agent's) with google-auth-library:
 * signature against Google's certs, issuer, audience, expiry; then `nbf`, `email_verified` and the
 * caller allow-list, which the library does not check.
 *
 * The certificates are our dependency, not the caller's: when they cannot be had (the endpoint
 * hangs, fails, or sends something that is not certificates) the answer is 503, never 401, and
 * concurrent requests share one fetch.
 */
export function idTokenStrategy(
  options: IdTokenOptions,
): AuthStrategy & { cache: VerifiedTokenCache } {
  const timeoutMs = options.timeoutMs ?? 5000;
  let client = createClient(options.certsUrl, timeoutMs);
  const allowed = new Set(options.allowedCallers.map((e) => e.toLowerCase()));
  const audiences = [...options.audiences];
  const cache = options.cache ?? new VerifiedTokenCache();
  // Concurrent first calls with one token share a single verification.
  const pending = new Map<string, Promise<TokenClaims>>();
  let certsInFlight: Promise<Record<string, string>> | undefined;

  async function fetchCerts(): Promise<Record<string, string>> {
    let certs: unknown;
    try {
      certs = (await client.getFederatedSignonCertsAsync()).certs;
    } catch {
      throw certsUnavailable();
    }
    if (!isPemCerts(certs)) {
      // Keys Node cannot parse are the endpoint's fault, not the caller's: 503, and nothing kept
      // (the library would go on serving what it cached from this answer), so start afresh.
      client = createClient(options.certsUrl, timeoutMs);
      throw certsUnavailable();
    }
    return certs;
  }

  /** The certificates (cached by the library while their max-age lasts), one fetch at a time. */
  function certs(): Promise<Record<string, string>> {
    certsInFlight ??= fetchCerts().finally(() => {
      certsInFlight = undefined;
    });
    return certsInFlight;
  }

  async function verify(token: string): Promise<TokenClaims> {
    const pems = await certs();
    let claims: TokenClaims | undefined;
    try {
      const ticket = await client.verifySignedJwtWithCertsAsync(token, pems, audiences, ISSUERS);
      claims = ticket.getPayload();
    } catch (error) {
      throw unauthorized(CHALLENGE, reasonFor(error));
    }
    if (!claims) throw unauthorized(CHALLENGE, 'the token payload is malformed');
    checkTokenTimes(claims, CHALLENGE);
    cache.set(token, claims);
    return claims;
  }

  return {
    name: 'id-token',
    cost: 3,
    cache,
    async authenticate(headers) {
      const token = bearerToken(singleHeader(headers, 'authorization', CHALLENGE));
      if (!token) throw unauthorized('Bearer realm="cx-webhook"', 'a bearer token is missing');
      if (token.endsWith(`.${SIGNATURE_REMOVED}`)) {
        throw unauthorized(CHALLENGE, 'a token without its signature is refused in id-token mode');
      }
      let claims = cache.get(token);
      if (!claims) {
        // Only a canonical token is ever verified, so the cache holds one key per token; and a
        // string that is not a JWT at all costs no certificates fetch.
        if (!isCanonicalJwt(token)) throw unauthorized(CHALLENGE, 'the token is malformed');
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
