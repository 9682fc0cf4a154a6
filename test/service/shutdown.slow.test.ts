import { killSpawned, postTag, spawnService } from '../helpers/spawnService';

// A signal that arrives while a handler blocks the event loop: the drain cap counts from its
// arrival, not from when the loop could run its handler. Real time in a real process (the stall is
// real), with margins of seconds either way; the drain's own rules are in shutdown.test.ts.

afterAll(killSpawned);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('counts the drain cap from the signal’s arrival, not from when a blocked event loop ran its handler', async () => {
  const svc = await spawnService('test/fixtures/testServer.ts', {
    SLOW_MS: '29000',
    BLOCK_MS: '5000',
    WEBHOOK_TIMEOUT_MS: '30000',
    DRAIN_MS: '6000',
  });
  const stuck = postTag(svc.url, 'slow');
  await svc.waitForLine('slow handler started');
  void postTag(svc.url, 'block').catch(() => undefined);
  await sleep(500);
  // The signal arrives about 0.5 s into the 5 s stall. Counted from its arrival, the 6 s cap ends
  // the process about 5.5 s after it; counted from when its handler runs, about 10.5 s.
  const signalled = Date.now();
  svc.child.kill('SIGTERM');
  const res = await stuck;
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({
    error: { status: 503, message: 'the service is shutting down' },
  });
  expect(await svc.exited).toBe(0);
  expect(Date.now() - signalled).toBeLessThan(8000);
}, 30_000);
