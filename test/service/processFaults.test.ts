import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { realUntil } from '../helpers/fakeClock';
import { killSpawned, ROOT, spawnService, exitWithin, postTag } from '../helpers/spawnService';

// Process faults, in real processes on loopback: a throw from a handler's callback, a port already
// taken, the signal path through `npm start`.

afterAll(killSpawned);

const post = postTag;

describe('process faults', () => {
  it('logs a throw from a handler callback as one JSON line, drains, and exits 1', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts', { SLOW_MS: '600' });
    const inFlight = post(svc.url, 'slow');
    await svc.waitForLine('slow handler started');
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
      await realUntil(() => /"port":(\d+)/.test(output), 'the listening line', 15000);
      const port = /"port":(\d+)/.exec(output)?.[1];
      expect(port).toBeDefined();
      npm.kill('SIGTERM');
      const code = await exitWithin({ exited }, 5000);
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
