import type { WebhookHandler } from './protocol/handler';
import { createHandlers, demoOrders, fallback } from './handlers';
import { SMOKE_TAG } from './smoke';

type Env = Readonly<Record<string, string | undefined>>;

export interface ComposedHandlers {
  readonly handlers: Readonly<Record<string, WebhookHandler>>;
  readonly fallback?: WebhookHandler;
}

/**
 * The one place where the service's handlers and their dependencies are built, for both the process
 * entry (`main.ts`) and the Cloud Functions entry (`function.ts`).
 */
export function composeHandlers(_env: Env = process.env): ComposedHandlers {
  return { handlers: createHandlers({ orders: demoOrders }), fallback };
}

/** Every tag the composed service answers, the reserved smoke tag included (for agent checks). */
export function servedTags(): string[] {
  return [...Object.keys(createHandlers({ orders: demoOrders })), SMOKE_TAG].sort();
}
