import type { AuthStrategyName, ServiceConfig } from '../config';
import type { Logger } from '../logging';
import type { Authenticate } from '../protocol/core';
import { idTokenStrategy } from './idToken';
import { platformStrategy } from './platform';
import { basicStrategy, headerStrategy } from './secrets';
import type { AuthStrategy } from './strategy';

type AuthConfig = Pick<
  ServiceConfig,
  'auth' | 'allowedCallers' | 'audiences' | 'idTokenCertsUrl' | 'basic' | 'header' | 'timeoutMs'
> & { readonly logger?: Logger };

function configured<T>(value: T | undefined, name: AuthStrategyName): T {
  if (value === undefined) throw new Error(`auth strategy "${name}" is listed but not configured`);
  return value;
}

const STRATEGIES: Readonly<Record<AuthStrategyName, (config: AuthConfig) => AuthStrategy>> = {
  // Local runs only; the app logs a warning at start.
  none: () => ({ name: 'none', cost: 0, authenticate: () => ({}) }),
  header: (config) => headerStrategy(configured(config.header, 'header')),
  basic: (config) => basicStrategy(configured(config.basic, 'basic')),
  platform: platformStrategy,
  'id-token': (config) => idTokenStrategy({ ...config, certsUrl: config.idTokenCertsUrl }),
};

/** Builds the configured strategies, cheapest first. */
export function createStrategies(config: AuthConfig): AuthStrategy[] {
  return config.auth
    .map((name) => {
      // Names from JavaScript callers are not type-checked: refuse at start, not per request.
      if (!Object.hasOwn(STRATEGIES, name)) throw new Error(`unknown auth strategy "${name}"`);
      return STRATEGIES[name](config);
    })
    .sort((a, b) => a.cost - b.cost);
}

/** Every strategy must admit the request; the first refusal wins. */
export function createAuthenticator(strategies: readonly AuthStrategy[]): Authenticate {
  const names = strategies.map((s) => s.name);
  return async (headers) => {
    let email: string | undefined;
    for (const strategy of strategies) {
      // Every strategy runs: `??=` would skip the call once an email is known.
      const admission = await strategy.authenticate(headers);
      email ??= admission.email;
    }
    return { strategies: names, email };
  };
}
