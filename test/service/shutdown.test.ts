import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { drain, reply, WebhookError, type WebhookHandler } from '../../service';
import type { ServerResponse } from 'node:http';
import { answered, realPause, realUntil, settlesWithin, useFakeClock } from '../helpers/fakeClock';
import { startApp, type LiveApp } from '../helpers/liveApp';
import { openRaw, rawPost } from '../helpers/rawHttp';
import { killSpawned, spawnService } from '../helpers/spawnService';

// Shutdown. Cloud Run sends SIGTERM and kills the instance 10 s later; the service must finish what
// it accepted, close every connection, never let a client-controlled connection hold it to the 8 s
// cap, and answer what still runs at the cap with a 503. The drain's rules are checked in process on
// a fake clock (a cap passes only when the test moves the clock); the signals in a real process.
// The cap counted from a signal that waited through a blocked event loop: shutdown.slow.test.ts.

afterAll(killSpawned);

const body = (tag: string) => JSON.stringify({ fulfillmentInfo: { tag } });
const SHUTTING_DOWN = new WebhookError(503, 'the service is shutting down');

describe('drain (in process, on a fake clock)', () => {
  let app: LiveApp;
  let stop: AbortController;
  let started: Promise<void>;
  let markStarted: () => void;
  let release: () => void;
  /** Runs until the test releases it. */
  const held: WebhookHandler = async () => {
    markStarted();
    await new Promise<void>((resolve) => (release = resolve));
    return reply().text('held').build();
  };
  /** An answer close to the 64 KiB limit, to fill a connection's buffers quickly. */
  const big: WebhookHandler = () =>
    reply()
      .text('x'.repeat(60 * 1024))
      .build();

  beforeEach(async () => {
    useFakeClock();
    stop = new AbortController();
    started = new Promise((resolve) => (markStarted = resolve));
    app = await startApp({
      handlers: { held, big },
      env: { WEBHOOK_TIMEOUT_MS: '30000' },
      stop: stop.signal,
    });
  });
  afterEach(async () => {
    await app.close();
    jest.useRealTimers();
  });

  /** A keep-alive connection with a `held` request running on it. */
  async function inFlight() {
    const conn = await openRaw(app.url);
    await conn.write(rawPost(app.url, body('held')));
    expect(await settlesWithin(started)).toBe(true);
    return conn;
  }

  it('closes a keep-alive connection once the answer in flight is out, and ends without the cap', async () => {
    const conn = await inFlight();
    const drained = drain(app.server, { timeoutMs: 8000, stop, reason: SHUTTING_DOWN });
    release();
    expect(await answered(conn)).toBe(true);
    expect(conn.responses()[0]).toEqual(
      expect.objectContaining({
        status: 200,
        headers: expect.objectContaining({ connection: 'close' }),
      }),
    );
    expect(await settlesWithin(conn.closed)).toBe(true);
    expect(await settlesWithin(drained)).toBe(true);
  });

  it('must not let a connection that sent nothing, or half a request line, hold the drain', async () => {
    const silent = await openRaw(app.url);
    const partial = await openRaw(app.url);
    await partial.write('POST / HT');
    await realPause();
    const drained = drain(app.server, { timeoutMs: 8000, stop, reason: SHUTTING_DOWN });
    expect(await settlesWithin(drained)).toBe(true);
    expect(await settlesWithin(Promise.all([silent.closed, partial.closed]))).toBe(true);
  });

  it('must not let a connection that never reads its answers hold the drain to its cap', async () => {
    const { hostname, port } = new URL(app.url);
    const accepted = once(app.server, 'connection') as Promise<[Socket]>;
    const socket = connect(Number(port), hostname);
    socket.pause(); // never reads: the answers fill the buffers, then stop draining
    socket.on('error', () => undefined);
    const [served] = await accepted;
    const answers: ServerResponse[] = [];
    app.server.on('request', (_req, res: ServerResponse) => answers.push(res));
    // One request at a time, until the service's writes back up: its answers are all written and
    // none drains.
    let sent = 0;
    for (; sent < 400 && served.writableLength === 0; sent++) {
      socket.write(rawPost(app.url, body('big')));
      await realPause(5);
    }
    // Every request sent has arrived and its answer is ended, though not read.
    const written = () => answers.length === sent && answers.every((res) => res.writableEnded);
    await realUntil(written, 'every request to arrive and its answer to be ended');
    const drained = drain(app.server, { timeoutMs: 8000, stop, reason: SHUTTING_DOWN });
    // Closed at once, by closeIdleConnections: its request is complete and its answers finished
    // (Node's _http_server.js skips only a connection whose current answer is not finished).
    expect(served.destroyed).toBe(true);
    expect(await settlesWithin(drained)).toBe(true);
    socket.destroy();
  });

  it('answers a request still running half a second before the cap with 503, not a reset', async () => {
    const conn = await inFlight();
    const drained = drain(app.server, { timeoutMs: 8000, stop, reason: SHUTTING_DOWN });
    await jest.advanceTimersByTimeAsync(7499);
    await realPause();
    expect(conn.responses()).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(await answered(conn)).toBe(true);
    expect(conn.responses()[0].status).toBe(503);
    expect(JSON.parse(conn.responses()[0].body)).toEqual({
      error: { status: 503, message: 'the service is shutting down' },
    });
    // That answer closed the last connection: the drain ends there.
    expect(await settlesWithin(drained)).toBe(true);
  });

  it.each([
    // The signal's handler waited 5 s through a stall: 3 s of the 8 s remain.
    [5000, 2500],
    // It waited longer than the cap: the drain still lasts a second, to answer what runs.
    [60_000, 500],
  ])(
    'counts the cap from when the signal arrived (%i ms ago): the 503s go out %i ms in',
    async (agoMs, answerAtMs) => {
      const conn = await inFlight();
      void drain(app.server, {
        timeoutMs: 8000,
        startedAt: Date.now() - agoMs,
        stop,
        reason: SHUTTING_DOWN,
      });
      await jest.advanceTimersByTimeAsync(answerAtMs - 1);
      expect(stop.signal.aborted).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(stop.signal.aborted).toBe(true);
      expect(await answered(conn)).toBe(true);
      expect(conn.responses()[0].status).toBe(503);
    },
  );
});

describe('signals, in a real process', () => {
  it('drains on SIGINT, lets the keep-alive connection close after its answer, and a second signal does not end the drain', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts', { SLOW_MS: '1500' });
    const conn = await openRaw(svc.url);
    await conn.write(rawPost(svc.url, body('slow')));
    // The request reaches the handler before the signal; the answer is 1.5 s away.
    await svc.waitForLine('slow handler started');
    svc.child.kill('SIGINT');
    await realPause(100);
    svc.child.kill('SIGTERM');
    expect(await answered(conn, 10_000)).toBe(true);
    expect(conn.responses()[0]).toEqual(
      expect.objectContaining({
        status: 200,
        headers: expect.objectContaining({ connection: 'close' }),
      }),
    );
    // The answer was the last thing the drain waited for: the process does not wait for the
    // client to close its keep-alive connection (or for the 8 s cap).
    expect(await settlesWithin(svc.exited, 5000)).toBe(true);
    expect(await svc.exited).toBe(0);
    expect(svc.output()).toContain('SIGTERM while draining; the drain goes on');
    expect(svc.output()).toContain('drained; exiting');
    conn.destroy();
  });
});
