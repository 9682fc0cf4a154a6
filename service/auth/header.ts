import { safeEqual } from './safeEqual';
import { singleHeader, unauthorized, type AuthStrategy } from './strategy';

const CHALLENGE = 'SharedSecret realm="cx-webhook"';

/**
 * A shared secret in a named header (`WEBHOOK_HEADER_NAME`, case-insensitive). Weaker than a
 * token: any caller of detectIntent can set webhook headers, so pair it with platform or id-token.
 */
export function headerStrategy(config: { name: string; value: string }): AuthStrategy {
  const name = config.name.toLowerCase();
  return {
    name: 'header',
    cost: 1,
    authenticate(headers) {
      const presented = singleHeader(headers, name, CHALLENGE);
      if (presented === undefined) throw unauthorized(CHALLENGE, 'the secret header is missing');
      if (!safeEqual(presented, config.value))
        throw unauthorized(CHALLENGE, 'the secret header is wrong');
      return {};
    },
  };
}
