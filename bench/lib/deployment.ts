import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  forwardedByCloudRun,
  generateKey,
  LOCAL_SERVICE_AGENT,
  serviceAgentClaims,
  signJwt,
  startCertsServer,
} from '../../scripts/localIdp';
import { ENV } from '../../service/envContract';
import { ROOT } from './bundles';

/**
 * A realistic ~2 KB WebhookRequest (the recorded form request) for the `greeting` handler, the same
 * for every server.
 */
export function benchRequestBody(): string {
  const recorded = readFileSync(join(ROOT, 'test/fixtures/requests/text-form.camel.json'), 'utf8');
  const request = JSON.parse(recorded) as Record<string, unknown>;
  request.fulfillmentInfo = { tag: 'greeting' };
  delete request.messages;
  return JSON.stringify(request);
}

/** The same request with a session parameter that takes it to just under the 1 MiB body cap. */
export function largeRequestBody(): string {
  const request = JSON.parse(benchRequestBody()) as { sessionInfo: { parameters: object } };
  const room = 1024 * 1024 - Buffer.byteLength(JSON.stringify(request)) - 64;
  request.sessionInfo.parameters = { ...request.sessionInfo.parameters, history: 'x'.repeat(room) };
  return JSON.stringify(request);
}

export type AuthMode = 'none' | 'platform' | 'id-token';

export const AUDIENCE = 'https://cx-webhook-bench-123456789012.us-central1.run.app';

/**
 * Each auth mode's environment and the Authorization header Dialogflow's call would carry there:
 * a signed token (id-token), the same token as Cloud Run forwards it (platform), and for `none`
 * the signed token too, which the service ignores, so every row receives the same bytes.
 * `sign` signs another token (of another subject) with the same key.
 */
export async function authModes() {
  const key = generateKey();
  const certs = await startCertsServer([key]);
  const sign = (sub?: string) => signJwt(key, serviceAgentClaims(AUDIENCE, sub ? { sub } : {}));
  const mode = (env: Record<string, string>, token: string) => ({
    env,
    headers: { authorization: `Bearer ${token}` },
  });
  const token = sign();
  const caller = { [ENV.allowedCallers]: LOCAL_SERVICE_AGENT };
  const modes: Record<AuthMode, ReturnType<typeof mode>> = {
    none: mode({}, token),
    platform: mode({ [ENV.auth]: 'platform', ...caller }, forwardedByCloudRun(token)),
    'id-token': mode(
      {
        [ENV.auth]: 'id-token',
        ...caller,
        [ENV.audience]: AUDIENCE,
        [ENV.idTokenCertsUrl]: certs.url,
      },
      token,
    ),
  };
  return { modes, sign, close: () => certs.close() };
}
