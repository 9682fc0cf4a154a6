// `npm run chat` (docs/tools.md): a conversation with a deployed agent in the terminal.
import { createInterface } from 'node:readline';
import { parseCli, runAsScript, cliTool, type CliIo } from '../lib/cli';
import * as cx from './cx/connection';
import { TARGET_OPTIONS, resolveTarget, type PulumiOptions } from './cx/target';
import { fromStruct } from './cx/struct';

const TOOL = 'chat';

export const HELP = `A conversation with a CX agent in the terminal. Each line you type is one detectIntent turn;
the answer shows the agent's messages, the current flow and page, and each webhook call of the
turn in call order: its tag, status, latency and webhook (and its payload, if any).

usage:
  npm run chat -- <stack> [options]          the agent from the stack's agentName output
  npm run chat -- --agent <agent> [options]

  <stack>                   a Pulumi stack of this project
  --agent <name>            projects/<p>/locations/<l>/agents/<id>
  --language <code>         the language of the conversation (default en)
  --diagnostics             also print Dialogflow's free-form diagnostic info for each turn
${cx.ENDPOINT_HELP}

while chatting:
  /event <name>             send an event instead of text (e.g. /event cx-webhook-kit-smoke)
  /reset                    start a new session
  /quit                     end (so does Ctrl-D or the end of piped input)

The calls are read from the v3beta1 API's QueryResult (webhook_tags, webhook_statuses,
webhook_latencies, webhook_display_names, webhook_payloads), the same agent and sessions as v3.
exit codes: 0 done; 1 a turn failed at the API; 2 usage; 3 the stack outputs could not be read.`;

interface ChatDeps {
  input?: NodeJS.ReadableStream;
  /** Whether a person types (prompt, line editing) or input is piped in. */
  interactive?: boolean;
  pulumi?: PulumiOptions;
}

/**
 * A turn's answer: the agent's messages, the flow and page, one line per webhook call in call
 * order (tag, status, latency, webhook, payload) and, if asked for, the diagnostic info.
 */
export function formatTurn(result: cx.QueryResult, diagnostics: boolean): string[] {
  const texts = (result.responseMessages ?? []).flatMap((m) => m.text?.text ?? []);
  const flow = result.currentFlow?.displayName || result.currentFlow?.name || '?';
  const page = result.currentPage?.displayName || result.currentPage?.name || '?';
  const calls = cx.webhookCalls(result);
  const callLines = calls.map(
    (c, i) =>
      `  webhook  #${i + 1} ${c.tag ?? '(no tag)'}  ${cx.codeName(c.code)}` +
      (c.latencyMs === null ? '' : `  ${c.latencyMs} ms`) +
      (c.webhook ? `  (${c.webhook})` : '') +
      (c.code && c.message ? `: ${c.message}` : '') +
      (Object.keys(c.payload).length ? `  payload ${JSON.stringify(c.payload)}` : ''),
  );
  const info = diagnostics && result.diagnosticInfo ? fromStruct(result.diagnosticInfo) : null;
  return [
    ...(texts.length ? texts : ['(no message)']).map((text) => `agent> ${text}`),
    `  page     ${flow} › ${page}`,
    ...(callLines.length ? callLines : ['  webhook  none called']),
    ...(info ? [`  diagnostics ${JSON.stringify(info)}`] : []),
  ];
}

type Target = Awaited<ReturnType<typeof resolveTarget>> & {
  language: string;
  diagnostics: boolean;
};

async function converse(target: Target, io: CliIo, deps: ChatDeps): Promise<number> {
  const input = deps.input ?? process.stdin;
  const interactive = deps.interactive ?? (process.stdin.isTTY === true && input === process.stdin);
  const client = new (cx.v3beta1Clients().SessionsClient)(target.options);
  const rl = createInterface({
    input,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
  });
  rl.setPrompt('you> ');
  // Ctrl-C ends the conversation like Ctrl-D; unhandled, readline would only pause the input.
  rl.on('SIGINT', () => rl.close());
  let session = cx.newSession(target.agent, 'chat');
  let failures = 0;

  const detectIntent = async (
    queryInput: { text: { text: string } } | { event: { event: string } },
  ) => {
    try {
      const [response] = await client.detectIntent(
        { session, queryInput: { ...queryInput, languageCode: target.language } },
        cx.CALL_OPTIONS,
      );
      for (const out of formatTurn(response.queryResult ?? {}, target.diagnostics)) io.out(out);
    } catch (error) {
      // A failed turn is reported and the conversation goes on.
      failures++;
      io.err(`${TOOL}: ${cx.describeApiError(error, target.options)}`);
    }
  };

  io.err(
    `${TOOL}: talking to ${target.agent} at ${cx.describeEndpoint(target.options)}; ` +
      `/help for commands, /quit or Ctrl-D to end`,
  );
  try {
    if (interactive) rl.prompt();
    for await (const raw of rl) {
      const line = raw.trim();
      const event = /^\/event\s+(\S+)$/.exec(line)?.[1];
      // Piped input is not echoed by a terminal: show it, so the transcript reads as a dialogue.
      if (!interactive && line) io.out(`you> ${line}`);
      if (line === '/quit' || line === '/exit') break;
      if (line === '/help') {
        const from = HELP.indexOf('while chatting:');
        io.out(HELP.slice(from, HELP.indexOf('\n\n', from)));
      } else if (line === '/reset') {
        session = cx.newSession(target.agent, 'chat');
        io.out('  (new session)');
      } else if (event) {
        await detectIntent({ event: { event } });
      } else if (line.startsWith('/')) {
        io.out(`  (unknown command ${line.split(/\s/)[0]}; /help lists them)`);
      } else if (line) {
        await detectIntent({ text: { text: line } });
      }
      if (interactive) rl.prompt();
    }
  } finally {
    rl.close();
    await client.close();
  }
  return failures ? 1 : 0;
}

export const main = cliTool(TOOL, HELP, async (argv, io, deps: ChatDeps = {}) => {
  const parsed = parseCli(
    argv,
    {
      ...TARGET_OPTIONS,
      language: { type: 'string', default: 'en' },
      diagnostics: { type: 'boolean', default: false },
    },
    true,
  );
  if (!parsed) return undefined;
  const noAgent = 'give a stack name or --agent <agent>';
  const target = await resolveTarget(parsed, {}, deps.pulumi ?? {}, noAgent);
  await cx.requireCredentials(target.options);
  const { language, diagnostics } = parsed.values;
  return converse({ ...target, language, diagnostics }, io, deps);
});

if (require.main === module) runAsScript(main);
