import { performance } from 'node:perf_hooks';
import { watchEventLoop } from '../../service/loopDelay';
import { realPause, useFakeClock } from '../helpers/fakeClock';
import { memoryLogger } from '../helpers/liveApp';

// The watcher's own timers and clock are fake, so its interval and its dating of a signal are
// checked exactly; the delay figures come from Node's monitor, which measures a real stall.

/** Holds the event loop for `ms` of real time (the fake clock stands still meanwhile). */
const block = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('event-loop stalls', () => {
  beforeEach(useFakeClock);
  afterEach(() => jest.useRealTimers());

  it('are logged with their figures once an interval', async () => {
    const log = memoryLogger();
    const loop = watchEventLoop(log.logger, { intervalMs: 1000, thresholdMs: 100 });
    try {
      // The monitor samples every 10 ms of real time: a stall is measured between two samples.
      await realPause(30);
      block(150);
      await realPause(30);
      const warnings = () => log.lines().filter((l) => l.eventLoopDelay !== undefined);
      // The report runs on the loop's check phase (setImmediate, real here); a setImmediate queued
      // after it runs after it, whatever the load, where a short real pause may run first.
      const afterReport = () => new Promise((resolve) => setImmediate(resolve));
      await jest.advanceTimersByTimeAsync(999);
      await afterReport();
      expect(warnings()).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      await afterReport();
      expect(warnings()).toEqual([
        expect.objectContaining({
          severity: 'WARNING',
          eventLoopDelay: {
            maxMs: expect.any(Number),
            p99Ms: expect.any(Number),
            meanMs: expect.any(Number),
          },
        }),
      ]);
      expect((warnings()[0].eventLoopDelay as { maxMs: number }).maxMs).toBeGreaterThanOrEqual(100);
    } finally {
      loop.stop();
    }
  });

  it('date a signal handled in or just after a stall from its start, and one handled later from now', () => {
    const loop = watchEventLoop(memoryLogger().logger);
    try {
      jest.advanceTimersByTime(250);
      const blockedAt = Date.now();
      // A 600 ms stall: the clock moves on and no timer runs.
      jest.setSystemTime(blockedAt + 600);
      expect(loop.arrivedBy()).toBeLessThanOrEqual(blockedAt);
      expect(loop.arrivedBy()).toBeGreaterThan(blockedAt - 300);
      // The loop's first turn after the stall runs its overdue timers, then the signal's handler.
      jest.advanceTimersToNextTimer();
      expect(loop.arrivedBy()).toBeLessThanOrEqual(blockedAt);
      expect(loop.arrivedBy()).toBeGreaterThan(blockedAt - 300);
      // A stall long over says nothing about a signal handled now.
      jest.advanceTimersByTime(500);
      expect(loop.arrivedBy()).toBe(Date.now());
    } finally {
      loop.stop();
    }
  });
});
