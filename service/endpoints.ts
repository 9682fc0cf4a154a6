import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AppOptions } from './appOptions';
import { createAuthenticator, createStrategies } from './auth/authenticator';
import { ByteBudget } from './http/byteBudget';
import { contextOf } from './http/context';
import { readBody } from './http/readBody';
import { requestHeaders } from './http/requestHeaders';
import { send, sendError } from './http/respond';
import { createLogger } from './logging';
import { serviceContextOf } from './process';
import { MAX_BODY_BYTES } from './protocol/body';
import { createWebhookCore } from './protocol/core';
import { errorEvent } from './protocol/errorEvent';
import { SMOKE_TAG, smokeHandler } from './smoke';
import { traceFields } from './trace';

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
  /** Answers an error nothing else caught: a JSON 500 (400 for a framework's 400), never a stack. */
  readonly failed: (error: unknown, req: IncomingMessage, res: ServerResponse) => void;
}

/** A 400 a framework raised (a malformed URI, a body-parser a team added); false where asking throws. */
function isBadRequest(error: unknown): boolean {
  try {
    return (error as { status?: unknown }).status === 400;
  } catch {
    return false;
  }
}

/** Builds the endpoints once: the strategies, the protocol core, the request-body budget. */
export function createEndpoints(options: AppOptions): Endpoints {
  const logger = options.logger ?? createLogger({ level: options.logLevel });
  const strategies = options.strategies ?? createStrategies(options);
  if (strategies.some((s) => s.name === 'none')) {
    logger.warn('WEBHOOK_AUTH is "none": every caller is admitted; never deploy this way');
  }
  const serviceContext = serviceContextOf(options);
  const handle = createWebhookCore({
    handlers: options.handlers,
    fallback: options.fallback,
    timeoutMs: options.timeoutMs,
    authenticate: createAuthenticator(strategies),
    logger,
    requestFields: (headers) => traceFields(headers, options.project),
    // Built in, whatever handlers the app is given: the deployment smoke test depends on it.
    smoke: {
      tag: SMOKE_TAG,
      handler: smokeHandler({ revision: options.revision, auth: strategies.map((s) => s.name) }),
    },
    stop: options.stop,
    serviceContext,
  });
  const budget = new ByteBudget(options.concurrency * MAX_BODY_BYTES);

  // Express's default error handler would print a stack trace in the body. Never throws.
  const failed = (error: unknown, req: IncomingMessage, res: ServerResponse) => {
    try {
      const event = errorEvent(error, serviceContext);
      logger.error({ ...event.fields, fault: 'unexpected error' }, event.message);
      if (res.headersSent) return void res.destroy();
      if (isBadRequest(error)) sendError(req, res, 400, 'bad request');
      else sendError(req, res, 500, 'internal error');
    } catch {
      res.destroy();
    }
  };
  return {
    webhook(req, res) {
      const context = contextOf(req);
      const lease = budget.lease();
      handle({
        headers: requestHeaders(req),
        body: (onStop) => readBody(req, res, { onStop, lease }),
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
    },
    health(_req, res) {
      res.writeHead(200, HEALTH_HEADERS).end(HEALTH_BODY);
    },
    failed,
  };
}
