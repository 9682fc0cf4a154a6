import { createHandlers, fallback } from '../../../service/handlers';
import { inMemoryOrderStore } from '../../../service/handlers/orderStatus';
import { createLogger } from '../../../service/logging';
import { DependencyUnavailableError } from '../../../service/protocol/errors';
import type { HandlerContext } from '../../../service/protocol/handler';
import { normalizeRequest } from '../../../service/protocol/normalize';
import type { WebhookRequest, WebhookResponse } from '../../../service/protocol/types';
import { validateResponse } from '../../../service/protocol/validate';
import { fixture } from '../../helpers/fixtures';
import { memoryLogger } from '../../helpers/liveApp';
import { protoRoundTrip } from '../../helpers/proto';

const handlers = createHandlers({ orders: inMemoryOrderStore({ '123456': 'shipped' }, 1) });

function ctx(signal = new AbortController().signal): HandlerContext {
  return {
    signal,
    deadline: Date.now() + 4000,
    log: createLogger({ level: 'error' }),
    caller: { strategies: ['none'] },
  };
}

async function run(tag: string, request: WebhookRequest): Promise<WebhookResponse> {
  const res = await handlers[tag](normalizeRequest(request), ctx());
  // Every example's answer survives the official proto strictly and passes the service's own check.
  expect(protoRoundTrip('WebhookResponse', res)).toEqual(res);
  expect(validateResponse(res)).toEqual(res);
  return res;
}

const withParams = (parameters: Record<string, unknown>): WebhookRequest =>
  ({
    ...fixture('transcript'),
    sessionInfo: { session: 'projects/p/locations/l/agents/a/sessions/s', parameters },
  }) as WebhookRequest;

describe('example handlers', () => {
  it('greeting greets by name and sets a session parameter', async () => {
    const res = await run('greeting', fixture('unicode'));
    expect(res.fulfillmentResponse?.messages?.[0]).toEqual({
      text: {
        text: [
          'Hello, Zoë 東京 🚀! How can I help you today?',
          'Hi, Zoë 東京 🚀! What can I do for you?',
        ],
      },
    });
    expect(res.sessionInfo).toEqual({ parameters: { greeted: true } });
  });

  it('validate-order-number accepts six digits', async () => {
    const res = await run('validate-order-number', fixture('text-form.camel'));
    expect(res).toEqual({ sessionInfo: { parameters: { order_number: '123456' } } });
  });

  it('validate-order-number marks anything else INVALID and clears it', async () => {
    const res = await run('validate-order-number', fixture('dtmf'));
    expect(res.pageInfo).toEqual({
      formInfo: {
        parameterInfo: [{ displayName: 'order_number', required: true, state: 'INVALID' }],
      },
    });
    expect(res.sessionInfo).toEqual({ parameters: { order_number: null } });
    expect(res.fulfillmentResponse?.messages?.[0]).toEqual({
      text: { text: ['An order number has six digits, like 123456. What is yours?'] },
    });
  });

  it('order-status looks the order up through the injected store', async () => {
    expect((await run('order-status', withParams({ order_number: '123456' }))).sessionInfo).toEqual(
      {
        parameters: { order_found: true, order_status: 'shipped' },
      },
    );
    expect((await run('order-status', withParams({ order_number: '999999' }))).sessionInfo).toEqual(
      {
        parameters: { order_found: false },
      },
    );
    expect((await run('order-status', withParams({}))).fulfillmentResponse?.messages?.[0]).toEqual({
      text: { text: ['Which order is this about?'] },
    });
  });

  it('order-status must not answer an Object.prototype member as an order (own properties only)', async () => {
    for (const orderNumber of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const res = await run('order-status', withParams({ order_number: orderNumber }));
      expect([orderNumber, res.sessionInfo]).toEqual([
        orderNumber,
        { parameters: { order_found: false } },
      ]);
    }
  });

  it('order-status takes an order number that arrives as a number (@sys.number, the simulator)', async () => {
    const res = await run('order-status', withParams({ order_number: 123456 }));
    expect(res.sessionInfo).toEqual({ parameters: { order_found: true, order_status: 'shipped' } });
    const fraction = await run('order-status', withParams({ order_number: 1234.5 }));
    expect(fraction.fulfillmentResponse?.messages?.[0]).toEqual({
      text: { text: ['Which order is this about?'] },
    });
  });

  it('order-status stops waiting when ctx.signal aborts', async () => {
    const slow = createHandlers({ orders: inMemoryOrderStore({ '123456': 'shipped' }, 10_000) });
    const controller = new AbortController();
    const pending = slow['order-status'](
      normalizeRequest(withParams({ order_number: '123456' })),
      ctx(controller.signal),
    );
    controller.abort(new DependencyUnavailableError('deadline'));
    await expect(pending).rejects.toThrow('deadline');
  });

  it('the fallback answers politely and logs the tag', async () => {
    const log = memoryLogger();
    const res = await fallback(normalizeRequest({ fulfillmentInfo: { tag: 'new-tag' } }), {
      ...ctx(),
      log: log.logger,
    });
    expect(protoRoundTrip('WebhookResponse', res)).toEqual(res);
    expect(log.lines()).toContainEqual(
      expect.objectContaining({ severity: 'WARNING', tag: 'new-tag' }),
    );
  });
});
