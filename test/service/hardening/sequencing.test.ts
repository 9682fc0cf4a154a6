import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { connect } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { WebhookHandler } from '../../../service/protocol/handler';
import { reply } from '../../../service/responses';
import { startApp, type LiveApp } from '../../helpers/liveApp';
import { openRaw, rawPost, splitHead, trickle } from '../../helpers/rawHttp';

// One request in progress per connection (service/http/connections.ts), requests dated from their
// arrival (service/http/arrival.ts) and the CONNECT answer (service/server.ts), under pipelining
// and event-loop stalls. Each test states a guarantee and fails while the service breaks it.
// Loopback only; loops are bounded.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const body = (tag: string) => JSON.stringify({ fulfillmentInfo: { tag } });

describe('a CONNECT pipelined behind an answer in progress', () => {
  let app: LiveApp;
  let ran = 0;
  const slow: WebhookHandler = async () => {
    ran++;
    await sleep(300);
    return reply().text('slow').build();
  };
  beforeAll(async () => {
    app = await startApp({ handlers: { slow } });
  });
  afterAll(() => app.close());

  it('must not write its 404 over the answer in progress (the first answer is the POST’s)', async () => {
    const conn = await openRaw(app.url);
    await conn.write(
      Buffer.concat([
        rawPost(app.url, body('slow')),
        Buffer.from('CONNECT 127.0.0.1:1 HTTP/1.1\r\nhost: 127.0.0.1:1\r\n\r\n'),
      ]),
    );
    await conn.waitFor((c) => c.isClosed(), 2000);
    const statuses = conn.responses().map((r) => r.status);
    conn.destroy();
    // The POST's handler ran; its caller must get its 200, not the CONNECT's 404 in its place.
    expect(ran).toBe(1);
    expect(statuses[0]).toBe(200);
  });
});

describe('requests held behind an answer in progress', () => {
  it('a pipelining connection must not pin tens of MB of held requests nor stall the event loop for seconds', async () => {
    let fastRuns = 0;
    const slow: WebhookHandler = async () => {
      await sleep(500);
      return reply().text('slow').build();
    };
    const fast: WebhookHandler = () => {
      fastRuns++;
      return reply().text('fast').build();
    };
    const app = await startApp({ handlers: { slow, fast } });
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { port } = new URL(app.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    try {
      await new Promise((resolve) => socket.once('connect', resolve));
      const N = 20000;
      gc();
      const before = process.memoryUsage().heapUsed;
      socket.write(rawPost(app.url, body('slow')));
      // 2.5 MB of small pipelined requests: before sequencing, their answers filled the socket's
      // buffer and Node stopped reading; held requests write nothing, so nothing stops it now.
      socket.write(Buffer.concat(Array<Buffer>(N).fill(rawPost(app.url, body('fast')))));
      await sleep(350);
      gc();
      const pinnedMb = (process.memoryUsage().heapUsed - before) / 1e6;
      // Once the slow answer is out (at 500 ms) the held backlog is started, each start from the
      // answer before it: how long does that keep the event loop from every other connection?
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const deadline = Date.now() + 10000;
      while (fastRuns < N && Date.now() < deadline) await sleep(50);
      delay.disable();
      const longestStallMs = delay.max / 1e6;
      expect({
        pinnedMbUnder16: pinnedMb < 16,
        longestStallUnder1s: longestStallMs < 1000,
      }).toEqual({ pinnedMbUnder16: true, longestStallUnder1s: true });
    } finally {
      socket.destroy();
      await app.close();
    }
  });
});

describe('arrival dating (WEBHOOK_TIMEOUT_MS 1000: budget 800 ms)', () => {
  let app: LiveApp;
  const block: WebhookHandler = () => {
    const until = Date.now() + 300;
    while (Date.now() < until);
    return reply().text('blocked').build();
  };
  const work: WebhookHandler = async () => {
    await sleep(450);
    return reply().text('worked').build();
  };
  const longer: WebhookHandler = async () => {
    await sleep(550);
    return reply().text('worked longer').build();
  };
  beforeAll(async () => {
    app = await startApp({
      handlers: { block, work, longer },
      env: { WEBHOOK_TIMEOUT_MS: '1000' },
    });
  });
  afterAll(() => app.close());

  it('must not date a request sent after a 300 ms stall ended from the stall’s start', async () => {
    const other = await openRaw(app.url);
    const res = await app.post(body('block'));
    expect(res.status).toBe(200);
    // The stall is over and answered: this request is sent only now, with its full 800 ms.
    const sent = Date.now();
    await other.write(rawPost(app.url, body('longer')));
    await other.waitFor((c) => c.responses().length > 0, 2000);
    const status = other.responses()[0]?.status;
    other.destroy();
    // 550 ms of work inside its own 800 ms budget: a 200, inside the CX timeout. Dated from the
    // stall's start (300 ms and more earlier), it is refused 503 instead.
    expect({ status, inTime: Date.now() - sent < 1000 }).toEqual({ status: 200, inTime: true });
  });

  it('must not date a pipelined request from the first bytes of the request before it', async () => {
    const conn = await openRaw(app.url);
    const { head, body: rest } = splitHead(rawPost(app.url, body('work')));
    // The first request's head over ~300 ms (so the heartbeat dates its first bytes), then its body.
    const t0 = Date.now();
    await trickle(conn, head, 300, 16);
    await conn.write(rest);
    // ~700 ms after the first request began, a second arrives on the same connection, pipelined.
    await sleep(Math.max(0, 700 - (Date.now() - t0)));
    const sent = Date.now();
    await conn.write(rawPost(app.url, body('work')));
    await conn.waitFor((c) => c.responses().length >= 2, 3000);
    const statuses = conn.responses().map((r) => r.status);
    conn.destroy();
    // It waits ~50 ms for the answer before it, then works 450 ms: ~500 ms of its own 800 ms.
    expect({ statuses, inTime: Date.now() - sent < 1000 }).toEqual({
      statuses: [200, 200],
      inTime: true,
    });
  });

  it('must not answer 200 after the CX timeout to a pipelined request whose head took most of the budget', async () => {
    const conn = await openRaw(app.url);
    const second = splitHead(rawPost(app.url, body('work')));
    // The first request whole; the second's head starts at once and trickles in over ~600 ms.
    await conn.write(rawPost(app.url, body('work')));
    const started = Date.now();
    await trickle(conn, second.head, 600);
    await conn.write(second.body);
    await conn.waitFor((c) => c.responses().length >= 2, 3000);
    const elapsed = Date.now() - started;
    const status = conn.responses()[1]?.status;
    conn.destroy();
    // 600 ms of head + 450 ms of work: past its 800 ms budget counted from its first bytes.
    expect({ status, lateForCx: elapsed > 1000 }).toEqual({ status: 503, lateForCx: false });
  });
});
