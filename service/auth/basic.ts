import { safeEqual } from './safeEqual';
import { singleHeader, unauthorized, type AuthStrategy } from './strategy';

const CHALLENGE = 'Basic realm="cx-webhook", charset="UTF-8"';

/** HTTP Basic, as CX sends it from `secretVersionForUsernamePassword`. */
export function basicStrategy(config: { username: string; password: string }): AuthStrategy {
  const expected = `${config.username}:${config.password}`;
  return {
    name: 'basic',
    cost: 1,
    authenticate(headers) {
      const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(
        singleHeader(headers, 'authorization', CHALLENGE) ?? '',
      );
      if (!match) throw unauthorized(CHALLENGE, 'basic credentials are missing');
      // One comparison over "user:pass" checks both parts without revealing which one was wrong.
      const presented = Buffer.from(match[1], 'base64').toString('utf8');
      if (!safeEqual(presented, expected))
        throw unauthorized(CHALLENGE, 'basic credentials are wrong');
      return {};
    },
  };
}
