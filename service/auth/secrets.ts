import { safeEqual, singleHeader, unauthorized, type AuthStrategy } from './strategy';

/** HTTP Basic, as CX sends it from `secretVersionForUsernamePassword`. */
export function basicStrategy(config: { username: string; password: string }): AuthStrategy {
  const challenge = 'Basic realm="cx-webhook", charset="UTF-8"';
  const expected = `${config.username}:${config.password}`;
  return {
    name: 'basic',
    cost: 1,
    authenticate(headers) {
      const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(
        singleHeader(headers, 'authorization', challenge) ?? '',
      );
      if (!match) throw unauthorized(challenge, 'basic credentials are missing');
      // One comparison over "user:pass" checks both parts without revealing which one was wrong.
      if (!safeEqual(Buffer.from(match[1], 'base64').toString('utf8'), expected))
        throw unauthorized(challenge, 'basic credentials are wrong');
      return {};
    },
  };
}

/**
 * A shared secret in a named header (`WEBHOOK_HEADER_NAME`, case-insensitive). Weaker than a
 * token: any caller of detectIntent can set webhook headers, so pair it with platform or id-token.
 */
export function headerStrategy(config: { name: string; value: string }): AuthStrategy {
  const challenge = 'SharedSecret realm="cx-webhook"';
  const name = config.name.toLowerCase();
  return {
    name: 'header',
    cost: 1,
    authenticate(headers) {
      const presented = singleHeader(headers, name, challenge);
      if (presented === undefined) throw unauthorized(challenge, 'the secret header is missing');
      if (!safeEqual(presented, config.value))
        throw unauthorized(challenge, 'the secret header is wrong');
      return {};
    },
  };
}
