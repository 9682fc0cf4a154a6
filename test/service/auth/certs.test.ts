import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { WebhookHandler } from '../../../service/protocol/handler';
import { reply } from '../../../service/responses';
import {
  generateKey,
  LOCAL_SERVICE_AGENT,
  serviceAgentClaims,
  signJwt,
} from '../../../scripts/localIdp';
import { bearer } from '../../helpers/jwt';
import { startApp } from '../../helpers/liveApp';

// Google's certificates endpoint is our dependency, not the caller's: whatever it does (hang,
// fail, send garbage), a request with an ID token is answered 503 within the budget, and
// concurrent requests share one fetch. WEBHOOK_TIMEOUT_MS 2000 leaves a budget of 1800 ms.

const AUD = 'https://cx-webhook-abc-uc.a.run.app/';
const BODY = { fulfillmentInfo: { tag: 'ok' } };
const ok: WebhookHandler = () => reply().text('ok').build();
const key = generateKey();

type Behaviour = 'hang' | 'fail' | 'html' | 'not-certs';

/** A certificates endpoint that misbehaves in one way, counting the requests it receives. */
async function badCerts(behaviour: Behaviour) {
  let hits = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    hits++;
    if (behaviour === 'hang') return;
    if (behaviour === 'fail') return res.writeHead(500).end();
    const [type, body] =
      behaviour === 'html'
        ? ['text/html', '<html>maintenance</html>']
        : ['application/json', JSON.stringify({ [key.kid]: 'not a certificate' })];
    res.writeHead(200, { 'content-type': type, 'cache-control': 'public, max-age=3600' });
    res.end(body);
  });
  server.on('connection', (s: Socket) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/certs`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

async function appFor(certsUrl: string) {
  return startApp({
    handlers: { ok },
    env: {
      WEBHOOK_AUTH: 'id-token',
      WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT,
      WEBHOOK_AUDIENCE: AUD,
      WEBHOOK_ID_TOKEN_CERTS_URL: certsUrl,
      WEBHOOK_TIMEOUT_MS: '2000',
    },
  });
}

const token = (sub: string) => signJwt(key, serviceAgentClaims(AUD, { sub }));

describe('when the certificates endpoint misbehaves', () => {
  it('a hanging endpoint: 20 concurrent requests share one fetch and all get 503 within the budget', async () => {
    const certs = await badCerts('hang');
    const app = await appFor(certs.url);
    try {
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          app.post(BODY, { headers: bearer(token(`caller-${i}`)) }).then(async (res) => ({
            status: res.status,
            body: await res.text(),
          })),
        ),
      );
      const elapsed = Date.now() - started;
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(503));
      // Answered by the fetch's own timeout or the request's deadline, not left hanging with the
      // endpoint: a wide real-time bound here; the deadline's exact timing is checked on a fake clock
      // (test/service/hardening/deadlines.test.ts, slow authentication).
      expect(app.logs().filter((l) => l.status === 503)).toHaveLength(20);
      expect(elapsed).toBeLessThan(6000);
      // One fetch, and at most the one retry google-auth-library is configured to make.
      expect(certs.hits()).toBeGreaterThanOrEqual(1);
      expect(certs.hits()).toBeLessThanOrEqual(2);
    } finally {
      await app.close();
      await certs.close();
    }
  });

  it('an endpoint answering 500: 503 within the budget, not after the library’s retries', async () => {
    const certs = await badCerts('fail');
    const app = await appFor(certs.url);
    try {
      const started = Date.now();
      const res = await app.post(BODY, { headers: bearer(token('one')) });
      expect(res.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await app.close();
      await certs.close();
    }
  });

  it.each<Behaviour>(['html', 'not-certs'])(
    'an endpoint sending %s: 503 (our dependency), never 401 (blaming the caller)',
    async (behaviour) => {
      const certs = await badCerts(behaviour);
      const app = await appFor(certs.url);
      try {
        const res = await app.post(BODY, { headers: bearer(token('one')) });
        expect(await res.json()).toEqual({
          error: { status: 503, message: 'the token signing certificates could not be fetched' },
        });
      } finally {
        await app.close();
        await certs.close();
      }
    },
  );

  it('does not fetch certificates for a token that is not even a JWT', async () => {
    const certs = await badCerts('hang');
    const app = await appFor(certs.url);
    try {
      const res = await app.post(BODY, { headers: bearer('not-a-jwt') });
      expect(res.status).toBe(401);
      expect(certs.hits()).toBe(0);
    } finally {
      await app.close();
      await certs.close();
    }
  });
});
