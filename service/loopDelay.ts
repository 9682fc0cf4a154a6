import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from './logging';

export interface LoopDelayOptions {
  /** How often the figures are looked at (and logged when over the threshold); 10 s by default. */
  intervalMs?: number;
  /** The longest delay worth a line; 100 ms by default. */
  thresholdMs?: number;
}

export interface LoopDelay {
  /** The longest event-loop delay seen in the current and the previous interval, in ms. */
  recentMaxMs(): number;
  stop(): void;
}

const ms = (ns: number) => Math.round(ns / 1e4) / 100;

/**
 * Makes event-loop stalls visible: a handler that computes synchronously delays every other
 * request on the instance. Once per interval, if the loop was held longer than the threshold, one
 * warning with the delay's max, p99 and mean. The service does not compensate for stalls.
 */
export function watchEventLoop(logger: Logger, options: LoopDelayOptions = {}): LoopDelay {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let previousMaxMs = 0;
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
    previousMaxMs = maxMs;
    histogram.reset();
  };
  // Read after the timers of this turn of the loop: the monitor's own timer, late after a stall,
  // records that stall there, and a reset before it would lose it.
  const timer = setInterval(() => setImmediate(report), options.intervalMs ?? 10_000).unref();
  return {
    recentMaxMs: () => Math.max(previousMaxMs, ms(histogram.max)),
    stop: () => {
      clearInterval(timer);
      histogram.disable();
    },
  };
}
