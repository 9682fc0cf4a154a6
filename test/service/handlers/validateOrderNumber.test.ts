import { validateOrderNumber } from '../../../service/handlers/validateOrderNumber';
import { normalizeRequest } from '../../../service/protocol/normalize';
import { runHandler } from '../../../service/testing';
import { fixture } from '../../helpers/fixtures';

// runHandler checks each answer as the service does, and against the official proto.
const run = (name: string) => runHandler(validateOrderNumber, normalizeRequest(fixture(name)));

describe('validate-order-number', () => {
  it('accepts six digits', async () => {
    const res = await run('text-form.camel');
    expect(res).toEqual({ sessionInfo: { parameters: { order_number: '123456' } } });
  });

  it('marks anything else INVALID and clears it', async () => {
    const res = await run('dtmf');
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
});
