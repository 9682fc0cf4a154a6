import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { killSpawned, ROOT, spawnService, type Spawned } from '../helpers/spawnService';
import { openRaw, rawPost } from '../helpers/rawHttp';

// Shutdown and process faults, in real processes on loopback. Cloud Run sends SIGTERM and kills
// the instance 10 s later; the service must finish what it accepted, close every connection, and
// never let a client-controlled connection hold it to the 8 s cap.

afterAll(killSpawned);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const body = (tag: string) => JSON.stringify({ fulfillmentInfo: { tag } });
const post = (url: string, tag: string) =>
  fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body(tag),
  });

/** Resolves with the exit code, or 'running' if the process is still alive after `ms`. */
const exitWithin = (svc: Spawned, ms: number) =>
  Promise.race([svc.exited, sleep(ms).then(() => 'running' as const)]);

describe('shutdown', () => {
  it('closes a keep-alive connection with the answer in flight at SIGTERM, and exits without waiting for it', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts', { SLOW_MS: '600' });
    const conn = await openRaw(svc.url);
    await conn.write(rawPost(svc.url, body('slow')));
    await sleep(150);
    svc.child.kill('SIGTERM');
    expect(await conn.waitFor((c) => c.responses().length > 0, 3000)).toBe(true);
    const answeredAt = Date.now();
    expect(conn.responses()[0]).toEqual(
      expect.objectContaining({
        status: 200,
        headers: expect.objectContaining({ connection: 'close' }),
      }),
    );
    expect(await exitWithin(svc, 3000)).toBe(0);
    expect(Date.now() - answeredAt).toBeLessThan(1500);
  });

  it('must not let a connection that sent nothing, or half a request line, hold the drain', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts');
    const silent = await openRaw(svc.url);
    const partial = await openRaw(svc.url);
    await partial.write('POST / HT');
    await sleep(100);
    const signalled = Date.now();
    svc.child.kill('SIGTERM');
    expect(await exitWithin(svc, 5000)).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(2000);
    silent.destroy();
    partial.destroy();
  });

  it('answers a request still running at the drain cap with 503, not a reset', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts', {
      SLOW_MS: '4000',
      WEBHOOK_TIMEOUT_MS: '10000',
      DRAIN_MS: '1000',
    });
    const inFlight = post(svc.url, 'slow');
    await sleep(150);
    svc.child.kill('SIGTERM');
    const res = await Promise.race([inFlight, sleep(3000).then(() => undefined)]);
    expect(res?.status).toBe(503);
    expect(await res?.json()).toEqual({
      error: { status: 503, message: 'the service is shutting down' },
    });
    expect(await exitWithin(svc, 3000)).toBe(0);
  });

  it('counts the drain cap from the signal’s arrival, not from when a blocked event loop ran the handler', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts', {
      SLOW_MS: '20000',
      BLOCK_MS: '3000',
      WEBHOOK_TIMEOUT_MS: '30000',
      DRAIN_MS: '2000',
    });
    const stuck = post(svc.url, 'slow');
    await sleep(100);
    void post(svc.url, 'block').catch(() => undefined);
    await sleep(300);
    // The signal arrives while the loop is blocked (3 s): counted from when its handler runs, the
    // 2 s cap would end the process about 5 s after it; counted from its arrival, about 3 s.
    const signalled = Date.now();
    svc.child.kill('SIGTERM');
    expect((await stuck).status).toBe(503);
    expect(await exitWithin(svc, 10000)).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(4500);
  });

  it('must not let a connection that never reads its answers hold the drain to its cap', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts');
    const conn = await openRaw(svc.url);
    await conn.write('GET /health HTTP/1.1\r\nhost: x\r\n\r\n'.repeat(2000));
    await sleep(200);
    const signalled = Date.now();
    svc.child.kill('SIGTERM');
    // The cap is 8 s.
    expect(await exitWithin(svc, 8000)).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(4000);
    conn.destroy();
  });

  it('must not let a second SIGTERM kill the drain', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts', { SLOW_MS: '600' });
    const inFlight = post(svc.url, 'slow');
    await sleep(150);
    svc.child.kill('SIGTERM');
    await sleep(100);
    svc.child.kill('SIGTERM');
    expect((await inFlight).status).toBe(200);
    expect(await exitWithin(svc, 3000)).toBe(0);
  });

  it('drains on SIGINT too', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts', { SLOW_MS: '600' });
    const inFlight = post(svc.url, 'slow');
    await sleep(150);
    svc.child.kill('SIGINT');
    expect((await inFlight).status).toBe(200);
    expect(await exitWithin(svc, 3000)).toBe(0);
    expect(svc.output()).toContain('drained; exiting');
  });
});

describe('process faults', () => {
  it('logs a throw from a handler callback as one JSON line, drains, and exits 1', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts', { SLOW_MS: '600' });
    const inFlight = post(svc.url, 'slow');
    await sleep(100);
    expect((await post(svc.url, 'throw-later')).status).toBe(200);
    // The request already in flight is finished, not cut.
    expect((await inFlight).status).toBe(200);
    expect(await exitWithin(svc, 3000)).toBe(1);
    const lines = svc.output().trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    const fault = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => typeof l.message === 'string' && l.message.includes('callback failure'));
    expect(fault).toEqual(
      expect.objectContaining({
        severity: 'CRITICAL',
        '@type':
          'type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent',
        message: expect.stringMatching(/^Error: callback failure\n\s+at /),
      }),
    );
  });

  it('exits 1 with one clear line when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const failure = await spawnService('service/main.ts', { PORT: String(port) }).then(
        () => 'started',
        (error: Error) => error.message,
      );
      expect(failure).toMatch(/exited with 1:/);
      expect(failure).toMatch(/cannot listen on 127\.0\.0\.1:\d+: address already in use/);
      expect(failure).not.toMatch(/unhandled/i);
    } finally {
      taken.close();
    }
  });

  it('lets SIGTERM sent to `npm start` reach the server, which drains and exits', async () => {
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    npm.stdout.on('data', (d: Buffer) => (output += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => npm.on('exit', resolve));
    try {
      const started = Date.now();
      while (!/"port":(\d+)/.test(output) && Date.now() - started < 15000) await sleep(50);
      const port = /"port":(\d+)/.exec(output)?.[1];
      expect(port).toBeDefined();
      npm.kill('SIGTERM');
      const code = await Promise.race([exited, sleep(5000).then(() => 'running')]);
      expect(code).not.toBe('running');
      expect(output).toContain('drained; exiting');
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    } finally {
      // Whatever the outcome, nothing of the process group outlives the test.
      try {
        process.kill(-(npm.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
});
