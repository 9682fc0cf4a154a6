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
import { openRaw, rawPost, splitHead } from '../../helpers/rawHttp';
import { exitWithin, killSpawned, spawnService } from '../../helpers/spawnService';

// Each test states a guarantee from the docs (protocol.md, http.md, security.md) and tries to
// break it as a hostile caller would: odd methods, oversized fields, bad certificates, faults
// during a drain. Everything is on loopback; loops are bounded.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const body = (tag: string, extra: object = {}) =>
  JSON.stringify({ fulfillmentInfo: { tag }, ...extra });

afterAll(() => killSpawned());

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
    await svc.waitForLine('slow handler started');
    await sleep(100);
    svc.child.kill('SIGTERM');
    await sleep(100);
    await conn.write(rest);
    const code = await exitWithin(svc, 4000);
    conn.destroy();
    expect(await inFlight).toBe(200);
    expect(svc.output()).toContain('callback failure');
    expect(svc.output()).toContain('uncaught exception while draining');
    expect(code).toBe(1);
  });
});
