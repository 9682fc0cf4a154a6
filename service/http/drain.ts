import type { Server } from 'node:http';

/** Cloud Run allows 10 s between SIGTERM and SIGKILL; finish well inside it. */
export const DRAIN_TIMEOUT_MS = 8000;

/** Before the cap, what still runs is answered 503, with time left for the answers to go out. */
const ANSWER_BEFORE_CAP_MS = 500;

/** The shortest drain, however late it starts: time to answer what still runs. */
const MIN_DRAIN_MS = 1000;

/** Emitted on a server when its drain begins (createWebhookServer closes what it can at once). */
export const DRAINING = 'cx-webhook-kit:draining';

export interface DrainOptions {
  timeoutMs?: number;
  /**
   * Epoch ms the cap counts from: when the signal arrived, as far as the process can tell (its
   * handler may run late after an event-loop stall). Now by default.
   */
  startedAt?: number;
  /** Aborted shortly before the cap, so requests still running are answered (503) rather than cut. */
  stop?: AbortController;
  /** The abort reason: what those requests are told. */
  reason?: Error;
}

/**
 * Stops accepting connections, lets in-flight requests finish, and resolves when they have or when
 * the cap has passed (then the rest are cut). On a server from createWebhookServer every answer
 * from now on closes its connection, and connections with nothing in progress close at once.
 */
export function drain(server: Server, options: DrainOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DRAIN_TIMEOUT_MS;
  const capMs = Math.max(
    Math.min(MIN_DRAIN_MS, timeoutMs),
    (options.startedAt ?? Date.now()) + timeoutMs - Date.now(),
  );
  return new Promise((resolve) => {
    const answer = setTimeout(
      () => options.stop?.abort(options.reason),
      Math.max(0, capMs - ANSWER_BEFORE_CAP_MS),
    );
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
    server.closeIdleConnections();
  });
}
