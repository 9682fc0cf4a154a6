import type { RequestHandler } from 'express';
import type { AuthStrategy } from '../../../service/auth/strategy';
import type { WebhookHandler } from '../../../service/protocol/handler';
import { reply } from '../../../service/responses';
import { answered, realPause, settlesWithin, useFakeClock } from '../../helpers/fakeClock';
import { startApp, type LiveApp } from '../../helpers/liveApp';
import { openRaw, rawPost, splitHead } from '../../helpers/rawHttp';

// WEBHOOK_TIMEOUT_MS 1000 leaves the service a budget of 800 ms from a request's arrival (the rest
// is its safety margin). Every wait (authentication, the body, the handler) must fit in it: CX gives
// up at 1000 ms and retries, so an answer after that, or a handler that runs after that, does harm.
// The service's clock is fake: the budget passes exactly when the test moves it.

const TIMEOUT = { WEBHOOK_TIMEOUT_MS: '1000' };
const BUDGET_MS = 800;
const BODY = JSON.stringify({ fulfillmentInfo: { tag: 'count' } });

let calls = 0;
const count: WebhookHandler = () => {
  calls++;
  return reply().text('ran').build();
};
// Holds the event loop past the deadline: the clock moves on, no timer can fire meanwhile.
const block: WebhookHandler = () => {
  jest.setSystemTime(Date.now() + 1200);
  return reply().text('late').build();
};

/** Resolves once the next request has arrived: its deadline counts from that moment. */
let onArrival: () => void = () => undefined;
const arrival = () => new Promise<void>((resolve) => (onArrival = resolve));
const middleware: RequestHandler[] = [
  (_req, _res, next) => {
    onArrival();
    next();
  },
];

describe('deadlines (a live server on loopback, on a fake clock)', () => {
  let app: LiveApp;
  beforeEach(async () => {
    useFakeClock();
    calls = 0;
    app = await startApp({ handlers: { count, block }, env: TIMEOUT, middleware });
  });
  afterEach(async () => {
    await app.close();
    jest.useRealTimers();
  });

  it('must not call the handler once a trickling body has spent the budget, and answers 503 at it', async () => {
    const conn = await openRaw(app.url);
    const { head, body } = splitHead(rawPost(app.url, BODY));
    const arrived = arrival();
    await conn.write(head);
    expect(await settlesWithin(arrived)).toBe(true);
    // A byte every 100 ms: progress does not extend the deadline.
    for (let i = 0; i < BUDGET_MS / 100; i++) {
      await conn.write(body[i]);
      await realPause(5);
      expect(conn.responses()).toEqual([]);
      await jest.advanceTimersByTimeAsync(100);
    }
    expect(await answered(conn)).toBe(true);
    expect(conn.responses()[0]).toEqual(
      expect.objectContaining({
        status: 503,
        headers: expect.objectContaining({ connection: 'close' }),
      }),
    );
    expect(JSON.parse(conn.responses()[0].body)).toEqual({
      error: { status: 503, message: 'the deadline passed while reading the request body' },
    });
    // Whatever arrives later, the handler never runs for this request.
    await conn.write(body.slice(BUDGET_MS / 100));
    await realPause();
    await jest.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(0);
    conn.destroy();
  });

  it('must not call the handler once slow authentication has spent the budget', async () => {
    let authenticated = false;
    const slowAuth: AuthStrategy = {
      name: 'slow',
      cost: 0,
      authenticate: () =>
        new Promise((resolve) => setTimeout(resolve, 900)).then(() => {
          authenticated = true;
          return {};
        }),
    };
    const slow = await startApp({
      handlers: { count },
      env: TIMEOUT,
      strategies: [slowAuth],
      middleware,
    });
    try {
      const arrived = arrival();
      const res = slow.post(BODY);
      expect(await settlesWithin(arrived)).toBe(true);
      await jest.advanceTimersByTimeAsync(BUDGET_MS);
      expect((await res).status).toBe(503);
      // Authentication ends after the deadline; the handler is still never called.
      await jest.advanceTimersByTimeAsync(1000);
      expect(authenticated).toBe(true);
      await realPause();
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

  it('must not hold a connection whose body stalls: 503 at the budget, then the connection closes', async () => {
    const conn = await openRaw(app.url);
    const framed = rawPost(app.url, BODY).toString('latin1');
    const arrived = arrival();
    await conn.write(framed.slice(0, framed.length - 5));
    expect(await settlesWithin(arrived)).toBe(true);
    await jest.advanceTimersByTimeAsync(BUDGET_MS - 1);
    await realPause();
    expect(conn.responses()).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(await answered(conn)).toBe(true);
    expect(conn.responses()[0].status).toBe(503);
    // The rest of the body never comes; the service does not wait for it.
    expect(await settlesWithin(conn.closed)).toBe(true);
  });
});

describe('slow headers (Node’s own header timeout, in real time)', () => {
  let app: LiveApp;
  beforeAll(async () => {
    app = await startApp({ handlers: { count }, env: TIMEOUT });
  });
  afterAll(() => app.close());

  it('must not hold a connection whose headers arrive slowly', async () => {
    const conn = await openRaw(app.url);
    const head = 'POST / HTTP/1.1\r\nhost: x\r\nx-slow: ' + 'a'.repeat(200);
    const started = Date.now();
    void (async () => {
      for (let i = 0; i < head.length && Date.now() - started < 10_000; i++) {
        if (conn.isClosed() || (await conn.write(head[i]))) return;
        await realPause();
      }
    })();
    // Node's header timeout is swept periodically; the service sets both to fit the CX timeout,
    // where Node's default would hold the connection for a minute.
    expect(await settlesWithin(conn.closed, 5000)).toBe(true);
  });
});
