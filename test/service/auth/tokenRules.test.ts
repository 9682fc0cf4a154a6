import { idTokenStrategy } from '../../../service/auth/idToken';
import { platformStrategy } from '../../../service/auth/platform';
import type { WebhookHandler } from '../../../service/protocol/handler';
import { reply } from '../../../service/responses';
import {
  generateKey,
  LOCAL_SERVICE_AGENT,
  serviceAgentClaims,
  signJwt,
  startCertsServer,
  type CertsServer,
} from '../../../scripts/localIdp';
import { bearer, stripped } from '../../helpers/jwt';
import { startApp, type LiveApp } from '../../helpers/liveApp';
import { rawPost, rawRequest } from '../../helpers/rawHttp';

// Rules both token strategies apply alike, and credentials that arrive in more than one form.

const AUD = 'https://cx-webhook-abc-uc.a.run.app/';
const ok: WebhookHandler = () => reply().text('ok').build();
const BODY = { fulfillmentInfo: { tag: 'ok' } };
const key = generateKey();
// The platform strategy reads this fixed clock; google-auth-library (id-token) reads the real one,
// which every time here is an hour away from.
const clockMs = Date.now();
const now = () => Math.floor(clockMs / 1000);

let certs: CertsServer;
let idToken: LiveApp;
let platform: LiveApp;
let strategy: ReturnType<typeof idTokenStrategy>;

beforeAll(async () => {
  certs = await startCertsServer([key]);
  strategy = idTokenStrategy({
    allowedCallers: [LOCAL_SERVICE_AGENT],
    audiences: [AUD],
    certsUrl: certs.url,
  });
  idToken = await startApp({ handlers: { ok }, strategies: [strategy] });
  platform = await startApp({
    handlers: { ok },
    strategies: [
      platformStrategy({
        allowedCallers: [LOCAL_SERVICE_AGENT],
        audiences: [],
        now: () => clockMs,
      }),
    ],
  });
});
afterAll(async () => {
  await idToken.close();
  await platform.close();
  await certs.close();
});

/** The same claims as each strategy receives them: signed for id-token, stripped for platform. */
const modes = [
  ['id-token', () => idToken, (claims: object) => signJwt(key, claims)],
  ['platform', () => platform, (claims: object) => stripped(signJwt(key, claims))],
] as const;

describe.each(modes)('%s', (_mode, app, tokenFor) => {
  it('must not accept a token whose nbf is in the future', async () => {
    const token = tokenFor({ ...serviceAgentClaims(AUD, {}, clockMs), nbf: now() + 3600 });
    const res = await app().post(BODY, { headers: bearer(token) });
    expect(await res.json()).toEqual({
      error: { status: 401, message: 'the token is not valid yet' },
    });
  });

  it('must not accept an exp written as a string', async () => {
    const token = tokenFor({ ...serviceAgentClaims(AUD, {}, clockMs), exp: String(now() + 3600) });
    const res = await app().post(BODY, { headers: bearer(token) });
    expect(await res.json()).toEqual({ error: { status: 401, message: 'the token is malformed' } });
  });

  it('must not accept repeated Authorization headers (Node would keep the first silently)', async () => {
    const token = tokenFor(serviceAgentClaims(AUD, {}, clockMs));
    const res = await rawRequest(
      app().url,
      rawPost(app().url, JSON.stringify(BODY), { authorization: `Bearer ${token}` })
        .toString('latin1')
        .replace('\r\n\r\n', `\r\nAuthorization: Bearer ${token}\r\n\r\n`),
    );
    expect(res?.status).toBe(401);
    expect(JSON.parse(res?.body ?? '')).toEqual({
      error: { status: 401, message: 'the authorization header is repeated' },
    });
  });
});

describe('id-token: one canonical form per token', () => {
  it.each(['!', '==', '~~'])(
    'must not accept a signature with trailing junk %j, nor cache it under a new key',
    async (junk) => {
      const token = signJwt(key, serviceAgentClaims(AUD, { sub: `junk-${junk}` }));
      const before = strategy.cache.size;
      const res = await idToken.post(BODY, { headers: bearer(`${token}${junk}`) });
      expect(await res.json()).toEqual({
        error: { status: 401, message: 'the token is malformed' },
      });
      expect(strategy.cache.size).toBe(before);
      // The canonical token itself is fine.
      expect((await idToken.post(BODY, { headers: bearer(token) })).status).toBe(200);
    },
  );
});
