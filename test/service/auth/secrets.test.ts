import type { WebhookHandler } from '../../../service/protocol/handler';
import { reply } from '../../../service/responses';
import {
  generateKey,
  LOCAL_SERVICE_AGENT,
  serviceAgentClaims,
  signJwt,
} from '../../../scripts/localIdp';
import { bearer, stripped } from '../../helpers/jwt';
import { startApp, type LiveApp } from '../../helpers/liveApp';

const ok: WebhookHandler = () => reply().text('ok').build();
const BODY = { fulfillmentInfo: { tag: 'ok' } };
const basic = (user: string, pass: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
});

describe('basic authentication', () => {
  let app: LiveApp;
  beforeAll(async () => {
    app = await startApp({
      handlers: { ok },
      env: {
        WEBHOOK_AUTH: 'basic',
        WEBHOOK_BASIC_USERNAME: 'dialogflow',
        WEBHOOK_BASIC_PASSWORD: 'correct horse',
      },
    });
  });
  afterAll(() => app.close());

  it('admits the right credentials, with any scheme case', async () => {
    expect((await app.post(BODY, { headers: basic('dialogflow', 'correct horse') })).status).toBe(
      200,
    );
    const lower = {
      authorization: basic('dialogflow', 'correct horse').authorization.replace('Basic', 'basic'),
    };
    expect((await app.post(BODY, { headers: lower })).status).toBe(200);
  });

  it.each<[string, Record<string, string>, string]>([
    ['missing', {}, 'basic credentials are missing'],
    ['a wrong password', basic('dialogflow', 'correct horsf'), 'basic credentials are wrong'],
    ['a wrong user', basic('dialogflo', 'correct horse'), 'basic credentials are wrong'],
    [
      'a longer password',
      basic('dialogflow', 'correct horse battery'),
      'basic credentials are wrong',
    ],
    ['a shorter password', basic('dialogflow', 'c'), 'basic credentials are wrong'],
    ['an empty password', basic('dialogflow', ''), 'basic credentials are wrong'],
    ['a Bearer token', { authorization: 'Bearer abc' }, 'basic credentials are missing'],
    ['malformed base64', { authorization: 'Basic !!!' }, 'basic credentials are missing'],
  ])('refuses %s with 401 and a Basic challenge', async (_name, headers, reason) => {
    const res = await app.post(BODY, { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="cx-webhook", charset="UTF-8"');
    expect(await res.json()).toEqual({ error: { status: 401, message: reason } });
  });
});

describe('header authentication', () => {
  let app: LiveApp;
  beforeAll(async () => {
    app = await startApp({
      handlers: { ok },
      env: {
        WEBHOOK_AUTH: 'header',
        WEBHOOK_HEADER_NAME: 'X-Webhook-Secret',
        WEBHOOK_HEADER_VALUE: 's3cr3t-value',
      },
    });
  });
  afterAll(() => app.close());

  it('admits the right value under any header-name case', async () => {
    expect((await app.post(BODY, { headers: { 'x-webhook-secret': 's3cr3t-value' } })).status).toBe(
      200,
    );
    expect((await app.post(BODY, { headers: { 'X-WEBHOOK-SECRET': 's3cr3t-value' } })).status).toBe(
      200,
    );
  });

  it.each<[string, Record<string, string>, string]>([
    ['missing', {}, 'the secret header is missing'],
    ['wrong', { 'x-webhook-secret': 's3cr3t-valuf' }, 'the secret header is wrong'],
    ['a prefix of the value', { 'x-webhook-secret': 's3cr3t' }, 'the secret header is wrong'],
    [
      'longer than the value',
      { 'x-webhook-secret': 's3cr3t-value-and-more' },
      'the secret header is wrong',
    ],
    ['empty', { 'x-webhook-secret': '' }, 'the secret header is wrong'],
    ['under another name', { 'x-webhook-token': 's3cr3t-value' }, 'the secret header is missing'],
  ])('refuses a value that is %s with 401', async (_name, headers, reason) => {
    const res = await app.post(BODY, { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('SharedSecret realm="cx-webhook"');
    expect(await res.json()).toEqual({ error: { status: 401, message: reason } });
  });
});

describe('two strategies combined', () => {
  let app: LiveApp;
  const key = generateKey();
  const token = stripped(signJwt(key, serviceAgentClaims('https://svc.example.com')));
  beforeAll(async () => {
    app = await startApp({
      handlers: { ok },
      env: {
        WEBHOOK_AUTH: 'platform,header',
        WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT,
        WEBHOOK_HEADER_NAME: 'x-webhook-secret',
        WEBHOOK_HEADER_VALUE: 'second-factor',
      },
    });
  });
  afterAll(() => app.close());

  it('admits a request that passes both', async () => {
    const res = await app.post(BODY, {
      headers: { ...bearer(token), 'x-webhook-secret': 'second-factor' },
    });
    expect(res.status).toBe(200);
  });

  it('refuses a request that passes only one, whichever it is', async () => {
    expect((await app.post(BODY, { headers: bearer(token) })).status).toBe(401);
    expect(
      (await app.post(BODY, { headers: { 'x-webhook-secret': 'second-factor' } })).status,
    ).toBe(401);
    const notAllowed = stripped(
      signJwt(key, serviceAgentClaims('https://svc.example.com', { email: 'x@example.com' })),
    );
    const res = await app.post(BODY, {
      headers: { ...bearer(notAllowed), 'x-webhook-secret': 'second-factor' },
    });
    expect(res.status).toBe(403);
  });

  it('checks the cheap header before the token', async () => {
    const res = await app.post(BODY, {
      headers: { ...bearer('garbage'), 'x-webhook-secret': 'nope' },
    });
    expect(await res.json()).toEqual({
      error: { status: 401, message: 'the secret header is wrong' },
    });
  });
});
