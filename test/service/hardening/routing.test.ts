import { gzipSync } from 'node:zlib';
import type { WebhookHandler } from '../../../service/protocol/handler';
import { reply } from '../../../service/responses';
import { startApp, type LiveApp } from '../../helpers/liveApp';
import { rawPost, rawRequest } from '../../helpers/rawHttp';

// Exactly `POST /` reaches the webhook and exactly `GET /health` the probe; everything else gets a
// JSON answer from the contract, never an empty or framework-made body.

const echo: WebhookHandler = () => reply().text('ok').build();
const GOOD = JSON.stringify({ fulfillmentInfo: { tag: 'echo' } });
const withPath = (path: string) =>
  rawPost('http://x', GOOD).toString('latin1').replace('POST / ', `POST ${path} `);

describe('routing and request framing', () => {
  let app: LiveApp;
  beforeAll(async () => {
    app = await startApp({ handlers: { echo } });
  });
  afterAll(() => app.close());

  it.each([
    ['POST //', () => withPath('//')],
    ['POST //?x=1', () => withPath('//?x=1')],
    ['GET /HEALTH', () => 'GET /HEALTH HTTP/1.1\r\nhost: x\r\n\r\n'],
    ['GET /health/', () => 'GET /health/ HTTP/1.1\r\nhost: x\r\n\r\n'],
    ['GET //health', () => 'GET //health HTTP/1.1\r\nhost: x\r\n\r\n'],
  ])('must not route %s to the webhook or the probe: JSON 404', async (_name, bytes) => {
    const res = await rawRequest(app.url, bytes());
    expect(res?.status).toBe(404);
    expect(JSON.parse(res?.body ?? '')).toEqual({ error: { status: 404, message: 'not found' } });
  });

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
});
