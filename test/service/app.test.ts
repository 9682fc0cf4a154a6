import { request as httpRequest } from 'node:http';
import { MAX_RESPONSE_BYTES } from '../../service/protocol/core';
import { DependencyUnavailableError } from '../../service/protocol/errors';
import type { WebhookHandler } from '../../service/protocol/handler';
import type { WebhookResponse } from '../../service/protocol/types';
import { reply } from '../../service/responses';
import { fixture, fixtureText, largeRequest } from '../helpers/fixtures';
import { startApp, type LiveApp } from '../helpers/liveApp';

const echo: WebhookHandler = (req) =>
  reply()
    .text(
      `${req.fulfillmentInfo?.tag ?? ''}|${req.text ?? req.transcript ?? req.dtmfDigits ?? req.triggerEvent ?? req.triggerIntent ?? ''}`,
    )
    .build();

/** A response whose serialised JSON is exactly `bytes` UTF-8 bytes, padded with 2-byte characters. */
function responseOfBytes(bytes: number): WebhookResponse {
  const empty = JSON.stringify({ payload: { pad: '' } }).length;
  const room = bytes - empty;
  const pad = 'é'.repeat(Math.floor(room / 2)) + 'a'.repeat(room % 2);
  const res: WebhookResponse = { payload: { pad } };
  expect(Buffer.byteLength(JSON.stringify(res))).toBe(bytes);
  return res;
}

async function errorOf(res: Response) {
  const body = (await res.json()) as { error: { status: number; message: string } };
  // The status in the body always matches the HTTP status.
  expect(body.error.status).toBe(res.status);
  expect(res.headers.get('content-type')).toBe('application/json');
  return { status: res.status, message: body.error.message };
}

describe('createApp over HTTP', () => {
  let app: LiveApp;
  let sized = MAX_RESPONSE_BYTES;
  const handlers: Record<string, WebhookHandler> = {
    echo,
    greeting: echo,
    'validate-order-number': echo,
    'order-status': echo,
    'end-if-done': echo,
    throws: () => {
      throw new Error('boom with a secret inside');
    },
    rejects: () => Promise.reject(new Error('async boom')),
    'throws-non-error': () => {
      throw 'a string'; // eslint-disable-line @typescript-eslint/only-throw-error
    },
    unavailable: () => {
      throw new DependencyUnavailableError('orders backend is down');
    },
    invalid: () => ({ fulfilmentResponse: {} }) as unknown as WebhookResponse,
    'snake-case': () =>
      ({
        fulfillment_response: { messages: [{ text: { text: ['from a sample'] } }] },
      }) as unknown as WebhookResponse,
    'both-targets': () => ({ targetPage: 'a', targetFlow: 'b' }) as unknown as WebhookResponse,
    sized: () => responseOfBytes(sized),
    never: () => new Promise<WebhookResponse>(() => undefined),
    cyclic: () => {
      const a: Record<string, unknown> = {};
      a.self = a;
      return { payload: { a } } as unknown as WebhookResponse;
    },
    deep: () => {
      const root: Record<string, unknown> = {};
      let at = root;
      for (let i = 0; i < 100_000; i++) at = at.next = {};
      return { payload: { root } } as unknown as WebhookResponse;
    },
  };

  beforeAll(async () => {
    app = await startApp({ handlers, env: { WEBHOOK_TIMEOUT_MS: '1000' } });
  });
  afterAll(() => app.close());

  it('answers 200 with a WebhookResponse for a routed tag', async () => {
    const res = await app.post(fixture('event'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({
      fulfillmentResponse: { messages: [{ text: { text: ['greeting|sys.no-match-default'] } }] },
    });
  });

  it.each([
    ['text-form.camel', 'validate-order-number|my order number is 123456'],
    ['text-form.snake', 'validate-order-number|my order number is 123456'],
    ['dtmf', 'validate-order-number|123456#'],
    ['transcript', 'order-status|where is my order one two three four five six'],
    [
      'intent',
      'end-if-done|projects/acme-agents/locations/global/agents/3a1f6c2d-77b0-4d8e-a4b9-1e5f0c2d8a71/intents/00000000-0000-0000-0000-000000000000',
    ],
  ])('routes the %s fixture by its tag', async (name, expected) => {
    const res = await app.post(fixtureText(name));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      fulfillmentResponse: { messages: [{ text: { text: [expected] } }] },
    });
  });

  it('keeps non-ASCII text intact, including \\u escapes with surrogate pairs', async () => {
    const res = await app.post(fixtureText('unicode'), {
      headers: { 'content-type': 'application/json; charset=UTF-8' },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as WebhookResponse;
    expect(body.fulfillmentResponse?.messages?.[0]).toEqual({
      text: { text: ['greeting|Je voudrais parler à Zoë à propos de 東京 🚀 and 🎉'] },
    });
  });

  it('accepts a ~200 KiB request, over the 100 kB that express.json() allows', async () => {
    const body = JSON.stringify({ ...largeRequest(200), fulfillmentInfo: { tag: 'echo' } });
    expect(Buffer.byteLength(body)).toBeGreaterThan(200 * 1024);
    const res = await app.post(body);
    expect(res.status).toBe(200);
  });

  it('serves POST / with a query string through Express routing, with the same answer', async () => {
    const direct = await app.post(fixtureText('event'));
    const routed = await fetch(`${app.url}/?source=probe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: fixtureText('event'),
    });
    expect(routed.status).toBe(200);
    expect(await routed.json()).toEqual(await direct.json());
    expect((await fetch(`${app.url}/health?x=1`)).status).toBe(200);
  });

  it('accepts a snake_case response, as Google samples write, and sends it in camelCase', async () => {
    const res = await app.post({ fulfillmentInfo: { tag: 'snake-case' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      fulfillmentResponse: { messages: [{ text: { text: ['from a sample'] } }] },
    });
  });

  it('answers GET /health with 200', async () => {
    const res = await fetch(`${app.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  describe('error statuses', () => {
    it.each([
      ['invalid JSON', '{"fulfillmentInfo":', 'body is not valid JSON'],
      ['a JSON array', '[]', 'must be a JSON object'],
      ['an empty body', '', 'body is empty'],
      [
        'a wrongly typed field',
        '{"fulfillmentInfo":{"tag":["echo"]}}',
        'fulfillmentInfo.tag must be a string',
      ],
    ])('400 for %s', async (_name, body, message) => {
      const res = await app.post(body);
      expect(await errorOf(res)).toEqual({
        status: 400,
        message: expect.stringContaining(message),
      });
    });

    it('400 for invalid UTF-8', async () => {
      const body = Buffer.concat([
        Buffer.from('{"text":"'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}'),
      ]);
      const res = await app.post(body);
      expect(await errorOf(res)).toEqual({ status: 400, message: 'body is not valid UTF-8' });
    });

    it.each([
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
    ])('400 for content type %s', async (contentType) => {
      const res = await app.post(fixture('event'), { headers: { 'content-type': contentType } });
      expect((await errorOf(res)).status).toBe(400);
    });

    it('400 for a body over 1 MiB, without reading it all', async () => {
      const res = await app.post('x'.repeat(1024 * 1024 + 1));
      expect(await errorOf(res)).toEqual({ status: 400, message: 'body exceeds 1048576 bytes' });
    });

    it('404 for a tag without a handler when there is no fallback', async () => {
      const res = await app.post({ fulfillmentInfo: { tag: 'nobody' } });
      expect(await errorOf(res)).toEqual({ status: 404, message: 'no handler for tag "nobody"' });
    });

    it('404 for a request without a tag', async () => {
      const res = await app.post({ text: 'hi' });
      expect(await errorOf(res)).toEqual({ status: 404, message: 'the request has no tag' });
    });

    it('404 for a tag that names an Object.prototype member', async () => {
      const res = await app.post({ fulfillmentInfo: { tag: 'constructor' } });
      expect((await errorOf(res)).status).toBe(404);
    });

    it('404 JSON for other paths and methods', async () => {
      for (const [method, path] of [
        ['GET', '/'],
        ['PUT', '/'],
        ['POST', '/other'],
      ]) {
        const res = await fetch(`${app.url}${path}`, { method });
        expect(await errorOf(res)).toEqual({ status: 404, message: 'not found' });
      }
    });

    it.each(['throws', 'rejects', 'throws-non-error'])(
      '500 when the handler %s, without leaking the error',
      async (tag) => {
        const res = await app.post({ fulfillmentInfo: { tag } });
        const text = await res.text();
        expect(res.status).toBe(500);
        expect(JSON.parse(text)).toEqual({ error: { status: 500, message: 'the handler failed' } });
        expect(text).not.toMatch(/boom|secret|at /);
        // The process stays up and serves the next request.
        expect((await app.post({ fulfillmentInfo: { tag: 'echo' } })).status).toBe(200);
      },
    );

    it.each([
      ['invalid', 'the handler returned an invalid response'],
      ['both-targets', 'the handler returned an invalid response'],
    ])('500 when the handler returns an %s response', async (tag, message) => {
      const res = await app.post({ fulfillmentInfo: { tag } });
      expect(await errorOf(res)).toEqual({ status: 500, message });
    });

    it('500 for an answer with a cycle, with an Error Reporting line naming it', async () => {
      const res = await app.post({ fulfillmentInfo: { tag: 'cyclic' } });
      expect(await errorOf(res)).toEqual({
        status: 500,
        message: 'the service could not serialise the response',
      });
      const line = app.logs().findLast((l) => l['@type'] !== undefined && l.tag === 'cyclic');
      expect(line?.message).toMatch(/property 'self' closes the circle/);
    });

    it('500 for a very deep answer, and the process serves on', async () => {
      const res = await app.post({ fulfillmentInfo: { tag: 'deep' } });
      expect(await errorOf(res)).toEqual({
        status: 500,
        message: 'the service could not serialise the response',
      });
      expect((await app.post({ fulfillmentInfo: { tag: 'echo' } })).status).toBe(200);
    });

    it('503 when the handler reports a dependency down', async () => {
      const res = await app.post({ fulfillmentInfo: { tag: 'unavailable' } });
      expect(await errorOf(res)).toEqual({ status: 503, message: 'orders backend is down' });
    });
  });

  describe('the 64 KiB response limit', () => {
    it('sends a response of exactly 65,536 bytes', async () => {
      sized = MAX_RESPONSE_BYTES;
      const res = await app.post({ fulfillmentInfo: { tag: 'sized' } });
      expect(res.status).toBe(200);
      expect(Buffer.byteLength(await res.text())).toBe(65536);
    });

    it('refuses 65,537 bytes with a 500 and logs the size and tag', async () => {
      sized = MAX_RESPONSE_BYTES + 1;
      const res = await app.post({ fulfillmentInfo: { tag: 'sized' } });
      expect(await errorOf(res)).toEqual({
        status: 500,
        message: 'the response exceeds the 64 KiB limit',
      });
      expect(app.logs()).toContainEqual(
        expect.objectContaining({ severity: 'ERROR', tag: 'sized', bytes: 65537, limit: 65536 }),
      );
    });
  });

  describe('the deadline', () => {
    it('answers 503 before WEBHOOK_TIMEOUT_MS when the handler never resolves', async () => {
      const started = Date.now();
      const res = await app.post({ fulfillmentInfo: { tag: 'never' } });
      const elapsed = Date.now() - started;
      expect(await errorOf(res)).toEqual({
        status: 503,
        message: 'the deadline passed while waiting for the handler',
      });
      // 1000 ms timeout, 200 ms safety margin.
      expect(elapsed).toBeGreaterThanOrEqual(750);
      expect(elapsed).toBeLessThan(1000);
    });
  });

  describe('logging', () => {
    it('writes one Cloud Logging line per request with trace, ids and latency, never the body', async () => {
      const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
      const res = await app.post(fixtureText('text-form.camel'), {
        headers: { 'x-cloud-trace-context': `${trace}/1;o=1` },
      });
      expect(res.status).toBe(200);
      const line = app
        .logs()
        .findLast((l) => l.detectIntentResponseId === '5d6c1b2e-8f0a-4c7e-9a51-3f2b7c0d9e41');
      expect(line).toEqual(
        expect.objectContaining({
          severity: 'INFO',
          message: 'webhook request',
          tag: 'validate-order-number',
          session: '4f1c-session-77',
          status: 200,
          latencyMs: expect.any(Number),
          traceId: trace,
          'logging.googleapis.com/spanId': '0000000000000001',
          'logging.googleapis.com/trace_sampled': true,
        }),
      );
      expect(JSON.stringify(app.logs())).not.toContain('customer-name');
    });
  });
});

describe('createApp with a fallback', () => {
  it('sends unknown and missing tags to the fallback', async () => {
    const app = await startApp({ handlers: {}, fallback: () => reply().text('fallback').build() });
    try {
      for (const body of [{ fulfillmentInfo: { tag: 'nobody' } }, {}]) {
        const res = await app.post(body);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({
          fulfillmentResponse: { messages: [{ text: { text: ['fallback'] } }] },
        });
      }
    } finally {
      await app.close();
    }
  });

  it('closes the connection after refusing an oversize body', async () => {
    const app = await startApp();
    try {
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = httpRequest(
          `${app.url}/`,
          { method: 'POST', headers: { 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode, connection: res.headers.connection });
          },
        );
        req.on('error', reject);
        req.write('x'.repeat(1024 * 1024 + 10));
        req.end();
      });
      expect(headers).toEqual({ status: 400, connection: 'close' });
    } finally {
      await app.close();
    }
  });
});
