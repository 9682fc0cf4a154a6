import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServiceBundle, functionPackageJson } from '../../infra/bundle';
import {
  close,
  ENV,
  listen,
  orderRequest,
  ordersApi,
  post,
  sleep,
} from '../helpers/functionFramework';
import { ROOT } from '../helpers/spawnService';

// The deployed function bundle under the real Functions Framework's CLI, with its real process
// handlers (an unhandled rejection or an uncaught exception ends the instance with exit 16;
// SIGTERM exits at once). function.test.ts runs the entry in the framework's own test server.

describe('the deployed bundle under the Functions Framework CLI', () => {
  let dir: string;
  let orders: Awaited<ReturnType<typeof ordersApi>>;
  const running = new Set<ChildProcess>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cx-function-'));
    const bundle = buildServiceBundle('function', { minify: false });
    writeFileSync(join(dir, 'index.js'), bundle.code);
    writeFileSync(join(dir, 'package.json'), functionPackageJson());
    orders = await ordersApi();
  }, 30_000);
  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await close(orders.server);
    rmSync(dir, { recursive: true, force: true });
  });

  async function freePort(): Promise<number> {
    const probe = createServer();
    await listen(probe);
    const { port } = probe.address() as AddressInfo;
    await close(probe);
    return port;
  }

  /** Starts `functions-framework --target webhook` on the bundle and waits for /health. */
  async function start(env: Record<string, string>) {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'node_modules/@google-cloud/functions-framework/build/src/main.js'),
        '--target=webhook',
        `--source=${dir}`,
        `--port=${port}`,
      ],
      { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    running.add(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    const url = `http://127.0.0.1:${port}`;
    const started = Date.now();
    let up = false;
    while (!up && Date.now() - started < 15_000 && child.exitCode === null) {
      up = await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (!up) await sleep(100);
    }
    return { child, url, up, exited, output: () => output };
  }

  it('refuses to load with a configuration error that names the variable', async () => {
    const fn = await start({ K_SERVICE: 'cx-webhook' });
    expect(fn.up).toBe(false);
    expect(await fn.exited).toBe(1);
    expect(fn.output()).toContain('WEBHOOK_AUTH is required where K_SERVICE is set');
  });

  it('serves, stays up through hostile requests (no rejection escapes to the framework), and answers 503 to requests in flight at SIGTERM', async () => {
    const fn = await start({
      ...ENV,
      LOG_LEVEL: 'info',
      ORDERS_API_URL: orders.url,
      ORDERS_API_KEY: 'orders-key',
      WEBHOOK_TIMEOUT_MS: '5000',
    });
    expect(fn.up).toBe(true);
    expect(await (await post(fn.url, orderRequest('777777'))).json()).toEqual(
      expect.objectContaining({
        sessionInfo: { parameters: { order_found: true, order_status: 'delivered' } },
      }),
    );
    const hostile = await Promise.all([
      post(fn.url, Buffer.alloc(2 * 1024 * 1024, 'x')).then((r) => r.status),
      post(fn.url, '[]').then((r) => r.status),
      post(fn.url, '{}', { 'x-webhook-secret': 'no' }).then((r) => r.status),
      post(fn.url, '{"fulfillment_info":{"tag":"a"},"fulfillmentInfo":{"tag":"b"}}').then(
        (r) => r.status,
      ),
    ]);
    expect(hostile).toEqual([400, 400, 401, 400]);
    expect(fn.child.exitCode).toBeNull();

    const inFlight = post(fn.url, orderRequest('999999'));
    await sleep(300);
    fn.child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: { status: 503, message: 'the instance is shutting down' },
    });
    await fn.exited;
  }, 30_000);
});
