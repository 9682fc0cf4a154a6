import * as pulumi from '@pulumi/pulumi';
import type { AuthMode } from './config';

// The one place where stage config becomes the service's WEBHOOK_* contract (service/config.ts).
// Every value is derived from config or resource outputs; none is typed a second time.

export interface WebhookEnvArgs {
  readonly auth: AuthMode;
  readonly webhookTimeoutSeconds: number;
  /** The Dialogflow service agent's email. */
  readonly callerEmail: pulumi.Input<string>;
  /** The service's URL, for `id-token`, whose token audience is checked in the service. */
  readonly audienceUrl?: pulumi.Input<string>;
  /** For `auth: header`: the header name (its value comes from Secret Manager). */
  readonly headerName?: string;
  readonly project: string;
}

/**
 * Node flags the service runs with. A 2 MiB young generation keeps the resident set under load
 * near 75 MB instead of over 100 MB, and is faster for this short-lived-garbage workload (measured
 * by `npm run bench`, which starts the service with exactly this value).
 */
export const NODE_OPTIONS = '--max-semi-space-size=2';

/** `WEBHOOK_AUTH` for a deployment mode. A header secret is a second factor next to Cloud Run's check. */
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
    WEBHOOK_AUTH: webhookAuthSetting(args.auth),
    WEBHOOK_ALLOWED_CALLERS: args.callerEmail,
    WEBHOOK_TIMEOUT_MS: String(args.webhookTimeoutSeconds * 1000),
    GOOGLE_CLOUD_PROJECT: args.project,
    LOG_LEVEL: 'info',
    NODE_OPTIONS,
  };
  if (args.auth === 'id-token') {
    if (!args.audienceUrl) throw new Error('id-token needs the service URL as its audience');
    // Dialogflow's exact `aud` is not documented: accept the URL with and without a trailing slash.
    env.WEBHOOK_AUDIENCE = pulumi.interpolate`${args.audienceUrl},${args.audienceUrl}/`;
  }
  if (args.auth === 'header') {
    if (!args.headerName) throw new Error('header auth needs a header name');
    env.WEBHOOK_HEADER_NAME = args.headerName;
  }
  return env;
}

/** Where the header secret's value comes from, as an env var name. */
export const HEADER_VALUE_ENV = 'WEBHOOK_HEADER_VALUE';
