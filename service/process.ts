import type { Server } from 'node:http';
import type { Logger } from './logging';

/** Cloud Run allows 10 s between SIGTERM and SIGKILL; finish well inside it. */
export const DRAIN_TIMEOUT_MS = 8000;

/**
 * A promise a handler forgot to await must not take the process down with every other caller's
 * request: log it and carry on.
 */
export function logUnhandledRejections(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection');
  });
}

/**
 * Stops accepting connections, lets in-flight requests finish, and resolves when they have or when
 * `timeoutMs` has passed (then the rest are cut).
 */
export function drain(server: Server, timeoutMs = DRAIN_TIMEOUT_MS): Promise<void> {
  // Answers sent while draining close their connection, so keep-alive clients move on. Prepended,
  // so the header is set before a handler that answers synchronously has sent its headers.
  server.prependListener('request', (_req, res) => res.setHeader('connection', 'close'));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
