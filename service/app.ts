import express from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createAuthenticator, createStrategies } from './auth/authenticator';
import type { AuthStrategy } from './auth/strategy';
import type { ServiceConfig } from './config';
import { readBody } from './http/readBody';
import { createLogger, type Logger } from './logging';
import { createWebhookCore, type CoreResult } from './protocol/core';
import { errorBody } from './protocol/errors';
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
};

/** How Express's app function hands a request to the app (`app.handle`). */
type RequestEntry = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

const HEALTH_BODY = '{"status":"ok"}';
const HEALTH_HEADERS = { 'content-type': 'application/json', 'content-length': HEALTH_BODY.length };

function send(res: ServerResponse, result: CoreResult, keepAlive: boolean): void {
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    ...result.headers,
    'content-length': Buffer.byteLength(result.body),
    'cache-control': 'no-store',
  };
  // A request whose body we did not read to the end cannot share its connection with the next one.
  if (!keepAlive) headers.connection = 'close';
  res.writeHead(result.status, headers).end(result.body);
}

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
  });

  const health = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, HEALTH_HEADERS).end(HEALTH_BODY);
  };
  const webhook = (req: IncomingMessage, res: ServerResponse, next: (error: unknown) => void) => {
    const receivedAt = Date.now();
    handle({ headers: req.headers, body: readBody(req), receivedAt }).then(
      (result) => send(res, result, req.complete),
      next,
    );
  };

  // Express's default error handler would print a stack trace in the body.
  const unexpected = (error: unknown, req: IncomingMessage, res: ServerResponse) => {
    logger.error({ err: error }, 'unexpected error');
    if (res.headersSent) return res.destroy();
    const status = (error as { status?: number }).status === 400 ? 400 : 500;
    const message = status === 400 ? 'bad request' : 'internal error';
    send(res, { status, body: errorBody(status, message), headers: {} }, req.complete);
  };

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.get('/health', health);
  app.post('/', webhook);

  // Dialogflow's calls and the probes skip Express's router: its per-request work (prototype
  // swaps, layer matching, promise-wrapped handlers) costs more than the whole webhook protocol.
  // Exactly `POST /` and `GET /health` take this path; everything else, including those paths with
  // a query string, goes through the routes above, which call the same functions.
  const handled = app as express.Express & { handle: RequestEntry };
  const routed = handled.handle.bind(app);
  handled.handle = (req, res, next) => {
    if (req.url === '/' && req.method === 'POST') {
      return webhook(req, res, (error) => unexpected(error, req, res));
    }
    if (req.url === '/health' && req.method === 'GET') return health(req, res);
    return routed(req, res, next);
  };

  // Node discards an unread body after the answer, so the connection can stay open.
  app.use((_req, res) => {
    send(res, { status: 404, body: errorBody(404, 'not found'), headers: {} }, true);
  });

  app.use(
    (error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) =>
      unexpected(error, req, res),
  );

  return app;
}
