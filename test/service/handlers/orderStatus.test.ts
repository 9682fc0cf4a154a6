import { inMemoryOrderStore, orderStatus } from '../../../service/handlers/orderStatus';
import { handlerContext, runHandler, webhookRequest } from '../../../service/testing';

const handler = orderStatus(inMemoryOrderStore({ '123456': 'shipped' }, 1));
const withParams = (parameters: Record<string, unknown>) =>
  webhookRequest({ tag: 'order-status', parameters });
// runHandler checks each answer as the service does, and against the official proto.
const run = (request: ReturnType<typeof withParams>) => runHandler(handler, request);

describe('order-status', () => {
  it('looks the order up through the injected store', async () => {
    expect((await run(withParams({ order_number: '123456' }))).sessionInfo).toEqual({
      parameters: { order_found: true, order_status: 'shipped' },
    });
    expect((await run(withParams({ order_number: '999999' }))).sessionInfo).toEqual({
      parameters: { order_found: false },
    });
    expect((await run(withParams({}))).fulfillmentResponse?.messages?.[0]).toEqual({
      text: { text: ['Which order is this about?'] },
    });
  });

  it('must not answer an Object.prototype member as an order (own properties only)', async () => {
    for (const orderNumber of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const res = await run(withParams({ order_number: orderNumber }));
      expect([orderNumber, res.sessionInfo]).toEqual([
        orderNumber,
        { parameters: { order_found: false } },
      ]);
    }
  });

  it('takes an order number that arrives as a number (@sys.number, the simulator)', async () => {
    const res = await run(withParams({ order_number: 123456 }));
    expect(res.sessionInfo).toEqual({ parameters: { order_found: true, order_status: 'shipped' } });
    const fraction = await run(withParams({ order_number: 1234.5 }));
    expect(fraction.fulfillmentResponse?.messages?.[0]).toEqual({
      text: { text: ['Which order is this about?'] },
    });
  });

  it('stops waiting when ctx.signal aborts', async () => {
    const slow = orderStatus(inMemoryOrderStore({ '123456': 'shipped' }, 10_000));
    const ctx = handlerContext();
    const pending = slow(withParams({ order_number: '123456' }), ctx);
    ctx.expire();
    await expect(pending).rejects.toThrow('the request deadline passed');
  });
});
