import { endIfDone } from '../../../service/handlers/endIfDone';
import { createLogger } from '../../../service/logging';
import type { HandlerContext } from '../../../service/protocol/handler';
import { normalizeRequest } from '../../../service/protocol/normalize';
import type { WebhookRequest, WebhookResponse } from '../../../service/protocol/types';
import { validateResponse } from '../../../service/protocol/validate';
import { fixture } from '../../helpers/fixtures';
import { protoRoundTrip } from '../../helpers/proto';

const ctx: HandlerContext = {
  signal: new AbortController().signal,
  deadline: Date.now() + 4000,
  log: createLogger({ level: 'error' }),
  caller: { strategies: ['none'] },
};

async function run(request: WebhookRequest): Promise<WebhookResponse> {
  const res = await endIfDone(normalizeRequest(request), ctx);
  // The answer survives the official proto strictly and passes the service's own check.
  expect(protoRoundTrip('WebhookResponse', res)).toEqual(res);
  expect(validateResponse(res)).toEqual(res);
  return res;
}

describe('end-if-done', () => {
  it('moves to END_FLOW in the current flow once done', async () => {
    const res = await run(fixture('intent'));
    expect(res.targetPage).toBe(
      'projects/acme-agents/locations/global/agents/3a1f6c2d-77b0-4d8e-a4b9-1e5f0c2d8a71/flows/00000000-0000-0000-0000-000000000000/pages/END_FLOW',
    );
  });

  it('asks what else the caller needs until then, staying on the page', async () => {
    const notDone = await run({ ...fixture('intent'), sessionInfo: {} });
    expect(notDone.targetPage).toBeUndefined();
    expect(notDone.fulfillmentResponse?.messages?.[0]).toEqual({
      text: { text: ['Is there anything else I can help with?'] },
    });
  });
});
