import { OAuth2Client } from 'google-auth-library';
import { idTokenStrategy } from '../../../service/auth/idToken';
import type { WebhookHandler } from '../../../service/protocol/handler';
import { reply } from '../../../service/responses';
import {
  generateKey,
  LOCAL_SERVICE_AGENT,
  serviceAgentClaims,
  signJwt,
  startCertsServer,
  type CertsServer,
  type LocalKey,
} from '../../../scripts/localIdp';
import { bearer, hs256Token, stripped, unsignedToken, withPayload } from '../../helpers/jwt';
import { startApp, type LiveApp } from '../../helpers/liveApp';

const AUD = 'https://cx-webhook-abc-uc.a.run.app/';
const OTHER_AGENT = 'service-999999999999@gcp-sa-dialogflow.iam.gserviceaccount.com';
const whoami: WebhookHandler = (_req, ctx) =>
  reply()
    .text(ctx.caller.email ?? 'nobody')
    .build();
const BODY = { fulfillmentInfo: { tag: 'whoami' } };

let key: LocalKey;
let stranger: LocalKey;
let certs: CertsServer;

beforeAll(async () => {
  key = generateKey();
  stranger = generateKey();
  certs = await startCertsServer([key]);
});
afterAll(() => certs.close());

const env = () => ({
  WEBHOOK_AUTH: 'id-token',
  WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT,
  WEBHOOK_AUDIENCE: `${AUD.slice(0, -1)},${AUD}`,
  WEBHOOK_ID_TOKEN_CERTS_URL: certs.url,
});

const now = () => Math.floor(Date.now() / 1000);

describe('id-token authentication over HTTP', () => {
  let app: LiveApp;
  beforeAll(async () => {
    app = await startApp({ handlers: { whoami }, env: env() });
  });
  afterAll(() => app.close());

  it('admits a valid service-agent token and tells the handler who called', async () => {
    const res = await app.post(BODY, { headers: bearer(signJwt(key, serviceAgentClaims(AUD))) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      fulfillmentResponse: { messages: [{ text: { text: [LOCAL_SERVICE_AGENT] } }] },
    });
  });

  it('accepts both issuer forms and both audience forms', async () => {
    for (const iss of ['accounts.google.com', 'https://accounts.google.com']) {
      for (const aud of [AUD, AUD.slice(0, -1)]) {
        const res = await app.post(BODY, {
          headers: bearer(signJwt(key, serviceAgentClaims(aud, { iss }))),
        });
        expect([iss, aud, res.status]).toEqual([iss, aud, 200]);
      }
    }
  });

  type Case = [name: string, headers: () => Record<string, string>, status: number, reason: string];
  const attacks: Case[] = [
    ['no Authorization header', () => ({}), 401, 'a bearer token is missing'],
    [
      'a non-Bearer scheme',
      () => ({ authorization: `Token ${signJwt(key, serviceAgentClaims(AUD))}` }),
      401,
      'a bearer token is missing',
    ],
    [
      'Basic credentials',
      () => ({ authorization: 'Basic Y3g6cHc=' }),
      401,
      'a bearer token is missing',
    ],
    ['garbage', () => bearer('not-a-jwt'), 401, 'the token is malformed'],
    [
      'alg none',
      () => bearer(unsignedToken(serviceAgentClaims(AUD), key.kid)),
      401,
      'the token signature is invalid',
    ],
    [
      'HS256 keyed with the public key',
      () => bearer(hs256Token(serviceAgentClaims(AUD), key.publicPem, key.kid)),
      401,
      'the token signature is invalid',
    ],
    [
      'an unknown kid',
      () => bearer(signJwt(stranger, serviceAgentClaims(AUD))),
      401,
      'the token was signed by an unknown key',
    ],
    [
      'a known kid with a stranger key',
      () => bearer(signJwt({ ...stranger, kid: key.kid }, serviceAgentClaims(AUD))),
      401,
      'the token signature is invalid',
    ],
    [
      'a tampered payload',
      () =>
        bearer(
          withPayload(
            signJwt(key, serviceAgentClaims(AUD, { email: OTHER_AGENT })),
            serviceAgentClaims(AUD),
          ),
        ),
      401,
      'the token signature is invalid',
    ],
    [
      'expired beyond the clock allowance',
      () => bearer(signJwt(key, serviceAgentClaims(AUD, { iat: now() - 4000, exp: now() - 301 }))),
      401,
      'the token has expired',
    ],
    [
      'issued in the future',
      () => bearer(signJwt(key, serviceAgentClaims(AUD, { iat: now() + 400, exp: now() + 4000 }))),
      401,
      'the token is not valid yet',
    ],
    [
      'a lifetime over a day',
      () => bearer(signJwt(key, serviceAgentClaims(AUD, { exp: now() + 2 * 86400 }))),
      401,
      'the token lifetime is too long',
    ],
    [
      'another audience',
      () => bearer(signJwt(key, serviceAgentClaims('https://evil.example.com/'))),
      401,
      'the token is for another audience',
    ],
    [
      'an audience with a path',
      () => bearer(signJwt(key, serviceAgentClaims(`${AUD}admin`))),
      401,
      'the token is for another audience',
    ],
    [
      'another issuer',
      () => bearer(signJwt(key, serviceAgentClaims(AUD, { iss: 'https://evil.example.com' }))),
      401,
      'the token has the wrong issuer',
    ],
    [
      'a stripped token (id-token mode needs the signature)',
      () => bearer(stripped(signJwt(key, serviceAgentClaims(AUD)))),
      401,
      'a token without its signature is refused in id-token mode',
    ],
    [
      'an unverified email',
      () => bearer(signJwt(key, serviceAgentClaims(AUD, { email_verified: false }))),
      403,
      'the caller email is not verified',
    ],
    [
      'a caller that is not allowed',
      () => bearer(signJwt(key, serviceAgentClaims(AUD, { email: OTHER_AGENT }))),
      403,
      'the caller is not allowed',
    ],
    [
      'no email claim',
      () => bearer(signJwt(key, { ...serviceAgentClaims(AUD), email: undefined })),
      403,
      'the token names no caller email',
    ],
  ];

  it.each(attacks)('refuses %s', async (_name, headers, status, reason) => {
    const res = await app.post(BODY, { headers: headers() });
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error: { status, message: reason } });
    if (status === 401)
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="cx-webhook"/);
    // The reason is logged; the token never is.
    const line = app.logs().at(-1);
    expect(line).toEqual(expect.objectContaining({ status, reason }));
    expect(JSON.stringify(app.logs())).not.toMatch(/eyJ/);
  });
});

describe('the verified-token cache', () => {
  let app: LiveApp;
  let clock = Date.now();
  let strategy: ReturnType<typeof idTokenStrategy>;
  let verify: jest.SpyInstance;

  beforeAll(async () => {
    const config = { allowedCallers: [LOCAL_SERVICE_AGENT], audiences: [AUD], certsUrl: certs.url };
    strategy = idTokenStrategy({ ...config, now: () => clock });
    app = await startApp({ handlers: { whoami }, strategies: [strategy] });
  });
  beforeEach(() => {
    clock = Date.now();
    verify = jest.spyOn(OAuth2Client.prototype, 'verifySignedJwtWithCertsAsync');
  });
  afterEach(() => verify.mockRestore());
  afterAll(() => app.close());

  it('serves a repeated token without verifying it again', async () => {
    const headers = bearer(signJwt(key, serviceAgentClaims(AUD)));
    for (let i = 0; i < 5; i++) expect((await app.post(BODY, { headers })).status).toBe(200);
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('verifies concurrent first uses of one token once', async () => {
    const headers = bearer(signJwt(key, serviceAgentClaims(AUD, { sub: 'concurrent' })));
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => app.post(BODY, { headers }).then((r) => r.status)),
    );
    expect(statuses).toEqual(Array(10).fill(200));
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('drops the entry when the token expires', async () => {
    const claims = serviceAgentClaims(AUD, { sub: 'expiring' });
    const headers = bearer(signJwt(key, claims));
    expect((await app.post(BODY, { headers })).status).toBe(200);
    expect((await app.post(BODY, { headers })).status).toBe(200);
    expect(verify).toHaveBeenCalledTimes(1);
    // Past exp the cache no longer answers: the token goes back to the library.
    clock = claims.exp * 1000 + 1;
    await app.post(BODY, { headers });
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('never caches a rejected token', async () => {
    const headers = bearer(signJwt(key, serviceAgentClaims('https://evil.example.com/')));
    const before = strategy.cache.size;
    expect((await app.post(BODY, { headers })).status).toBe(401);
    expect((await app.post(BODY, { headers })).status).toBe(401);
    expect(verify).toHaveBeenCalledTimes(2);
    expect(strategy.cache.size).toBe(before);
  });

  it('applies the caller allow-list on every request, cache hit or not', async () => {
    const headers = bearer(signJwt(key, serviceAgentClaims(AUD, { email: OTHER_AGENT })));
    expect((await app.post(BODY, { headers })).status).toBe(403);
    expect((await app.post(BODY, { headers })).status).toBe(403);
    expect(verify).toHaveBeenCalledTimes(1);
  });
});

describe('when Google certificates cannot be fetched', () => {
  it('answers 503, not 401, and recovers when they come back', async () => {
    const down = await startCertsServer([key]);
    const app = await startApp({
      handlers: { whoami },
      env: { ...env(), WEBHOOK_ID_TOKEN_CERTS_URL: down.url },
    });
    try {
      down.setDown(true);
      const headers = bearer(signJwt(key, serviceAgentClaims(AUD)));
      const res = await app.post(BODY, { headers });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        error: { status: 503, message: 'the token signing certificates could not be fetched' },
      });
      down.setDown(false);
      expect((await app.post(BODY, { headers })).status).toBe(200);
    } finally {
      await app.close();
      await down.close();
    }
  });
});
