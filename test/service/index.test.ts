import type { AddressInfo } from 'node:net';
import {
  createApp,
  createLogger,
  createWebhookServer,
  loadConfig,
  reply,
  type WebhookHandler,
} from '../../service';

describe('the service package surface', () => {
  it('is enough to build, serve and answer with a handler of your own', async () => {
    const hello: WebhookHandler = (req) =>
      reply(req)
        .text(`hi ${req.languageCode ?? ''}`)
        .build();
    const server = createWebhookServer(
      createApp({
        ...loadConfig({}),
        handlers: { hello },
        logger: createLogger({ level: 'error' }),
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ fulfillment_info: { tag: 'hello' }, language_code: 'de' }),
      });
      expect(await res.json()).toEqual({
        fulfillmentResponse: { messages: [{ text: { text: ['hi de'] } }] },
      });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
