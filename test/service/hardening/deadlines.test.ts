import type { AuthStrategy } from '../../../service/auth/strategy';
import type { WebhookHandler } from '../../../service/protocol/handler';
import { reply } from '../../../service/responses';
import { startApp, type LiveApp } from '../../helpers/liveApp';
import { openRaw, rawPost, splitHead } from '../../helpers/rawHttp';

// WEBHOOK_TIMEOUT_MS 1000 leaves the service a budget of 800 ms from a request's arrival. Every wait
// (authentication, the body, the handler) must fit in it: CX gives up at 1000 ms and retries, so an
// answer after that, or a handler that runs after that, does harm. Loops are bounded in count and time.

const TIMEOUT = { WEBHOOK_TIMEOUT_MS: '1000' };
const BODY = JSON.stringify({ fulfillmentInfo: { tag: 'count' } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let calls = 0;
const count: WebhookHandler = () => {
  calls++;
  return reply().text('ran').build();
};
// Blocks the event loop past the deadline, so its result arrives before the expiry timer can fire.
const block: WebhookHandler = () => {
  const until = Date.now() + 1200;
  while (Date.now() < until);
  return reply().text('late').build();
};

/** Sends the request head and then the body one byte every `everyMs`, for at most `maxMs`. */
async function dribble(url: string, body: string, everyMs: number, maxMs: number) {
  const conn = await openRaw(url);
  await conn.write(splitHead(rawPost(url, body)).head);
  const started = Date.now();
  void (async () => {
    for (let i = 0; i < body.length && Date.now() - started < maxMs; i++) {
      if (conn.isClosed() || (await conn.write(body[i]))) return;
      await sleep(everyMs);
    }
  })();
  return { conn, started };
}

describe('deadlines (a live server on loopback)', () => {
  let app: LiveApp;
  beforeAll(async () => {
    app = await startApp({ handlers: { count, block }, env: TIMEOUT });
  });
  afterAll(() => app.close());
  beforeEach(() => {
    calls = 0;
  });

  it('must not call the handler once a slow body has spent the budget, and answers 503 in time', async () => {
    const { conn, started } = await dribble(app.url, BODY, 40, 2500);
    const answered = await conn.waitFor((c) => c.responses().length > 0, 2500);
    const elapsed = Date.now() - started;
    expect(answered).toBe(true);
    expect(conn.responses()[0]).toEqual(
      expect.objectContaining({
        status: 503,
        headers: expect.objectContaining({ connection: 'close' }),
      }),
    );
    expect(JSON.parse(conn.responses()[0].body)).toEqual({
      error: { status: 503, message: 'the deadline passed while reading the request body' },
    });
    expect(elapsed).toBeLessThan(1000);
    // Whatever arrives later, the handler never runs for this request.
    await sleep(300);
    expect(calls).toBe(0);
    conn.destroy();
  });

  it('must not call the handler once slow authentication has spent the budget', async () => {
    const slowAuth: AuthStrategy = {
      name: 'slow',
      cost: 0,
      authenticate: () => sleep(900).then(() => ({})),
    };
    const slow = await startApp({ handlers: { count }, env: TIMEOUT, strategies: [slowAuth] });
    try {
      const res = await slow.post(BODY);
      expect(res.status).toBe(503);
      await sleep(200);
      expect(calls).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it('must not answer 200 when a handler blocks the event loop past the deadline', async () => {
    const res = await app.post({ fulfillmentInfo: { tag: 'block' } });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: { status: 503, message: 'the deadline passed while waiting for the handler' },
    });
    expect(app.logs()).toContainEqual(
      expect.objectContaining({ message: 'late handler result discarded', tag: 'block' }),
    );
  });

  it('must not hold a connection whose body stalls: 503 within the budget, then the connection closes', async () => {
    const conn = await openRaw(app.url);
    const framed = rawPost(app.url, BODY).toString('latin1');
    const started = Date.now();
    await conn.write(framed.slice(0, framed.length - 5));
    const answered = await conn.waitFor((c) => c.responses().length > 0, 3000);
    expect(answered).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(conn.responses()[0].status).toBe(503);
    // The rest of the body never comes; the service does not wait for it.
    expect(await Promise.race([conn.closed, sleep(3000).then(() => 'still open')])).not.toBe(
      'still open',
    );
  });

  it('must not hold a connection whose headers arrive slowly', async () => {
    const conn = await openRaw(app.url);
    const head = 'POST / HTTP/1.1\r\nhost: x\r\nx-slow: ' + 'a'.repeat(100);
    const started = Date.now();
    void (async () => {
      for (let i = 0; i < head.length && Date.now() - started < 4000; i++) {
        if (conn.isClosed() || (await conn.write(head[i]))) return;
        await sleep(50);
      }
    })();
    const how = await Promise.race([conn.closed, sleep(4000).then(() => 'still open')]);
    expect(how).not.toBe('still open');
    // Node's header timeout is swept periodically; the service sets both to fit the CX timeout.
    expect(Date.now() - started).toBeLessThan(2500);
  });
});
