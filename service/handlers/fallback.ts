import { clip } from '../protocol/clip';
import type { WebhookHandler } from '../protocol/handler';
import { reply } from '../responses';

/** Answers tags nobody handles: a new tag in the agent gets a polite message, not an error. */
export const fallback: WebhookHandler = (request, ctx) => {
  // A tag may be 1 MB long; the line carries its start.
  ctx.log.warn(
    { tag: clip(request.fulfillmentInfo?.tag) },
    'no handler for tag; fallback answered',
  );
  return reply().text("Sorry, I can't help with that yet.").build();
};
