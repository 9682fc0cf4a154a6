import { createHistogram } from 'node:perf_hooks';
import { watchEventLoop } from '../../service/loopDelay';
import { useFakeClock } from '../helpers/fakeClock';
import { memoryLogger } from '../helpers/liveApp';

// The watcher's timers and clock are fake and its delay figures come from a histogram the test
// records into, so what it reports, and when, is checked exactly. Node's own monitor measuring a
// real stall is checked in loopDelay.slow.test.ts.

const MS = 1e6;

describe('event-loop stalls', () => {
  beforeEach(useFakeClock);
  afterEach(() => jest.useRealTimers());

  it('are logged with their figures once an interval, and only past the threshold', async () => {
    const log = memoryLogger();
    const histogram = Object.assign(createHistogram(), { enable: () => true, disable: () => true });
    const loop = watchEventLoop(log.logger, { intervalMs: 1000, thresholdMs: 100, histogram });
    const warnings = () => log.lines().filter((l) => l.eventLoopDelay !== undefined);
    // The report runs on the loop's check phase (setImmediate, real here): a setImmediate queued
    // after it runs after it.
    const afterReport = () => new Promise((resolve) => setImmediate(resolve));
    try {
      histogram.record(150 * MS);
      histogram.record(10 * MS);
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
      const { maxMs, meanMs } = warnings()[0].eventLoopDelay as Record<string, number>;
      expect(maxMs).toBeCloseTo(150, 0);
      expect(meanMs).toBeCloseTo(80, 0);
      // The next interval starts afresh: delays under the threshold are not reported.
      histogram.record(99 * MS);
      await jest.advanceTimersByTimeAsync(1000);
      await afterReport();
      expect(warnings()).toHaveLength(1);
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
