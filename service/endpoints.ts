import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AppOptions } from './app';
import { createAuthenticator, createStrategies } from './auth/authenticator';
import { ByteBudget } from './http/byteBudget';
import { arrivalOf, isAbandoned } from './http/connections';
import { readBody } from './http/readBody';
import { requestHeaders } from './http/requestHeaders';
import { send, sendError } from './http/respond';
import { createLogger } from './logging';
import { serviceContextOf } from './process';
import { MAX_BODY_BYTES } from './protocol/body';
import { createWebhookCore } from './protocol/core';
import { smokeHandler } from './smoke';

const HEALTH_BODY = '{"status":"ok"}';
// Like every other answer, never stored by a cache in between.
const HEALTH_HEADERS = {
  'content-type': 'application/json',
  'content-length': HEALTH_BODY.length,
  'cache-control': 'no-store',
};

/** The service's two endpoints as plain Node request listeners over the protocol core. */
export interface Endpoints {
  /** `POST /`: authenticate, read, route, run the handler, check and send its answer. */
  readonly webhook: RequestListener;
  /** `GET /health`: the start-up and liveness probe. */
  readonly health: RequestListener;
  /** Answers an error nothing else caught: a JSON 500 (400 for a body-parser's 400), never a stack. */
  readonly failed: (error: unknown, req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * Builds the endpoints once: the strategies, the protocol core, the request-body budget. A
 * request that arrived behind an answer closing its connection (see isAbandoned) is not run: nobody
 * would receive its answer.
 */
export function createEndpoints(options: AppOptions): Endpoints {
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

  // Express's default error handler would print a stack trace in the body. Never throws.
  const failed = (error: unknown, req: IncomingMessage, res: ServerResponse) => {
    try {
      logger.error({ err: error }, 'unexpected error');
      if (res.headersSent) return res.destroy();
      if ((error as { status?: number }).status === 400) sendError(req, res, 400, 'bad request');
      else sendError(req, res, 500, 'internal error');
    } catch {
      res.destroy();
    }
  };
  return {
    webhook(req, res) {
      if (isAbandoned(req)) return void req.resume();
      // From its first bytes, not from now: slow headers and a stalled event loop count too.
      const receivedAt = arrivalOf(req);
      const lease = budget.lease();
      handle({
        headers: requestHeaders(req),
        body: (onStop) => readBody(req, res, { onStop, lease }),
        receivedAt,
      })
        .then((result) => send(req, res, result))
        .catch((error: unknown) => failed(error, req, res))
        // The core is done with the body: its bytes no longer count.
        .finally(lease.release);
    },
    health(req, res) {
      if (isAbandoned(req)) return void req.resume();
      res.writeHead(200, HEALTH_HEADERS).end(HEALTH_BODY);
    },
    failed,
  };
}
