import type { WebhookHandler } from '../protocol/handler';
import { pageInCurrentFlow, reply } from '../responses';

/**
 * Tag `end-if-done`: once the caller has said they are done, closes the flow; otherwise asks what
 * else they need. To go to one of your own pages, pass its page ID instead of END_FLOW.
 */
export const endIfDone: WebhookHandler = (request) => {
  if (request.sessionInfo?.parameters?.done === true) {
    return reply(request)
      .text('Thanks for calling. Goodbye!')
      .goToPage(pageInCurrentFlow(request, 'END_FLOW'))
      .build();
  }
  return reply().text('Is there anything else I can help with?').build();
};
