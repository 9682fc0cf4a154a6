import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createApp, type AppOptions } from './app';
import { contextOf, failRequest } from './http/context';
import { drain, DRAIN_TIMEOUT_MS, DRAINING } from './http/drain';
import { sendError, sendRawError } from './http/respond';
import { createLogger, flushLogs } from './logging';
import { watchEventLoop } from './loopDelay';
import { logUncaughtExceptions, logUnhandledRejections, serviceContextOf } from './process';
import { MAX_BODY_BYTES } from './protocol/body';
import { budgetMs } from './protocol/deadline';
import { WebhookError } from './protocol/errors';

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
 * Answers owed on one connection beyond which it is closed: Google's front end sends one request
 * at a time; a client that pipelines without reading cannot make the process hold more.
 */
export const MAX_ANSWERS_OWED = 4;

/** During a drain, a connection with only answers that do not drain is closed after this. */
const DRAIN_STALL_MS = 1000;

/**
 * An HTTP server over the app, on Node's public options, with limits that fit the webhook:
 * - headers must arrive within the request budget and the whole request within the CX timeout
 *   (Node's defaults are 60 s and 300 s); a connection with no progress either way for the CX
 *   timeout (an answer that does not drain) is closed;
 * - at most 4 × the concurrency connections, and at most MAX_ANSWERS_OWED answers owed on one;
 * - every header is kept (Node 20 drops those past 2,000 fields), so a repeated `Authorization`
 *   is always seen and refused;
 * - `Expect: 100-continue` is answered only after authentication, another expectation with a
 *   JSON 400; a request without `Host` gets a JSON 400;
 * - what Node refuses before the app sees it (malformed HTTP, headers too large, a malformed
 *   chunked body) gets a JSON 400 at once, the contract having no 431; CONNECT a JSON 404.
 */
export function createWebhookServer(
  listener: RequestListener,
  limits: Partial<ServerLimits> = {},
): Server {
  const timeoutMs = limits.timeoutMs ?? 5000;
  const concurrency = limits.concurrency ?? 80;
  /** Per connection, the answers not yet out (until each response closes). */
  const owed = new Map<Socket, Set<ServerResponse>>();
  let draining = false;

  const serveRequest = (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    // Parsed from bytes already read when the connection was cut (below): nobody would get it.
    if (socket.destroyed) return;
    const answers = owed.get(socket);
    if (!answers) return listener(req, res); // a request emitted by hand, on no connection of ours
    if (answers.size >= MAX_ANSWERS_OWED) return void socket.destroy();
    answers.add(res);
    res.once('close', () => answers.delete(res));
    contextOf(req);
    if (draining) res.setHeader('connection', 'close');
    if (req.headers.host === undefined && req.httpVersion === '1.1') {
      return sendError(req, res, 400, 'the Host header is missing');
    }
    listener(req, res);
  };

  const server = createServer(
    {
      headersTimeout: budgetMs(timeoutMs),
      requestTimeout: timeoutMs,
      connectionsCheckingInterval: TIMEOUT_SWEEP_MS,
      requireHostHeader: false,
    },
    serveRequest,
  );
  server.maxConnections = CONNECTIONS_PER_REQUEST * concurrency;
  server.maxHeadersCount = 0;
  server.timeout = timeoutMs;
  server.on('connection', (socket: Socket) => {
    owed.set(socket, new Set());
    socket.once('close', () => owed.delete(socket));
  });
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    contextOf(req).awaitingContinue = true;
    serveRequest(req, res);
  });
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) =>
    sendError(req, res, 400, 'the Expect header is not supported'),
  );
  // Node hands a CONNECT's socket to this event and, with no listener, closes it unanswered.
  server.on('connect', (_req: IncomingMessage, socket: Socket) =>
    sendRawError(socket, 404, 'not found'),
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // A socket closed or timed out by the peer gets no answer.
    if (error.code === 'ECONNRESET' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      return socket.destroy();
    }
    const answers = [...(owed.get(socket) ?? [])];
    // The body of the request in progress broke its framing: that request is answered 400 now.
    const reading = answers.find((res) => !res.req.complete && !res.headersSent);
    if (reading) {
      contextOf(reading.req).closeAfter = true;
      return failRequest(reading.req, new WebhookError(400, 'malformed HTTP request'));
    }
    // An answer in progress finishes first; nothing is written over it, and the connection
    // closes once it is out.
    if (answers.length > 0) {
      for (const res of answers) if (!res.headersSent) res.setHeader('connection', 'close');
      return;
    }
    if (!socket.writable) return socket.destroy();
    sendRawError(socket, 400, 'malformed HTTP request');
  });
  server.on(DRAINING, () => {
    draining = true;
    for (const [socket, answers] of owed) {
      const inProgress = [...answers].filter((res) => !res.writableEnded);
      for (const res of inProgress) if (!res.headersSent) res.setHeader('connection', 'close');
      // Answers all written but not drained: the caller is not reading; soon cut.
      if (inProgress.length === 0) socket.setTimeout(DRAIN_STALL_MS);
    }
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
 * Runs the service as a process does: a webhook server over createApp(); unhandled rejections
 * logged instead of fatal; event-loop stalls logged; on SIGTERM or SIGINT a drain of in-flight
 * requests, then exit 0; on an uncaught exception one JSON line, a drain, then exit 1 so the
 * platform replaces the instance (also when it happens during a drain). Every log line is written
 * before the process exits.
 */
export function serve(options: ServeOptions): Serving {
  const logger = options.logger ?? createLogger({ level: options.logLevel });
  const serviceContext = serviceContextOf(options);
  logUnhandledRejections(logger, serviceContext);
  const loop = watchEventLoop(logger);
  const stop = new AbortController();
  const server = createWebhookServer(createApp({ ...options, logger, stop: stop.signal }), options);
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
    // The signal may have waited through an event-loop stall before this runs: the cap counts
    // from the start of that stall (a stall that ended before the signal does not count).
    const startedAt = loop.arrivedBy();
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
      startedAt,
      stop,
      reason: new WebhookError(503, 'the service is shutting down'),
    })
      .then(() => {
        loop.stop();
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
