// The stand-in's model of CX, checked against the rules it cites, so the tests that lean on it
// (chat, smoke, agent:check) lean on what the protos and docs say.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toValue } from './struct';
import type { JsonObject } from '../../service/protocol/types';
import { Conversation, type StandInAgent } from './standInConversation';

const AGENT = 'projects/p/locations/global/agents/a';
const FLOW = `${AGENT}/flows/00000000-0000-0000-0000-000000000000`;
const FORM = `${FLOW}/pages/form`;
const NEXT = `${FLOW}/pages/next`;
const HOOK = `${AGENT}/webhooks/w`;
const call = (tag: string) => ({ webhook: HOOK, tag });
const say = (text: string) => ({ messages: [{ text: { text: [text] } }] });

/** A webhook that answers each tag with a canned WebhookResponse, or a status code. */
let server: Server;
let url: string;
const answers: Record<string, JsonObject | number> = {
  invalidate: {
    pageInfo: { formInfo: { parameterInfo: [{ displayName: 'n', state: 'INVALID' }] } },
    sessionInfo: { parameters: { n: null } },
  },
  ok: { fulfillmentResponse: { messages: [{ text: { text: ['ok'] } }] } },
  refuse: 403,
};
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const tag = (JSON.parse(body) as { fulfillmentInfo: { tag: string } }).fulfillmentInfo.tag;
      const answer = answers[tag];
      if (typeof answer === 'number') res.writeHead(answer).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(
  () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
);

function agent(parts: { flow?: object; form?: object } = {}): StandInAgent {
  return {
    name: AGENT,
    webhooks: [
      { webhook: { name: HOOK, genericWebService: { uri: url } }, caller: { kind: 'none' } },
    ],
    flows: [
      {
        flow: { name: FLOW, displayName: 'Start', ...parts.flow },
        pages: [
          {
            name: FORM,
            displayName: 'Form',
            form: {
              parameters: [
                {
                  displayName: 'n',
                  entityType: 'projects/-/locations/-/agents/-/entityTypes/sys.number-integer',
                  required: true,
                  fillBehavior: { initialPromptFulfillment: say('Which number?') },
                },
              ],
            },
            ...parts.form,
          },
          { name: NEXT, displayName: 'Next' },
        ],
      },
    ],
  };
}

let sessions = 0;
const turn = (cx: Conversation, input: { text?: string; event?: string; currentPage?: string }) =>
  cx.detectIntent({ session: `${AGENT}/sessions/s${sessions}`, languageCode: 'en', ...input });

describe('the stand-in follows the rules it cites', () => {
  beforeEach(() => sessions++);

  it("calls a flow's condition routes only at its start page (flow.proto)", async () => {
    const cx = new Conversation(
      agent({
        flow: { transitionRoutes: [{ condition: 'true', triggerFulfillment: say('flow route') }] },
      }),
    );
    expect((await turn(cx, { currentPage: FORM, text: 'hello' })).messages).toEqual([
      'Which number?',
    ]);
    expect(
      (await turn(cx, { currentPage: `${FLOW}/pages/START_PAGE`, text: 'hello' })).messages,
    ).toEqual(['flow route']);
  });

  it('after a webhook invalidates the value, prompts with sys.invalid-parameter, else the initial prompt (page.proto)', async () => {
    const routes = {
      transitionRoutes: [
        { condition: '$page.params.n.status = "UPDATED"', triggerFulfillment: call('invalidate') },
      ],
    };
    const plain = new Conversation(agent({ form: routes }));
    await turn(plain, { currentPage: FORM, text: 'hi' });
    const first = await turn(plain, { text: '7' });
    expect(first.messages).toEqual(['Which number?']);
    expect(first.params).toEqual({});
    const withHandler = agent({ form: routes });
    const parameter = withHandler.flows[0].pages![0].form!.parameters![0];
    parameter.fillBehavior!.repromptEventHandlers = [
      { event: 'sys.invalid-parameter', triggerFulfillment: say('Not that one.') },
    ];
    const cx = new Conversation(withHandler);
    await turn(cx, { currentPage: FORM, text: 'hi' });
    expect((await turn(cx, { text: '7' })).messages).toEqual(['Not that one.']);
  });

  it('holds UPDATED only on the turn the value was filled, and FINAL once the form is complete', async () => {
    const cx = new Conversation(
      agent({
        form: {
          transitionRoutes: [
            { condition: '$page.params.n.status = "UPDATED"', triggerFulfillment: say('updated') },
            { condition: '$page.params.status = "FINAL"', triggerFulfillment: say('final') },
          ],
        },
      }),
    );
    expect((await turn(cx, { currentPage: FORM, text: 'hi' })).messages).toEqual(['Which number?']);
    expect((await turn(cx, { text: '7' })).messages).toEqual(['updated', 'final']);
    expect((await turn(cx, { text: 'hi' })).messages).toEqual(['final']);
  });

  it('forgets the session when the caller sets the current page (session.proto current_page)', async () => {
    const cx = new Conversation(agent());
    await turn(cx, { currentPage: FORM, text: 'hi' });
    expect((await turn(cx, { text: '7' })).params).toEqual({ n: 7 });
    expect((await turn(cx, { currentPage: FORM, text: 'hi' })).params).toEqual({});
  });

  it('applies setParameterActions before the webhook (fulfillment.proto)', async () => {
    const cx = new Conversation(agent());
    const flow = cx.agent.flows[0].flow;
    flow.eventHandlers = [
      {
        event: 'go',
        triggerFulfillment: {
          ...call('ok'),
          setParameterActions: [{ parameter: 'x', value: toValue('set') }],
        },
      },
    ];
    await turn(cx, { event: 'go' });
    expect(cx.calls.at(-1)?.request.sessionInfo?.parameters).toEqual({ x: 'set' });
  });

  it('raises webhook.error.rejected only when the failing route has no target (concept/handler)', async () => {
    const handlers = {
      eventHandlers: [{ event: 'webhook.error.rejected', triggerFulfillment: say('refused') }],
    };
    const silent = new Conversation(
      agent({
        flow: {
          ...handlers,
          transitionRoutes: [
            { condition: 'true', triggerFulfillment: call('refuse'), targetPage: NEXT },
          ],
        },
      }),
    );
    const moved = await turn(silent, { text: 'hi' });
    expect(moved).toMatchObject({ messages: [], page: { name: NEXT } });
    expect(moved.calls.map((c) => c.status.code)).toEqual([7]);
    const raised = new Conversation(
      agent({
        flow: {
          ...handlers,
          transitionRoutes: [{ condition: 'true', triggerFulfillment: call('refuse') }],
        },
      }),
    );
    expect((await turn(raised, { text: 'hi' })).messages).toEqual(['refused']);
  });

  it('throws for a condition it does not model, rather than reading it as false', async () => {
    const cx = new Conversation(
      agent({
        form: {
          transitionRoutes: [{ condition: '$session.params.x = 1', triggerFulfillment: say('x') }],
        },
      }),
    );
    await expect(turn(cx, { currentPage: FORM, text: 'hi' })).rejects.toThrow(
      'the stand-in does not model the condition $session.params.x = 1',
    );
  });
});
