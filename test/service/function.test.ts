import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { Server } from 'node:http';
import { fixtureText } from '../helpers/fixtures';
import {
  close,
  ENV,
  listen,
  orderRequest,
  ordersApi,
  post,
  sleep,
} from '../helpers/functionFramework';
import { settlesWithin, useFakeClock } from '../helpers/fakeClock';

/** WEBHOOK_TIMEOUT_MS (2000 in ENV) less the service's 200 ms safety margin. */
const BUDGET_MS = 1800;

// service/function.ts under the real @google-cloud/functions-framework 5, in process through its
// own testing server (`getTestServer`, the framework's Express app and body parsers); the service's
// clock is fake where a deadline matters. The deployed bundle under the framework's CLI is tested in
// function.cli.slow.test.ts.

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

  /** Sends `send()`, with the orders API hanging, and moves the fake clock to the budget. */
  async function pastTheBudget<T>(send: () => Promise<T>): Promise<{ early: boolean; sent: T }> {
    useFakeClock();
    try {
      const asked = new Promise((resolve) => orders.server.once('request', resolve));
      const sent = send();
      expect(await settlesWithin(asked)).toBe(true);
      await jest.advanceTimersByTimeAsync(BUDGET_MS - 1);
      const early = await settlesWithin(sent, 50);
      await jest.advanceTimersByTimeAsync(1);
      return { early, sent: await sent };
    } finally {
      jest.useRealTimers();
    }
  }

  it('answers 503 JSON at the budget when the orders API hangs', async () => {
    const { early, sent: res } = await pastTheBudget(() => post(url, orderRequest('999999')));
    expect(early).toBe(false);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: { status: 503, message: 'the deadline passed while waiting for the handler' },
    });
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
    // contract's 400, but the body is the framework's HTML page (docs/http.md: the Functions target).
    const res = await post(url, '{"fulfillmentInfo":');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('leaves no unhandled rejection behind, whatever the request (the framework would exit 16)', async () => {
    await pastTheBudget(() =>
      Promise.all([
        post(url, Buffer.alloc(2 * 1024 * 1024, 'x')),
        post(url, '{}', { 'content-type': 'application/json; charset=latin1' }),
        post(url, orderRequest('999999')),
        post(url, '{"fulfillmentInfo":{"tag":"order-status"},"sessionInfo":{"parameters":[]}}'),
      ]),
    );
    await sleep(100);
    expect(rejections).toEqual([]);
  });
});
