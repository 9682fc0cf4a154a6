import { createPublicKey } from 'node:crypto';
import type { OAuth2Client } from 'google-auth-library';
import { budgetMs } from '../protocol/deadline';
import { WebhookError } from '../protocol/errors';
import {
  checkCaller,
  checkTokenTimes,
  decodeSegment,
  SIGNATURE_REMOVED,
  type TokenClaims,
} from './claims';
import { bearerToken, singleHeader, unauthorized, type AuthStrategy } from './strategy';

const CHALLENGE = 'Bearer realm="cx-webhook", error="invalid_token"';
const ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];

export interface IdTokenOptions {
  allowedCallers: readonly string[];
  audiences: readonly string[];
  /** PEM certs endpoint (Google's by default). */
  certsUrl: string;
  /** The CX webhook timeout: fetching the certificates must fit well inside it. 5 s by default. */
  timeoutMs?: number;
  /** The clock cached tokens expire by; Date.now by default. */
  now?: () => number;
}

/** Verified tokens kept at most; when full, the oldest goes first. */
const CACHED_TOKENS = 512;

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

/**
 * Whether `token` is a compact JWT in its one canonical form: three segments of unpadded base64url
 * whose unused trailing bits are zero, header and payload JSON objects. Node's base64 decoder
 * skips characters outside the alphabet and ignores trailing bits, so `<token>!` or a changed last
 * character would verify as the same token while being a new string (a new cache entry each time).
 */
function isCanonicalJwt(token: string): boolean {
  const parts = token.split('.');
  return (
    parts.length === 3 &&
    parts.every(
      (p) => /^[\w-]*$/.test(p) && Buffer.from(p, 'base64url').toString('base64url') === p,
    ) &&
    decodeSegment(parts[0]) !== undefined &&
    decodeSegment(parts[1]) !== undefined
  );
}

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

/**
 * Certificate answers already checked. The library hands back the same object while its max-age
 * lasts, so each answer's keys are parsed once, not on every verification.
 */
const usable = new WeakSet<object>();

/** Google's PEM endpoint answers a JSON object of key ID → PEM that Node can parse as a key. */
function isPemCerts(certs: unknown): certs is Record<string, string> {
  if (typeof certs !== 'object' || certs === null || Array.isArray(certs)) return false;
  if (usable.has(certs)) return true;
  const pems = Object.values(certs);
  if (pems.length === 0 || !pems.every((pem): pem is string => typeof pem === 'string'))
    return false;
  try {
    // A PEM with only its BEGIN line, or no key Node can use, throws.
    for (const pem of pems) createPublicKey(pem);
  } catch {
    return false;
  }
  usable.add(certs);
  return true;
}

/**
 * Verifies a Google-signed ID token with google-auth-library, then what it does not check (`nbf`,
 * `email_verified`, the allow-list). Certificates that cannot be had are our dependency's failure,
 * not the caller's: 503, never 401 (docs/security.md).
 */
export function idTokenStrategy(
  options: IdTokenOptions,
): AuthStrategy & { cache: ReadonlyMap<string, TokenClaims> } {
  const timeoutMs = options.timeoutMs ?? 5000;
  let client = createClient(options.certsUrl, timeoutMs);
  const allowed = new Set(options.allowedCallers.map((e) => e.toLowerCase()));
  const audiences = [...options.audiences];
  const now = options.now ?? Date.now;
  // Verified claims by the exact token string, until its `exp`: Dialogflow reuses one token for
  // many calls, so a hit skips a signature check (~160 µs).
  const cache = new Map<string, TokenClaims & { exp: number }>();
  // Concurrent first calls with one token share a single verification.
  const pending = new Map<string, Promise<TokenClaims>>();
  let certsInFlight: Promise<Record<string, string>> | undefined;

  async function fetchCerts(): Promise<Record<string, string>> {
    const certs: unknown = await client.getFederatedSignonCertsAsync().then(
      (answer) => answer.certs,
      () => undefined,
    );
    if (isPemCerts(certs)) return certs;
    // None, or not certificates: the endpoint's fault, not the caller's. Nothing of the answer is
    // kept (the library would go on serving what it cached from it): start afresh.
    client = createClient(options.certsUrl, timeoutMs);
    throw new WebhookError(503, 'the token signing certificates could not be fetched');
  }

  async function verify(token: string): Promise<TokenClaims> {
    // The certificates (cached by the library while their max-age lasts), one fetch at a time.
    certsInFlight ??= fetchCerts().finally(() => (certsInFlight = undefined));
    const pems = await certsInFlight;
    let claims: TokenClaims | undefined;
    try {
      const ticket = await client.verifySignedJwtWithCertsAsync(token, pems, audiences, ISSUERS);
      claims = ticket.getPayload();
    } catch (error) {
      throw unauthorized(CHALLENGE, reasonFor(error));
    }
    if (!claims) throw unauthorized(CHALLENGE, 'the token payload is malformed');
    const exp = checkTokenTimes(claims, CHALLENGE, now());
    if (exp * 1000 > now()) {
      // A Map iterates in insertion order: the first key is the oldest entry.
      if (cache.size >= CACHED_TOKENS) cache.delete(cache.keys().next().value as string);
      cache.set(token, { ...claims, exp });
    }
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
      const cached = cache.get(token);
      if (cached && cached.exp * 1000 > now()) return { email: checkCaller(cached, allowed) };
      if (cached) cache.delete(token);
      // Only a canonical token is ever verified, so the cache holds one key per token; and a
      // string that is not a JWT at all costs no certificates fetch.
      if (!isCanonicalJwt(token)) throw unauthorized(CHALLENGE, 'the token is malformed');
      let verification = pending.get(token);
      if (!verification) {
        verification = verify(token).finally(() => pending.delete(token));
        pending.set(token, verification);
      }
      return { email: checkCaller(await verification, allowed) };
    },
  };
}
