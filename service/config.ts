import { isIP } from 'node:net';
import {
  AUTH_STRATEGIES,
  DEFAULT_LOG_LEVEL,
  ENV,
  INTEGERS,
  LOG_LEVELS,
  type AuthStrategyName,
  type LogLevel,
} from './envContract';

export { AUTH_STRATEGIES, type AuthStrategyName } from './envContract';

/** Google's signing certificates in PEM form, as google-auth-library fetches them by default. */
export const GOOGLE_CERTS_URL = 'https://www.googleapis.com/oauth2/v1/certs';

export interface ServiceConfig {
  /** Listen port (`PORT`). */
  readonly port: number;
  /**
   * Bind address (`HOST`): loopback locally; undefined (every interface) where `K_SERVICE` is set.
   */
  readonly host: string | undefined;
  /** Every listed strategy must pass (`WEBHOOK_AUTH`). */
  readonly auth: readonly AuthStrategyName[];
  /** Service-agent emails allowed to call (`WEBHOOK_ALLOWED_CALLERS`). */
  readonly allowedCallers: readonly string[];
  /** Accepted `aud` values (`WEBHOOK_AUDIENCE`). */
  readonly audiences: readonly string[];
  /** Where ID-token signing certs come from (`WEBHOOK_ID_TOKEN_CERTS_URL`). */
  readonly idTokenCertsUrl: string;
  readonly basic?: { readonly username: string; readonly password: string };
  readonly header?: { readonly name: string; readonly value: string };
  /** The CX webhook timeout (`WEBHOOK_TIMEOUT_MS`); the service answers before it. */
  readonly timeoutMs: number;
  readonly logLevel: LogLevel;
  /** Google Cloud project, for trace correlation in logs (`GOOGLE_CLOUD_PROJECT`). */
  readonly project?: string;
  /** The revision serving this process (`K_REVISION`, set by Cloud Run), or `local`. */
  readonly revision: string;
  /** The Cloud Run service or function name (`K_SERVICE`); undefined when run locally. */
  readonly service: string | undefined;
  /**
   * Requests one instance serves at once (`WEBHOOK_CONCURRENCY`, Cloud Run's `concurrency`). It
   * bounds connections (4×) and request bytes held in memory (× the 1 MiB body cap).
   */
  readonly concurrency: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
// RFC 9110 token characters: what a header name may contain.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const list = (raw: string | undefined): string[] =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function integer(env: Env, name: keyof typeof INTEGERS): number {
  const { fallback, min, max } = INTEGERS[name];
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function required(env: Env, name: string, why: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(`${name} is required ${why}`);
  return value;
}

function parseAuth(env: Env): AuthStrategyName[] {
  const raw = list(env.WEBHOOK_AUTH);
  if (raw.length === 0) {
    if (env.K_SERVICE) {
      throw new ConfigError(
        'WEBHOOK_AUTH is required where K_SERVICE is set (Cloud Run, Cloud Functions), so a deployed ' +
          'service never starts open: set it to platform, id-token, basic or header',
      );
    }
    return ['none'];
  }
  for (const s of raw) {
    if (!(AUTH_STRATEGIES as readonly string[]).includes(s)) {
      throw new ConfigError(
        `WEBHOOK_AUTH has unknown strategy "${s}"; allowed: ${AUTH_STRATEGIES.join(', ')}`,
      );
    }
  }
  const auth = [...new Set(raw)] as AuthStrategyName[];
  if (auth.includes('none') && auth.length > 1) {
    throw new ConfigError(
      'WEBHOOK_AUTH: "none" cannot be combined with another strategy; remove it',
    );
  }
  if (auth.includes('platform') && auth.includes('id-token')) {
    throw new ConfigError(
      'WEBHOOK_AUTH: "platform" and "id-token" exclude each other (Cloud Run strips the signature ' +
        'id-token needs); use platform behind the IAM invoker check, id-token without it',
    );
  }
  for (const token of ['id-token', 'platform'] as const) {
    if (auth.includes(token) && auth.includes('basic')) {
      throw new ConfigError(
        `WEBHOOK_AUTH: "${token}" and "basic" both need the Authorization header; use "header" for a second factor`,
      );
    }
  }
  return auth;
}

function parseUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must hold absolute URLs, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${name} must hold http(s) URLs, got "${raw}"`);
  }
  return raw;
}

// Loopback only: 127.0.0.0/8, ::1, and the name that resolves to them.
const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

function parseHost(env: Env): string | undefined {
  const raw = env.HOST?.trim();
  if (!raw) return env.K_SERVICE ? undefined : '127.0.0.1';
  if (raw !== 'localhost' && isIP(raw) === 0) {
    throw new ConfigError(`HOST must be an IP address or localhost, got "${raw}"`);
  }
  // Without WEBHOOK_AUTH a local run admits everyone; that must never be reachable from elsewhere.
  if (!isLoopback(raw) && !env.WEBHOOK_AUTH?.trim()) {
    throw new ConfigError(
      `HOST "${raw}" is reachable beyond this machine: set WEBHOOK_AUTH explicitly ` +
        '(platform, id-token, basic or header; "none" only if you mean it)',
    );
  }
  return raw;
}

// Node reads header values as latin1 and trims surrounding whitespace, so only a printable ASCII
// value without surrounding whitespace can ever compare equal to what a caller sends.
function headerSecret(env: Env): string {
  const value = required(env, 'WEBHOOK_HEADER_VALUE', 'for header');
  if (value.trim() !== value) {
    throw new ConfigError('WEBHOOK_HEADER_VALUE must not start or end with whitespace');
  }
  if (!/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value)) {
    throw new ConfigError('WEBHOOK_HEADER_VALUE must hold printable ASCII only');
  }
  return value;
}

/**
 * Parses and validates the service's environment once, at start-up. Throws a ConfigError naming
 * the variable and the fix, so a misconfigured revision fails to start instead of serving.
 */
export function loadConfig(env: Env = process.env): ServiceConfig {
  const auth = parseAuth(env);
  const uses = (s: AuthStrategyName) => auth.includes(s);
  const tokenMode = uses('platform') || uses('id-token');

  const allowedCallers = list(env.WEBHOOK_ALLOWED_CALLERS).map((e) => e.toLowerCase());
  for (const email of allowedCallers) {
    if (!EMAIL.test(email)) {
      throw new ConfigError(`WEBHOOK_ALLOWED_CALLERS must hold email addresses, got "${email}"`);
    }
  }
  if (tokenMode && allowedCallers.length === 0) {
    throw new ConfigError(
      'WEBHOOK_ALLOWED_CALLERS is required for platform and id-token: set it to the Dialogflow ' +
        'service agent, service-<AGENT_PROJECT_NUMBER>@gcp-sa-dialogflow.iam.gserviceaccount.com',
    );
  }

  const audiences = list(env.WEBHOOK_AUDIENCE).map((a) => parseUrl('WEBHOOK_AUDIENCE', a));
  if (uses('id-token') && audiences.length === 0) {
    throw new ConfigError(
      'WEBHOOK_AUDIENCE is required for id-token: set it to the webhook URL (with and without a trailing slash)',
    );
  }

  const certsRaw = env.WEBHOOK_ID_TOKEN_CERTS_URL?.trim();
  const idTokenCertsUrl = certsRaw
    ? parseUrl('WEBHOOK_ID_TOKEN_CERTS_URL', certsRaw)
    : GOOGLE_CERTS_URL;

  let basic: ServiceConfig['basic'];
  if (uses('basic')) {
    const username = required(env, 'WEBHOOK_BASIC_USERNAME', 'for basic');
    if (username.includes(':'))
      throw new ConfigError('WEBHOOK_BASIC_USERNAME must not contain ":"');
    basic = Object.freeze({
      username,
      password: required(env, 'WEBHOOK_BASIC_PASSWORD', 'for basic'),
    });
  }

  let header: ServiceConfig['header'];
  if (uses('header')) {
    const name = required(env, 'WEBHOOK_HEADER_NAME', 'for header').trim().toLowerCase();
    if (!HEADER_NAME.test(name)) {
      throw new ConfigError(`WEBHOOK_HEADER_NAME must be a valid HTTP header name, got "${name}"`);
    }
    if (name === 'authorization' && auth.length > 1) {
      throw new ConfigError(
        'WEBHOOK_HEADER_NAME: Authorization is taken by the other strategy; pick a custom header such as x-webhook-secret',
      );
    }
    header = Object.freeze({ name, value: headerSecret(env) });
  }

  const logLevel = (env.LOG_LEVEL?.trim().toLowerCase() || DEFAULT_LOG_LEVEL) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`,
    );
  }

  return Object.freeze({
    port: integer(env, 'PORT'),
    host: parseHost(env),
    auth: Object.freeze(auth),
    allowedCallers: Object.freeze(allowedCallers),
    audiences: Object.freeze(audiences),
    idTokenCertsUrl,
    basic,
    header,
    timeoutMs: integer(env, ENV.timeoutMs),
    logLevel,
    project: env.GOOGLE_CLOUD_PROJECT?.trim() || undefined,
    revision: env.K_REVISION?.trim() || 'local',
    service: env.K_SERVICE?.trim() || undefined,
    concurrency: integer(env, ENV.concurrency),
  });
}
