// What a smoke detectIntent proves, read from the QueryResult (session.proto, v3beta1):
// `webhook_statuses` holds a google.rpc.Status per webhook call in call order, `webhook_payloads`
// each call's WebhookResponse.payload, `webhook_tags` and `webhook_latencies` its tag and latency.
// The smoke passes only when the webhook was called, every status is OK, and the built-in smoke
// handler's marker came back.
import { status as Code } from '@grpc/grpc-js';
import type { SmokeMarker } from '../../service/smoke';
import { codeName, type webhookCalls } from './connection';

/**
 * `rejected`: 401/403, from Cloud Run's IAM check or the service's own authentication;
 * `unavailable`: 503 or an unreachable URL; `webhook-error`: any other failed status;
 * `not-called`: no webhook call (the smoke flow, its event handler or its webhook is missing);
 * `wrong-answerer`: 200 without the smoke marker; `api-error`: the Dialogflow API call failed.
 */
export type Outcome =
  | 'passed'
  | 'rejected'
  | 'timeout'
  | 'unavailable'
  | 'webhook-error'
  | 'not-called'
  | 'wrong-answerer'
  | 'api-error';

type WebhookStatus = ReturnType<typeof webhookStatus>;

interface Diagnosis {
  readonly summary: string;
  readonly causes: readonly string[];
}

const { OK, DEADLINE_EXCEEDED, NOT_FOUND, PERMISSION_DENIED, UNAVAILABLE, UNAUTHENTICATED } = Code;

/** A call as Dialogflow reports it, with the HTTP status when its message names one. */
export function webhookStatus(call: ReturnType<typeof webhookCalls>[number]) {
  const http = /HTTP status code:?\s*(\d{3})/i.exec(call.message);
  return {
    code: call.code,
    codeName: codeName(call.code),
    message: call.message,
    httpStatus: http ? Number(http[1]) : null,
    tag: call.tag,
    latencyMs: call.latencyMs,
  };
}

/** The marker of the built-in smoke handler in any of the call payloads. */
export function findMarker(payloads: readonly Record<string, unknown>[]): SmokeMarker | null {
  const markers = payloads.map((p) => p.cxWebhookKitSmoke as SmokeMarker | undefined);
  return markers.find((m) => m?.ok === true) ?? null;
}

export function classify(statuses: readonly WebhookStatus[], marker: SmokeMarker | null): Outcome {
  if (statuses.length === 0) return 'not-called';
  const failed = statuses.find((s) => s.code !== OK);
  if (!failed) return marker ? 'passed' : 'wrong-answerer';
  if (failed.code === PERMISSION_DENIED || failed.code === UNAUTHENTICATED) return 'rejected';
  if (failed.code === DEADLINE_EXCEEDED) return 'timeout';
  return failed.code === UNAVAILABLE ? 'unavailable' : 'webhook-error';
}

const GRANT_PENDING =
  'the invoker grant (roles/run.invoker for the Dialogflow service agent, on the service) has not ' +
  'applied yet: IAM changes take up to about 7 minutes; rerun with a longer --wait';
const GRANT_MISSING =
  'the grant is missing or on another principal: run pulumi up and check the run.invoker binding ' +
  'names service-<agent project number>@gcp-sa-dialogflow.iam.gserviceaccount.com';

/**
 * No Google page states the `aud` Dialogflow puts in its token (a third party reports the webhook
 * URL), so a mismatch is a likely cause of a refusal in id-token mode, which checks it.
 */
const AUDIENCE =
  "the token's audience is not one the service accepts: in id-token mode it must be in " +
  'WEBHOOK_AUDIENCE (the URL the CX webhook calls, with and without a trailing slash), and ' +
  "Dialogflow's exact aud is not documented. The service's log then has a \"webhook request " +
  'refused" line with reason "the token is for another audience"; check that the CX webhook URI ' +
  'is the serviceUrl output (platform mode does not refuse on aud: it logs a mismatch once)';

const describe = (s: WebhookStatus | undefined) =>
  s ? `${s.codeName}${s.httpStatus ? `, HTTP ${s.httpStatus}` : ''}` : 'no status';

export function diagnose(
  outcome: Outcome,
  statuses: readonly WebhookStatus[],
  apiError?: string,
): Diagnosis | null {
  const failed = statuses.find((s) => s.code !== OK);
  switch (outcome) {
    case 'passed':
      return null;
    case 'rejected':
      return {
        summary: `the webhook refused Dialogflow's call (${describe(failed)})`,
        causes:
          failed?.code === UNAUTHENTICATED
            ? [
                GRANT_PENDING,
                AUDIENCE,
                'the service accepted no other credential: with auth header, the secret the CX ' +
                  "webhook sends must match the service's",
                GRANT_MISSING,
              ]
            : [
                GRANT_PENDING,
                GRANT_MISSING,
                "the caller is not in the service's WEBHOOK_ALLOWED_CALLERS: the agent's project " +
                  '(agentProject) must be the one whose service agent the stack admits',
                AUDIENCE,
              ],
      };
    case 'timeout':
      return {
        summary: `the webhook did not answer within its timeout (${describe(failed)})`,
        causes: [
          'a cold start took longer than the webhook timeout (first call after a deploy, or after ' +
            'scaling to zero): run the smoke again; to avoid it set minInstances to 1 or raise ' +
            'webhookTimeoutSeconds',
          'the service is overloaded or a handler waits on a slow dependency: check its logs',
        ],
      };
    case 'unavailable':
      return {
        summary: `the webhook was unavailable (${describe(failed)})`,
        causes: [
          'the service did not start (a missing or invalid WEBHOOK_* variable stops it): check its logs',
          'the webhook URI points to no server, or to one that is down',
          'a handler dependency reported itself unavailable (the service answers 503)',
        ],
      };
    case 'webhook-error':
      return {
        summary: `the webhook call failed (${describe(failed)})`,
        causes:
          failed?.httpStatus === 404 || failed?.code === NOT_FOUND
            ? [
                "the webhook's URI reaches a server without the webhook route: it must be the service's root URL",
              ]
            : failed?.httpStatus === 400
              ? ["the service could not read Dialogflow's request: check its logs"]
              : ['the smoke handler or the service failed: check its logs'],
      };
    case 'not-called':
      return {
        summary: apiError
          ? `Dialogflow could not run the smoke flow (${apiError})`
          : 'Dialogflow called no webhook for the smoke event',
        causes: [
          'the smoke flow is missing: smokeFlow is false, or pulumi up has not run since it was ' +
            'enabled; or --agent/--flow name another agent',
          "the smoke flow's event handler for cx-webhook-kit-smoke, or its webhook, was removed " +
            '(for example in the console): run pulumi up to restore it',
        ],
      };
    case 'wrong-answerer':
      return {
        summary: 'a webhook answered 200 but without the smoke marker',
        causes: [
          "the smoke flow's webhook points at another service, or at a deployment older than the " +
            'built-in smoke handler: check the CX webhook URI against the serviceUrl output',
          'a proxy or another route answered in place of the service',
        ],
      };
    case 'api-error':
      return { summary: apiError ?? 'the Dialogflow API call failed', causes: [] };
  }
}
