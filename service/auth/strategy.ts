import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { WebhookError } from '../protocol/errors';

/** What one strategy learned about the caller: the verified email, from the token strategies. */
export interface Admission {
  readonly email?: string;
}

/** One way of checking a caller. Throws a WebhookError (401, 403, 503) to refuse. */
export interface AuthStrategy {
  readonly name: string;
  /** Lower runs first, so cheap checks refuse a request before costly ones run. */
  readonly cost: number;
  authenticate(headers: IncomingHttpHeaders): Admission | Promise<Admission>;
}

/** 401: no usable credentials. The challenge tells a client which scheme is expected. */
export const unauthorized = (challenge: string, reason: string) =>
  new WebhookError(401, reason, { 'www-authenticate': challenge });

/** 403: valid credentials for a caller that may not call. */
export const forbidden = (reason: string) => new WebhookError(403, reason);

/**
 * A header's single value: a repeated one (handed on as a list) is refused, not guessed at, since
 * Node would keep the first `Authorization` silently.
 */
export function singleHeader(
  headers: IncomingHttpHeaders,
  name: string,
  challenge: string,
): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw unauthorized(challenge, `the ${name} header is repeated`);
  return value;
}

/** The credentials after `Bearer ` (scheme case-insensitive), or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  // On every request, with a ~1 KB token: a prefix test and one slice, not a regex over it all.
  if (!header || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ')
    return undefined;
  const token = header.slice(7).trim();
  return token !== '' && !/\s/.test(token) ? token : undefined;
}

// HMACs under a per-process random key: the comparison depends neither on where the strings differ
// nor on their lengths (both digests are 32 bytes).
const key = randomBytes(32);
const digest = (value: string) => createHmac('sha256', key).update(value, 'utf8').digest();

/** Compares a presented secret with the expected one in constant time. */
export const safeEqual = (presented: string, expected: string): boolean =>
  timingSafeEqual(digest(presented), digest(expected));
