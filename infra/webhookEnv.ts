import * as pulumi from '@pulumi/pulumi';
import { DEFAULT_LOG_LEVEL, ENV } from '../service/envContract';
import type { AuthMode } from './config';

// The one place where stage config becomes the service's WEBHOOK_* contract (its names in
// service/envContract.ts, parsed by service/config.ts). Every value is derived from config or
// resource outputs; none is typed a second time.

export interface WebhookEnvArgs {
  readonly auth: AuthMode;
  readonly webhookTimeoutSeconds: number;
  /** Requests an instance gets at once; the service bounds its connections and buffers by it. */
  readonly concurrency: number;
  /** The Dialogflow service agent's email. */
  readonly callerEmail: pulumi.Input<string>;
  /** The URL the CX webhook calls: the token audience the service accepts, in every auth mode. */
  readonly audienceUrl: pulumi.Input<string>;
  /** For `auth: header`: the header name (its value comes from Secret Manager). */
  readonly headerName?: string;
  readonly project: string;
  /** The stack's `serviceEnv`, checked against the names set here (LOG_LEVEL may override). */
  readonly extra?: Readonly<Record<string, string>>;
}

/**
 * How the service runs besides its WEBHOOK_* contract. Production mode: Express and the Functions
 * Framework print stack traces in error pages outside it. No NODE_OPTIONS: a 2 MiB young
 * generation (`--max-semi-space-size=2`) lowered the peak resident set at 80 requests in flight by
 * 40–46%, but cost 9–24% more CPU per request (docs/performance.md), which is what an instance is
 * billed for, while Node's defaults peak under the default 512Mi (`npm run bench` measures both
 * side by side and starts the service with exactly this environment).
 */
export const RUNTIME_ENV: Readonly<Record<string, string>> = Object.freeze({
  NODE_ENV: 'production',
  [ENV.logLevel]: DEFAULT_LOG_LEVEL,
});

/** `WEBHOOK_AUTH` for a deployment mode. A header secret is a second factor beside Cloud Run's. */
export function webhookAuthSetting(auth: AuthMode): string {
  return auth === 'header' ? 'platform,header' : auth;
}

/** Cloud Run's IAM invoker check stays on except where the service verifies tokens itself. */
export function invokerCheckEnabled(auth: AuthMode): boolean {
  return auth !== 'id-token';
}

/** The plain (non-secret) environment of the service. */
export function webhookEnv(args: WebhookEnvArgs): Record<string, pulumi.Input<string>> {
  const env: Record<string, pulumi.Input<string>> = {
    [ENV.auth]: webhookAuthSetting(args.auth),
    [ENV.allowedCallers]: args.callerEmail,
    // Dialogflow's exact `aud` is not documented: accept the URL it calls with and without a
    // trailing slash. `id-token` requires it; `platform` logs an `aud` outside it once (Cloud Run
    // has checked `aud`), which tells the form Dialogflow sends.
    [ENV.audience]: pulumi.interpolate`${args.audienceUrl},${args.audienceUrl}/`,
    [ENV.timeoutMs]: String(args.webhookTimeoutSeconds * 1000),
    [ENV.concurrency]: String(args.concurrency),
    [ENV.project]: args.project,
    ...RUNTIME_ENV,
  };
  if (args.auth === 'header') {
    if (!args.headerName) throw new Error('header auth needs a header name');
    env[ENV.headerName] = args.headerName;
  }
  for (const name of Object.keys(args.extra ?? {})) {
    if (name in env && name !== ENV.logLevel) throw new Error(`serviceEnv may not set ${name}`);
  }
  return { ...env, ...args.extra };
}

/** Where the header secret's value comes from, as an env var name. */
export const HEADER_VALUE_ENV = ENV.headerValue;
