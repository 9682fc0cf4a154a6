import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../service/config';
import type { WebhookHandler } from '../../service/protocol/handler';
import { reply } from '../../service/responses';
import { createApp } from '../../service/app';
import { createWebhookServer, drain } from '../../service/server';
import { memoryLogger } from '../helpers/liveApp';
import { openRaw, rawPost } from '../helpers/rawHttp';

const slow: WebhookHandler = () =>
  new Promise((resolve) => setTimeout(() => resolve(reply().text('slow').build()), 200));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('drain', () => {
  it('answers the request in flight with connection: close, then closes that keep-alive connection', async () => {
    const config = loadConfig({});
    const server = createWebhookServer(
      createApp({ ...config, handlers: { slow }, logger: memoryLogger().logger }),
      config,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const conn = await openRaw(url);
    await conn.write(rawPost(url, JSON.stringify({ fulfillmentInfo: { tag: 'slow' } })));
    await sleep(50);
    // The drain starts while the request is in flight on this connection.
    const drained = drain(server, { timeoutMs: 5000 });
    // A probe pipelined behind it mid-drain is answered synchronously by the app: it must not throw
    // setting `connection: close` after its headers went out.
    await conn.write('GET /health HTTP/1.1\r\nhost: x\r\n\r\n');
    const started = Date.now();
    await drained;

    expect(Date.now() - started).toBeLessThan(1000);
    await conn.waitFor((c) => c.responses().length > 0, 1000);
    expect(conn.responses()[0]).toEqual(
      expect.objectContaining({
        status: 200,
        headers: expect.objectContaining({ connection: 'close' }),
      }),
    );
    expect(await Promise.race([conn.closed, sleep(1000).then(() => 'open')])).not.toBe('open');
    expect(server.listening).toBe(false);
  });

  /** A server with one request whose handler never answers, running, and the stop signal. */
  async function serverWithStuckRequest() {
    const config = loadConfig({ WEBHOOK_TIMEOUT_MS: '10000' });
    const stop = new AbortController();
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (started = resolve));
    const never: WebhookHandler = () => {
      started();
      return new Promise(() => undefined);
    };
    const server = createWebhookServer(
      createApp({
        ...config,
        handlers: { never },
        logger: memoryLogger().logger,
        stop: stop.signal,
      }),
      config,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const pending = fetch(`${url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fulfillmentInfo: { tag: 'never' } }),
    });
    await running;
    return { server, stop, pending };
  }

  it('cuts what is left at the cap, after answering what still runs through the stop signal', async () => {
    const { server, stop, pending } = await serverWithStuckRequest();
    await drain(server, { timeoutMs: 700, stop, reason: new Error('shutting down') });
    const res = await pending;
    expect(res.status).toBe(503);
    expect(res.headers.get('connection')).toBe('close');
    expect(server.listening).toBe(false);
  });

  it('counts its cap from when the signal arrived, when that was earlier than now', async () => {
    const { server, stop, pending } = await serverWithStuckRequest();
    const begun = Date.now();
    // The signal arrived 7.5 s ago (the event loop was blocked): of the 8 s cap, little is left.
    await drain(server, { timeoutMs: 8000, startedAt: begun - 7500, stop });
    expect(Date.now() - begun).toBeLessThan(4000);
    expect((await pending).status).toBe(503);
  });
});
