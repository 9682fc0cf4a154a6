/** The statuses the webhook contract allows; any other would confuse Dialogflow's error events. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 500 | 503;

/**
 * An error that maps to one HTTP status. Its message is safe to send to the caller: it never holds
 * a secret, a token or a stack trace.
 */
export class WebhookError extends Error {
  override name = 'WebhookError';
  constructor(
    readonly status: ErrorStatus,
    message: string,
    /** Extra response headers, e.g. `WWW-Authenticate` on a 401. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/**
 * Throw from a handler when a dependency it needs is down: the service answers 503, which
 * Dialogflow raises as `webhook.error.unavailable` so the agent can say so.
 */
export class DependencyUnavailableError extends WebhookError {
  override name = 'DependencyUnavailableError';
  constructor(message = 'a dependency is unavailable') {
    super(503, message);
  }
}

/** The contract's error body: `{"error": {"status": …, "message": …}}`. */
export const errorBody = (status: ErrorStatus, message: string): string =>
  JSON.stringify({ error: { status, message } });
