import { watchEventLoop } from '../../service/loopDelay';
import { memoryLogger } from '../helpers/liveApp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const block = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};

describe('event-loop stalls', () => {
  it('are logged with their figures once an interval, and remembered for the drain', async () => {
    const log = memoryLogger();
    const loop = watchEventLoop(log.logger, { intervalMs: 100, thresholdMs: 100 });
    try {
      await sleep(150);
      expect(log.lines()).toEqual([]);
      block(400);
      await sleep(20);
      expect(loop.recentMaxMs()).toBeGreaterThanOrEqual(250);
      await sleep(200);
      const [line] = log.lines();
      expect(line).toEqual(
        expect.objectContaining({
          severity: 'WARNING',
          eventLoopDelay: expect.objectContaining({ maxMs: expect.any(Number) }),
        }),
      );
      const { maxMs } = line.eventLoopDelay as { maxMs: number };
      expect(maxMs).toBeGreaterThanOrEqual(250);
    } finally {
      loop.stop();
    }
  });
});
