import { greeting } from '../../../service/handlers/greeting';
import { runHandler, webhookRequest } from '../../../service/testing';

describe('greeting', () => {
  it('greets the caller by name and records the greeting', async () => {
    const request = webhookRequest({ tag: 'greeting', parameters: { name: 'Ada' } });
    // runHandler checks the answer as the service does, and against the official proto.
    expect(await runHandler(greeting, request)).toEqual({
      fulfillmentResponse: {
        messages: [
          {
            text: {
              text: ['Hello, Ada! How can I help you today?', 'Hi, Ada! What can I do for you?'],
            },
          },
        ],
      },
      sessionInfo: { parameters: { greeted: true } },
    });
  });

  it('greets without a name when the agent has not collected one', async () => {
    const res = await runHandler(greeting, webhookRequest({ tag: 'greeting' }));
    expect(res.fulfillmentResponse?.messages).toEqual([
      { text: { text: ['Hello! How can I help you today?', 'Hi! What can I do for you?'] } },
    ]);
  });
});
