import { endIfDone } from '../../../service/handlers/endIfDone';
import { runHandler, TEST_PAGE, webhookRequest } from '../../../service/testing';

describe('end-if-done', () => {
  it('moves to END_FLOW in the current flow once the caller is done', async () => {
    const request = webhookRequest({ tag: 'end-if-done', parameters: { done: true } });
    // runHandler checks the answer as the service does, and against the official proto.
    expect(await runHandler(endIfDone, request)).toEqual({
      fulfillmentResponse: { messages: [{ text: { text: ['Thanks for calling. Goodbye!'] } }] },
      targetPage: TEST_PAGE.replace(/START_PAGE$/, 'END_FLOW'),
    });
  });

  it('asks what else the caller needs until then, staying on the page', async () => {
    for (const parameters of [undefined, { done: false }, { done: 'true' }]) {
      const res = await runHandler(endIfDone, webhookRequest({ tag: 'end-if-done', parameters }));
      expect(res).toEqual({
        fulfillmentResponse: {
          messages: [{ text: { text: ['Is there anything else I can help with?'] } }],
        },
      });
    }
  });
});
