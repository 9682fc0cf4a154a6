import { createStrategies } from '../../../service/auth/authenticator';
import type { AuthStrategyName } from '../../../service/config';

const config = (auth: string[]) => ({
  auth: auth as AuthStrategyName[],
  allowedCallers: [],
  audiences: [],
  idTokenCertsUrl: 'http://127.0.0.1:9/certs', // never fetched here
  timeoutMs: 5000,
});

describe('createStrategies', () => {
  it('orders the strategies cheapest first', () => {
    const names = createStrategies({
      ...config(['id-token', 'basic']),
      basic: { username: 'u', password: 'p' },
    }).map((s) => s.name);
    expect(names).toEqual(['basic', 'id-token']);
  });

  // The config parser refuses unknown names; a JavaScript caller of createApp bypasses it.
  it.each(['bogus', 'constructor', 'toString'])('refuses the unknown name %s at start', (name) => {
    expect(() => createStrategies(config([name]))).toThrow(`unknown auth strategy "${name}"`);
  });

  it('refuses a strategy that is listed but not configured', () => {
    expect(() => createStrategies(config(['header']))).toThrow(
      'auth strategy "header" is listed but not configured',
    );
  });
});
