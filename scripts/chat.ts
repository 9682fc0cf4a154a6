// A terminal conversation with a deployed agent: each line is a detectIntent turn; each answer shows
// the agent's messages, where the conversation is (flow and page), and each webhook call's tag,
// status and latency.
//   npm run chat -- <stack>
//   npm run chat -- --agent <agent>
import { createInterface } from 'node:readline';
import { parseCli, runAsScript, runCli, type CliIo } from '../lib/cli';
import {
  CALL_OPTIONS,
  ENDPOINT_HELP,
  describeEndpoint,
  type DialogflowClientOptions,
  type PulumiOptions,
  requireCredentials,
} from './cx/connection';
import { TARGET_OPTIONS, resolveTarget } from './cx/target';
import { codeName, describeApiError } from './cx/rpcStatus';
import { newSession } from './cx/session';
import { fromStruct } from './cx/struct';
import { durationMs, v3beta1Clients, type QueryResult } from './cx/clients';

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
${ENDPOINT_HELP}
  -h, --help                this text

while chatting:
  /event <name>             send an event instead of text (e.g. /event cx-webhook-kit-smoke)
  /reset                    start a new session
  /quit                     end (so does Ctrl-D or the end of piped input)

The calls are read from the v3beta1 API's QueryResult (webhook_tags, webhook_statuses,
webhook_latencies, webhook_display_names, webhook_payloads), the same agent and sessions as v3.
exit codes: 0 done; 1 a turn failed at the API; 2 usage; 3 the stack outputs could not be read.`;

export interface ChatDeps {
  input?: NodeJS.ReadableStream;
  /** Whether a person types (prompt, line editing) or input is piped in. */
  interactive?: boolean;
  pulumi?: PulumiOptions;
}

/** One line per webhook call of the turn, in call order: tag, status, latency, webhook, payload. */
function webhookLines(result: QueryResult): string[] {
  const statuses = result.webhookStatuses ?? [];
  if (statuses.length === 0) return ['  webhook  none called'];
  const payloads = (result.webhookPayloads ?? []).map(fromStruct);
  return statuses.map((status, i) => {
    const tag = result.webhookTags?.[i] || '(no tag)';
    const latency = durationMs(result.webhookLatencies?.[i] ?? null);
    const webhook = result.webhookDisplayNames?.[i] || result.webhookIds?.[i];
    const payload = payloads[i] && Object.keys(payloads[i]).length ? payloads[i] : undefined;
    return (
      `  webhook  #${i + 1} ${tag}  ${codeName(status.code)}` +
      (latency === null ? '' : `  ${latency} ms`) +
      (webhook ? `  (${webhook})` : '') +
      ((status.code ?? 0) !== 0 && status.message ? `: ${status.message}` : '') +
      (payload ? `  payload ${JSON.stringify(payload)}` : '')
    );
  });
}

export function formatTurn(result: QueryResult, diagnostics: boolean): string[] {
  const lines: string[] = [];
  const texts = (result.responseMessages ?? []).flatMap((m) => m.text?.text ?? []);
  for (const text of texts.length ? texts : ['(no message)']) lines.push(`agent> ${text}`);
  const flow = result.currentFlow?.displayName || result.currentFlow?.name || '?';
  const page = result.currentPage?.displayName || result.currentPage?.name || '?';
  lines.push(`  page     ${flow} › ${page}`, ...webhookLines(result));
  if (diagnostics && result.diagnosticInfo) {
    lines.push(`  diagnostics ${JSON.stringify(fromStruct(result.diagnosticInfo))}`);
  }
  return lines;
}

interface Target {
  agent: string;
  options: DialogflowClientOptions;
  language: string;
  diagnostics: boolean;
}

async function resolveChat(argv: string[], pulumi: PulumiOptions): Promise<Target | undefined> {
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
  const { agent, options } = await resolveTarget(
    parsed,
    {},
    pulumi,
    'give a stack name or --agent <agent>',
  );
  return {
    agent,
    options,
    language: parsed.values.language,
    diagnostics: parsed.values.diagnostics === true,
  };
}

/** What a typed line asks for. */
export type Line =
  | { kind: 'empty' | 'quit' | 'help' | 'reset' }
  | { kind: 'unknown'; command: string }
  | { kind: 'event'; event: string }
  | { kind: 'text'; text: string };

export function parseLine(raw: string): Line {
  const line = raw.trim();
  if (line === '') return { kind: 'empty' };
  if (!line.startsWith('/')) return { kind: 'text', text: line };
  if (line === '/quit' || line === '/exit') return { kind: 'quit' };
  if (line === '/help') return { kind: 'help' };
  if (line === '/reset') return { kind: 'reset' };
  const event = /^\/event\s+(\S+)$/.exec(line)?.[1];
  return event ? { kind: 'event', event } : { kind: 'unknown', command: line.split(/\s/)[0] };
}

async function converse(target: Target, io: CliIo, deps: ChatDeps): Promise<number> {
  const input = deps.input ?? process.stdin;
  const interactive = deps.interactive ?? (process.stdin.isTTY === true && input === process.stdin);
  const client = new (v3beta1Clients().SessionsClient)(target.options);
  const rl = createInterface({
    input,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
  });
  rl.setPrompt('you> ');
  // Ctrl-C ends the conversation like Ctrl-D; unhandled, readline would only pause the input.
  rl.on('SIGINT', () => rl.close());
  let session = newSession(target.agent, 'chat');
  let failures = 0;

  const detectIntent = async (
    queryInput: { text: { text: string } } | { event: { event: string } },
  ) => {
    try {
      const [response] = await client.detectIntent(
        { session, queryInput: { ...queryInput, languageCode: target.language } },
        CALL_OPTIONS,
      );
      for (const out of formatTurn(response.queryResult ?? {}, target.diagnostics)) io.out(out);
    } catch (error) {
      // A failed turn is reported and the conversation goes on.
      failures++;
      io.err(`${TOOL}: ${describeApiError(error, describeEndpoint(target.options))}`);
    }
  };

  io.err(
    `${TOOL}: talking to ${target.agent} at ${describeEndpoint(target.options)}; ` +
      `/help for commands, /quit or Ctrl-D to end`,
  );
  try {
    if (interactive) rl.prompt();
    for await (const raw of rl) {
      const line = parseLine(raw);
      // Piped input is not echoed by a terminal: show it, so the transcript reads as a dialogue.
      if (!interactive && line.kind !== 'empty') io.out(`you> ${raw.trim()}`);
      if (line.kind === 'quit') break;
      switch (line.kind) {
        case 'help': {
          const from = HELP.indexOf('while chatting:');
          io.out(HELP.slice(from, HELP.indexOf('\n\n', from)));
          break;
        }
        case 'reset':
          session = newSession(target.agent, 'chat');
          io.out('  (new session)');
          break;
        case 'unknown':
          io.out(`  (unknown command ${line.command}; /help lists them)`);
          break;
        case 'event':
          await detectIntent({ event: { event: line.event } });
          break;
        case 'text':
          await detectIntent({ text: { text: line.text } });
          break;
      }
      if (interactive) rl.prompt();
    }
  } finally {
    rl.close();
    await client.close();
  }
  return failures ? 1 : 0;
}

export async function main(argv: string[], io: CliIo, deps: ChatDeps = {}): Promise<number> {
  return runCli(
    TOOL,
    async () => {
      const target = await resolveChat(argv, deps.pulumi ?? {});
      if (!target) {
        io.out(HELP);
        return 0;
      }
      await requireCredentials(target.options);
      return converse(target, io, deps);
    },
    io,
  );
}

if (require.main === module) runAsScript((argv, io) => main(argv, io));
