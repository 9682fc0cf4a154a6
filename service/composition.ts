import type { WebhookHandler } from './protocol/handler';
import type { Env } from './config';
import { loadHandlerConfig, type OrdersSource } from './handlers/config';
import { createHandlers, demoOrders, fallback } from './handlers';
import { httpOrderStore } from './handlers/httpOrderStore';
import { unconfiguredOrderStore, type OrderStore } from './handlers/orderStatus';
import { SMOKE_TAG } from './smoke';

export interface ComposedHandlers {
  readonly handlers: Readonly<Record<string, WebhookHandler>>;
  readonly fallback?: WebhookHandler;
  /** Things to say once at start (a missing dependency); the entries log them. */
  readonly warnings: readonly string[];
}

function orderStore(source: OrdersSource): OrderStore {
  switch (source.kind) {
    case 'api':
      return httpOrderStore({ baseUrl: source.url, apiKey: source.apiKey });
    case 'demo':
      return demoOrders;
    case 'none':
      return unconfiguredOrderStore;
  }
}

/**
 * The one place where the service's handlers and their dependencies are built, for both the process
 * entry (`main.ts`) and the Cloud Functions entry (`function.ts`). Dependencies come from the
 * environment, parsed once (`loadHandlerConfig`); a bad value throws a ConfigError at start-up.
 */
export function composeHandlers(env: Env = process.env): ComposedHandlers {
  const config = loadHandlerConfig(env);
  const warnings: string[] = [];
  if (config.orders.kind === 'none') {
    warnings.push(
      'order-status answers 503: no order store is configured. Set ORDERS_API_URL and ' +
        'ORDERS_API_KEY (serviceEnv and serviceSecrets), or ORDERS_DEMO_DATA=true on a demo stage',
    );
  }
  return {
    handlers: createHandlers({ orders: orderStore(config.orders) }),
    fallback,
    warnings,
  };
}

/** Every tag the composed service answers, the reserved smoke tag included (for agent checks). */
export function servedTags(): string[] {
  return [...Object.keys(createHandlers({ orders: unconfiguredOrderStore })), SMOKE_TAG].sort();
}
