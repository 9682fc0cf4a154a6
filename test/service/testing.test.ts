import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildServiceBundle } from '../../infra/bundle';
import { DependencyUnavailableError, WebhookError } from '../../service/protocol/errors';
import type { WebhookHandler } from '../../service/protocol/handler';
import type { WebhookResponse } from '../../service/protocol/types';
import { reply } from '../../service/responses';
import {
  checkResponse,
  handlerContext,
  runHandler,
  TEST_PAGE,
  TEST_SESSION,
  webhookRequest,
} from '../../service/testing';
import { ROOT } from '../helpers/spawnService';

describe('webhookRequest', () => {
  it('builds the request a handler receives: tag, parameters, session and page', () => {
    expect(webhookRequest({ tag: 'greeting', parameters: { name: 'Ada' }, text: 'hi' })).toEqual({
      detectIntentResponseId: 'test-response-id',
      languageCode: 'en',
      pageInfo: { currentPage: TEST_PAGE, displayName: 'Start Page' },
      sessionInfo: { session: TEST_SESSION, parameters: { name: 'Ada' } },
      fulfillmentInfo: { tag: 'greeting' },
      text: 'hi',
    });
  });

  it('reads fields as Dialogflow may send them, snake_case included, as the service does', () => {
    const request = webhookRequest({ tag: 't', language_code: 'de', trigger_event: 'e' });
    expect(request).toEqual(expect.objectContaining({ languageCode: 'de', triggerEvent: 'e' }));
  });

  it('must not hand a handler a request the service would refuse: the same 400', () => {
    expect(() => webhookRequest({ tag: 't', languageCode: 42 })).toThrow(
      new WebhookError(400, 'invalid WebhookRequest: languageCode must be a string, got number'),
    );
  });
});

describe('handlerContext', () => {
  it('gives a signal the test can fire, a deadline inside the timeout, and the lines logged', () => {
    const ctx = handlerContext({ timeoutMs: 1000 });
    expect(ctx.deadline - Date.now()).toBeGreaterThan(700);
    expect(ctx.deadline - Date.now()).toBeLessThanOrEqual(800);
    ctx.log.info({ tag: 't' }, 'looked it up');
    expect(ctx.logs()).toEqual([
      expect.objectContaining({ severity: 'INFO', tag: 't', message: 'looked it up' }),
    ]);
    expect(ctx.signal.aborted).toBe(false);
    ctx.expire();
    expect(ctx.signal.reason).toEqual(new WebhookError(503, 'the request deadline passed'));
  });
});

describe('runHandler', () => {
  it('returns the answer as the service sends it: checked, in camelCase', async () => {
    const sample: WebhookHandler = () =>
      ({
        fulfillment_response: { messages: [{ text: { text: ['from a sample'] } }] },
      }) as unknown as WebhookResponse;
    expect(await runHandler(sample, webhookRequest({ tag: 't' }))).toEqual({
      fulfillmentResponse: { messages: [{ text: { text: ['from a sample'] } }] },
    });
  });

  it('rejects with what the handler throws', async () => {
    const down: WebhookHandler = () => {
      throw new DependencyUnavailableError('orders are down');
    };
    await expect(runHandler(down, webhookRequest())).rejects.toThrow(DependencyUnavailableError);
  });

  it('fires ctx.signal at the deadline and fails as the service would answer 503', async () => {
    const ctx = handlerContext({ timeoutMs: 1000 });
    const stuck: WebhookHandler = (_request, { signal }) =>
      new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason as Error)),
      );
    await expect(runHandler(stuck, webhookRequest(), ctx)).rejects.toThrow(
      'the handler did not answer before the deadline: the service answers 503',
    );
    expect(ctx.signal.aborted).toBe(true);
  });

  it('fails an answer that arrives after the deadline, even before its timer could fire', async () => {
    // The deadline has passed; the answer comes on a microtask, ahead of any timer.
    const ctx = { ...handlerContext(), deadline: Date.now() - 1 };
    const quick: WebhookHandler = () => reply().text('too late').build();
    await expect(runHandler(quick, webhookRequest(), ctx)).rejects.toThrow(
      'the handler did not answer before the deadline: the service answers 503',
    );
    expect(ctx.signal.aborted).toBe(true);
  });

  it.each<[string, unknown, string]>([
    [
      'a misspelt field',
      { fulfilmentResponse: {} },
      'the service would answer 500: fulfilmentResponse is not a field',
    ],
    [
      'an answer over 64 KiB',
      { payload: { big: 'x'.repeat(64 * 1024) } },
      'the service would answer 500: the response is 65558 bytes, over 64 KiB',
    ],
    [
      'two members of a oneof, which the official proto refuses',
      { fulfillmentResponse: { messages: [{ outputAudioText: { text: 'a', ssml: '<speak/>' } }] } },
      'the WebhookResponse proto does not take it as is: fulfillmentResponse.messages.outputAudioText.source: multiple values',
    ],
  ])('must not pass %s', async (_name, answer, message) => {
    const handler: WebhookHandler = () => answer as WebhookResponse;
    await expect(runHandler(handler, webhookRequest())).rejects.toThrow(message);
    expect(() => checkResponse(answer)).toThrow(message);
  });

  it('passes every message kind the response builder makes', () => {
    const answer = reply()
      .text('a', 'b')
      .ssml('<speak>c</speak>')
      .payload({ k: 1 })
      .setParams({ p: 'v', gone: null })
      .build();
    expect(checkResponse(answer)).toEqual(answer);
  });
});

describe('service/testing.ts stays out of what is deployed', () => {
  it('must not be imported by any module of the service', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
      });
    const importers = files(join(ROOT, 'service'))
      .filter((path) => !path.endsWith('testing.ts'))
      .filter((path) =>
        /from '(\.\.?\/)+testing'|protobufjs|proto3-json-serializer|@google-cloud\/dialogflow-cx/.test(
          readFileSync(path, 'utf8'),
        ),
      );
    expect(importers.map((path) => relative(ROOT, path))).toEqual([]);
  });

  it.each(['main', 'function'] as const)('must not end up in the %s bundle', (entry) => {
    const { code } = buildServiceBundle(entry);
    // Its messages would be in the bundle if it were: minifying keeps string literals.
    expect(code).toContain('the service is shutting down');
    expect(code).not.toContain('the WebhookResponse proto does not take it as is');
    expect(code).not.toContain('dialogflow-cx/build/protos');
  });
});
