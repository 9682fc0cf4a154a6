import express from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createAuthenticator, createStrategies } from './auth/authenticator';
import type { AuthStrategy } from './auth/strategy';
import type { ServiceConfig } from './config';
import { ByteBudget } from './http/byteBudget';
import { isAbandoned } from './http/connections';
import { readBody } from './http/readBody';
import { requestHeaders } from './http/requestHeaders';
import { send, sendError } from './http/respond';
import { createLogger, type Logger } from './logging';
import { serviceContextOf } from './process';
import { MAX_BODY_BYTES } from './protocol/body';
import { createWebhookCore } from './protocol/core';
import type { WebhookHandler } from './protocol/handler';
import { smokeHandler } from './smoke';

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

/** How Express's app function hands a request to the app (`app.handle`). */
type RequestEntry = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

const HEALTH_BODY = '{"status":"ok"}';
const HEALTH_HEADERS = { 'content-type': 'application/json', 'content-length': HEALTH_BODY.length };

/**
 * The Express app: `POST /` runs the webhook core, `GET /health` answers probes, anything else is a
 * JSON 404. It does not listen; `main.ts` and the Cloud Functions entry do that.
 */
export function createApp(options: AppOptions): express.Express {
  const logger = options.logger ?? createLogger({ level: options.logLevel });
  const strategies = options.strategies ?? createStrategies(options);
  if (strategies.some((s) => s.name === 'none')) {
    logger.warn('WEBHOOK_AUTH is "none": every caller is admitted; never deploy this way');
  }
  const handle = createWebhookCore({
    handlers: options.handlers,
    fallback: options.fallback,
    timeoutMs: options.timeoutMs,
    authenticate: createAuthenticator(strategies),
    logger,
    project: options.project,
    // Built in, whatever handlers the app is given: the deployment smoke test depends on it.
    smoke: smokeHandler({ revision: options.revision, auth: strategies.map((s) => s.name) }),
    stop: options.stop,
    serviceContext: serviceContextOf(options),
  });
  const budget = new ByteBudget(options.concurrency * MAX_BODY_BYTES);

  const health = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, HEALTH_HEADERS).end(HEALTH_BODY);
  };
  // Express's default error handler would print a stack trace in the body. Never throws.
  const unexpected = (error: unknown, req: IncomingMessage, res: ServerResponse) => {
    try {
      logger.error({ err: error }, 'unexpected error');
      if (res.headersSent) return res.destroy();
      if ((error as { status?: number }).status === 400) sendError(req, res, 400, 'bad request');
      else sendError(req, res, 500, 'internal error');
    } catch {
      res.destroy();
    }
  };
  const webhook = (req: IncomingMessage, res: ServerResponse) => {
    const receivedAt = Date.now();
    const lease = budget.lease();
    handle({
      headers: requestHeaders(req),
      body: (onStop) => readBody(req, res, { onStop, lease }),
      receivedAt,
    })
      .then((result) => send(req, res, result))
      .catch((error: unknown) => unexpected(error, req, res))
      // The core is done with the body: its bytes no longer count.
      .finally(lease.release);
  };

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // `/HEALTH`, `/health/` and `//` are other paths, not the probe or the webhook.
  app.enable('case sensitive routing');
  app.enable('strict routing');
  app.get('/health', health);
  app.post('/', webhook);

  // Dialogflow's calls and the probes skip Express's router: its per-request work (prototype
  // swaps, layer matching, promise-wrapped handlers) costs more than the whole webhook protocol.
  // Exactly `POST /` and `GET /health` take this path; everything else, including those paths with
  // a query string, goes through the routes above, which call the same functions.
  const handled = app as express.Express & { handle: RequestEntry };
  const routed = handled.handle.bind(app);
  handled.handle = (req, res, next) => {
    // Nobody would receive the answer (see isAbandoned): the handler must not run.
    if (isAbandoned(req)) return void req.resume();
    if (req.url === '/' && req.method === 'POST') return webhook(req, res);
    if (req.url === '/health' && req.method === 'GET') return health(req, res);
    return routed(req, res, next);
  };

  app.use((req, res) => sendError(req, res, 404, 'not found'));

  app.use(
    (error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) =>
      unexpected(error, req, res),
  );

  return app;
}
