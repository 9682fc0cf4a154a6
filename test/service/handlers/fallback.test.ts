import { fallback } from '../../../service/handlers';
import { handlerContext, runHandler, webhookRequest } from '../../../service/testing';

describe('the fallback', () => {
  it('answers a tag no handler serves politely, and logs the tag', async () => {
    const ctx = handlerContext();
    // runHandler checks the answer as the service does, and against the official proto.
    const res = await runHandler(fallback, webhookRequest({ tag: 'new-tag' }), ctx);
    expect(res.fulfillmentResponse?.messages?.length).toBeGreaterThan(0);
    expect(ctx.logs()).toContainEqual(
      expect.objectContaining({ severity: 'WARNING', tag: 'new-tag' }),
    );
  });
});
