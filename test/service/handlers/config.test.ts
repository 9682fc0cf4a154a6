import { composeHandlers } from '../../../service/composition';
import { ConfigError } from '../../../service/config';
import { loadHandlerConfig } from '../../../service/handlers/config';
import { createLogger } from '../../../service/logging';
import type { HandlerContext } from '../../../service/protocol/handler';
import { normalizeRequest } from '../../../service/protocol/normalize';

// The example order handlers' configuration, and which order store each environment gets from the
// composition root: demo data only for a local run or where a stage asks for it; a deployed
// service with no store answers 503 and says so once. These go with the order examples.

const DEPLOYED = { K_SERVICE: 'cx-webhook' };
const API = { ORDERS_API_URL: 'https://orders.example.com/v1', ORDERS_API_KEY: 'k-123' };

const ctx = (): HandlerContext => ({
  signal: new AbortController().signal,
  deadline: Date.now() + 4000,
  log: createLogger({ level: 'error' }),
  caller: { strategies: ['none'] },
});
const orderStatusOf = (env: Record<string, string>) =>
  composeHandlers(env).handlers['order-status'](
    normalizeRequest({ sessionInfo: { parameters: { order_number: '123456' } } }),
    ctx(),
  );

describe('loadHandlerConfig', () => {
  it.each<[string, Record<string, string>, unknown]>([
    ['a local run with nothing set: demo data', {}, { kind: 'demo' }],
    ['deployed with nothing set: no store', DEPLOYED, { kind: 'none' }],
    [
      'deployed with ORDERS_DEMO_DATA=true (the dev stack)',
      { ...DEPLOYED, ORDERS_DEMO_DATA: 'true' },
      { kind: 'demo' },
    ],
    ['locally with ORDERS_DEMO_DATA=false', { ORDERS_DEMO_DATA: 'FALSE' }, { kind: 'none' }],
    [
      'deployed with an API',
      { ...DEPLOYED, ...API },
      { kind: 'api', url: 'https://orders.example.com/v1', apiKey: 'k-123' },
    ],
    [
      'a local stub on http',
      { ORDERS_API_URL: 'http://127.0.0.1:9000', ORDERS_API_KEY: 'k' },
      { kind: 'api', url: 'http://127.0.0.1:9000/', apiKey: 'k' },
    ],
  ])('%s', (_name, env, orders) => {
    const config = loadHandlerConfig(env);
    expect(config.orders).toEqual(orders);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.orders)).toBe(true);
  });

  it.each<[string, Record<string, string>, string]>([
    [
      'an http API where K_SERVICE is set (the key would travel in clear)',
      { ...DEPLOYED, ...API, ORDERS_API_URL: 'http://orders.example.com' },
      'ORDERS_API_URL must be an https URL where K_SERVICE is set, got "http://orders.example.com"',
    ],
    [
      'a URL that is not one',
      { ...API, ORDERS_API_URL: 'orders' },
      'ORDERS_API_URL must be an absolute URL',
    ],
    [
      'a file URL',
      { ...API, ORDERS_API_URL: 'file:///etc/passwd' },
      'ORDERS_API_URL must be an http(s) URL',
    ],
    [
      'credentials in the URL',
      { ...API, ORDERS_API_URL: 'https://u:p@orders.example.com' },
      'ORDERS_API_URL must not hold credentials',
    ],
    [
      'a URL without a key',
      { ORDERS_API_URL: API.ORDERS_API_URL },
      'ORDERS_API_URL is set without ORDERS_API_KEY',
    ],
    [
      'a key without a URL',
      { ORDERS_API_KEY: 'k' },
      'ORDERS_API_KEY is set without ORDERS_API_URL',
    ],
    [
      'a key with a trailing newline (echo into Secret Manager)',
      { ...API, ORDERS_API_KEY: 'k-123\n' },
      'ORDERS_API_KEY must not start or end with whitespace',
    ],
    [
      'a key with a space',
      { ...API, ORDERS_API_KEY: 'k 123' },
      'ORDERS_API_KEY must hold printable ASCII',
    ],
    ['both an API and demo data', { ...API, ORDERS_DEMO_DATA: 'true' }, 'exclude each other'],
    [
      'a demo flag that is not a boolean',
      { ORDERS_DEMO_DATA: 'yes' },
      'ORDERS_DEMO_DATA must be true or false, got "yes"',
    ],
  ])('refuses %s, naming the variable', (_name, env, message) => {
    expect(() => loadHandlerConfig(env)).toThrow(ConfigError);
    expect(() => loadHandlerConfig(env)).toThrow(message);
  });
});

describe('the order store each environment gets', () => {
  it('serves demo data locally', async () => {
    expect((await orderStatusOf({})).sessionInfo).toEqual({
      parameters: { order_found: true, order_status: 'shipped' },
    });
    expect(composeHandlers({}).warnings).toEqual([]);
  });

  it('must not ship demo data to a deployed service: order-status answers 503 and it warns once', async () => {
    await expect(orderStatusOf(DEPLOYED)).rejects.toEqual(
      expect.objectContaining({
        status: 503,
        message: 'no order store is configured for this service',
      }),
    );
    const { warnings } = composeHandlers(DEPLOYED);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^order-status answers 503: .*ORDERS_API_URL and ORDERS_API_KEY/);
  });

  it('serves demo data on a deployed stage that asks for it', async () => {
    expect((await orderStatusOf({ ...DEPLOYED, ORDERS_DEMO_DATA: 'true' })).sessionInfo).toEqual({
      parameters: { order_found: true, order_status: 'shipped' },
    });
  });
});
