import autocannon from 'autocannon';
import { killSpawned, spawnService, type Spawned } from '../helpers/spawnService';

// Log lines are written to stdout asynchronously, off the request path, and none is lost: not to
// a SIGTERM under load, not to a crash, not to a reader that falls behind. Each test runs the
// service in its own process with stdout a pipe, as Cloud Run runs it.

afterAll(killSpawned);

const request = (tag: string) => ({
  method: 'POST' as const,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ detectIntentResponseId: 'log-writes', fulfillmentInfo: { tag } }),
});

/** Every line the process wrote, parsed: each must be one JSON object. */
function linesOf(svc: Spawned): Record<string, unknown>[] {
  return svc
    .output()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const requestLines = (lines: Record<string, unknown>[]) =>
  lines.filter((l) => typeof l.message === 'string' && l.message.startsWith('webhook request'));

describe('log writes', () => {
  it('must not lose a request line to SIGTERM under load: one line per answer, then the exit line', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts');
    // The signal comes mid-burst: after the first 500 answers, with 20 requests in flight.
    let answers = 0;
    const burst = new Promise<autocannon.Result>((resolve, reject) => {
      const cannon = autocannon(
        { url: svc.url, connections: 20, amount: 5000, ...request('counted') },
        (error: Error | null, result) => (error ? reject(error) : resolve(result)),
      ).on('response', () => {
        if (++answers === 500) svc.child.kill('SIGTERM');
      });
      // Once the process is gone, the rest would only be refused connections.
      void svc.exited.then(() => cannon.stop());
    });
    expect(await svc.exited).toBe(0);
    const result = await burst;

    const lines = linesOf(svc);
    expect(result['2xx']).toBeGreaterThan(0);
    expect(requestLines(lines)).toHaveLength(result['2xx'] + result.non2xx);
    // The last line the service wrote before exiting (the fixture adds its own after it).
    expect(lines.at(-2)?.message).toBe('drained; exiting');
  }, 30_000);

  it('keeps answering while the log reader falls behind, and loses no line once it reads again', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts');
    // Nothing reads the pipe now: once its buffer (64 KiB) is full, every write to it waits.
    svc.child.stdout?.pause();
    const result = await autocannon({
      url: svc.url,
      connections: 10,
      amount: 1500,
      timeout: 5,
      ...request('fast'),
    });
    // Some 240 KB of request lines: nearly four times what the pipe holds.
    expect({ ok: result['2xx'], errors: result.errors, timeouts: result.timeouts }).toEqual({
      ok: 1500,
      errors: 0,
      timeouts: 0,
    });
    svc.child.stdout?.resume();
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
    expect(requestLines(linesOf(svc))).toHaveLength(1500);
  }, 30_000);

  it('writes the line logged just before a crash, the fault, and every line up to the exit', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts');
    const res = await fetch(`${svc.url}/`, request('log-then-crash'));
    expect(res.status).toBe(200);
    expect(await svc.exited).toBe(1);

    const messages = linesOf(svc).map((l) => l.message as string);
    const at = (pattern: RegExp) => messages.findIndex((m) => pattern.test(m));
    expect(at(/^logged just before the crash$/)).toBeGreaterThan(-1);
    expect(at(/^Error: crash after a write\n/)).toBeGreaterThan(at(/^logged just before/));
    expect(at(/^drained; exiting$/)).toBeGreaterThan(at(/^Error: crash after a write/));
  }, 30_000);
});
