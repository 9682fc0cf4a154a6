import type { WebhookResponse } from '../../service/protocol/types';
import { validateResponse } from '../../service/protocol/validate';
import { flowInCurrentAgent, pageInCurrentFlow, reply } from '../../service/responses';
import { fixture } from '../helpers/fixtures';
import { protoRoundTrip } from '../helpers/proto';

const request = fixture('text-form.camel');
const FLOW =
  'projects/acme-agents/locations/global/agents/3a1f6c2d-77b0-4d8e-a4b9-1e5f0c2d8a71/flows/00000000-0000-0000-0000-000000000000';

/** A response is fine for CX when it survives the official proto strictly and passes our own check. */
function expectConformant(res: WebhookResponse): void {
  expect(protoRoundTrip('WebhookResponse', res)).toEqual(res);
  expect(validateResponse(res)).toEqual(res);
}

describe('response builders', () => {
  it('builds every message kind a webhook may send, and each conforms to the proto', () => {
    const res = reply()
      .text('Hello', 'Hi there')
      .ssml('<speak>Hello</speak>')
      .audio('gs://bucket/hello.wav')
      .customPayload(
        { richContent: [[{ type: 'chips', options: [{ text: 'Yes' }] }]] },
        'messenger',
      )
      .handoff({ queue: 'billing' })
      .success({ resolved: true })
      .transferCall('+15551234567')
      .replaceQueuedMessages()
      .build();
    expect(res).toEqual({
      fulfillmentResponse: {
        messages: [
          { text: { text: ['Hello', 'Hi there'] } },
          { outputAudioText: { ssml: '<speak>Hello</speak>' } },
          { playAudio: { audioUri: 'gs://bucket/hello.wav' } },
          {
            payload: { richContent: [[{ type: 'chips', options: [{ text: 'Yes' }] }]] },
            channel: 'messenger',
          },
          { liveAgentHandoff: { metadata: { queue: 'billing' } } },
          { conversationSuccess: { metadata: { resolved: true } } },
          { telephonyTransferCall: { phoneNumber: '+15551234567' } },
        ],
        mergeBehavior: 'REPLACE',
      },
    });
    expectConformant(res);
  });

  it('sets and deletes session parameters (null deletes)', () => {
    const res = reply()
      .setParams({ a: 1, nested: { b: [true, 'x'] } })
      .deleteParams('old', 'older')
      .build();
    expect(res).toEqual({
      sessionInfo: { parameters: { a: 1, nested: { b: [true, 'x'] }, old: null, older: null } },
    });
    expectConformant(res);
  });

  it('marks a form parameter INVALID, keeps its required flag from the request, and clears it', () => {
    const res = reply(request).invalidate('postcode').invalidate('email').build();
    expect(res).toEqual({
      pageInfo: {
        formInfo: {
          parameterInfo: [
            { displayName: 'postcode', required: true, state: 'INVALID' },
            { displayName: 'email', required: true, state: 'INVALID' },
          ],
        },
      },
      sessionInfo: { parameters: { postcode: null, email: null } },
    });
    expectConformant(res);
  });

  it('keeps required: false for an optional form parameter', () => {
    const optional = {
      ...request,
      pageInfo: { formInfo: { parameterInfo: [{ displayName: 'notes', required: false }] } },
    };
    expect(reply(optional).invalidate('notes').build().pageInfo?.formInfo.parameterInfo).toEqual([
      { displayName: 'notes', required: false, state: 'INVALID' },
    ]);
  });

  it('builds page and flow names from the current page', () => {
    expect(pageInCurrentFlow(request, 'END_FLOW')).toBe(`${FLOW}/pages/END_FLOW`);
    expect(flowInCurrentAgent(request, 'billing-flow-id')).toBe(
      'projects/acme-agents/locations/global/agents/3a1f6c2d-77b0-4d8e-a4b9-1e5f0c2d8a71/flows/billing-flow-id',
    );
    expect(() => pageInCurrentFlow({}, 'x')).toThrow('pageInfo.currentPage is missing');
  });

  it('targets a page or a flow, never both', () => {
    const toPage = reply().goToPage(`${FLOW}/pages/abc`).build();
    expect(toPage).toEqual({ targetPage: `${FLOW}/pages/abc` });
    expectConformant(toPage);
    const toFlow = reply().goToFlow(FLOW).build();
    expect(toFlow).toEqual({ targetFlow: FLOW });
    expectConformant(toFlow);
    expect(() => reply().goToPage(`${FLOW}/pages/abc`).goToFlow(FLOW)).toThrow(
      'one page or flow only',
    );
    expect(() => reply().goToPage('abc')).toThrow('not a page resource name');
    expect(() => reply().goToFlow(`${FLOW}/pages/abc`)).toThrow('not a flow resource name');
  });

  it('adds a webhook payload and an explicit APPEND', () => {
    const res = reply().payload({ orderId: 'A1' }).appendToQueuedMessages().build();
    expect(res).toEqual({
      payload: { orderId: 'A1' },
      fulfillmentResponse: { mergeBehavior: 'APPEND' },
    });
    expectConformant(res);
  });

  it('refuses a phone number that is not E.164', () => {
    expect(() => reply().transferCall('555-1234')).toThrow('E.164');
  });

  it('the strict proto check catches a misspelt field the serializer would drop', () => {
    const wrong = { fulfillmentResponse: { mesages: [] } } as unknown as WebhookResponse;
    expect(protoRoundTrip('WebhookResponse', wrong)).not.toEqual(wrong);
  });
});
