import * as pulumi from '@pulumi/pulumi';
import { DEFAULT_LOG_LEVEL, ENV } from '../service/envContract';
import type { AuthMode, StageConfig } from './config';

// The one place where stage config becomes the service's WEBHOOK_* contract (its names in
// service/envContract.ts, parsed by service/config.ts). Every value is derived from config or
// resource outputs; none is typed a second time.

/** What of the stage config the environment derives from. */
type EnvConfig = Pick<StageConfig, 'auth' | 'webhookTimeoutSeconds' | 'webhookProject'> & {
  /** For `auth: header`: the header name (its value comes from Secret Manager). */
  readonly header?: { readonly name: string };
  /** The requests an instance gets at once, and the stack's `serviceEnv`. */
  readonly service: Pick<StageConfig['service'], 'concurrency' | 'env'>;
};

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

/**
 * The plain (non-secret) environment of the service, for Dialogflow's service agent
 * (`callerEmail`) calling `audienceUrl`, the token audience the service accepts in every auth mode.
 */
export function webhookEnv(
  config: EnvConfig,
  callerEmail: pulumi.Input<string>,
  audienceUrl: pulumi.Input<string>,
): Record<string, pulumi.Input<string>> {
  const env = {
    [ENV.auth]: webhookAuthSetting(config.auth),
    [ENV.allowedCallers]: callerEmail,
    // Dialogflow's exact `aud` is not documented: accept the URL it calls with and without a
    // trailing slash. `id-token` requires it; `platform` logs an `aud` outside it once (Cloud Run
    // has checked `aud`), which tells the form Dialogflow sends.
    [ENV.audience]: pulumi.interpolate`${audienceUrl},${audienceUrl}/`,
    [ENV.timeoutMs]: String(config.webhookTimeoutSeconds * 1000),
    // The service bounds its connections and buffers by it.
    [ENV.concurrency]: String(config.service.concurrency),
    [ENV.project]: config.webhookProject,
    ...RUNTIME_ENV,
  };
  if (config.auth === 'header') {
    // config.ts pairs them; checked here too, so a break fails the plan, not the deployed service.
    if (!config.header) throw new Error('header auth needs a header name');
    Object.assign(env, { [ENV.headerName]: config.header.name });
  }
  // config.ts refuses these names in serviceEnv already; LOG_LEVEL it may set (debug in dev).
  for (const name of Object.keys(config.service.env)) {
    if (name in env && name !== ENV.logLevel) throw new Error(`serviceEnv may not set ${name}`);
  }
  return { ...env, ...config.service.env };
}
