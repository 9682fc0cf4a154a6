import express from 'express';
import type { AppOptions } from './appOptions';
import { createEndpoints } from './endpoints';
import { sendError } from './http/respond';

export type { AppOptions } from './appOptions';

/**
 * The service as one Express app, the one place a route or middleware is added: `POST /` is the
 * webhook, `GET /health` the probe, anything else a JSON 404. `serve()` serves this app, the Cloud
 * Functions entry exports it, and the tests drive it; it does not listen itself.
 */
export function createApp(options: AppOptions): express.Express {
  const endpoints = createEndpoints(options);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // `/HEALTH`, `/health/` and `//` are other paths, not the probe or the webhook.
  app.enable('case sensitive routing');
  app.enable('strict routing');
  for (const middleware of options.middleware ?? []) app.use(middleware);
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
