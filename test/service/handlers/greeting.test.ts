import { greeting } from '../../../service/handlers/greeting';
import { normalizeRequest } from '../../../service/protocol/normalize';
import { runHandler, webhookRequest } from '../../../service/testing';
import { fixture } from '../../helpers/fixtures';

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

  it('keeps a name in any script as given', async () => {
    const res = await runHandler(greeting, normalizeRequest(fixture('unicode')));
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
});
