import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServiceBundle, functionPackageJson } from '../../infra/bundle';
import { fixtureText } from '../helpers/fixtures';
import { ROOT } from '../helpers/spawnService';

// service/function.ts under the real @google-cloud/functions-framework 5: in process through its
// own testing server (`getTestServer`, the framework's Express app and body parsers), and as
// deployed, the bundle under the framework's CLI, with its real process handlers (an unhandled
// rejection or an uncaught exception ends the instance with exit 16; SIGTERM exits at once).

const SECRET = { 'x-webhook-secret': 'letmein' };
const ENV = {
  WEBHOOK_AUTH: 'header',
  WEBHOOK_HEADER_NAME: 'x-webhook-secret',
  WEBHOOK_HEADER_VALUE: 'letmein',
  WEBHOOK_TIMEOUT_MS: '2000',
  LOG_LEVEL: 'error',
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const post = (url: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...SECRET, ...headers },
    body,
  });

/** A stand-in orders API on loopback: 777777 (not in the demo data) is delivered; 999999 hangs. */
async function ordersApi() {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== 'Bearer orders-key') return res.writeHead(401).end();
    if (req.url === '/orders/777777') {
      return res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"status":"delivered"}');
    }
    if (req.url === '/orders/999999') return; // hangs
    res.writeHead(404).end();
  });
  await listen(server);
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const orderRequest = (orderNumber: string) =>
  JSON.stringify({
    fulfillmentInfo: { tag: 'order-status' },
    sessionInfo: { parameters: { order_number: orderNumber } },
  });

describe('service/function.ts in the Functions Framework’s own test server', () => {
  let url: string;
  let server: Server;
  let orders: Awaited<ReturnType<typeof ordersApi>>;
  // The entry registers process handlers at load, as it must in its own process; they are taken
  // off again after the suite, so they do not outlive it in the test runner.
  const watched = ['unhandledRejection', 'uncaughtException', 'SIGTERM'];
  const listeners = (event: string) => process.listeners(event as 'SIGTERM') as unknown[];
  const before = new Map(watched.map((e) => [e, listeners(e)]));
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  beforeAll(async () => {
    orders = await ordersApi();
    const saved = { ...process.env };
    Object.assign(process.env, ENV, { ORDERS_API_URL: orders.url, ORDERS_API_KEY: 'orders-key' });
    let webhook: functions.HttpFunction | undefined;
    jest.isolateModules(() => {
      webhook = (require('../../service/function') as { webhook: functions.HttpFunction }).webhook;
    });
    process.env = saved;
    functions.http('webhook', webhook as functions.HttpFunction);
    server = getTestServer('webhook');
    url = await listen(server);
    process.on('unhandledRejection', onRejection);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    for (const event of watched) {
      for (const l of listeners(event)) {
        if (!before.get(event)?.includes(l)) process.off(event, l as () => void);
      }
    }
    await close(server);
    await close(orders.server);
  });

  it('answers a CX request from the bytes the framework already read', async () => {
    const res = await post(url, fixtureText('text-form.snake'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sessionInfo: { parameters: { order_number: '123456' } } });
  });

  it('looks an order up through the HTTP order store built from ORDERS_API_URL and ORDERS_API_KEY', async () => {
    const res = await post(url, orderRequest('777777'));
    expect(await res.json()).toEqual({
      fulfillmentResponse: { messages: [{ text: { text: ['Order 777777 is delivered.'] } }] },
      sessionInfo: { parameters: { order_found: true, order_status: 'delivered' } },
    });
  });

  it('answers 503 JSON within the budget when the orders API hangs', async () => {
    const started = Date.now();
    const res = await post(url, orderRequest('999999'));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: { status: 503, message: 'the handler did not answer before the deadline' },
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it.each<[string, () => Promise<Response>, number, string]>([
    [
      'missing credentials',
      () => post(url, '{}', { 'x-webhook-secret': 'wrong' }),
      401,
      'the secret header is wrong',
    ],
    [
      'a wrong content type',
      () => post(url, '{}', { 'content-type': 'text/plain' }),
      400,
      'content-type must be application/json',
    ],
    [
      'a body over 1 MiB (the framework reads up to 1 GB; the contract holds)',
      () => post(url, JSON.stringify({ text: 'x'.repeat(1024 * 1024) })),
      400,
      'body exceeds 1048576 bytes',
    ],
    ['a tag nobody handles', () => post(url, '{"fulfillmentInfo":{"tag":"x"}}'), 200, ''],
  ])('answers %s with the contract’s JSON', async (_name, send, status, message) => {
    const res = await send();
    expect(res.status).toBe(status);
    const body = (await res.json()) as Record<string, unknown>;
    if (status !== 200) expect(body).toEqual({ error: { status, message } });
  });

  it('serves /health', async () => {
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('cannot answer a body that is not JSON with the contract’s JSON: the framework refuses it first', async () => {
    // body-parser runs before the function and fails the request itself: the status is the
    // contract's 400, but the body is the framework's HTML page (README: the Functions target).
    const res = await post(url, '{"fulfillmentInfo":');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('leaves no unhandled rejection behind, whatever the request (the framework would exit 16)', async () => {
    await Promise.all([
      post(url, Buffer.alloc(2 * 1024 * 1024, 'x')),
      post(url, '{}', { 'content-type': 'application/json; charset=latin1' }),
      post(url, orderRequest('999999')),
      post(url, '{"fulfillmentInfo":{"tag":"order-status"},"sessionInfo":{"parameters":[]}}'),
    ]);
    await sleep(100);
    expect(rejections).toEqual([]);
  });
});

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
