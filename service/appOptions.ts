import type { RequestHandler } from 'express';
import type { AuthStrategy } from './auth/strategy';
import type { ServiceConfig } from './config';
import type { Logger, WebhookHandler } from './protocol/handler';

export type AppOptions = ServiceConfig & {
  /** Handlers by `fulfillmentInfo.tag`. */
  handlers: Readonly<Record<string, WebhookHandler>>;
  /** Answers tags with no handler; without it they get 404. */
  fallback?: WebhookHandler;
  /** Run before the webhook and the probe, on every target (the process, Cloud Functions, tests). */
  middleware?: readonly RequestHandler[];
  /** Where log lines go; a Cloud Logging JSON logger on stdout by default. */
  logger?: Logger;
  /** Replaces the strategies built from the config (tests, custom schemes). */
  strategies?: readonly AuthStrategy[];
  /** When it aborts, requests still running are answered 503 at once (a drain at its cap). */
  stop?: AbortSignal;
};
