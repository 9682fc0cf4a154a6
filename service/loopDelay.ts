import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from './logging';

export interface LoopDelayOptions {
  /** How often the figures are looked at (and logged when over the threshold); 10 s by default. */
  intervalMs?: number;
  /** The longest delay worth a line; 100 ms by default. */
  thresholdMs?: number;
}

export interface LoopDelay {
  /**
   * The earliest time something handled now (a signal) may have arrived: the start of the stall
   * the loop is in or has just come out of, else now. A stall that ended earlier does not count.
   */
  arrivedBy(now?: number): number;
  stop(): void;
}

/** How often the loop's turns are dated; a gap of two ticks is a stall. */
const TICK_MS = 100;

const ms = (ns: number) => Math.round(ns / 1e4) / 100;

/**
 * Makes event-loop stalls visible: a handler that computes synchronously delays every other
 * request on the instance. Once per interval, if the loop was held longer than the threshold, one
 * warning with the delay's max, p99 and mean. The service does not compensate for stalls.
 */
export function watchEventLoop(logger: Logger, options: LoopDelayOptions = {}): LoopDelay {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let lastTurnAt = Date.now();
  let stall: { from: number; to: number } | undefined;
  const tick = setInterval(() => {
    const now = Date.now();
    if (now - lastTurnAt > 2 * TICK_MS) stall = { from: lastTurnAt, to: now };
    lastTurnAt = now;
  }, TICK_MS).unref();
  const report = () => {
    const maxMs = ms(histogram.max);
    if (maxMs >= (options.thresholdMs ?? 100)) {
      logger.warn(
        {
          eventLoopDelay: {
            maxMs,
            p99Ms: ms(histogram.percentile(99)),
            meanMs: ms(histogram.mean),
          },
        },
        'the event loop was blocked: a handler computed synchronously for this long',
      );
    }
    histogram.reset();
  };
  // Read after the timers of this turn of the loop: the monitor's own timer, late after a stall,
  // records that stall there, and a reset before it would lose it.
  const timer = setInterval(() => setImmediate(report), options.intervalMs ?? 10_000).unref();
  return {
    arrivedBy: (now = Date.now()) => {
      // Still in the stall: this tick has not run since it began.
      if (now - lastTurnAt > 2 * TICK_MS) return lastTurnAt;
      // Just out of it: the loop's first turns after a stall run the timers before the signal.
      if (stall && now - stall.to <= 2 * TICK_MS) return stall.from;
      return now;
    },
    stop: () => {
      clearInterval(timer);
      clearInterval(tick);
      histogram.disable();
    },
  };
}
