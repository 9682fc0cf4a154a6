import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { watchEventLoop } from '../../service/loopDelay';
import { realUntil } from '../helpers/fakeClock';
import { memoryLogger } from '../helpers/liveApp';

// Node's own monitor, in real time: a 300 ms stall is reported with its figures within a few
// intervals (the rules of the report are checked on a fake clock in loopDelay.test.ts).

it('reports a real stall measured by Node’s event-loop monitor', async () => {
  const log = memoryLogger();
  const loop = watchEventLoop(log.logger, { intervalMs: 200, thresholdMs: 100 });
  try {
    await delay(50);
    const until = performance.now() + 300;
    while (performance.now() < until);
    const warning = () => log.lines().find((l) => l.eventLoopDelay !== undefined);
    await realUntil(() => warning() !== undefined, 'an event-loop delay line');
    const line = warning();
    expect((line?.eventLoopDelay as { maxMs: number } | undefined)?.maxMs).toBeGreaterThanOrEqual(
      250,
    );
  } finally {
    loop.stop();
  }
});
