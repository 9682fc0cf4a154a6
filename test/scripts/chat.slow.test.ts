import { Readable } from 'node:stream';
import { formatTurn, main, tagsInDiagnostics } from '../../scripts/chat';
import { LOCAL_SERVICE_AGENT, generateKey } from '../../scripts/localIdp';
import { toStruct } from '../../scripts/cx/struct';
import { composeHandlers } from '../../service/composition';
import { captureIo } from '../helpers/cliIo';
import { startDialogflowStandIn, type StandIn } from '../helpers/dialogflowStandIn';
import { startApp, type LiveApp } from '../helpers/liveApp';
import { runTool } from '../helpers/runTool';
import { AGENT, demoAgent, webhook } from '../helpers/standInAgents';
import type { CallerAuth } from '../helpers/webhookCall';

const key = generateKey();
const caller: CallerAuth = { kind: 'platform', key, email: LOCAL_SERVICE_AGENT };

describe('npm run chat against the Dialogflow stand-in and the real service', () => {
  let app: LiveApp;
  let standIn: StandIn;

  beforeAll(async () => {
    app = await startApp({
      ...composeHandlers({}),
      env: { WEBHOOK_AUTH: 'platform', WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT },
    });
    standIn = await startDialogflowStandIn(demoAgent(webhook(`${app.url}/`, caller)));
  });
  afterAll(async () => {
    await standIn.close();
    await app.close();
  });

  const chat = async (lines: string[], extra: string[] = []) => {
    const io = captureIo();
    const code = await main(['--agent', AGENT, ...standIn.flags, ...extra], io, {
      input: Readable.from(lines.map((l) => `${l}\n`)),
      interactive: false,
    });
    return { code, io };
  };

  it('shows each turn: messages, flow and page, and every webhook call with its status', async () => {
    const { code, io } = await chat(['hello', 'where is my order', '12', '123456']);
    expect(io.stderr).toEqual([expect.stringMatching(/^chat: talking to .* at 127\.0\.0\.1:\d+;/)]);
    expect(code).toBe(0);
    expect(io.stdout).toEqual([
      'you> hello',
      'agent> Hello! How can I help you today?',
      '  page     Default Start Flow › Start Page',
      '  webhook  #1 OK',
      'you> where is my order',
      'agent> What is your order number?',
      '  page     Default Start Flow › Order status',
      '  webhook  none called',
      'you> 12',
      'agent> An order number has six digits, like 123456. What is yours?',
      'agent> What is your order number?',
      '  page     Default Start Flow › Order status',
      '  webhook  #1 OK',
      'you> 123456',
      'agent> Order 123456 is shipped.',
      '  page     Default Start Flow › Order answer',
      '  webhook  #1 OK',
      '  webhook  #2 OK',
    ]);
    // The turns went through the real service: validate, then the status lookup.
    expect(standIn.calls.slice(-2).map((c) => c.tag)).toEqual([
      'validate-order-number',
      'order-status',
    ]);
  });

  it('keeps the conversation in one session until /reset', async () => {
    const { io } = await chat(['where is my order', '/reset', '123456']);
    expect(io.stdout).toContain('  (new session)');
    // After the reset the number is no answer to a question: no match on the start page.
    expect(io.stdout.slice(-3)).toEqual([
      "agent> Sorry, I didn't get that.",
      '  page     Default Start Flow › Start Page',
      '  webhook  none called',
    ]);
  });

  it('shows a refused webhook call with Dialogflow’s status and goes on', async () => {
    const refused = await startDialogflowStandIn(
      demoAgent(
        webhook(`${app.url}/`, {
          ...caller,
          email: 'service-1@gcp-sa-dialogflow.iam.gserviceaccount.com',
        }),
      ),
    );
    try {
      const io = captureIo();
      const code = await main(['--agent', AGENT, ...refused.flags], io, {
        input: Readable.from(['hello\n', '/event webhook.error\n']),
        interactive: false,
      });
      expect(code).toBe(0);
      expect(io.stdout.slice(0, 4)).toEqual([
        'you> hello',
        'agent> Something went wrong on our side.',
        '  page     Default Start Flow › Start Page',
        '  webhook  #1 PERMISSION_DENIED: Webhook call failed. Error: PERMISSION_DENIED, HTTP status code: 403.',
      ]);
      expect(io.stdout[4]).toBe('you> /event webhook.error');
    } finally {
      await refused.close();
    }
  });

  it('reports a failed turn on stderr, keeps reading, and exits 1', async () => {
    const gone = await startDialogflowStandIn(demoAgent(webhook(`${app.url}/`, caller)));
    const flags = gone.flags;
    await gone.close();
    const io = captureIo();
    const code = await main(['--agent', AGENT, ...flags], io, {
      input: Readable.from(['hello\n', 'again\n']),
      interactive: false,
    });
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
    expect(run.stdout).toBe(
      [
        'you> hello',
        'agent> Hello! How can I help you today?',
        '  page     Default Start Flow › Start Page',
        '  webhook  #1 OK',
        '',
      ].join('\n'),
    );
  });
});

describe('chat output', () => {
  it('shows payloads, and tags only where the diagnostic info names them', () => {
    const lines = formatTurn(
      {
        responseMessages: [],
        currentFlow: { displayName: 'F' },
        currentPage: { displayName: 'P' },
        webhookStatuses: [{ code: 0 }],
        webhookPayloads: [toStruct({ cxWebhookKitSmoke: { ok: true } })],
        diagnosticInfo: toStruct({
          'Execution Sequence': [{ Step: { 'Webhook Tag': 'greeting' } }],
        }),
      },
      true,
    );
    expect(lines).toEqual([
      'agent> (no message)',
      '  page     F › P',
      '  webhook  #1 OK  payload {"cxWebhookKitSmoke":{"ok":true}}',
      '  tags     greeting (from the diagnostic info)',
      '  diagnostics {"Execution Sequence":[{"Step":{"Webhook Tag":"greeting"}}]}',
    ]);
  });

  it('finds tags under keys whose last word is tag, in any case style, and nothing else', () => {
    expect(tagsInDiagnostics({ 'Session Id': 's', Alternative: ['x'], stage: 'tagged' })).toEqual(
      [],
    );
  });
});
