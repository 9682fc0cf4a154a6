import express from 'express';
import type { ServerResponse } from 'node:http';
import { createAuthenticator, createStrategies } from './auth/authenticator';
import type { AuthStrategy } from './auth/strategy';
import type { ServiceConfig } from './config';
import { readBody } from './http/readBody';
import { createLogger, type Logger } from './logging';
import { createWebhookCore, type CoreResult } from './protocol/core';
import { errorBody } from './protocol/errors';
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
};

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
  });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.get('/health', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  });

  app.post('/', (req, res, next) => {
    const receivedAt = Date.now();
    handle({ headers: req.headers, body: readBody(req), receivedAt }).then(
      (result) => send(res, result, req.complete),
      next,
    );
  });

  app.use((_req, res) => {
    send(res, { status: 404, body: errorBody(404, 'not found'), headers: {} }, true);
  });

  // Express's default handler would print a stack trace in the body.
  app.use(
    (error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
      logger.error({ err: error }, 'unexpected error');
      if (res.headersSent) return res.destroy();
      const status = (error as { status?: number }).status === 400 ? 400 : 500;
      const message = status === 400 ? 'bad request' : 'internal error';
      send(res, { status, body: errorBody(status, message), headers: {} }, req.complete);
    },
  );

  return app;
}
