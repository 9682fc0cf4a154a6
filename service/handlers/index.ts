import type { WebhookHandler } from '../protocol/handler';
import { endIfDone } from './endIfDone';
import { fallback } from './fallback';
import { greeting } from './greeting';
import { inMemoryOrderStore, orderStatus, type OrderStore } from './orderStatus';
import { validateOrderNumber } from './validateOrderNumber';

export interface HandlerDeps {
  orders: OrderStore;
}

/** The example handlers, keyed by the tags a page's fulfillment names. */
export function createHandlers(deps: HandlerDeps): Record<string, WebhookHandler> {
  return {
    greeting,
    'validate-order-number': validateOrderNumber,
    'end-if-done': endIfDone,
    'order-status': orderStatus(deps.orders),
  };
}

/** Demo data for local runs. */
export const demoOrders = inMemoryOrderStore({ '123456': 'shipped', '654321': 'being packed' });

export { fallback };
