import { WebhookError } from './errors';

/**
 * How much of the CX timeout the service keeps for itself: time to serialise, to cross the
 * network back to Dialogflow, and to absorb clock jitter. 10% of the timeout, between 200 ms and 1 s.
 */
export function safetyMarginMs(timeoutMs: number): number {
  return Math.min(1000, Math.max(200, Math.round(timeoutMs * 0.1)));
}

/** The time the service gives one request, from its arrival to the answer. */
export function budgetMs(timeoutMs: number): number {
  return timeoutMs - safetyMarginMs(timeoutMs);
}

export type LateOutcome = { kind: 'resolved' } | { kind: 'rejected'; error: unknown };

/** Why a request stopped early: its deadline passed, or the service is shutting down. */
type Stop = 'deadline' | WebhookError;

/**
 * The one deadline of one request, counted from its arrival. Every wait the request makes
 * (authentication, the body, the handler) goes through `within`, which gives up at the deadline, or
 * at once when `stop` aborts (a drain reaching its cap). A result that arrives after the deadline is
 * late even when the expiry timer could not fire first (a handler that blocked the event loop).
 */
export class Deadline {
  private controller?: AbortController;
  private timer?: NodeJS.Timeout;
  private stopped?: Stop;
  /** Rejects the wait in progress, if any. */
  private giveUp?: () => void;
  private readonly onStop?: () => void;

  constructor(
    /** Epoch ms. */
    readonly at: number,
    private readonly stop?: AbortSignal,
  ) {
    this.timer = setTimeout(() => this.end('deadline'), Math.max(0, at - Date.now()));
    if (stop?.aborted) this.end(stopReason(stop));
    else if (stop) {
      this.onStop = () => this.end(stopReason(stop));
      stop.addEventListener('abort', this.onStop, { once: true });
    }
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

  /** Whether the request may no longer start work (checks the clock, not only the timer). */
  get expired(): boolean {
    if (!this.stopped && Date.now() >= this.at) this.end('deadline');
    return this.stopped !== undefined;
  }

  /** Throws the 503 for `what` if the request may no longer start work. */
  check(what: string): void {
    if (this.expired) throw this.reason(what);
  }

  /**
   * Waits for `work` until the deadline. Past it, rejects with a 503 saying `what` did not finish
   * in time; whatever `work` produces afterwards goes to `onLate` and is otherwise dropped (never
   * left as an unhandled rejection).
   */
  within<T>(work: Promise<T>, what: string, onLate?: (outcome: LateOutcome) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const giveUp = () => {
        if (settled) return;
        settled = true;
        this.giveUp = undefined;
        reject(this.reason(what));
      };
      if (this.stopped) giveUp();
      else this.giveUp = giveUp;
      const arrived = (outcome: LateOutcome, settle: () => void) => {
        if (!settled && Date.now() >= this.at) this.end('deadline');
        if (settled) return onLate?.(outcome);
        settled = true;
        this.giveUp = undefined;
        settle();
      };
      work.then(
        (value) => arrived({ kind: 'resolved' }, () => resolve(value)),
        (error: unknown) =>
          arrived({ kind: 'rejected', error }, () =>
            reject(error instanceof Error ? error : new Error(String(error))),
          ),
      );
    });
  }

  /** Releases the timer and the shutdown listener; call once the request is answered. */
  dispose(): void {
    clearTimeout(this.timer);
    if (this.onStop) this.stop?.removeEventListener('abort', this.onStop);
  }

  private end(stop: Stop): void {
    if (this.stopped) return;
    this.stopped = stop;
    clearTimeout(this.timer);
    this.controller?.abort(this.reason());
    this.giveUp?.();
  }

  private reason(what?: string): WebhookError {
    if (this.stopped instanceof WebhookError) return this.stopped;
    return new WebhookError(
      503,
      what ? `${what} before the deadline` : 'the request deadline passed',
    );
  }
}

function stopReason(signal: AbortSignal): WebhookError {
  const reason: unknown = signal.reason;
  return reason instanceof WebhookError
    ? reason
    : new WebhookError(503, 'the service is shutting down');
}
