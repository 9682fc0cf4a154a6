import { WebhookError } from './errors';

/**
 * How much of the CX timeout the service keeps for itself: time to serialise, to cross the
 * network back to Dialogflow, and to absorb clock jitter. 10% of the timeout, between 200 ms and 1 s.
 */
export function safetyMarginMs(timeoutMs: number): number {
  return Math.min(1000, Math.max(200, Math.round(timeoutMs * 0.1)));
}

export type LateOutcome = { kind: 'resolved' } | { kind: 'rejected'; error: unknown };

/**
 * Runs `fn` until `deadline` (epoch ms). At the deadline the signal aborts and the returned promise
 * rejects with a 503; whatever `fn` produces afterwards is reported to `onLate` and discarded.
 * `fn` receives a getter for the signal: most handlers never touch it, and an AbortController per
 * request is a measurable share of the hot path.
 */
export function runWithDeadline<T>(
  fn: (signal: () => AbortSignal) => T | Promise<T>,
  deadline: number,
  onLate: (outcome: LateOutcome) => void,
): Promise<T> {
  let controller: AbortController | undefined;
  let expired: WebhookError | undefined;
  const signal = () => {
    if (expired) return AbortSignal.abort(expired);
    controller ??= new AbortController();
    return controller.signal;
  };
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(
      () => {
        settled = true;
        expired = new WebhookError(503, 'the handler did not answer before the deadline');
        controller?.abort(expired);
        reject(expired);
      },
      Math.max(0, deadline - Date.now()),
    );
    // A promise wrapper turns a synchronous throw into a rejection.
    new Promise<T>((r) => r(fn(signal))).then(
      (value) => {
        if (settled) return onLate({ kind: 'resolved' });
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return onLate({ kind: 'rejected', error });
        settled = true;
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
