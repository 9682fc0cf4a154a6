import type { ServiceConfig } from '../config';
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

/** Builds the configured strategies, cheapest first. */
export function createStrategies(config: AuthConfig): AuthStrategy[] {
  const build = (name: string): AuthStrategy => {
    switch (name) {
      case 'none': // local runs only; the app logs a warning at start
        return { name, cost: 0, authenticate: () => ({}) };
      case 'header':
        return headerStrategy(required(config.header, name));
      case 'basic':
        return basicStrategy(required(config.basic, name));
      case 'platform':
        return platformStrategy(config);
      case 'id-token':
        return idTokenStrategy({ ...config, certsUrl: config.idTokenCertsUrl });
      default:
        throw new Error(`unknown auth strategy "${name}"`);
    }
  };
  return config.auth.map(build).sort((a, b) => a.cost - b.cost);
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`auth strategy "${name}" is listed but not configured`);
  return value;
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
