import autocannon from 'autocannon';
import { killSpawned, spawnService } from '../../helpers/spawnService';

afterAll(killSpawned);

const request = (tag: string) => ({
  method: 'POST' as const,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    detectIntentResponseId: 'load',
    fulfillmentInfo: { tag },
    text: 'load test',
  }),
});

describe('under load (a real process on loopback)', () => {
  it('answers a burst of 3,000 requests on 50 connections with zero errors', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts');
    try {
      const result = await autocannon({
        url: svc.url,
        connections: 50,
        amount: 3000,
        ...request('fast'),
      });
      expect({
        ok: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        resets: result.resets,
      }).toEqual({ ok: 3000, non2xx: 0, errors: 0, timeouts: 0, resets: 0 });
    } finally {
      svc.child.kill('SIGTERM');
      await svc.exited;
    }
  }, 60_000);

  it('on SIGTERM mid-burst completes every request it accepted, refuses new ones and exits 0 in time', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts');
    const burst = autocannon({
      url: svc.url,
      connections: 50,
      amount: 20_000,
      ...request('counted'),
    });
    await new Promise((r) => setTimeout(r, 300));
    const signalled = Date.now();
    svc.child.kill('SIGTERM');
    const code = await svc.exited;
    const exitMs = Date.now() - signalled;
    const result = await burst;

    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(8000 + 1000);
    const runs = JSON.parse(/\{"handlerRuns".*\}/.exec(svc.output())?.[0] ?? 'null') as {
      handlerRuns: { started: number; finished: number };
    };
    // Some requests were in flight when the signal came, and every one of them was answered.
    expect(runs.handlerRuns.started).toBeGreaterThan(0);
    expect(runs.handlerRuns.finished).toBe(runs.handlerRuns.started);
    expect(result['2xx']).toBe(runs.handlerRuns.started);
    expect(result.non2xx).toBe(0);
    // After the listener closed, new connections were refused rather than served.
    expect(result['2xx']).toBeLessThan(20_000);
    await expect(fetch(`${svc.url}/health`)).rejects.toThrow();
  }, 60_000);
});
