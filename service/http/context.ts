import type { IncomingMessage } from 'node:http';
import type { WebhookError } from '../protocol/errors';

/** What the service keeps about one request, on the request object itself. */
export interface RequestContext {
  /** Epoch ms of Node's `request` event (or of the first look, under another host): the deadline counts from here. */
  readonly receivedAt: number;
  /** The caller waits for `100 Continue` before it sends the body. */
  awaitingContinue: boolean;
  /** The body cannot be read to its end (it stalled or its framing broke): the answer closes the connection. */
  closeAfter: boolean;
  /** Why the request must end at once (malformed framing, a fault in its callbacks), once it must. */
  failure?: WebhookError;
  /** Told of the failure, by whoever is serving the request. */
  onFailure?: (reason: WebhookError) => void;
}

const CONTEXT = Symbol('cx-webhook-kit.request');
type WithContext = IncomingMessage & { [CONTEXT]?: RequestContext };

/** The request's context, made on first use. */
export function contextOf(req: IncomingMessage): RequestContext {
  return ((req as WithContext)[CONTEXT] ??= {
    receivedAt: Date.now(),
    awaitingContinue: false,
    closeAfter: false,
  });
}

/** Ends a request at once with `reason` (its answer), wherever it is waiting; the first reason wins. */
export function failRequest(req: IncomingMessage, reason: WebhookError): void {
  const context = contextOf(req);
  if (context.failure) return;
  context.failure = reason;
  context.onFailure?.(reason);
}
