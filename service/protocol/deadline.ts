import { WebhookError } from './errors';

/**
 * How much of the CX timeout the service keeps for itself: time to serialise, to cross the
 * network back to Dialogflow, and to absorb clock jitter: 10% of the timeout, within 200-1000 ms.
 */
export const safetyMarginMs = (timeoutMs: number): number =>
  Math.min(1000, Math.max(200, Math.round(timeoutMs * 0.1)));

/** The time the service gives one request, from its arrival to the answer. */
export const budgetMs = (timeoutMs: number): number => timeoutMs - safetyMarginMs(timeoutMs);

export type LateOutcome = { kind: 'resolved' } | { kind: 'rejected'; error: unknown };

/**
 * The one deadline of one request, counted from its arrival. Every wait the request makes
 * (authentication, the body, the handler) goes through `within`, which gives up at the deadline, or
 * at once on `stopNow` (a drain reaching its cap). A result that arrives after the deadline is late
 * even when the expiry timer could not fire first (a handler that blocked the event loop).
 */
export class Deadline {
  private controller?: AbortController;
  private timer?: NodeJS.Timeout;
  /** Why the request stopped early: its deadline passed, or the reason it was stopped with. */
  private stopped?: 'deadline' | WebhookError;
  private listeners?: Set<() => void>;

  /** `at` is in epoch ms. */
  constructor(readonly at: number) {
    this.timer = setTimeout(() => this.stopNow(), Math.max(0, at - Date.now()));
  }

  /**
   * Aborts at the deadline or on shutdown. Made on first use: most requests never ask, and an
   * AbortController per request is a measurable share of the hot path.
   */
  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.stopped && !this.controller.signal.aborted) this.controller.abort(this.reason());
    return this.controller.signal;
  }

  /** Throws the 503 (`the deadline passed <what>`) if the request may no longer start work. */
  check(what: string): void {
    // The clock, not only the timer, which a blocked event loop may not have run.
    if (!this.stopped && Date.now() >= this.at) this.stopNow();
    if (this.stopped) throw this.reason(what);
  }

  /**
   * Waits for `work` until the deadline. Past it, rejects with a 503 saying the deadline passed
   * `what` (e.g. "while reading the request body"), also when the work was done but the event loop
   * only ran its result after the deadline; whatever `work` produces afterwards goes to `onLate`
   * and is otherwise dropped (never left as an unhandled rejection).
   */
  within<T>(work: Promise<T>, what: string, onLate?: (outcome: LateOutcome) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const off = this.onStop(() => {
        settled = true;
        reject(this.reason(what));
      });
      const arrived = (outcome: LateOutcome, settle: () => void) => {
        if (!settled && Date.now() >= this.at) this.stopNow();
        if (settled) return onLate?.(outcome);
        settled = true;
        off();
        settle();
      };
      work.then(
        (value) => arrived({ kind: 'resolved' }, () => resolve(value)),
        // As is, whatever it is: turning it into text here could throw (see describeFault).
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        (error: unknown) => arrived({ kind: 'rejected', error }, () => reject(error)),
      );
    });
  }

  /**
   * Calls `listener` once the request stops (deadline or shutdown), at once if it has: a cheaper
   * hook than the signal for our own waits. Returns a function that takes it off again.
   */
  onStop(listener: () => void): () => void {
    if (this.stopped) {
      listener();
      return () => undefined;
    }
    const listeners = (this.listeners ??= new Set());
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Stops the request at once: with `reason` (a drain at its cap), or as past its deadline. */
  stopNow(reason?: WebhookError): void {
    if (this.stopped) return;
    this.stopped = reason ?? 'deadline';
    clearTimeout(this.timer);
    this.controller?.abort(this.reason());
    const listeners = this.listeners;
    this.listeners = undefined;
    listeners?.forEach((listener) => listener());
  }

  /** Releases the timer; call once the request is answered. */
  dispose(): void {
    clearTimeout(this.timer);
    this.listeners = undefined;
  }

  private reason(what?: string): WebhookError {
    if (this.stopped instanceof WebhookError) return this.stopped;
    return new WebhookError(
      503,
      what ? `the deadline passed ${what}` : 'the request deadline passed',
    );
  }
}
