import { once } from 'node:events';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { bodyBytesInFlight, createApp, type AppOptions } from './app';
import type { ServiceConfig } from './config';
import { ENV, INTEGERS } from './envContract';
import { contextOf, failRequest } from './http/request';
import { sendError, sendRawError } from './http/respond';
import { createLogger, flushLogs, logProcessFaults, serviceContextOf } from './logging';
import { watchEventLoop } from './loopDelay';
import { budgetMs } from './protocol/deadline';
import { WebhookError } from './protocol/errors';

/** The limits a webhook server derives from the service's config. */
export type ServerLimits = Pick<ServiceConfig, 'timeoutMs' | 'concurrency'>;

/** Emitted on a server when its drain begins (createWebhookServer closes what it can at once). */
const DRAINING = 'cx-webhook-kit:draining';

/** Connections per unit of concurrency: room for idle keep-alive and closing ones. */
const CONNECTIONS_PER_REQUEST = 4;
/** Answers owed on one connection before it is closed; Google's front end sends one at a time. */
const MAX_ANSWERS_OWED = 4;

/**
 * An HTTP server over the app, on Node's public options, with the limits docs/http.md lists:
 * header and request timeouts from the CX timeout, bounded connections and answers owed on one, and
 * the contract's JSON wherever Node would answer by itself (the contract has no 417 or 431).
 */
export function createWebhookServer(
  listener: RequestListener,
  limits: Partial<ServerLimits> = {},
): Server {
  const timeoutMs = limits.timeoutMs ?? INTEGERS[ENV.timeoutMs].fallback;
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
      connectionsCheckingInterval: 250, // Node's default sweep for both timeouts is 30 s
      requireHostHeader: false,
    },
    serveRequest,
  );
  server.maxConnections =
    CONNECTIONS_PER_REQUEST * (limits.concurrency ?? INTEGERS[ENV.concurrency].fallback);
  // Every header is kept (Node 20 drops fields past 2,000), so a repeated Authorization is seen.
  server.maxHeadersCount = 0;
  server.timeout = timeoutMs; // no progress either way (an answer that does not drain): closed
  server.on('connection', (socket: Socket) => {
    owed.set(socket, new Set());
    socket.once('close', () => owed.delete(socket));
  });
  // `100 Continue` only after authentication (readBody).
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
      reading.setHeader('connection', 'close');
      return failRequest(reading.req, new WebhookError(400, 'malformed HTTP request'));
    }
    // An answer in progress finishes first, and the connection closes once it is out.
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
      // Idle connections, those with unread answers included, close at once (closeIdleConnections);
      // one in the middle of a request (half a head, a refused body still arriving) is cut after
      // 1 s without progress, since close() also stops Node's header and request timeout sweep.
      if (inProgress.length === 0) socket.setTimeout(1000);
    }
  });
  return server;
}

export interface DrainOptions {
  /** The cap; 8 s by default (Cloud Run allows 10 s between SIGTERM and SIGKILL). */
  timeoutMs?: number;
  /** Epoch ms the cap counts from (when the signal arrived, as far as known); now by default. */
  startedAt?: number;
  /** Aborted 0.5 s before the cap, with `reason`, so what still runs is answered (503), not cut. */
  stop?: AbortController;
  reason?: Error;
}

/**
 * Stops accepting connections and closes the idle ones (Node's close()), lets in-flight requests
 * finish, and resolves when they have or when the cap has passed (then the rest are cut); it lasts
 * at least 1 s, time to answer what still runs. On a server from createWebhookServer every answer
 * from now on closes its connection.
 */
export function drain(server: Server, options: DrainOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 8000;
  const startedAt = options.startedAt ?? Date.now();
  const capMs = Math.max(Math.min(1000, timeoutMs), startedAt + timeoutMs - Date.now());
  return new Promise((resolve) => {
    const answer = setTimeout(() => options.stop?.abort(options.reason), Math.max(0, capMs - 500));
    const cap = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, capMs);
    server.close(() => {
      clearTimeout(answer);
      clearTimeout(cap);
      resolve();
    });
    server.emit(DRAINING);
  });
}

export interface ServeOptions extends AppOptions {
  /** How long a drain may take before what is left is cut; 8 s by default. */
  drainTimeoutMs?: number;
}

/**
 * Runs the service as a process does: a webhook server over createApp(), faults and event-loop
 * stalls logged; on SIGTERM or SIGINT a drain, then exit 0; on an uncaught exception a drain, then
 * exit 1 (also during a drain), so the platform replaces the instance; log lines are written first.
 */
export function serve(options: ServeOptions): { server: Server; listening: Promise<AddressInfo> } {
  const logger = options.logger ?? createLogger({ level: options.logLevel });
  const loop = watchEventLoop(logger);
  const stop = new AbortController();
  const server = createWebhookServer(createApp({ ...options, logger, stop: stop.signal }), options);
  // Rejects with the error that stops the listen (EADDRINUSE, …), for main.ts to explain.
  const listening = once(server, 'listening').then(() => {
    const address = server.address() as AddressInfo;
    logger.info(
      {
        host: address.address,
        port: address.port,
        auth: options.auth,
        timeoutMs: options.timeoutMs,
        maxConnections: server.maxConnections,
        maxBodyBytesInFlight: bodyBytesInFlight(options.concurrency),
      },
      'cx-webhook listening',
    );
    return address;
  });
  server.listen(options.port, options.host);

  let draining = false;
  let exitCode = 0;
  const shutdown = (why: string, code: number) => {
    // The signal may have waited through an event-loop stall before this runs: the cap counts
    // from the start of that stall (a stall that ended before the signal does not count).
    const startedAt = loop.arrivedBy();
    // A fault during a drain still makes the exit a failure: the worst code wins.
    exitCode = Math.max(exitCode, code);
    if (draining) return void logger.warn(`${why} while draining; the drain goes on`);
    draining = true;
    logger.info(`${why}: draining in-flight requests`);
    const reason = new WebhookError(503, 'the service is shutting down');
    void drain(server, { timeoutMs: options.drainTimeoutMs, startedAt, stop, reason })
      .then(() => {
        loop.stop();
        logger.info('drained; exiting');
        return flushLogs(logger);
      })
      .then(() => process.exit(exitCode));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  logProcessFaults(logger, serviceContextOf(options), () => shutdown('uncaught exception', 1));
  return { server, listening };
}
