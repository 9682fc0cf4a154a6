import { setTimeout } from 'node:timers/promises';
import type { WebhookHandler } from '../protocol/handler';
import { DependencyUnavailableError } from '../protocol/errors';
import { reply } from '../responses';
import { ORDER_PARAM, orderNumberText } from './validateOrderNumber';

/** Where order statuses come from: a database or an API in a real agent. */
export interface OrderStore {
  /**
   * The status of an order, or undefined if there is none. Must give up when `signal` aborts, and
   * throw DependencyUnavailableError when the backend is down (the service answers 503).
   */
  status(orderNumber: string, signal: AbortSignal): Promise<string | undefined>;
}

/**
 * Tag `order-status`: looks the order up through the injected store, which is read-only, so a
 * retried call is harmless. The store receives `ctx.signal` and stops when the deadline fires.
 */
export function orderStatus(store: OrderStore): WebhookHandler {
  return async (request, ctx) => {
    const orderNumber = orderNumberText(request.sessionInfo?.parameters?.[ORDER_PARAM]);
    if (orderNumber === undefined) {
      return reply().text('Which order is this about?').build();
    }
    const status = await store.status(orderNumber, ctx.signal);
    if (status === undefined) {
      return reply()
        .text(`I can't find order ${orderNumber}.`)
        .setParams({ order_found: false })
        .build();
    }
    return reply()
      .text(`Order ${orderNumber} is ${status}.`)
      .setParams({ order_found: true, order_status: status })
      .build();
  };
}

/** A stand-in store for local runs and tests: fixed data and a small, abortable delay. */
export function inMemoryOrderStore(
  orders: Readonly<Record<string, string>>,
  delayMs = 5,
): OrderStore {
  return {
    async status(orderNumber, signal) {
      // Aborted, it gives up with the signal's reason (the deadline's 503), as a store should.
      await setTimeout(delayMs, undefined, { signal }).catch(() => signal.throwIfAborted());
      // Own keys only: "constructor" is not an order, whatever Object.prototype holds.
      return Object.hasOwn(orders, orderNumber) ? orders[orderNumber] : undefined;
    },
  };
}

/** The store of a deployed service that was given none: every lookup is a 503. */
export const unconfiguredOrderStore: OrderStore = {
  status: () =>
    Promise.reject(new DependencyUnavailableError('no order store is configured for this service')),
};
