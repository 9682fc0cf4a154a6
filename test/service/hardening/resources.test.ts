import type { WebhookHandler } from '../../../service/protocol/handler';
import { reply } from '../../../service/responses';
import { startApp, type LiveApp } from '../../helpers/liveApp';
import { openRaw, rawPost, type RawConnection } from '../../helpers/rawHttp';

// What one caller can make the process hold, and what a caller reads when it is refused. Every
// connection is on loopback; every loop is bounded in count and time.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SECRET = { 'x-webhook-secret': 'letmein' };
const HEADER_AUTH = {
  WEBHOOK_AUTH: 'header',
  WEBHOOK_HEADER_NAME: 'x-webhook-secret',
  WEBHOOK_HEADER_VALUE: 'letmein',
};
const echo: WebhookHandler = (req) =>
  reply()
    .text(req.text ?? 'ok')
    .build();
const GOOD = JSON.stringify({ fulfillmentInfo: { tag: 'echo' }, text: 'first' });

/** The request head of a POST whose body is `length` bytes, with `headers` added. */
function head(url: string, length: number, headers: Record<string, string | number> = {}) {
  const framed = rawPost(url, '', { 'content-length': length, ...headers }).toString('latin1');
  return framed;
}

describe('credentials are judged on the headers, before the body', () => {
  let app: LiveApp;
  beforeAll(async () => {
    app = await startApp({ handlers: { echo }, env: HEADER_AUTH });
  });
  afterAll(() => app.close());

  it('answers 401 to a caller without credentials while its body is still arriving', async () => {
    const conn = await openRaw(app.url);
    await conn.write(head(app.url, 1024 * 1024));
    await conn.write('x'.repeat(16 * 1024));
    const answered = await conn.waitFor((c) => c.responses().length > 0, 1500);
    expect(answered).toBe(true);
    expect(conn.responses()[0].status).toBe(401);
    conn.destroy();
  });

  it('must not send 100 Continue to a caller without credentials', async () => {
    const conn = await openRaw(app.url);
    await conn.write(head(app.url, GOOD.length, { expect: '100-continue' }));
    await conn.waitFor((c) => c.responses().length > 0, 1500);
    expect(conn.responses().map((r) => r.status)).toEqual([401]);
    // The body it holds back may still come: Node closes the connection after such an answer.
    expect(conn.responses()[0].headers).toEqual(expect.objectContaining({ connection: 'close' }));
    conn.destroy();
  });

  it('sends 100 Continue only once the credentials passed, then reads the body', async () => {
    const conn = await openRaw(app.url);
    await conn.write(head(app.url, GOOD.length, { expect: '100-continue', ...SECRET }));
    expect(await conn.waitFor((c) => c.responses().length > 0, 1500)).toBe(true);
    expect(conn.responses().map((r) => r.status)).toEqual([100]);
    await conn.write(GOOD);
    await conn.waitFor((c) => c.responses().length > 1, 1500);
    expect(conn.responses().map((r) => r.status)).toEqual([100, 200]);
    conn.destroy();
  });
});

describe('bounds tied to the instance concurrency (WEBHOOK_CONCURRENCY)', () => {
  it('must not hold more connections than 4 × the concurrency', async () => {
    const app = await startApp({ handlers: { echo }, env: { WEBHOOK_CONCURRENCY: '2' } });
    const conns: RawConnection[] = [];
    try {
      for (let i = 0; i < 20; i++) conns.push(await openRaw(app.url));
      await sleep(300);
      const open = conns.filter((c) => !c.isClosed()).length;
      expect(open).toBe(8);
      conns.forEach((c) => c.destroy());
      await sleep(100);
      expect((await app.post(GOOD)).status).toBe(200);
    } finally {
      conns.forEach((c) => c.destroy());
      await app.close();
    }
  });

  it('refuses a body that would take the bytes in flight past concurrency × 1 MiB with 503', async () => {
    const app = await startApp({
      handlers: { echo },
      env: { WEBHOOK_CONCURRENCY: '1', WEBHOOK_TIMEOUT_MS: '2000' },
    });
    const first = await openRaw(app.url);
    const second = await openRaw(app.url);
    try {
      await first.write(head(app.url, 700 * 1024));
      await first.write('x'.repeat(100 * 1024));
      await sleep(100);
      await second.write(head(app.url, 700 * 1024));
      expect(await second.waitFor((c) => c.responses().length > 0, 1000)).toBe(true);
      expect(JSON.parse(second.responses()[0].body)).toEqual({
        error: { status: 503, message: 'the service is busy' },
      });
      // The first caller is unaffected by the refusal: it still runs into its own deadline.
      expect(first.responses()).toEqual([]);
    } finally {
      first.destroy();
      second.destroy();
      await app.close();
    }
  });
});

describe('refusals the caller can read', () => {
  let app: LiveApp;
  beforeAll(async () => {
    app = await startApp({ handlers: { echo } });
  });
  afterAll(() => app.close());

  it('lets a caller that writes its whole 8 MiB upload before reading see the 400 (no reset)', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 'x');
    const seen: (number | string)[] = [];
    for (let i = 0; i < 3; i++) {
      const conn = await openRaw(app.url);
      const failed = await conn.write(Buffer.concat([Buffer.from(head(app.url, big.length)), big]));
      if (failed) {
        seen.push((failed as NodeJS.ErrnoException).code ?? 'write failed');
      } else {
        await conn.waitFor((c) => c.responses().length > 0, 2000);
        seen.push(conn.responses()[0]?.status ?? 'no answer');
      }
      conn.destroy();
    }
    expect(seen).toEqual([400, 400, 400]);
  });

  it('must not write a client-error 400 over the answer to a valid pipelined request', async () => {
    const conn = await openRaw(app.url);
    await conn.write(`${rawPost(app.url, GOOD).toString('latin1')}\x00\x01garbage\r\n\r\n`);
    await conn.waitFor((c) => c.responses().length > 0 && c.isClosed(), 2000);
    const responses = conn.responses();
    expect(responses[0].status).toBe(200);
    expect(JSON.parse(responses[0].body)).toEqual({
      fulfillmentResponse: { messages: [{ text: { text: ['first'] } }] },
    });
    expect(responses.length).toBe(1);
    conn.destroy();
  });
});
