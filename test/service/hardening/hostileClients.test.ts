import { connect, type Socket } from 'node:net';
import type { WebhookHandler } from '../../../service/protocol/handler';
import { reply } from '../../../service/responses';
import { realPause, settlesWithin } from '../../helpers/fakeClock';
import { startApp, type LiveApp } from '../../helpers/liveApp';
import { openRaw, rawPost, rawRequest } from '../../helpers/rawHttp';

// Callers that do not behave as Google's front end does, reaching a service bound beyond loopback
// (HOST): clients that never read their answers, and framing Node refuses. Each answer is one of
// the contract's JSON bodies, and what one connection can make the process hold is bounded.

const echo: WebhookHandler = (req) =>
  reply()
    .text(req.text ?? 'ok')
    .build();
/** An answer close to the 64 KiB limit, to fill a connection's buffers quickly. */
const big: WebhookHandler = () =>
  reply()
    .text('x'.repeat(60 * 1024))
    .build();
const GOOD = JSON.stringify({ fulfillmentInfo: { tag: 'echo' }, text: 'still here' });
const HEALTH = 'GET /health HTTP/1.1\r\nhost: x\r\n\r\n';
const jsonError = (status: number) => ({ error: { status, message: expect.any(String) } });

describe('clients that never read their answers (WEBHOOK_TIMEOUT_MS 1000)', () => {
  let app: LiveApp;
  let healthRuns = 0;
  beforeAll(async () => {
    app = await startApp({
      handlers: { echo, big },
      env: { WEBHOOK_TIMEOUT_MS: '1000' },
      // Counts the probes the app itself runs.
      middleware: [
        (req, _res, next) => {
          if (req.url === '/health') healthRuns++;
          next();
        },
      ],
    });
  });
  afterAll(() => app.close());

  it('closes connections that pipeline probes without reading, runs a bounded number of them, and still serves a legitimate call', async () => {
    const connections = await Promise.all(Array.from({ length: 4 }, () => openRaw(app.url)));
    healthRuns = 0;
    // One 64 KiB write each: Node parses all ~2,000 requests in it from a single read.
    await Promise.all(connections.map((c) => c.write(HEALTH.repeat(2000))));
    const legit = await app.post(GOOD);
    expect(legit.status).toBe(200);
    // Every flooding connection is closed by the service, well within its write timeout.
    expect(await settlesWithin(Promise.all(connections.map((c) => c.closed)))).toBe(true);
    // The probes the service answered: a handful per connection, never the whole backlog.
    expect(healthRuns).toBeLessThanOrEqual(connections.length * 8);
  });

  it('closes a connection whose answers stop draining, within the write timeout', async () => {
    const { port } = new URL(app.url);
    const accepted = new Promise<Socket>((resolve) => app.server.once('connection', resolve));
    const socket = connect(Number(port), '127.0.0.1');
    socket.pause(); // never reads: the answers fill the buffers, then stop draining
    socket.on('error', () => undefined);
    const ended = new Promise((resolve) => socket.once('close', resolve));
    const served = await accepted;
    const cut = new Promise((resolve) => served.once('close', resolve));
    const request = rawPost(app.url, JSON.stringify({ fulfillmentInfo: { tag: 'big' } }));
    // One request at a time, until the service stops taking them (its reads pause).
    for (let i = 0; i < 400 && !socket.destroyed; i++) {
      if (!socket.write(request)) break;
      await realPause(5);
    }
    // The service closes its end once its writes have stalled for the 1 s write timeout (Node's
    // default is never); the client, reading at last, sees the end after what was buffered.
    expect(await settlesWithin(cut, 10_000)).toBe(true);
    socket.resume();
    expect(await settlesWithin(ended, 10_000)).toBe(true);
    socket.destroy();
    expect((await app.post(GOOD)).status).toBe(200);
  });
});

describe('framing Node refuses, answered with the contract’s JSON', () => {
  let app: LiveApp;
  beforeAll(async () => {
    app = await startApp({ handlers: { echo } });
  });
  afterAll(() => app.close());
  afterEach(async () => {
    expect((await app.post(GOOD)).status).toBe(200);
  });

  const chunked = (body: string) =>
    `POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n${body}`;
  it.each([
    ['a chunk size that is not hex', '5\r\n{"a":\r\nzz\r\n1}\r\n0\r\n\r\n'],
    ['a bare LF after the chunk size', '5\n{"a":\r\n0\r\n\r\n'],
    ['a negative chunk size', '-1\r\n{\r\n0\r\n\r\n'],
    ['an 18-hex-digit chunk size', '5\r\n{"a":\r\n000000000000000001\r\n}\r\n0\r\n\r\n'],
  ])('a malformed chunked body (%s) → an immediate JSON 400', async (_name, body) => {
    // The deadline is 4.5 s away: only an answer to the framing itself arrives within 2 s.
    const res = await rawRequest(app.url, chunked(body), 2000);
    expect(res?.status).toBe(400);
    expect(JSON.parse(res?.body ?? '')).toEqual(jsonError(400));
  });

  it('an HTTP/1.1 request without Host → JSON 400', async () => {
    const framed = rawPost(app.url, GOOD)
      .toString('latin1')
      .replace(/host: [^\r]*\r\n/, '');
    const res = await rawRequest(app.url, framed);
    expect(res?.status).toBe(400);
    expect(JSON.parse(res?.body ?? '')).toEqual(jsonError(400));
  });
});

describe('a repeated Authorization behind many headers', () => {
  let app: LiveApp;
  beforeAll(async () => {
    app = await startApp({
      handlers: { echo },
      env: { WEBHOOK_AUTH: 'basic', WEBHOOK_BASIC_USERNAME: 'u', WEBHOOK_BASIC_PASSWORD: 'p' },
    });
  });
  afterAll(() => app.close());
  const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;

  it.each([10, 1100, 2500])(
    'is seen after %i filler headers: the request is refused, never served',
    async (count) => {
      const filler = Object.fromEntries(Array.from({ length: count }, (_, i) => [`x-f${i}`, '1']));
      const framed = rawPost(app.url, GOOD, { authorization: basic, ...filler })
        .toString('latin1')
        .replace(
          '\r\n\r\n',
          `\r\nauthorization: Basic ${Buffer.from('x:y').toString('base64')}\r\n\r\n`,
        );
      const res = await rawRequest(app.url, framed);
      expect(res?.status).not.toBe(200);
      expect([400, 401]).toContain(res?.status);
      expect(JSON.parse(res?.body ?? '')).toEqual(jsonError(res?.status ?? 0));
    },
  );

  it('serves the same request with a single Authorization', async () => {
    const filler = Object.fromEntries(Array.from({ length: 1100 }, (_, i) => [`x-f${i}`, '1']));
    const res = await rawRequest(
      app.url,
      rawPost(app.url, GOOD, { authorization: basic, ...filler }),
    );
    expect(res?.status).toBe(200);
  });
});
