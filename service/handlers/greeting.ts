import type { WebhookHandler } from '../protocol/handler';
import { reply } from '../responses';

/**
 * Tag `greeting`: greets the caller by name when the agent has collected one, and records that the
 * greeting happened. Setting a parameter to a fixed value is idempotent, so CX's retry is harmless.
 */
export const greeting: WebhookHandler = (request) => {
  const name = request.sessionInfo?.parameters?.name;
  const who = typeof name === 'string' && name.trim() ? `, ${name.trim()}` : '';
  return reply()
    .text(`Hello${who}! How can I help you today?`, `Hi${who}! What can I do for you?`)
    .setParams({ greeted: true })
    .build();
};
