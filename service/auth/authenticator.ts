import type { ServiceConfig } from '../config';
import type { Logger } from '../logging';
import type { Authenticate } from '../protocol/core';
import { basicStrategy } from './basic';
import { headerStrategy } from './header';
import { idTokenStrategy } from './idToken';
import { noneStrategy } from './none';
import { platformStrategy } from './platform';
import type { AuthStrategy } from './strategy';

type AuthConfig = Pick<
  ServiceConfig,
  'auth' | 'allowedCallers' | 'audiences' | 'idTokenCertsUrl' | 'basic' | 'header' | 'timeoutMs'
> & { readonly logger?: Logger };

/** Builds the configured strategies, cheapest first. */
export function createStrategies(config: AuthConfig): AuthStrategy[] {
  const build = (name: string): AuthStrategy => {
    switch (name) {
      case 'none':
        return noneStrategy;
      case 'header':
        return headerStrategy(required(config.header, name));
      case 'basic':
        return basicStrategy(required(config.basic, name));
      case 'platform':
        return platformStrategy(config);
      case 'id-token':
        return idTokenStrategy({
          ...config,
          certsUrl: config.idTokenCertsUrl,
          timeoutMs: config.timeoutMs,
        });
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
      const admission = await strategy.authenticate(headers);
      email ??= admission.email;
    }
    return { strategies: names, email };
  };
}
