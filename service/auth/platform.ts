import { createLogger, type Logger } from '../logging';
import { clip } from '../protocol/clip';
import {
  checkCaller,
  checkTokenTimes,
  decodeSegment,
  SIGNATURE_REMOVED,
  type TokenClaims,
} from './claims';
import { bearerToken, singleHeader, unauthorized, type AuthStrategy } from './strategy';

const CHALLENGE = 'Bearer realm="cx-webhook"';

export interface PlatformOptions {
  allowedCallers: readonly string[];
  /** The URLs expected as `aud`: a mismatch is logged once, never refused (see below). */
  audiences: readonly string[];
  /** Where the audience mismatch and a missing email are logged; stdout by default. */
  logger?: Logger;
  /** The clock token times are checked by; Date.now by default. */
  now?: () => number;
}

/**
 * Trusts Cloud Run's IAM invoker check, which verified the token and stripped its signature, and
 * allow-lists the caller from the forwarded claims; a token with a real signature did not pass the
 * check and is refused. Safe only behind Cloud Run's IAM check: the infra sets this mode only where
 * it is on. `aud` is not checked again: no source documents the form Dialogflow puts there, so a
 * mismatch with WEBHOOK_AUDIENCE is only logged, once, with the values (docs/first-deploy.md).
 */
export function platformStrategy(options: PlatformOptions): AuthStrategy {
  const allowed = new Set(options.allowedCallers.map((e) => e.toLowerCase()));
  const audiences = new Set(options.audiences);
  const logger = options.logger ?? createLogger({ level: 'info' });
  const now = options.now ?? Date.now;
  let mismatchLogged = false;
  return {
    name: 'platform',
    cost: 2,
    authenticate(headers) {
      // Cloud Run checks X-Serverless-Authorization when both are present.
      const token = bearerToken(
        singleHeader(headers, 'x-serverless-authorization', CHALLENGE) ??
          singleHeader(headers, 'authorization', CHALLENGE),
      );
      if (!token) throw unauthorized(CHALLENGE, 'a bearer token is missing');
      const parts = token.split('.');
      if (parts.length !== 3) throw unauthorized(CHALLENGE, 'the token is malformed');
      if (parts[2] !== SIGNATURE_REMOVED) {
        throw unauthorized(CHALLENGE, 'the token did not pass the Cloud Run invoker check');
      }
      const claims = decodeSegment(parts[1]) as TokenClaims | undefined;
      if (!claims) throw unauthorized(CHALLENGE, 'the token payload is malformed');
      checkTokenTimes(claims, CHALLENGE, now());
      if (!mismatchLogged && audiences.size > 0 && !audiences.has(claims.aud as string)) {
        mismatchLogged = true;
        logger.warn(
          {
            // Its form as sent (an array stays an array): the point of this line.
            aud: clip(
              typeof claims.aud === 'string' ? claims.aud : String(JSON.stringify(claims.aud)),
            ),
            expected: [...audiences],
          },
          'the token Cloud Run admitted is for an audience not in WEBHOOK_AUDIENCE; admitted (Cloud Run checked it), logged once',
        );
      }
      if (typeof claims.email !== 'string' || claims.email === '') {
        logger.warn(
          { absentClaim: 'email' },
          'the forwarded token has no email claim, so WEBHOOK_ALLOWED_CALLERS cannot admit it; ' +
            'npm run smoke reports the call as rejected (PERMISSION_DENIED, HTTP 403)',
        );
      }
      // Cloud Run has verified the token; only the allow-list is ours to apply (a token with no
      // email is refused there).
      return { email: checkCaller(claims, allowed, false) };
    },
  };
}
