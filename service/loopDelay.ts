import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import type { Logger } from './logging';

/** How often the loop's turns are dated; a gap of two ticks is a stall. */
const TICK_MS = 100;

const ms = (ns: number) => Math.round(ns / 1e4) / 100;

type DelayHistogram = Pick<
  ELDHistogram,
  'max' | 'mean' | 'percentile' | 'reset' | 'enable' | 'disable'
>;

/**
 * Makes event-loop stalls visible: a handler that computes synchronously delays every other
 * request on the instance. Once per interval (10 s), if the loop was held longer than the
 * threshold (100 ms), one warning with the delay's max, p99 and mean. Nothing compensates for them.
 *
 * `arrivedBy()` is the earliest time something handled now (a signal) may have arrived: the start
 * of the stall the loop is in or has just come out of, else now.
 */
export function watchEventLoop(
  logger: Logger,
  {
    intervalMs = 10_000,
    thresholdMs = 100,
    // Node's monitor; a test passes a histogram it records into.
    histogram = monitorEventLoopDelay({ resolution: 10 }),
  }: { intervalMs?: number; thresholdMs?: number; histogram?: DelayHistogram } = {},
): { arrivedBy(): number; stop(): void } {
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
    if (maxMs >= thresholdMs) {
      const eventLoopDelay = {
        maxMs,
        p99Ms: ms(histogram.percentile(99)),
        meanMs: ms(histogram.mean),
      };
      logger.warn(
        { eventLoopDelay },
        'the event loop was blocked: a handler computed synchronously for this long',
      );
    }
    histogram.reset();
  };
  // Read after the timers of this turn of the loop: the monitor's own timer, late after a stall,
  // records that stall there, and a reset before it would lose it.
  const timer = setInterval(() => setImmediate(report), intervalMs).unref();
  return {
    arrivedBy: () => {
      const now = Date.now();
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
