import express from 'express';
import type { AuthStrategy } from './auth/strategy';
import type { ServiceConfig } from './config';
import { createEndpoints, type Endpoints } from './endpoints';
import { sendError } from './http/respond';
import type { Logger } from './logging';
import type { WebhookHandler } from './protocol/handler';

export type AppOptions = ServiceConfig & {
  /** Handlers by `fulfillmentInfo.tag`. */
  handlers: Readonly<Record<string, WebhookHandler>>;
  /** Answers tags with no handler; without it they get 404. */
  fallback?: WebhookHandler;
  /** Where log lines go; a Cloud Logging JSON logger on stdout by default. */
  logger?: Logger;
  /** Replaces the strategies built from the config (tests, custom schemes). */
  strategies?: readonly AuthStrategy[];
  /** When it aborts, requests still running are answered 503 at once (a drain at its cap). */
  stop?: AbortSignal;
};

/**
 * The Express app: `POST /` is the webhook, `GET /health` the probe, anything else a JSON 404, as
 * ordinary routes, for embedding (`outer.use(myMiddleware); outer.use(createApp(options))` runs
 * the middleware before both). It does not listen: `serve()` and the Cloud Functions entry do.
 * Pass `endpoints` to share them with a listener that dispatches to them directly (see
 * createWebhookListener).
 */
export function createApp(
  options: AppOptions,
  endpoints: Endpoints = createEndpoints(options),
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // `/HEALTH`, `/health/` and `//` are other paths, not the probe or the webhook.
  app.enable('case sensitive routing');
  app.enable('strict routing');
  const notFound = (req: express.Request, res: express.Response) =>
    sendError(req, res, 404, 'not found');
  // Express answers HEAD with a GET route; only GET is the probe.
  app.head('/health', notFound);
  app.get('/health', endpoints.health);
  app.post('/', endpoints.webhook);
  app.use(notFound);
  app.use(
    (error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) =>
      endpoints.failed(error, req, res),
  );
  return app;
}
