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

/** The service's environment, parsed (docs/configuration.md describes each variable). */
export interface ServiceConfig {
  readonly port: number; // PORT
  /** `HOST`: loopback locally; undefined (every interface) where `K_SERVICE` is set. */
  readonly host: string | undefined;
  /** `WEBHOOK_AUTH`: every listed strategy must pass. */
  readonly auth: readonly AuthStrategyName[];
  readonly allowedCallers: readonly string[]; // WEBHOOK_ALLOWED_CALLERS
  readonly audiences: readonly string[]; // WEBHOOK_AUDIENCE
  readonly idTokenCertsUrl: string; // WEBHOOK_ID_TOKEN_CERTS_URL
  readonly basic?: { readonly username: string; readonly password: string };
  readonly header?: { readonly name: string; readonly value: string };
  /** `WEBHOOK_TIMEOUT_MS`: the CX webhook timeout; the service answers before it. */
  readonly timeoutMs: number;
  readonly logLevel: LogLevel;
  readonly project?: string; // GOOGLE_CLOUD_PROJECT, for trace correlation in logs
  /** The revision serving this process (`K_REVISION`, set by Cloud Run), or `local`. */
  readonly revision: string;
  /** The Cloud Run service or function name (`K_SERVICE`); undefined when run locally. */
  readonly service: string | undefined;
  /** `WEBHOOK_CONCURRENCY`: bounds connections (4×) and body bytes held (× the 1 MiB cap). */
  readonly concurrency: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The process environment, or a test's. */
export type Env = Readonly<Record<string, string | undefined>>;

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
  const unknown = raw.find((s) => !(AUTH_STRATEGIES as readonly string[]).includes(s));
  if (unknown !== undefined) {
    throw new ConfigError(
      `WEBHOOK_AUTH has unknown strategy "${unknown}"; allowed: ${AUTH_STRATEGIES.join(', ')}`,
    );
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
  const token = auth.find((s) => s === 'id-token' || s === 'platform');
  if (token && auth.includes('basic')) {
    throw new ConfigError(
      `WEBHOOK_AUTH: "${token}" and "basic" both need the Authorization header; use "header" for a second factor`,
    );
  }
  return auth;
}

function parseUrl(name: string, raw: string): string {
  const url = URL.parse(raw);
  if (!url) throw new ConfigError(`${name} must hold absolute URLs, got "${raw}"`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${name} must hold http(s) URLs, got "${raw}"`);
  }
  return raw;
}

function parseHost(env: Env): string | undefined {
  const raw = env.HOST?.trim();
  if (!raw) return env.K_SERVICE ? undefined : '127.0.0.1';
  if (raw !== 'localhost' && isIP(raw) === 0) {
    throw new ConfigError(`HOST must be an IP address or localhost, got "${raw}"`);
  }
  // Without WEBHOOK_AUTH a local run admits everyone; that must never be reachable from elsewhere.
  const loopback =
    raw === 'localhost' || raw === '::1' || (isIP(raw) === 4 && raw.startsWith('127.'));
  if (!loopback && !env.WEBHOOK_AUTH?.trim()) {
    throw new ConfigError(
      `HOST "${raw}" is reachable beyond this machine: set WEBHOOK_AUTH explicitly ` +
        '(platform, id-token, basic or header; "none" only if you mean it)',
    );
  }
  return raw;
}

function parseHeader(env: Env, auth: readonly AuthStrategyName[]): ServiceConfig['header'] {
  const name = required(env, 'WEBHOOK_HEADER_NAME', 'for header').trim().toLowerCase();
  if (!HEADER_NAME.test(name)) {
    throw new ConfigError(`WEBHOOK_HEADER_NAME must be a valid HTTP header name, got "${name}"`);
  }
  if (name === 'authorization' && auth.length > 1) {
    throw new ConfigError(
      'WEBHOOK_HEADER_NAME: Authorization is taken by the other strategy; pick a custom header such as x-webhook-secret',
    );
  }
  // Node reads header values as latin1 and trims surrounding whitespace, so only a printable ASCII
  // value without surrounding whitespace can ever compare equal to what a caller sends.
  const value = required(env, 'WEBHOOK_HEADER_VALUE', 'for header');
  if (value.trim() !== value) {
    throw new ConfigError('WEBHOOK_HEADER_VALUE must not start or end with whitespace');
  }
  if (!/^[\x20-\x7e]*$/.test(value)) {
    throw new ConfigError('WEBHOOK_HEADER_VALUE must hold printable ASCII only');
  }
  return Object.freeze({ name, value });
}

function parseBasic(env: Env): ServiceConfig['basic'] {
  const username = required(env, 'WEBHOOK_BASIC_USERNAME', 'for basic');
  if (username.includes(':')) throw new ConfigError('WEBHOOK_BASIC_USERNAME must not contain ":"');
  return Object.freeze({
    username,
    password: required(env, 'WEBHOOK_BASIC_PASSWORD', 'for basic'),
  });
}

/**
 * Parses and validates the service's environment once, at start-up. Throws a ConfigError naming
 * the variable and the fix, so a misconfigured revision fails to start instead of serving.
 */
export function loadConfig(env: Env = process.env): ServiceConfig {
  const auth = parseAuth(env);
  const uses = (s: AuthStrategyName) => auth.includes(s);

  const allowedCallers = list(env.WEBHOOK_ALLOWED_CALLERS).map((e) => e.toLowerCase());
  const notEmail = allowedCallers.find((email) => !EMAIL.test(email));
  if (notEmail !== undefined) {
    throw new ConfigError(`WEBHOOK_ALLOWED_CALLERS must hold email addresses, got "${notEmail}"`);
  }
  if ((uses('platform') || uses('id-token')) && allowedCallers.length === 0) {
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
  const certsUrl = env.WEBHOOK_ID_TOKEN_CERTS_URL?.trim();

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
    idTokenCertsUrl: certsUrl ? parseUrl('WEBHOOK_ID_TOKEN_CERTS_URL', certsUrl) : GOOGLE_CERTS_URL,
    basic: uses('basic') ? parseBasic(env) : undefined,
    header: uses('header') ? parseHeader(env, auth) : undefined,
    timeoutMs: integer(env, ENV.timeoutMs),
    logLevel,
    project: env.GOOGLE_CLOUD_PROJECT?.trim() || undefined,
    revision: env.K_REVISION?.trim() || 'local',
    service: env.K_SERVICE?.trim() || undefined,
    concurrency: integer(env, ENV.concurrency),
  });
}
