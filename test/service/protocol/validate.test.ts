import fc from 'fast-check';
import { SchemaError } from '../../../service/protocol/normalize';
import type { WebhookResponse } from '../../../service/protocol/types';
import { validateResponse } from '../../../service/protocol/validate';
import { protoRoundTrip } from '../../helpers/proto';
import { replaceAt } from '../../helpers/replaceAt';

const PAGE =
  'projects/p/locations/global/agents/a/flows/00000000-0000-0000-0000-000000000000/pages/END_FLOW';
const FLOW = 'projects/p/locations/global/agents/a/flows/billing';

describe('validateResponse', () => {
  it('takes a response in snake_case, as Google samples write it, and returns it in camelCase', () => {
    const res = validateResponse({
      fulfillment_response: { messages: [{ text: { text: ['Hi'] } }], merge_behavior: 'REPLACE' },
      session_info: { parameters: { order_number: null, 'kept-as-is': 1 } },
      page_info: {
        form_info: {
          parameter_info: [{ display_name: 'order_number', required: true, state: 'INVALID' }],
        },
      },
      target_page: PAGE,
    });
    expect(res).toEqual({
      fulfillmentResponse: { messages: [{ text: { text: ['Hi'] } }], mergeBehavior: 'REPLACE' },
      sessionInfo: { parameters: { order_number: null, 'kept-as-is': 1 } },
      pageInfo: {
        formInfo: {
          parameterInfo: [{ displayName: 'order_number', required: true, state: 'INVALID' }],
        },
      },
      targetPage: PAGE,
    });
    expect(protoRoundTrip('WebhookResponse', res)).toEqual(res);
  });

  it('returns a camelCase answer as it is, without a copy', () => {
    const answer: WebhookResponse = {
      fulfillmentResponse: { messages: [{ text: { text: ['Hi'] } }], mergeBehavior: 'REPLACE' },
      sessionInfo: { parameters: { seen: true } },
      targetPage: PAGE,
    };
    expect(validateResponse(answer)).toBe(answer);
  });

  it.each<[string, unknown, string]>([
    [
      'a field that does not fit comes before a CX rule',
      { targetPage: PAGE, targetFlow: FLOW, payload: { n: NaN } },
      'payload.n must be a finite number, got NaN',
    ],
    [
      'the targets come before mergeBehavior and the messages',
      { fulfillmentResponse: { messages: [{}], mergeBehavior: 'MERGE' }, targetPage: 'x' },
      'targetPage must be a full page resource name',
    ],
    [
      'mergeBehavior comes before the messages',
      { fulfillmentResponse: { messages: [{}], mergeBehavior: 'MERGE' } },
      'fulfillmentResponse.mergeBehavior must be APPEND or REPLACE',
    ],
    [
      'the messages come before the form parameters, whichever is written first',
      {
        pageInfo: { formInfo: { parameterInfo: [{ displayName: 'x', state: 'VALID' }] } },
        fulfillmentResponse: { messages: [{}] },
      },
      'fulfillmentResponse.messages[0] must hold exactly one of',
    ],
    [
      'the first message that breaks the rule is named',
      {
        fulfillmentResponse: {
          messages: [{ text: { text: ['a'] } }, { text: { text: ['b'] }, payload: {} }, {}],
        },
      },
      'fulfillmentResponse.messages[1] must hold exactly one of',
    ],
    [
      'the first form parameter that breaks a rule is named',
      {
        pageInfo: {
          formInfo: {
            parameterInfo: [
              { displayName: 'a', state: 'INVALID' },
              { displayName: 'b', state: 'FILLED' },
              { state: 'INVALID' },
            ],
          },
        },
      },
      'pageInfo.formInfo.parameterInfo[1].state may only be INVALID',
    ],
  ])('reports one problem in a fixed order: %s', (_name, response, message) => {
    expect(() => validateResponse(response)).toThrow(message);
  });

  it('never modifies an answer, and what it accepts the proto takes unchanged and needs no further change', () => {
    const answers: WebhookResponse[] = [
      {
        fulfillmentResponse: {
          messages: [
            { text: { text: ['Hi', 'Hello'] } },
            { payload: { chips: [{ text: 'Yes' }] }, channel: 'web' },
            { outputAudioText: { ssml: '<speak>Hi</speak>' } },
          ],
          mergeBehavior: 'APPEND',
        },
        sessionInfo: { parameters: { order: { id: 1, items: ['a'] }, old: null } },
        pageInfo: { formInfo: { parameterInfo: [{ displayName: 'email', state: 'INVALID' }] } },
        targetFlow: FLOW,
      },
      { payload: { a: [1, { b: 'c' }] }, targetPage: PAGE },
    ];
    const outcomes = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom(...answers),
        fc.array(fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 2 })), { maxLength: 2 }),
        (answer, changes) => {
          const input = changes.reduce<unknown>(
            (tree, [pick, value]) => replaceAt(tree, pick, value),
            answer,
          );
          const before = JSON.stringify(input);
          let out: WebhookResponse;
          try {
            out = validateResponse(input);
          } catch (error) {
            expect(error).toBeInstanceOf(SchemaError);
            outcomes.refused++;
            return;
          } finally {
            expect(JSON.stringify(input)).toBe(before);
          }
          expect(validateResponse(out)).toBe(out);
          const sent = JSON.parse(JSON.stringify(out)) as unknown;
          expect(protoRoundTrip('WebhookResponse', sent)).toEqual(sent);
          outcomes.accepted++;
        },
      ),
      { numRuns: 300, seed: 20261207 },
    );
    expect(Math.min(outcomes.accepted, outcomes.refused)).toBeGreaterThan(30);
  });

  it('turns enum numbers into names', () => {
    expect(validateResponse({ fulfillmentResponse: { mergeBehavior: 2 } })).toEqual({
      fulfillmentResponse: { mergeBehavior: 'REPLACE' },
    });
  });

  it.each<[string, unknown, string]>([
    ['a non-object', ['x'], 'the response must be an object'],
    [
      'a misspelt field CX would ignore',
      { fulfilmentResponse: {} },
      'fulfilmentResponse is not a field of google.cloud.dialogflow.cx.v3.WebhookResponse',
    ],
    [
      'a misspelt nested field',
      { fulfillmentResponse: { mesages: [] } },
      'fulfillmentResponse.mesages is not a field',
    ],
    [
      'both targets',
      { targetPage: PAGE, targetFlow: 'projects/p/locations/l/agents/a/flows/f' },
      'mutually exclusive',
    ],
    [
      'a target that is not a string',
      { targetPage: { name: PAGE } },
      'targetPage must be a string',
    ],
    [
      'text that is a string',
      { fulfillmentResponse: { messages: [{ text: { text: 'Hi' } }] } },
      'fulfillmentResponse.messages[0].text.text must be an array',
    ],
    [
      'two kinds in one message',
      { fulfillmentResponse: { messages: [{ text: { text: ['a'] }, payload: {} }] } },
      'must hold exactly one of',
    ],
    [
      'an output-only message kind',
      { fulfillmentResponse: { messages: [{ endInteraction: {} }] } },
      'must hold exactly one of',
    ],
    [
      'an unknown mergeBehavior',
      { fulfillmentResponse: { mergeBehavior: 'MERGE' } },
      'mergeBehavior must be APPEND or REPLACE',
    ],
    [
      'the samples\u2019 VALID state',
      { pageInfo: { formInfo: { parameterInfo: [{ displayName: 'x', state: 'VALID' }] } } },
      'state may only be INVALID',
    ],
    [
      'a form parameter without a name',
      { pageInfo: { formInfo: { parameterInfo: [{ state: 'INVALID' }] } } },
      'displayName is required',
    ],
    [
      'session parameters as a list',
      { sessionInfo: { parameters: [] } },
      'sessionInfo.parameters must be a JSON object',
    ],
    ['a payload that is a string', { payload: 'x' }, 'payload must be a JSON object'],
    [
      'NaN as a session parameter (JSON.stringify would send null, deleting it)',
      { sessionInfo: { parameters: { total: NaN } } },
      'sessionInfo.parameters["total"] must be a finite number',
    ],
    [
      'Infinity nested in a payload',
      { payload: { totals: [1, Infinity] } },
      'payload.totals[1] must be a finite number',
    ],
    [
      'a form parameter value of -Infinity',
      {
        pageInfo: {
          formInfo: { parameterInfo: [{ displayName: 'x', state: 'INVALID', value: -Infinity }] },
        },
      },
      'pageInfo.formInfo.parameterInfo[0].value must be a finite number',
    ],
    [
      'a BigInt as a session parameter',
      { sessionInfo: { parameters: { n: BigInt(1) } } },
      'sessionInfo.parameters["n"] must be JSON',
    ],
    [
      'a targetPage that is not a full page resource name',
      { targetPage: 'END_FLOW' },
      'targetPage must be a full page resource name',
    ],
    [
      'a targetFlow that is not a full flow resource name',
      { targetFlow: 'billing' },
      'targetFlow must be a full flow resource name',
    ],
    [
      'the same field in snake_case and camelCase',
      { target_page: PAGE, targetPage: PAGE },
      'targetPage is given twice (as target_page and targetPage)',
    ],
  ])('refuses %s', (_name, response, message) => {
    expect(() => validateResponse(response)).toThrow(SchemaError);
    expect(() => validateResponse(response)).toThrow(message);
  });
});
