import type { Logger as PinoLogger } from 'pino';
import type { WebhookRequest, WebhookResponse } from './types';

/** A pino logger: the service's (Cloud Logging JSON on stdout) or one a test or embedder passes. */
export type Logger = PinoLogger;

/** Who passed authentication for this request. */
export interface Caller {
  /** The strategies that admitted the request, in the order they ran. */
  readonly strategies: readonly string[];
  /** The verified service-agent email, for the token strategies. */
  readonly email?: string;
}

export interface HandlerContext {
  /** Fires when the deadline is reached; pass it to every outbound call. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds by which the answer must be ready. */
  readonly deadline: number;
  /** Request-scoped logger carrying trace correlation. */
  readonly log: Logger;
  readonly caller: Caller;
}

export type WebhookHandler = (
  request: WebhookRequest,
  ctx: HandlerContext,
) => WebhookResponse | Promise<WebhookResponse>;
