import express from 'express';
import { gzipSync } from 'node:zlib';
import type { WebhookHandler } from '../../../service/protocol/handler';
import { reply } from '../../../service/responses';
import { createApp } from '../../../service/app';
import { loadConfig } from '../../../service/config';
import { embedded, memoryLogger, startApp, type LiveApp } from '../../helpers/liveApp';
import { rawPost, rawRequest } from '../../helpers/rawHttp';

// Exactly `POST /` reaches the webhook and exactly `GET /health` the probe; everything else gets a
// JSON answer from the contract, never an empty or framework-made body.

const echo: WebhookHandler = () => reply().text('ok').build();
const GOOD = JSON.stringify({ fulfillmentInfo: { tag: 'echo' } });
const withPath = (path: string) =>
  rawPost('http://x', GOOD).toString('latin1').replace('POST / ', `POST ${path} `);

const get = (path: string) => `GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`;

// The same answers whether the service runs as `serve()` runs it or as a user embeds createApp.
describe.each([
  ['served (the app serve() serves)', undefined],
  ['embedded (createApp mounted in an Express app)', embedded()],
])('routing, %s', (_how, listenerFor) => {
  let app: LiveApp;
  beforeAll(async () => {
    app = await startApp({ handlers: { echo } }, listenerFor);
  });
  afterAll(() => app.close());

  it.each([
    ['POST /', () => withPath('/')],
    ['POST /?x=1', () => withPath('/?x=1')],
  ])('routes %s to the webhook', async (_name, bytes) => {
    const res = await rawRequest(app.url, bytes());
    expect(res?.status).toBe(200);
    expect(JSON.parse(res?.body ?? '')).toEqual({
      fulfillmentResponse: { messages: [{ text: { text: ['ok'] } }] },
    });
  });

  it.each(['/health', '/health?probe=1'])('routes GET %s to the probe', async (path) => {
    const res = await rawRequest(app.url, get(path));
    expect(res?.status).toBe(200);
    expect(JSON.parse(res?.body ?? '')).toEqual({ status: 'ok' });
  });

  it.each([
    ['POST //', () => withPath('//')],
    ['POST //?x=1', () => withPath('//?x=1')],
    ['GET /', () => get('/')],
    ['POST /health', () => withPath('/health')],
    ['GET /HEALTH', () => get('/HEALTH')],
    ['GET /health/', () => get('/health/')],
    ['GET //health', () => get('//health')],
  ])('must not route %s to the webhook or the probe: JSON 404', async (_name, bytes) => {
    const res = await rawRequest(app.url, bytes());
    expect(res?.status).toBe(404);
    expect(JSON.parse(res?.body ?? '')).toEqual({ error: { status: 404, message: 'not found' } });
  });
});

describe('middleware', () => {
  it("must not replace Express's own request entry (app.handle) in the app createApp builds", () => {
    const app = createApp({ ...loadConfig({}), handlers: { echo }, logger: memoryLogger().logger });
    const entry = (target: object) => (target as { handle?: unknown }).handle;
    expect(entry(app)).toBe(entry(express.application));
  });

  // The one place a team adds middleware is createApp (`middleware`); an embedder's own app
  // around it works the same way.
  it.each([
    ['given to createApp, as serve() serves it', false],
    ["of an embedder's app around createApp", true],
  ])('runs middleware %s before the webhook and the probe', async (_how, embed) => {
    const seen: string[] = [];
    const record: express.RequestHandler = (req, _res, next) => {
      seen.push(`${req.method} ${req.url}`);
      next();
    };
    const app = embed
      ? await startApp({ handlers: { echo } }, embedded(record))
      : await startApp({ handlers: { echo }, middleware: [record] });
    try {
      expect((await app.post(GOOD)).status).toBe(200);
      expect((await fetch(`${app.url}/health`)).status).toBe(200);
      expect(seen).toEqual(['POST /', 'GET /health']);
    } finally {
      await app.close();
    }
  });
});

describe('request framing', () => {
  let app: LiveApp;
  beforeAll(async () => {
    app = await startApp({ handlers: { echo } });
  });
  afterAll(() => app.close());

  it('answers an Expect other than 100-continue with a JSON 400, not an empty 417', async () => {
    const res = await rawRequest(app.url, rawPost(app.url, GOOD, { expect: 'foo' }));
    expect(res?.status).toBe(400);
    expect(JSON.parse(res?.body ?? '')).toEqual({
      error: { status: 400, message: 'the Expect header is not supported' },
    });
  });

  it.each([
    ['gzip over a gzipped body', 'gzip', gzipSync(GOOD)],
    ['gzip over a plain body', 'gzip', Buffer.from(GOOD)],
    ['br', 'br', Buffer.from(GOOD)],
  ])('must not ignore Content-Encoding (%s): JSON 400', async (_name, encoding, body) => {
    const res = await rawRequest(app.url, rawPost(app.url, body, { 'content-encoding': encoding }));
    expect(res?.status).toBe(400);
    expect(JSON.parse(res?.body ?? '')).toEqual({
      error: { status: 400, message: 'content-encoding is not supported; send identity' },
    });
  });

  it('accepts Content-Encoding: identity', async () => {
    const res = await rawRequest(
      app.url,
      rawPost(app.url, GOOD, { 'content-encoding': 'identity' }),
    );
    expect(res?.status).toBe(200);
  });

  it.each([
    ['a quoted parameter holding ";charset=utf-16"', 'application/json; x="a;charset=utf-16"', 200],
    ['a quoted charset', 'application/json; charset="utf-8"', 200],
    ['a charset after another parameter', 'application/json; x=1; charset=utf-16', 400],
    ['an unterminated quoted string', 'application/json; x="a', 400],
    ['a parameter without a value', 'application/json; charset', 400],
  ])('reads the content type by RFC 9110: %s', async (_name, contentType, status) => {
    const res = await rawRequest(app.url, rawPost(app.url, GOOD, { 'content-type': contentType }));
    expect(res?.status).toBe(status);
    expect(() => JSON.parse(res?.body ?? '') as unknown).not.toThrow();
  });

  it.each(['application/json', 'text/plain'])(
    'refuses a repeated Content-Type (the second %s), which Node would drop without a word',
    async (second) => {
      const framed = rawPost(app.url, GOOD)
        .toString('latin1')
        .replace('\r\n\r\n', `\r\ncontent-type: ${second}\r\n\r\n`);
      const res = await rawRequest(app.url, framed);
      expect(res?.status).toBe(400);
      expect(JSON.parse(res?.body ?? '')).toEqual({
        error: { status: 400, message: 'content-type is repeated' },
      });
    },
  );
});
