import type { WebhookHandler } from './protocol/handler';
import { reply } from './responses';

/**
 * The tag (and the custom event) reserved for the deployment smoke test: the stack's smoke flow
 * calls the webhook with this tag, and `npm run smoke` looks for the marker in the answer.
 */
export const SMOKE_TAG = 'cx-webhook-kit-smoke';
export const SMOKE_EVENT = SMOKE_TAG;

/** What the smoke handler puts in `WebhookResponse.payload.cxWebhookKitSmoke`. */
export interface SmokeMarker {
  readonly ok: true;
  /** The revision that answered (`K_REVISION`), or `local`. */
  readonly revision: string;
  /** The configured strategies, comma-separated as in `WEBHOOK_AUTH`. */
  readonly auth: string;
  /** The authenticated caller's email, or null when the strategies name none. */
  readonly caller: string | null;
}

/** The built-in answer to the smoke tag: it reads nothing from the session and changes nothing. */
export function smokeHandler(options: { revision: string; auth: string[] }): WebhookHandler {
  const { revision, auth } = options;
  return (_request, ctx) => {
    const marker: SmokeMarker = {
      ok: true,
      revision,
      auth: auth.join(','),
      caller: ctx.caller.email ?? null,
    };
    return reply()
      .text(`cx-webhook-kit smoke test answered by ${revision}.`)
      .payload({ cxWebhookKitSmoke: { ...marker } })
      .build();
  };
}
