import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  generateKey,
  LOCAL_SERVICE_AGENT,
  serviceAgentClaims,
  signJwt,
} from '../../../scripts/localIdp';
import { fallback } from '../../../service/handlers';
import type { WebhookHandler } from '../../../service/protocol/handler';
import { reply } from '../../../service/responses';
import { bearer } from '../../helpers/jwt';
import { startApp, type LiveApp } from '../../helpers/liveApp';
import { openRaw, rawPost, splitHead, trickle } from '../../helpers/rawHttp';
import { killSpawned, spawnService } from '../../helpers/spawnService';

// Each test states a guarantee from the docs (protocol.md, http.md, security.md) and tries
// to break it as a hostile caller would: slow heads, pipelining, malformed HTTP, oversized fields,
// bad certificates, faults during a drain. Everything is on loopback; loops are bounded.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const body = (tag: string, extra: object = {}) =>
  JSON.stringify({ fulfillmentInfo: { tag }, ...extra });

afterAll(() => killSpawned());

describe('the deadline counts from arrival (WEBHOOK_TIMEOUT_MS 1000: budget 800 ms)', () => {
  let app: LiveApp;
  let calls = 0;
  const slow: WebhookHandler = (_req, ctx) =>
    new Promise((resolve, reject) => {
      calls++;
      const timer = setTimeout(() => resolve(reply().text('slow').build()), 450);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(ctx.signal.reason as Error);
      });
    });
  const block: WebhookHandler = () => {
    const until = Date.now() + 1200;
    while (Date.now() < until);
    return reply().text('blocked').build();
  };
  const fast: WebhookHandler = () => {
    calls++;
    return reply().text('fast').build();
  };
  beforeAll(async () => {
    app = await startApp({
      handlers: { slow, block, fast },
      env: { WEBHOOK_TIMEOUT_MS: '1000' },
    });
  });
  afterAll(() => app.close());
  beforeEach(() => {
    calls = 0;
  });

  it('must not answer 200 after the CX timeout when the headers took most of the budget', async () => {
    const conn = await openRaw(app.url);
    const { head, body: rest } = splitHead(rawPost(app.url, body('slow')));
    const started = Date.now();
    // The head in pieces over ~600 ms: inside headersTimeout (800 ms), so Node lets it through.
    await trickle(conn, head, 600);
    await conn.write(rest);
    await conn.waitFor((c) => c.responses().length > 0, 2000);
    const elapsed = Date.now() - started;
    const status = conn.responses()[0]?.status;
    conn.destroy();
    // 600 ms of headers + a 450 ms handler: past the 800 ms budget counted from arrival.
    expect({ status, lateForCx: elapsed > 1000 }).toEqual({ status: 503, lateForCx: false });
  });

  it('must not run a handler for a request that waited behind a loop-blocking handler past its deadline', async () => {
    // The caller is another process, so its request arrives while this process is blocked.
    const { port } = new URL(app.url);
    const script = `
      const net = require('node:net');
      const req = (tag) => { const b = JSON.stringify({ fulfillmentInfo: { tag } });
        return 'POST / HTTP/1.1\\r\\nhost: x\\r\\ncontent-type: application/json\\r\\ncontent-length: ' + b.length + '\\r\\n\\r\\n' + b; };
      const a = net.connect(${port}, '127.0.0.1', () => a.write(req('block')));
      a.on('data', () => {}); a.on('error', () => {});
      setTimeout(() => {
        const sent = Date.now(); let buf = '';
        const b = net.connect(${port}, '127.0.0.1', () => b.write(req('fast')));
        b.on('error', () => {});
        b.on('data', (d) => { buf += d; if (buf.includes('\\r\\n\\r\\n')) {
          console.log(JSON.stringify({ status: Number(buf.slice(9, 12)), elapsed: Date.now() - sent }));
          process.exit(0); } });
        setTimeout(() => { console.log(JSON.stringify({ status: 0, elapsed: Date.now() - sent })); process.exit(0); }, 3000);
      }, 150);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => child.on('exit', resolve));
    const b = JSON.parse(out) as { status: number; elapsed: number };
    // It arrived ~150 ms into a 1200 ms block: its 800 ms budget was spent before it was read.
    expect(calls).toBe(0);
    expect(b.status).toBe(503);
  });
});

describe('bounds', () => {
  it('must not serve more requests at once than 4 × WEBHOOK_CONCURRENCY from one pipelining connection', async () => {
    let active = 0;
    let most = 0;
    const gauge: WebhookHandler = async () => {
      most = Math.max(most, ++active);
      await sleep(100);
      active--;
      return reply().text('ok').build();
    };
    const app = await startApp({ handlers: { gauge }, env: { WEBHOOK_CONCURRENCY: '1' } });
    try {
      const conn = await openRaw(app.url);
      const one = rawPost(app.url, body('gauge')).toString('latin1');
      await conn.write(one.repeat(40));
      await conn.waitFor((c) => c.responses().length >= 40, 3000);
      conn.destroy();
      // WEBHOOK_CONCURRENCY 1 caps connections at 4; one connection ran all 40 at once.
      expect(most).toBeLessThanOrEqual(4);
    } finally {
      await app.close();
    }
  });
});

describe('refusals', () => {
  let app: LiveApp;
  let counted = 0;
  const slow: WebhookHandler = async () => {
    await sleep(200);
    return reply().text('slow').build();
  };
  const count: WebhookHandler = () => {
    counted++;
    return reply().text('counted').build();
  };
  beforeAll(async () => {
    app = await startApp({ handlers: { slow, count } });
  });
  afterAll(() => app.close());

  it('lets a caller that writes its whole upload behind over-long headers see the JSON 400 (no reset)', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 'x');
    const head = rawPost(app.url, '', {
      'x-big': 'y'.repeat(20 * 1024),
      'content-length': big.length,
    });
    const seen: (number | string)[] = [];
    for (let i = 0; i < 2; i++) {
      const conn = await openRaw(app.url);
      const failed = await conn.write(Buffer.concat([head, big]));
      if (failed) {
        seen.push((failed as NodeJS.ErrnoException).code ?? 'write failed');
      } else {
        await conn.waitFor((c) => c.responses().length > 0 || c.isClosed(), 2000);
        seen.push(conn.responses()[0]?.status ?? 'no answer');
      }
      conn.destroy();
    }
    expect(seen).toEqual([400, 400]);
  });

  it('must not run the handler of a request pipelined behind an answer that closes the connection', async () => {
    counted = 0;
    const conn = await openRaw(app.url);
    const overCap = rawPost(app.url, Buffer.alloc(2 * 1024 * 1024, 'x'));
    await conn.write(
      Buffer.concat([
        rawPost(app.url, body('slow')),
        overCap, // answered 400 with connection: close (queued behind the slow answer)
        rawPost(app.url, body('count')),
      ]),
    );
    await conn.waitFor((c) => c.isClosed(), 2000);
    const statuses = conn.responses().map((r) => r.status);
    conn.destroy();
    expect(statuses).toEqual([200, 400]);
    // Nobody can receive the third answer, so its handler must not have run (CX would retry it).
    expect(counted).toBe(0);
  });
});

describe('routing and the contract', () => {
  let app: LiveApp;
  beforeAll(async () => {
    app = await startApp({ handlers: {} });
  });
  afterAll(() => app.close());

  it('answers HEAD /health like any other method: 404 (only GET /health is the probe)', async () => {
    const res = await fetch(`${app.url}/health`, { method: 'HEAD' });
    expect(res.status).toBe(404);
  });

  it('answers CONNECT with a contract status and a JSON body, not a silent close', async () => {
    const conn = await openRaw(app.url);
    await conn.write('CONNECT 127.0.0.1:1 HTTP/1.1\r\nhost: 127.0.0.1:1\r\n\r\n');
    await conn.waitFor((c) => c.responses().length > 0 || c.isClosed(), 1000);
    const res = conn.responses()[0];
    conn.destroy();
    expect([400, 404]).toContain(res?.status);
  });
});

describe('log lines stay short (Cloud Logging drops an entry over 256 KB)', () => {
  it('clips the tag in the built-in fallback handler’s line', async () => {
    const app = await startApp({ handlers: {}, fallback });
    try {
      const res = await app.post(body('t'.repeat(300 * 1024)));
      expect(res.status).toBe(200);
      const longest = Math.max(...app.logs().map((l) => JSON.stringify(l).length));
      expect(longest).toBeLessThan(16 * 1024);
    } finally {
      await app.close();
    }
  });

  it('clips a handler error’s message and stack in its error-event line', async () => {
    const thrower: WebhookHandler = () => {
      throw new Error(`lookup failed: ${'v'.repeat(300 * 1024)}`);
    };
    const app = await startApp({ handlers: { thrower } });
    try {
      expect((await app.post(body('thrower'))).status).toBe(500);
      const longest = Math.max(...app.logs().map((l) => JSON.stringify(l).length));
      expect(longest).toBeLessThan(256 * 1024);
    } finally {
      await app.close();
    }
  });
});

describe('id-token: certificates that are not certificates', () => {
  it('answers 503, not 401, when the endpoint sends PEM-shaped garbage', async () => {
    const key = generateKey();
    const AUD = 'https://cx-webhook-abc-uc.a.run.app/';
    const certs: Server = createServer((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'cache-control': 'public, max-age=3600',
      });
      res.end(
        JSON.stringify({
          [key.kid]: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
        }),
      );
    });
    await new Promise<void>((resolve) => certs.listen(0, '127.0.0.1', resolve));
    const app = await startApp({
      handlers: { ok: () => reply().text('ok').build() },
      env: {
        WEBHOOK_AUTH: 'id-token',
        WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT,
        WEBHOOK_AUDIENCE: AUD,
        WEBHOOK_ID_TOKEN_CERTS_URL: `http://127.0.0.1:${(certs.address() as AddressInfo).port}/certs`,
        WEBHOOK_TIMEOUT_MS: '2000',
      },
    });
    try {
      const token = signJwt(key, serviceAgentClaims(AUD));
      const res = await app.post({ fulfillmentInfo: { tag: 'ok' } }, { headers: bearer(token) });
      expect(res.status).toBe(503);
    } finally {
      await app.close();
      certs.closeAllConnections();
      await new Promise((resolve) => certs.close(resolve));
    }
  });
});

describe('process faults during a drain', () => {
  it('exits 1 when a handler callback throws while a SIGTERM drain is in progress', async () => {
    const svc = await spawnService('test/fixtures/testServer.ts', { SLOW_MS: '800' });
    // A slow request keeps the drain going while the throw happens.
    const inFlight = fetch(`${svc.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body('slow'),
    }).then((r) => r.status);
    const conn = await openRaw(svc.url);
    const { head, body: rest } = splitHead(rawPost(svc.url, body('throw-later')));
    // Headers in (the request is in flight), body held until the drain has begun.
    await conn.write(head);
    await sleep(100);
    svc.child.kill('SIGTERM');
    await sleep(100);
    await conn.write(rest);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      svc.exited,
      new Promise((resolve) => (timer = setTimeout(() => resolve('still running'), 4000))),
    ]);
    clearTimeout(timer);
    conn.destroy();
    expect(await inFlight).toBe(200);
    expect(svc.output()).toContain('callback failure');
    expect(svc.output()).toContain('uncaught exception while draining');
    expect(code).toBe(1);
  });
});
