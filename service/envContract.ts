// The service's environment contract, told once: infra/webhookEnv.ts writes it, config.ts parses
// it. Plain data, so the Pulumi program imports it and the service bundle pulls in nothing else.

/** The variables, by what they carry. */
export const ENV = {
  auth: 'WEBHOOK_AUTH',
  allowedCallers: 'WEBHOOK_ALLOWED_CALLERS',
  audience: 'WEBHOOK_AUDIENCE',
  idTokenCertsUrl: 'WEBHOOK_ID_TOKEN_CERTS_URL',
  basicUsername: 'WEBHOOK_BASIC_USERNAME',
  basicPassword: 'WEBHOOK_BASIC_PASSWORD',
  headerName: 'WEBHOOK_HEADER_NAME',
  headerValue: 'WEBHOOK_HEADER_VALUE',
  timeoutMs: 'WEBHOOK_TIMEOUT_MS',
  concurrency: 'WEBHOOK_CONCURRENCY',
  logLevel: 'LOG_LEVEL',
  project: 'GOOGLE_CLOUD_PROJECT',
} as const;

export const AUTH_STRATEGIES = ['platform', 'id-token', 'basic', 'header', 'none'] as const;
export type AuthStrategyName = (typeof AUTH_STRATEGIES)[number];

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Integer variables: their default and the range the service accepts. */
export const INTEGERS = {
  PORT: { fallback: 8080, min: 0, max: 65535 },
  [ENV.timeoutMs]: { fallback: 5000, min: 1000, max: 30000 },
  [ENV.concurrency]: { fallback: 80, min: 1, max: 1000 },
} as const;

export const DEFAULT_LOG_LEVEL: LogLevel = 'info';
