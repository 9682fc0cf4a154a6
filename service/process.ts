import type { Server } from 'node:http';
import type { ServiceConfig } from './config';
import { errorEvent, type ServiceContext } from './errorEvent';
import { connectionsOf } from './http/connections';
import type { Logger } from './logging';

/** Cloud Run allows 10 s between SIGTERM and SIGKILL; finish well inside it. */
export const DRAIN_TIMEOUT_MS = 8000;

/** Before the cap, what still runs is answered 503, with time left for the answers to go out. */
const ANSWER_BEFORE_CAP_MS = 500;

/** Error Reporting's service and version for this process. */
export function serviceContextOf(
  config: Pick<ServiceConfig, 'service' | 'revision'>,
): ServiceContext {
  return { service: config.service ?? 'cx-webhook', version: config.revision };
}

/**
 * A promise a handler forgot to await must not take the process down with every other caller's
 * request: log it, as one line Error Reporting reads, and carry on.
 */
export function logUnhandledRejections(logger: Logger, context?: ServiceContext): void {
  process.on('unhandledRejection', (reason) => {
    const event = errorEvent(reason, context);
    logger.error({ ...event.fields, fault: 'unhandled promise rejection' }, event.message);
  });
}

/**
 * A throw nobody can catch (from a callback a handler scheduled) leaves the process in an unknown
 * state: log it as one JSON line, instead of Node's multi-line trace on stderr, then `then()`
 * (drain and exit non-zero, so the platform replaces the instance).
 */
export function logUncaughtExceptions(
  logger: Logger,
  context: ServiceContext | undefined,
  then: () => void,
): void {
  process.on('uncaughtException', (error) => {
    const event = errorEvent(error, context);
    logger.fatal({ ...event.fields, fault: 'uncaught exception' }, event.message);
    then();
  });
}

export interface DrainOptions {
  timeoutMs?: number;
  /** Aborted shortly before the cap, so requests still running are answered (503) rather than cut. */
  stop?: AbortController;
  /** The abort reason: what those requests are told. */
  reason?: Error;
}

/**
 * Stops accepting connections, lets in-flight requests finish, and resolves when they have or when
 * `timeoutMs` has passed (then the rest are cut). Every answer sent from now on closes its
 * connection; connections with nothing in progress are closed at once, so an idle keep-alive
 * client, or one that sent half a request line, cannot hold the drain to its cap.
 */
export function drain(server: Server, options: DrainOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DRAIN_TIMEOUT_MS;
  const connections = connectionsOf(server);
  if (!connections) {
    // A server not made by createWebhookServer: answers sent from now on close their connection.
    server.prependListener('request', (_req, res) => res.setHeader('connection', 'close'));
  }
  return new Promise((resolve) => {
    const answer = setTimeout(
      () => options.stop?.abort(options.reason),
      Math.max(0, timeoutMs - ANSWER_BEFORE_CAP_MS),
    );
    const cap = setTimeout(() => {
      connections?.destroyAll();
      server.closeAllConnections();
      resolve();
    }, timeoutMs);
    server.close(() => {
      clearTimeout(answer);
      clearTimeout(cap);
      resolve();
    });
    if (connections) connections.drain();
    else server.closeIdleConnections();
  });
}
