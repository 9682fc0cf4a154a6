import { ConfigError, type Env } from '../config';

/** Where `order-status` gets its data. */
export type OrdersSource =
  /** A real orders API (`ORDERS_API_URL`, `ORDERS_API_KEY`). */
  | { readonly kind: 'api'; readonly url: string; readonly apiKey: string }
  /** Fixed demo data: local runs, or a stage that asks for it (`ORDERS_DEMO_DATA=true`). */
  | { readonly kind: 'demo' }
  /** Deployed with neither: `order-status` answers 503. */
  | { readonly kind: 'none' };

/** The example handlers' dependencies, from the environment. */
export interface HandlerConfig {
  readonly orders: OrdersSource;
}

function flag(env: Env, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function apiUrl(raw: string, deployed: boolean): string {
  const url = URL.parse(raw);
  if (!url) throw new ConfigError(`ORDERS_API_URL must be an absolute URL, got "${raw}"`);
  // Deployed, the key travels to this URL: only over TLS. Locally a stub on http is fine.
  if (url.protocol !== 'https:' && (deployed || url.protocol !== 'http:')) {
    throw new ConfigError(
      deployed
        ? `ORDERS_API_URL must be an https URL where K_SERVICE is set, got "${raw}"`
        : `ORDERS_API_URL must be an http(s) URL, got "${raw}"`,
    );
  }
  if (url.username || url.password) {
    throw new ConfigError(
      'ORDERS_API_URL must not hold credentials; put the key in ORDERS_API_KEY',
    );
  }
  return url.href;
}

function apiKey(env: Env): string {
  const key = env.ORDERS_API_KEY;
  if (key === undefined || key === '') {
    throw new ConfigError(
      'ORDERS_API_URL is set without ORDERS_API_KEY: deliver the key as a secret ' +
        '(stack config serviceSecrets: { ORDERS_API_KEY: <secret id> })',
    );
  }
  if (key.trim() !== key) {
    // `echo key | gcloud secrets create …` stores a trailing newline; `printf` does not.
    throw new ConfigError('ORDERS_API_KEY must not start or end with whitespace (a newline?)');
  }
  // It is sent in a header: printable ASCII only.
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new ConfigError('ORDERS_API_KEY must hold printable ASCII without spaces');
  }
  return key;
}

/**
 * Parses the example handlers' environment once, at start-up, into a frozen object. Throws a
 * ConfigError naming the variable and the fix. Demo data is used only for a local run (no
 * `K_SERVICE`) or where `ORDERS_DEMO_DATA=true`; an API and demo data exclude each other.
 */
export function loadHandlerConfig(env: Env = process.env): HandlerConfig {
  const deployed = Boolean(env.K_SERVICE?.trim());
  const url = env.ORDERS_API_URL?.trim();
  const demo = flag(env, 'ORDERS_DEMO_DATA');
  let orders: OrdersSource;
  if (url) {
    if (demo) {
      throw new ConfigError(
        'ORDERS_API_URL and ORDERS_DEMO_DATA=true exclude each other; pick one',
      );
    }
    orders = { kind: 'api', url: apiUrl(url, deployed), apiKey: apiKey(env) };
  } else if (env.ORDERS_API_KEY) {
    throw new ConfigError('ORDERS_API_KEY is set without ORDERS_API_URL: set the API URL too');
  } else if (demo ?? !deployed) {
    orders = { kind: 'demo' };
  } else {
    orders = { kind: 'none' };
  }
  return Object.freeze({ orders: Object.freeze(orders) });
}
