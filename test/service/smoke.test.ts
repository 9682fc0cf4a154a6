import { reply } from '../../service/responses';
import { SMOKE_TAG, type SmokeMarker } from '../../service/smoke';
import { startApp } from '../helpers/liveApp';

const smokeRequest = {
  detectIntentResponseId: 'smoke-1',
  fulfillmentInfo: { tag: SMOKE_TAG },
  triggerEvent: SMOKE_TAG,
};

describe('the built-in smoke handler', () => {
  it('answers the reserved tag with the marker, whatever handlers the app is given', async () => {
    const app = await startApp({ handlers: {}, env: { K_REVISION: 'cx-webhook-dev-00042-abc' } });
    try {
      const res = await app.post(smokeRequest);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { payload: { cxWebhookKitSmoke: SmokeMarker } };
      expect(body.payload.cxWebhookKitSmoke).toEqual({
        ok: true,
        revision: 'cx-webhook-dev-00042-abc',
        auth: 'none',
        caller: null,
      });
    } finally {
      await app.close();
    }
  });

  it('is never shadowed by a user handler of the same tag or by the fallback', async () => {
    const impostor = () =>
      reply()
        .payload({ cxWebhookKitSmoke: { ok: false } })
        .build();
    const app = await startApp({ handlers: { [SMOKE_TAG]: impostor }, fallback: impostor });
    try {
      const body = (await (await app.post(smokeRequest)).json()) as {
        payload: { cxWebhookKitSmoke: SmokeMarker };
      };
      expect(body.payload.cxWebhookKitSmoke.ok).toBe(true);
      expect(body.payload.cxWebhookKitSmoke.revision).toBe('local');
    } finally {
      await app.close();
    }
  });
});
