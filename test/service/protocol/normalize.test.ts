import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { WebhookError } from '../../../service/protocol/errors';
import { conform, normalizeRequest, SchemaError } from '../../../service/protocol/normalize';
import { webhookResponseSchema } from '../../../service/protocol/schema';
import type { RequestParameterInfo, WebhookRequest } from '../../../service/protocol/types';
import { fixture } from '../../helpers/fixtures';
import { replaceAt } from '../../helpers/replaceAt';

const FIXTURES = readdirSync(join(__dirname, '..', '..', 'fixtures', 'requests')).map((f) =>
  f.replace(/\.json$/, ''),
);

describe('normalizeRequest', () => {
  it('returns a camelCase request unchanged', () => {
    const camel = fixture('text-form.camel');
    expect(normalizeRequest(camel)).toEqual(camel);
  });

  it('turns snake_case field names into camelCase and leaves map keys and Struct contents as sent', () => {
    const normalized = normalizeRequest(fixture('text-form.snake'));
    const camel = fixture('text-form.camel');
    // Enum numbers become their names; the undocumented field is dropped.
    expect(normalized).toEqual(camel);
    expect(Object.keys(normalized.sessionInfo?.parameters ?? {})).toContain('snake_case_param');
    expect(Object.keys(normalized.intentInfo?.parameters ?? {})).toEqual([
      'order_number',
      'delivery-date',
      'amount',
    ]);
    expect(normalized.payload).toEqual({
      telephony: { caller_id: '+18558363987' },
      some_key: { nested_key: 1 },
    });
  });

  it.each(['event', 'dtmf', 'transcript', 'intent', 'unicode'])(
    'accepts the %s fixture',
    (name) => {
      const request = fixture(name);
      expect(normalizeRequest(request)).toEqual(request);
    },
  );

  it('checks a camelCase request in place: the request itself comes back, nothing copied', () => {
    const request = fixture('text-form.camel');
    expect(normalizeRequest(request)).toBe(request);
  });

  it('copies only the messages on the way to a change, in their order, and leaves the input as it was', () => {
    const input = fixture('text-form.camel');
    const params = input.pageInfo?.formInfo?.parameterInfo ?? [];
    const stateAsNumber = { ...params[1], state: 1 } as unknown as (typeof params)[number];
    const changed = {
      ...input,
      pageInfo: { ...input.pageInfo, formInfo: { parameterInfo: [params[0], stateAsNumber] } },
    };
    const before = JSON.stringify(changed);
    const out = normalizeRequest(changed);
    expect(JSON.stringify(changed)).toBe(before);
    expect(out.pageInfo?.formInfo?.parameterInfo?.[1]).toEqual({ ...params[1], state: 'EMPTY' });
    expect(out.pageInfo?.formInfo?.parameterInfo?.[0]).toBe(params[0]);
    expect(out.sessionInfo).toBe(input.sessionInfo);
    expect(out.intentInfo).toBe(input.intentInfo);
    expect(Object.keys(out)).toEqual(Object.keys(changed));
  });

  it('never modifies a request, refuses only with a 400, and what it returns needs no further change', () => {
    const outcomes = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom(...FIXTURES),
        fc.array(fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 2 })), { maxLength: 3 }),
        (name, changes) => {
          const input = changes.reduce<unknown>(
            (tree, [pick, value]) => replaceAt(tree, pick, value),
            fixture(name),
          );
          const before = JSON.stringify(input);
          let out: WebhookRequest;
          try {
            out = normalizeRequest(input);
          } catch (error) {
            expect(error).toBeInstanceOf(WebhookError);
            expect((error as WebhookError).status).toBe(400);
            outcomes.refused++;
            return;
          } finally {
            expect(JSON.stringify(input)).toBe(before);
          }
          expect(normalizeRequest(out)).toBe(out);
          outcomes.accepted++;
        },
      ),
      { numRuns: 400, seed: 20261207 },
    );
    // Both outcomes were reached, so neither half of the property was vacuous.
    expect(Math.min(outcomes.accepted, outcomes.refused)).toBeGreaterThan(40);
  });

  it('types the name of a form parameter as always there, as webhook.proto says CX sends it', () => {
    const params = normalizeRequest(fixture('text-form.camel')).pageInfo?.formInfo?.parameterInfo;
    expect(params?.map((p) => p.displayName.trim()).every((name) => name.length > 0)).toBe(true);
    // @ts-expect-error a form parameter in a request always has its displayName
    void ({ state: 'FILLED' } satisfies RequestParameterInfo);
  });

  it('treats null fields as absent and tolerates a request with only the tag', () => {
    expect(normalizeRequest({ fulfillmentInfo: { tag: 'x' }, text: null, pageInfo: null })).toEqual(
      {
        fulfillmentInfo: { tag: 'x' },
      },
    );
    expect(normalizeRequest({})).toEqual({});
  });

  it('keeps a session parameter named __proto__ as data without touching any prototype', () => {
    const body = JSON.parse(
      '{"sessionInfo":{"parameters":{"__proto__":{"polluted":true}}},"__proto__":{"polluted":true},' +
        '"intentInfo":{"parameters":{"__proto__":{"originalValue":"x"}}}}',
    ) as unknown;
    const normalized = normalizeRequest(body);
    expect(Object.getPrototypeOf(normalized)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(normalized.sessionInfo?.parameters ?? {}, '__proto__')).toBe(true);
    const intentParams = normalized.intentInfo?.parameters ?? {};
    expect(Object.hasOwn(intentParams, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(intentParams)).toBe(Object.prototype);
  });

  it('accepts floats written as strings, as proto3 JSON allows', () => {
    const r = normalizeRequest({
      intentInfo: { confidence: '0.5' },
      sentimentAnalysisResult: { score: 'NaN' },
    });
    expect(r.intentInfo?.confidence).toBe(0.5);
    expect(r.sentimentAnalysisResult?.score).toBeNaN();
  });

  it.each([
    ['a JSON array', [], 'the body must be a JSON object'],
    ['a string', 'hello', 'the body must be a JSON object'],
    ['a number', 42, 'the body must be a JSON object'],
    [
      'a tag that is an object',
      { fulfillmentInfo: { tag: { a: 1 } } },
      'fulfillmentInfo.tag must be a string',
    ],
    [
      'parameters as a list',
      { sessionInfo: { parameters: [1, 2] } },
      'sessionInfo.parameters must be a JSON object',
    ],
    ['messages as an object', { messages: {} }, 'messages must be an array'],
    [
      'a message text that is a string',
      { messages: [{ text: { text: 'hi' } }] },
      'messages[0].text.text must be an array',
    ],
    [
      'a required flag as a string',
      { pageInfo: { formInfo: { parameterInfo: [{ required: 'yes' }] } } },
      'pageInfo.formInfo.parameterInfo[0].required must be a boolean',
    ],
    [
      'a confidence that is not a number',
      { intentInfo: { confidence: 'high' } },
      'intentInfo.confidence must be a number',
    ],
    ['a payload that is a list', { payload: [1] }, 'payload must be a JSON object'],
    [
      'an intent parameter that is a string',
      { intent_info: { parameters: { p: 'x' } } },
      'intentInfo.parameters["p"] must be a JSON object',
    ],
    [
      'the same field in camelCase and snake_case (routing would follow whichever came last)',
      { fulfillmentInfo: { tag: 'a' }, fulfillment_info: { tag: 'b' } },
      'fulfillmentInfo is given twice (as fulfillmentInfo and fulfillment_info)',
    ],
    [
      'a nested field given twice, one of them null',
      { sessionInfo: { session: null, session_: 'x', parameters: {} }, session_info: null },
      'sessionInfo is given twice',
    ],
  ])('refuses %s with a 400 naming the path', (_name, body, message) => {
    let error: unknown;
    try {
      normalizeRequest(body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WebhookError);
    expect((error as WebhookError).status).toBe(400);
    expect((error as WebhookError).message).toContain(message);
  });
});

describe('conform on our own answers (strict)', () => {
  const check = (payload: unknown) =>
    conform({ payload }, webhookResponseSchema, { strict: true }, 'not an object');
  const chain = (depth: number, end: unknown) => {
    const root: Record<string, unknown> = {};
    let at = root;
    for (let i = 0; i < depth; i++) at = at.next = {};
    at.end = end;
    return root;
  };

  it('leaves a cycle to JSON.stringify, whose error names the property that closes it', () => {
    const a: Record<string, unknown> = { ok: 1 };
    a.self = a;
    // The service's 500 and the Error Reporting line naming 'self': app.test.ts.
    expect(() => check({ a })).not.toThrow();
  });

  it('still names a problem past a cycle or an object reached twice', () => {
    const shared: Record<string, unknown> = { n: 1 };
    shared.back = shared;
    expect(() => check({ z: [Infinity], x: shared, y: shared })).toThrow(
      'payload.z[0] must be a finite number, got Infinity',
    );
  });

  it('walks a very deep answer without using the stack, and names a problem at its bottom', () => {
    expect(() => check(chain(50_000, 1))).not.toThrow();
    let error: unknown;
    try {
      check(chain(50_000, NaN));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SchemaError);
    const message = (error as SchemaError).message;
    expect(message.startsWith(`payload${'.next'.repeat(50_000)}.end must be a finite`)).toBe(true);
  });
});
