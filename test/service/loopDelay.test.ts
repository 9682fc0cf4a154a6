import { watchEventLoop } from '../../service/loopDelay';
import { memoryLogger } from '../helpers/liveApp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const block = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};

describe('event-loop stalls', () => {
  it('are logged with their figures once an interval', async () => {
    const log = memoryLogger();
    const loop = watchEventLoop(log.logger, { intervalMs: 300, thresholdMs: 100 });
    try {
      await sleep(350);
      // Longer than the interval: the report falls due during the stall.
      block(400);
      await sleep(20);
      await sleep(100);
      const delays = log.lines().map((l) => l.eventLoopDelay as { maxMs: number } | undefined);
      expect(delays.some((d) => d !== undefined && d.maxMs >= 250)).toBe(true);
      expect(log.lines()).toContainEqual(
        expect.objectContaining({
          severity: 'WARNING',
          eventLoopDelay: expect.objectContaining({
            p99Ms: expect.any(Number),
            meanMs: expect.any(Number),
          }),
        }),
      );
    } finally {
      loop.stop();
    }
  });

  it('date a signal handled just after a stall from its start, and one handled later from now', async () => {
    const loop = watchEventLoop(memoryLogger().logger);
    try {
      await sleep(250);
      const blockedAt = Date.now();
      block(600);
      // Handled in the loop's first turns after the stall, as a signal that waited through it is.
      await new Promise((r) => setImmediate(r));
      expect(loop.arrivedBy() - blockedAt).toBeLessThan(300);
      // A stall long over says nothing about a signal handled now.
      await sleep(500);
      const now = Date.now();
      expect(loop.arrivedBy(now)).toBe(now);
    } finally {
      loop.stop();
    }
  });
});
