import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { Server } from 'node:http';
import { createApp, forFunctionsFramework } from '../../service/app';
import { loadConfig } from '../../service/config';
import type { WebhookHandler } from '../../service/protocol/handler';
import { reply } from '../../service/responses';
import { close, listen, post, SECRET, sleep } from '../helpers/functionFramework';
import { memoryLogger } from '../helpers/liveApp';

// Faults of a handler during a request, on the Functions target, under the real Functions
// Framework (its own test server, the same Express app, body parsers and per-request domain as its
// CLI). The framework would answer its own text 500 carrying the error's message; the entry
// answers the contract's JSON 500 instead, with one Error Reporting line and a request line that
// says 500.

const REPORTED_ERROR_EVENT =
  'type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent';

const throwInCallback: WebhookHandler = async () => {
  setTimeout(() => {
    throw new Error('boom, caller data: order 123456');
  }, 10);
  await sleep(300);
  return reply().text('too late').build();
};
const forgetRejection: WebhookHandler = async () => {
  setTimeout(() => void Promise.reject(new Error('forgotten, caller data: order 123456')), 10);
  await sleep(300);
  return reply().text('too late').build();
};
const fine: WebhookHandler = () => reply().text('fine').build();

describe('handler faults during a request on the Functions target', () => {
  let url: string;
  let server: Server;
  const log = memoryLogger();

  beforeAll(async () => {
    const config = loadConfig({
      WEBHOOK_AUTH: 'header',
      WEBHOOK_HEADER_NAME: 'x-webhook-secret',
      WEBHOOK_HEADER_VALUE: SECRET['x-webhook-secret'],
    });
    const app = createApp({
      ...config,
      handlers: { throwInCallback, forgetRejection, fine },
      logger: log.logger,
    });
    functions.http('faulty', forFunctionsFramework(app, log.logger));
    server = getTestServer('faulty');
    url = await listen(server);
  });
  afterAll(() => close(server));

  it.each(['throwInCallback', 'forgetRejection'])(
    '%s → the contract’s JSON 500, one Error Reporting line, a request line with 500',
    async (tag) => {
      const before = log.lines().length;
      const res = await post(url, JSON.stringify({ fulfillmentInfo: { tag } }));
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ error: { status: 500, message: 'the handler failed' } });
      expect(text).not.toContain('123456');
      await sleep(400);
      const lines = log.lines().slice(before);
      expect(lines.filter((l) => l['@type'] === REPORTED_ERROR_EVENT)).toHaveLength(1);
      expect(lines.filter((l) => typeof l.status === 'number')).toEqual([
        expect.objectContaining({ status: 500, tag }),
      ]);
      // The instance serves on.
      expect((await post(url, JSON.stringify({ fulfillmentInfo: { tag: 'fine' } }))).status).toBe(
        200,
      );
    },
  );

  it('runs middleware added to the app for the webhook, as on every target', async () => {
    const config = loadConfig({ WEBHOOK_AUTH: 'none' });
    // A team's middleware, given to createApp, runs before the webhook route on every target.
    const withMiddleware = createApp({
      ...config,
      handlers: { fine },
      logger: log.logger,
      middleware: [
        (_req, res, next) => {
          res.setHeader('x-team-middleware', 'ran');
          next();
        },
      ],
    });
    functions.http('withMiddleware', forFunctionsFramework(withMiddleware, log.logger));
    const mw = getTestServer('withMiddleware');
    const mwUrl = await listen(mw);
    try {
      const res = await post(mwUrl, JSON.stringify({ fulfillmentInfo: { tag: 'fine' } }));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-team-middleware')).toBe('ran');
    } finally {
      await close(mw);
    }
  });
});
