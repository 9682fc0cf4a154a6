import type { WebhookHandler } from '../../../service/protocol/handler';
import { reply } from '../../../service/responses';
import { fixtureText } from '../../helpers/fixtures';
import { startApp, type LiveApp } from '../../helpers/liveApp';
import { rawPost, rawRequest } from '../../helpers/rawHttp';

// Everything a hostile or broken caller might send, each with its defined answer, each followed by a
// good request that must still succeed.

const seen: unknown[] = [];
const echo: WebhookHandler = (req) => {
  seen.push(req);
  return reply()
    .text(req.text ?? 'ok')
    .build();
};
const GOOD = JSON.stringify({ fulfillmentInfo: { tag: 'echo' }, text: 'still here' });
const nest = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('bad input battery (a live server on loopback)', () => {
  let app: LiveApp;
  beforeAll(async () => {
    app = await startApp({ handlers: { echo } });
  });
  afterAll(() => app.close());
  afterEach(async () => {
    const res = await app.post(GOOD);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      fulfillmentResponse: { messages: [{ text: { text: ['still here'] } }] },
    });
  });

  const bodyCases: [string, string | Buffer, number][] = [
    ['malformed JSON', '{"fulfillmentInfo": {"tag": "echo"', 400],
    ['a truncated document', fixtureText('text-form.camel').slice(0, 700), 400],
    ['an empty body', '', 400],
    ['a JSON array', '[{"fulfillmentInfo":{"tag":"echo"}}]', 400],
    ['a JSON string', '"fulfillmentInfo"', 400],
    ['a JSON number', '42', 400],
    ['JSON null', 'null', 400],
    ['a tag that is an object', '{"fulfillmentInfo":{"tag":{"name":"echo"}}}', 400],
    [
      'parameters as a list',
      '{"fulfillmentInfo":{"tag":"echo"},"sessionInfo":{"parameters":["a","b"]}}',
      400,
    ],
    ['messages as a string', '{"fulfillmentInfo":{"tag":"echo"},"messages":"hi"}', 400],
    ['1 MiB + 1 byte', `{"text":"${'a'.repeat(1024 * 1024 - 10)}"}`, 400],
    ['a 10,000-level array as the body', nest(10_000), 400],
    [
      'a 10,000-level value inside a parameter',
      `{"fulfillmentInfo":{"tag":"echo"},"sessionInfo":{"parameters":{"deep":${nest(10_000)}}}}`,
      200,
    ],
    ['a lone surrogate escape', '{"fulfillmentInfo":{"tag":"echo"},"text":"\\ud800 alone"}', 200],
    [
      'invalid UTF-8',
      Buffer.concat([
        Buffer.from('{"fulfillmentInfo":{"tag":"echo"},"text":"'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('"}'),
      ]),
      400,
    ],
    [
      'overlong UTF-8',
      Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
      400,
    ],
    [
      'a UTF-8 byte-order mark',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(GOOD)]),
      400,
    ],
  ];

  it.each(bodyCases.map(([name, body, status]) => ({ name, body, status })))(
    '$name → $status',
    async ({ body, status }) => {
      const res = await app.post(body);
      expect(res.status).toBe(status);
      const parsed = (await res.json()) as Record<string, unknown>;
      if (status !== 200)
        expect(parsed).toEqual({ error: { status, message: expect.any(String) } });
    },
  );

  it('refuses a wrong content type on an oversize body without leaving a rejection behind', async () => {
    const rejections: unknown[] = [];
    const watch = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', watch);
    try {
      const res = await app.post('x'.repeat(1024 * 1024 + 100), {
        headers: { 'content-type': 'text/plain' },
      });
      expect(res.status).toBe(400);
      await new Promise((r) => setTimeout(r, 50));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', watch);
    }
  });

  it('keeps the last of duplicate keys, as JSON.parse does', async () => {
    const res = await app.post(
      '{"fulfillmentInfo":{"tag":"nobody"},"text":"first","fulfillmentInfo":{"tag":"echo"},"text":"last"}',
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      fulfillmentResponse: { messages: [{ text: { text: ['last'] } }] },
    });
  });

  it('does not let __proto__ or constructor keys reach a prototype', async () => {
    const body =
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},' +
      '"fulfillmentInfo":{"tag":"echo","__proto__":{"polluted":"yes"}},' +
      '"sessionInfo":{"parameters":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}}}';
    const res = await app.post(body);
    expect(res.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    const request = seen.at(-1) as { sessionInfo: { parameters: object } };
    expect(Object.getPrototypeOf(request)).toBe(Object.prototype);
    expect(Object.keys(request.sessionInfo.parameters)).toEqual(['__proto__', 'constructor']);
  });

  it.each(['GET', 'PUT', 'DELETE', 'PATCH'])('%s / → 404', async (method) => {
    const res = await fetch(`${app.url}/`, { method, ...(method === 'GET' ? {} : { body: GOOD }) });
    expect(res.status).toBe(404);
  });

  it.each(
    [
      ['no content type', {}, 400],
      ['text/plain', { 'content-type': 'text/plain' }, 400],
      ['application/jsonp', { 'content-type': 'application/jsonp' }, 400],
      [
        'application/json with a Latin-1 charset',
        { 'content-type': 'application/json; charset=iso-8859-1' },
        400,
      ],
      [
        'APPLICATION/JSON; Charset="UTF-8"',
        { 'content-type': 'APPLICATION/JSON; Charset="UTF-8"' },
        200,
      ],
    ].map(([name, headers, status]) => ({
      name,
      headers: headers as Record<string, string>,
      status,
    })),
  )('content type: $name → $status', async ({ headers, status }) => {
    const bytes = rawPost(app.url, GOOD, headers).toString('latin1');
    const framed =
      Object.keys(headers).length === 0
        ? bytes.replace(/content-type: application\/json\r\n/, '')
        : bytes;
    const res = await rawRequest(app.url, Buffer.from(framed, 'latin1'));
    expect(res?.status).toBe(status);
  });

  it('answers a header value under Node’s limit normally, and one over it with a JSON 400', async () => {
    const ok = await rawRequest(
      app.url,
      rawPost(app.url, GOOD, { 'x-long': 'a'.repeat(8 * 1024) }),
    );
    expect(ok?.status).toBe(200);
    const tooLong = await rawRequest(
      app.url,
      rawPost(app.url, GOOD, { 'x-long': 'a'.repeat(64 * 1024) }),
    );
    expect(tooLong?.status).toBe(400);
    expect(JSON.parse(tooLong?.body ?? '')).toEqual({
      error: { status: 400, message: 'malformed HTTP request' },
    });
  });

  it('answers malformed HTTP with a JSON 400', async () => {
    const res = await rawRequest(
      app.url,
      'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: nope\r\n\r\n',
    );
    expect(res?.status).toBe(400);
  });

  it('accepts a chunked body', async () => {
    const chunked = `POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n${GOOD.length.toString(16)}\r\n${GOOD}\r\n0\r\n\r\n`;
    expect((await rawRequest(app.url, chunked))?.status).toBe(200);
  });

  it('survives a body cut off mid-stream by the caller', async () => {
    const framed = rawPost(app.url, GOOD, { 'content-length': GOOD.length + 100 });
    // The caller hangs up before sending the promised bytes: no answer is owed, nothing may break.
    await rawRequest(app.url, framed, 200);
  });
});
