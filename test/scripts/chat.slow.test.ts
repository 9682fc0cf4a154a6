import { Readable } from 'node:stream';
import { formatTurn, main } from '../../scripts/chat';
import { LOCAL_SERVICE_AGENT, generateKey } from '../../scripts/localIdp';
import { toStruct } from '../helpers/struct';
import { composeHandlers } from '../../service/composition';
import { captureIo } from '../helpers/cliIo';
import { startDialogflowStandIn, type StandIn } from '../helpers/dialogflowStandIn';
import { runStack } from '../helpers/infra';
import { startApp, type LiveApp } from '../helpers/liveApp';
import { runTool } from '../helpers/runTool';
import { agentFromPlan, type PlannedAgent } from '../helpers/standInFromPlan';
import type { CallerAuth } from '../helpers/webhookCall';

const key = generateKey();
const caller: CallerAuth = { kind: 'platform', key, email: LOCAL_SERVICE_AGENT };
/** A call's latency differs from run to run. */
const steady = (lines: readonly string[]) =>
  lines.map((l) => l.replace(/ {2}\d+ ms {2}/, '  N ms  '));

// The agent is the one the dev stack deploys: the program runs under the mocks, and its CX
// webhook, flows, pages and intents become the stand-in's agent, its webhook pointed at the real
// service on loopback.
describe("npm run chat with the dev stack's agent, the Dialogflow stand-in and the real service", () => {
  let app: LiveApp;
  let standIn: StandIn;
  let planned: PlannedAgent;
  let AGENT: string;

  beforeAll(async () => {
    app = await startApp({
      ...composeHandlers({}),
      env: { WEBHOOK_AUTH: 'platform', WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT },
    });
    planned = agentFromPlan(await runStack('dev'), `${app.url}/`, caller);
    AGENT = planned.agentName;
    standIn = await startDialogflowStandIn(planned.agent);
  });
  afterAll(async () => {
    await standIn.close();
    await app.close();
  });

  const chat = async (lines: string[], extra: string[] = [], s: StandIn = standIn) => {
    const io = captureIo();
    const code = await main(['--agent', AGENT, ...s.flags, ...extra], io, {
      input: Readable.from(lines.map((l) => `${l}\n`)),
      interactive: false,
    });
    return { code, io };
  };

  it('shows each turn: messages, flow and page, and each webhook call with its tag, status and latency', async () => {
    const { code, io } = await chat(['hello', 'where is my order', '12', '123456']);
    expect(io.stderr).toEqual([expect.stringMatching(/^chat: talking to .* at 127\.0\.0\.1:\d+;/)]);
    expect(code).toBe(0);
    expect(steady(io.stdout)).toEqual([
      'you> hello',
      'agent> Hello! How can I help you today?',
      '  page     Default Start Flow › Start Page',
      '  webhook  #1 greeting  OK  N ms  (cx-webhook-dev)',
      'you> where is my order',
      'agent> What is your order number?',
      '  page     Default Start Flow › Order status',
      '  webhook  none called',
      'you> 12',
      'agent> An order number has six digits, like 123456. What is yours?',
      'agent> What is your order number?',
      '  page     Default Start Flow › Order status',
      '  webhook  #1 validate-order-number  OK  N ms  (cx-webhook-dev)',
      'you> 123456',
      'agent> Order 123456 is shipped.',
      '  page     Default Start Flow › Start Page',
      '  webhook  #1 validate-order-number  OK  N ms  (cx-webhook-dev)',
      '  webhook  #2 order-status  OK  N ms  (cx-webhook-dev)',
    ]);
  });

  it('must not call validate-order-number before the user gave a number: it sees each number on the turn it is given', async () => {
    const before = standIn.calls.length;
    await chat(['where is my order', '12', '123456']);
    const calls = standIn.calls.slice(before).map((c) => ({
      tag: c.tag,
      order: c.request.pageInfo?.formInfo?.parameterInfo?.[0],
      said: c.request.text,
    }));
    expect(calls).toEqual([
      {
        tag: 'validate-order-number',
        said: '12',
        order: {
          displayName: 'order_number',
          required: true,
          state: 'FILLED',
          value: 12,
          justCollected: true,
        },
      },
      {
        tag: 'validate-order-number',
        said: '123456',
        order: expect.objectContaining({ state: 'FILLED', value: 123456, justCollected: true }),
      },
      {
        tag: 'order-status',
        said: '123456',
        order: expect.objectContaining({ state: 'FILLED', value: '123456' }),
      },
    ]);
  });

  it('keeps the conversation in one session until /reset', async () => {
    const { io } = await chat(['where is my order', '/reset', '123456']);
    expect(io.stdout).toContain('  (new session)');
    // After the reset the number answers no question: nothing matches on the start page (and the
    // program gives the flow no no-match handler; see standInConversation.ts on CX's defaults).
    expect(io.stdout.slice(-3)).toEqual([
      'agent> (no message)',
      '  page     Default Start Flow › Start Page',
      '  webhook  none called',
    ]);
  });

  it('shows a refused webhook call with Dialogflow’s status and goes on', async () => {
    const stranger = { ...caller, email: 'service-1@gcp-sa-dialogflow.iam.gserviceaccount.com' };
    const { agent } = planned;
    const refused = await startDialogflowStandIn({
      ...agent,
      webhooks: agent.webhooks.map((w) => ({ ...w, caller: stranger })),
    });
    try {
      const { code, io } = await chat(['hello', 'where is my order'], [], refused);
      expect(code).toBe(0);
      // The welcome route has no target, so CX raises webhook.error.rejected; the flow has no
      // handler for it, so the agent says nothing and the turn goes on.
      expect(steady(io.stdout).slice(0, 4)).toEqual([
        'you> hello',
        'agent> (no message)',
        '  page     Default Start Flow › Start Page',
        '  webhook  #1 greeting  PERMISSION_DENIED  N ms  (cx-webhook-dev): Webhook call failed. Error: PERMISSION_DENIED, HTTP status code: 403.',
      ]);
      expect(io.stdout[4]).toBe('you> where is my order');
    } finally {
      await refused.close();
    }
  });

  it('reports a failed turn on stderr, keeps reading, and exits 1', async () => {
    const gone = await startDialogflowStandIn(planned.agent);
    await gone.close();
    const { code, io } = await chat(['hello', 'again'], [], gone);
    expect(code).toBe(1);
    expect(io.stdout).toEqual(['you> hello', 'you> again']);
    expect(io.stderr.filter((l) => l.includes('could not reach the Dialogflow API'))).toHaveLength(
      2,
    );
  });

  it('lists the chat commands with /help', async () => {
    const { io } = await chat(['/help']);
    expect(io.stdout).toEqual([
      'you> /help',
      [
        'while chatting:',
        '  /event <name>             send an event instead of text (e.g. /event cx-webhook-kit-smoke)',
        '  /reset                    start a new session',
        '  /quit                     end (so does Ctrl-D or the end of piped input)',
      ].join('\n'),
    ]);
  });

  it('answers unknown commands without calling Dialogflow', async () => {
    const before = standIn.detectIntentCount();
    const { io } = await chat(['/nope', '/quit', 'hello']);
    expect(io.stdout).toEqual([
      'you> /nope',
      '  (unknown command /nope; /help lists them)',
      'you> /quit',
    ]);
    expect(standIn.detectIntentCount()).toBe(before);
  });

  it('runs as its own process with piped stdin, as a person pipes a script into it', async () => {
    const run = await runTool('scripts/chat.ts', ['--agent', AGENT, ...standIn.flags], {
      input: 'hello\n',
    });
    expect(run.code).toBe(0);
    expect(steady(run.stdout.split('\n'))).toEqual([
      'you> hello',
      'agent> Hello! How can I help you today?',
      '  page     Default Start Flow › Start Page',
      '  webhook  #1 greeting  OK  N ms  (cx-webhook-dev)',
      '',
    ]);
  });
});

describe('chat output', () => {
  it('shows each call with its tag, status, latency, webhook and payload, from the v3beta1 QueryResult', () => {
    const lines = formatTurn(
      {
        responseMessages: [],
        currentFlow: { displayName: 'F' },
        currentPage: { displayName: 'P' },
        webhookStatuses: [
          { code: 0 },
          { code: 4, message: 'Webhook call failed. Error: DEADLINE_EXCEEDED.' },
        ],
        webhookPayloads: [toStruct({ cxWebhookKitSmoke: { ok: true } }), toStruct({})],
        webhookTags: ['cx-webhook-kit-smoke', ''],
        webhookLatencies: [
          { seconds: 0, nanos: 12_000_000 },
          { seconds: '5', nanos: 0 },
        ],
        webhookDisplayNames: ['cx-webhook-dev', ''],
        webhookIds: ['w1', 'w2'],
        diagnosticInfo: toStruct({ 'Execution Sequence': [] }),
      },
      true,
    );
    expect(lines).toEqual([
      'agent> (no message)',
      '  page     F › P',
      '  webhook  #1 cx-webhook-kit-smoke  OK  12 ms  (cx-webhook-dev)  payload {"cxWebhookKitSmoke":{"ok":true}}',
      '  webhook  #2 (no tag)  DEADLINE_EXCEEDED  5000 ms  (w2): Webhook call failed. Error: DEADLINE_EXCEEDED.',
      '  diagnostics {"Execution Sequence":[]}',
    ]);
  });

  it('shows what v3 would report, without tags or latencies', () => {
    expect(formatTurn({ webhookStatuses: [{ code: 0 }] }, false)).toEqual([
      'agent> (no message)',
      '  page     ? › ?',
      '  webhook  #1 (no tag)  OK',
    ]);
  });
});
