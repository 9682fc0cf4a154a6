import express, { type RequestHandler } from 'express';
import { create as createDomain } from 'node:domain';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createAuthenticator, createStrategies } from './auth/authenticator';
import type { AuthStrategy } from './auth/strategy';
import type { ServiceConfig } from './config';
import { byteBudget, contextOf, failRequest, readBody, requestHeaders } from './http/request';
import { send, sendError } from './http/respond';
import { createLogger, serviceContextOf } from './logging';
import { MAX_BODY_BYTES } from './protocol/body';
import { createWebhookCore } from './protocol/core';
import { logFault, type ServiceContext } from './protocol/errorEvent';
import { WebhookError } from './protocol/errors';
import type { Logger, WebhookHandler } from './protocol/handler';
import { SMOKE_TAG, smokeHandler } from './smoke';
import { traceFields } from './trace';

export type AppOptions = ServiceConfig & {
  /** Handlers by `fulfillmentInfo.tag`. */
  handlers: Readonly<Record<string, WebhookHandler>>;
  /** Answers tags with no handler; without it they get 404. */
  fallback?: WebhookHandler;
  /** Run before the webhook and the probe, on every target (process, Cloud Functions, tests). */
  middleware?: readonly RequestHandler[];
  /** Where log lines go; a Cloud Logging JSON logger on stdout by default. */
  logger?: Logger;
  /** Replaces the strategies built from the config (tests, custom schemes). */
  strategies?: readonly AuthStrategy[];
  /** When it aborts, requests still running are answered 503 at once (a drain at its cap). */
  stop?: AbortSignal;
};

/** A 400 a framework raised (a malformed URI, a team's body-parser); false where asking throws. */
function isBadRequest(error: unknown): boolean {
  try {
    return (error as { status?: unknown }).status === 400;
  } catch {
    return false;
  }
}

/** The request bodies all requests in flight may hold together: a full body for each. */
export const bodyBytesInFlight = (concurrency: number): number => concurrency * MAX_BODY_BYTES;

/**
 * The service as one Express app, the one place a route or middleware is added: `POST /` is the
 * webhook, `GET /health` the probe, anything else a JSON 404. `serve()` serves this app, the Cloud
 * Functions entry exports it, and the tests drive it; it does not listen itself.
 */
export function createApp(options: AppOptions): express.Express {
  const logger = options.logger ?? createLogger({ level: options.logLevel });
  const strategies = options.strategies ?? createStrategies({ ...options, logger });
  if (strategies.some((s) => s.name === 'none')) {
    logger.warn('WEBHOOK_AUTH is "none": every caller is admitted; never deploy this way');
  }
  const serviceContext = serviceContextOf(options);
  const smoke = smokeHandler({ revision: options.revision, auth: strategies.map((s) => s.name) });
  const handle = createWebhookCore({
    // Built in, last, whatever handlers the app is given: the deployment smoke test depends on it.
    handlers: { ...options.handlers, [SMOKE_TAG]: smoke },
    fallback: options.fallback,
    timeoutMs: options.timeoutMs,
    authenticate: createAuthenticator(strategies),
    logger,
    requestFields: (headers) => traceFields(headers, options.project),
    stop: options.stop,
    serviceContext,
  });
  const budget = byteBudget(bodyBytesInFlight(options.concurrency));

  const webhook = (req: IncomingMessage, res: ServerResponse) => {
    const context = contextOf(req);
    const lease = budget();
    handle({
      headers: requestHeaders(req),
      body: (onStop) => readBody(req, res, onStop, lease),
      receivedAt: context.receivedAt,
      onFailure: (listener) => {
        context.onFailure = listener;
        if (context.failure) listener(context.failure);
      },
    })
      .then((result) => send(req, res, result))
      .catch((error: unknown) => failed(error, req, res))
      // The core is done with the body: its bytes no longer count.
      .finally(lease.release);
  };
  // Express's default error handler would print a stack trace in the body. Never throws.
  const failed = (error: unknown, req: IncomingMessage, res: ServerResponse) => {
    try {
      logFault(logger, 'error', error, serviceContext, { fault: 'unexpected error' });
      if (res.headersSent) return void res.destroy();
      if (isBadRequest(error)) sendError(req, res, 400, 'bad request');
      else sendError(req, res, 500, 'internal error');
    } catch {
      res.destroy();
    }
  };
  const notFound = (req: IncomingMessage, res: ServerResponse) =>
    sendError(req, res, 404, 'not found');

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // `/HEALTH`, `/health/` and `//` are other paths, not the probe or the webhook.
  app.enable('case sensitive routing');
  app.enable('strict routing');
  for (const middleware of options.middleware ?? []) app.use(middleware);
  // Express answers HEAD with a GET route; only GET is the probe.
  app.head('/health', notFound);
  app.get('/health', (req, res) => send(req, res, { status: 200, body: '{"status":"ok"}' }));
  app.post('/', webhook);
  app.use(notFound);
  app.use(
    (error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) =>
      failed(error, req, res),
  );
  return app;
}

/**
 * The app as a Functions Framework HTTP function. The framework answers a fault in a request's
 * domain (a callback's throw, a rejection nobody handles) with a text 500 carrying the error's
 * message, caller data included; a domain nested in its own takes such faults first: one Error
 * Reporting line and the contract's JSON 500. (Domains are deprecated, but they are what the
 * framework relies on.)
 */
export function forFunctionsFramework(
  app: RequestListener,
  logger: Logger,
  serviceContext?: ServiceContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    contextOf(req);
    const domain = createDomain();
    domain.on('error', (error: unknown) => {
      logFault(logger, 'error', error, serviceContext, { fault: 'handler fault during a request' });
      failRequest(req, new WebhookError(500, 'the handler failed'));
    });
    domain.run(() => app(req, res));
  };
}
