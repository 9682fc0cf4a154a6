import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { AppOptions } from './app';
import { createEndpoints, type Endpoints } from './endpoints';
import { createLogger, flushLogs } from './logging';
import { trackConnections } from './http/connections';
import { awaitContinue } from './http/expectContinue';
import { isLingering, sendError, sendRawError } from './http/respond';
import { MAX_BODY_BYTES } from './protocol/body';
import { budgetMs } from './protocol/deadline';
import { WebhookError } from './protocol/errors';
import {
  drain,
  DRAIN_TIMEOUT_MS,
  logUncaughtExceptions,
  logUnhandledRejections,
  serviceContextOf,
} from './process';

/**
 * The process's request listener. Exactly `POST /` (Dialogflow's calls) and `GET /health` (the
 * probes) go straight to the plain endpoints; everything else, including those paths with a query
 * string, goes to the Express app from createApp, which routes it to the same endpoints or answers
 * a JSON 404. Express's per-request work (its router, request and response prototypes,
 * promise-wrapped layers) costs more than the whole webhook protocol, and the hot path needs none
 * of it; so middleware added to that app never runs for these two.
 */
export function createWebhookListener(options: AppOptions): RequestListener {
  const endpoints = createEndpoints(options);
  let app: RequestListener | undefined;
  return (req, res) => {
    if (req.url === '/' && req.method === 'POST') return endpoints.webhook(req, res);
    if (req.url === '/health' && req.method === 'GET') return endpoints.health(req, res);
    app ??= expressApp(options, endpoints);
    app(req, res);
  };
}

/**
 * The Express app, made on the first request that needs it. Loading Express takes longer (about
 * 25 ms) than starting the rest of the service, and neither the webhook nor the probe needs it, so
 * an instance starts without it.
 */
function expressApp(options: AppOptions, endpoints: Endpoints): RequestListener {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createApp } = require('./app') as typeof import('./app');
  return createApp(options, endpoints);
}

/** The limits a webhook server derives from the service's config. */
export interface ServerLimits {
  /** The CX webhook timeout (`WEBHOOK_TIMEOUT_MS`). */
  readonly timeoutMs: number;
  /** Requests one instance serves at once (`WEBHOOK_CONCURRENCY`). */
  readonly concurrency: number;
}

/** How often Node sweeps connections for its header and request timeouts (30 s by default). */
const TIMEOUT_SWEEP_MS = 250;

/** Connections per unit of concurrency: room for idle keep-alive and closing connections. */
export const CONNECTIONS_PER_REQUEST = 4;

/**
 * An HTTP server over the app, with limits that fit the webhook:
 * - headers must arrive within the request budget and the whole request within the CX timeout
 *   (Node's defaults are 60 s and 300 s);
 * - at most 4 × the concurrency connections, and one request in progress per connection (a
 *   pipelined request starts once the answer before it is out);
 * - `Expect: 100-continue` is answered only after authentication, another expectation with a
 *   JSON 400;
 * - requests Node refuses before the app sees them (headers too large, malformed HTTP) get a JSON
 *   400, since the webhook contract has no 431, unless an answer is already in progress on that
 *   connection, which then finishes and the connection closes;
 * - CONNECT gets a JSON 404 (Node would close the connection unanswered), unless an answer is
 *   in progress on that connection, which then finishes and the connection closes.
 */
export function createWebhookServer(
  listener: RequestListener,
  limits: Partial<ServerLimits> = {},
): Server {
  const timeoutMs = limits.timeoutMs ?? 5000;
  const concurrency = limits.concurrency ?? 80;
  const server = createServer({
    headersTimeout: budgetMs(timeoutMs),
    requestTimeout: timeoutMs,
    connectionsCheckingInterval: TIMEOUT_SWEEP_MS,
  });
  server.maxConnections = CONNECTIONS_PER_REQUEST * concurrency;
  // It starts the requests: one at a time per connection, each with its time of arrival.
  const connections = trackConnections(server, listener);

  server.on('checkContinue', (req, res) => {
    awaitContinue(req);
    server.emit('request', req, res);
  });
  server.on('checkExpectation', (req, res) =>
    sendError(req, res, 400, 'the Expect header is not supported'),
  );
  // Node hands a CONNECT's socket to this event and, with no listener, closes it unanswered.
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    // Its parser is gone: reading on drops what the caller still sends during the close.
    socket.resume();
    // Pipelined behind an answer in progress: that answer finishes first, and nothing is written
    // over it; the connection then closes, as after a client error.
    if (connections.busy(socket)) return connections.endWhenIdle(socket);
    sendRawError(socket, 404, 'not found');
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // Node raises this again for every later chunk of a request it refused; the answer is out and
    // the lingering close drops the rest (destroying here would reset it away).
    if (isLingering(socket)) return;
    // An answer in progress on this connection finishes first; nothing is written over it.
    if (connections.busy(socket)) return connections.endWhenIdle(socket);
    if (!socket.writable) return socket.destroy();
    // A socket closed or timed out by the peer gets no answer.
    if (error.code === 'ECONNRESET' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      return socket.destroy();
    }
    sendRawError(socket, 400, 'malformed HTTP request');
  });
  return server;
}

export interface ServeOptions extends AppOptions {
  /** How long a drain may take before what is left is cut; 8 s by default. */
  drainTimeoutMs?: number;
}

export interface Serving {
  server: Server;
  /** Resolves with the bound address once the server listens; rejects if it cannot. */
  listening: Promise<AddressInfo>;
}

/**
 * Runs the service as a process does: a webhook server over createWebhookListener(); unhandled
 * rejections logged instead of fatal; on SIGTERM or SIGINT a drain of in-flight requests, then
 * exit 0; on an uncaught exception one JSON line, a drain, then exit 1 so the platform replaces
 * the instance (also when it happens during a drain). Every log line is written before the
 * process exits.
 */
export function serve(options: ServeOptions): Serving {
  const logger = options.logger ?? createLogger({ level: options.logLevel });
  const serviceContext = serviceContextOf(options);
  logUnhandledRejections(logger, serviceContext);
  const stop = new AbortController();
  const server = createWebhookServer(
    createWebhookListener({ ...options, logger, stop: stop.signal }),
    options,
  );
  const listening = new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      logger.info(
        {
          host: address.address,
          port: address.port,
          auth: options.auth,
          timeoutMs: options.timeoutMs,
          maxConnections: server.maxConnections,
          maxBodyBytesInFlight: options.concurrency * MAX_BODY_BYTES,
        },
        'cx-webhook listening',
      );
      resolve(address);
    });
  });

  let draining = false;
  let exitCode = 0;
  const shutdown = (why: string, code: number) => {
    // A fault during a drain still makes the exit a failure: the worst code wins.
    exitCode = Math.max(exitCode, code);
    if (draining) {
      logger.warn(`${why} while draining; the drain goes on`);
      return;
    }
    draining = true;
    logger.info(`${why}: draining in-flight requests`);
    void drain(server, {
      timeoutMs: options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS,
      stop,
      reason: new WebhookError(503, 'the service is shutting down'),
    })
      .then(() => {
        logger.info('drained; exiting');
        return flushLogs(logger);
      })
      .then(() => process.exit(exitCode));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  logUncaughtExceptions(logger, serviceContext, () => shutdown('uncaught exception', 1));
  return { server, listening };
}
