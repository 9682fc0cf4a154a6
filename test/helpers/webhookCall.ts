// How the Dialogflow stand-in calls a webhook and reports the outcome, the way Dialogflow reports it
// in QueryResult.webhookStatuses (a google.rpc.Status per call) and webhookPayloads.
//
// The code for an HTTP status follows the "HTTP Mapping" comments of google/rpc/code.proto (in
// google-gax/build/protos): 400 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED,
// 404 NOT_FOUND, 500 INTERNAL, 503 UNAVAILABLE, 504/timeout DEADLINE_EXCEEDED. The message text
// follows what users report Dialogflow returning, e.g. `code: 4, "Webhook call failed. Error:
// DEADLINE_EXCEEDED"` (googleapis/google-cloud-dotnet#3980) and "Webhook call failed. Error:
// NOT_FOUND, …, HTTP status code: 404." Which events CX raises for which status is from
// cloud.google.com/dialogflow/cx/docs/concept/handler (webhook.error.rejected for 401/403, …).
import { status as Code } from '@grpc/grpc-js';
import type { JsonObject, WebhookRequest } from '../../service/protocol/types';
import { serviceAgentClaims, signJwt, type LocalKey } from '../../scripts/localIdp';

/** How the stand-in authenticates to the webhook, like Dialogflow's service agent does. */
export type CallerAuth =
  | { kind: 'none' }
  /** What a service behind Cloud Run's IAM check receives: the token with its signature removed. */
  | { kind: 'platform'; key: LocalKey; email: string; audience?: string }
  /** A complete ID token, for a service that verifies tokens itself. */
  | { kind: 'id-token'; key: LocalKey; email: string; audience?: string };

export interface WebhookOutcome {
  /** google.rpc.Status as it appears in QueryResult.webhookStatuses. */
  status: { code: number; message: string };
  /** The WebhookResponse, when the call succeeded. */
  response?: JsonObject;
  /** HTTP status, when one came back. */
  httpStatus?: number;
  /** The built-in error event CX raises for this failure. */
  errorEvent?: string;
}

const CODE_FOR_HTTP: Record<number, number> = {
  400: Code.INVALID_ARGUMENT,
  401: Code.UNAUTHENTICATED,
  403: Code.PERMISSION_DENIED,
  404: Code.NOT_FOUND,
  429: Code.RESOURCE_EXHAUSTED,
  500: Code.INTERNAL,
  501: Code.UNIMPLEMENTED,
  503: Code.UNAVAILABLE,
  504: Code.DEADLINE_EXCEEDED,
};

const EVENT_FOR_HTTP: Record<number, string> = {
  400: 'webhook.error.bad-request',
  401: 'webhook.error.rejected',
  403: 'webhook.error.rejected',
  503: 'webhook.error.unavailable',
};

const failed = (code: number, detail: string) =>
  `Webhook call failed. Error: ${Code[code]}${detail}.`;

function authorization(caller: CallerAuth, uri: string): Record<string, string> {
  if (caller.kind === 'none') return {};
  const claims = serviceAgentClaims(caller.audience ?? uri, { email: caller.email });
  const token = signJwt(caller.key, claims);
  const [header, payload] = token.split('.');
  return {
    authorization: `Bearer ${caller.kind === 'platform' ? `${header}.${payload}.SIGNATURE_REMOVED_BY_GOOGLE` : token}`,
  };
}

export async function callWebhook(
  uri: string,
  caller: CallerAuth,
  timeoutMs: number,
  request: WebhookRequest,
): Promise<WebhookOutcome> {
  let res: Response;
  let body: string;
  try {
    res = await fetch(uri, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authorization(caller, uri) },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = await res.text();
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') {
      return {
        status: { code: Code.DEADLINE_EXCEEDED, message: failed(Code.DEADLINE_EXCEEDED, '') },
        errorEvent: 'webhook.error.timeout',
      };
    }
    return {
      status: {
        code: Code.UNAVAILABLE,
        message: failed(Code.UNAVAILABLE, ', State: URL_UNREACHABLE'),
      },
      errorEvent: 'webhook.error.not-found',
    };
  }
  if (res.status !== 200) {
    const code = CODE_FOR_HTTP[res.status] ?? Code.UNKNOWN;
    return {
      status: { code, message: failed(code, `, HTTP status code: ${res.status}`) },
      httpStatus: res.status,
      errorEvent: EVENT_FOR_HTTP[res.status] ?? 'webhook.error',
    };
  }
  let response: unknown;
  try {
    response = JSON.parse(body);
  } catch {
    response = undefined;
  }
  if (typeof response !== 'object' || response === null || Array.isArray(response)) {
    return {
      status: {
        code: Code.INVALID_ARGUMENT,
        message: 'Webhook call failed. Error: Failed to parse webhook JSON response.',
      },
      httpStatus: 200,
      errorEvent: 'webhook.error',
    };
  }
  return {
    status: { code: Code.OK, message: '' },
    response: response as JsonObject,
    httpStatus: 200,
  };
}
