// A terminal conversation with a deployed agent: each line is a detectIntent turn; each answer shows
// the agent's messages, where the conversation is (flow and page), and each webhook call's status.
//   npm run chat -- <stack>
//   npm run chat -- --agent <agent>
import { createInterface } from 'node:readline';
import type { protos } from '@google-cloud/dialogflow-cx';
import { parseCli, runAsScript, runCli, type CliIo } from './cli';
import {
  CALL_OPTIONS,
  ENDPOINT_HELP,
  describeEndpoint,
  type DialogflowClientOptions,
  type PulumiOptions,
} from './cx/connection';
import { TARGET_OPTIONS, resolveTarget } from './cx/target';
import { codeName, describeApiError } from './cx/rpcStatus';
import { newSession } from './cx/session';
import { fromStruct } from './cx/struct';
import type { JsonValue } from '../service/protocol/types';
import { v3Clients } from './cx/clients';

const TOOL = 'chat';

export const HELP = `A conversation with a CX agent in the terminal. Each line you type is one detectIntent turn;
the answer shows the agent's messages, the current flow and page, and each webhook call of the
turn with its status (and its payload, if any).

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

Dialogflow's v3 API reports each webhook call's status (QueryResult.webhook_statuses, in call
order) and payload, but not its tag; a tag is shown only when the diagnostic info names one.
exit codes: 0 done; 1 a turn failed at the API; 2 usage; 3 the stack outputs could not be read.`;

export interface ChatDeps {
  input?: NodeJS.ReadableStream;
  /** Whether a person types (prompt, line editing) or input is piped in. */
  interactive?: boolean;
  pulumi?: PulumiOptions;
}

type QueryResult = protos.google.cloud.dialogflow.cx.v3.IQueryResult;

/** Tags named anywhere in the free-form diagnostic info, under any key that says "tag". */
export function tagsInDiagnostics(info: JsonValue): string[] {
  const found: string[] = [];
  const walk = (value: JsonValue, key: string) => {
    // The key's last word, whatever its case style: "tag", "Webhook Tag", "webhookTag", "webhook_tag".
    const last = key
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .split(/[\s_-]+/)
      .pop();
    if (typeof value === 'string' && last?.toLowerCase() === 'tag') found.push(value);
    else if (Array.isArray(value)) value.forEach((v) => walk(v, key));
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(info, '');
  return found;
}

export function formatTurn(result: QueryResult, diagnostics: boolean): string[] {
  const lines: string[] = [];
  const texts = (result.responseMessages ?? []).flatMap((m) => m.text?.text ?? []);
  for (const text of texts.length ? texts : ['(no message)']) lines.push(`agent> ${text}`);
  const flow = result.currentFlow?.displayName || result.currentFlow?.name || '?';
  const page = result.currentPage?.displayName || result.currentPage?.name || '?';
  lines.push(`  page     ${flow} › ${page}`);
  const statuses = result.webhookStatuses ?? [];
  const payloads = (result.webhookPayloads ?? []).map(fromStruct);
  if (statuses.length === 0) lines.push('  webhook  none called');
  statuses.forEach((status, i) => {
    const ok = (status.code ?? 0) === 0;
    const payload = payloads[i] && Object.keys(payloads[i]).length ? payloads[i] : undefined;
    lines.push(
      `  webhook  #${i + 1} ${codeName(status.code)}` +
        (!ok && status.message ? `: ${status.message}` : '') +
        (payload ? `  payload ${JSON.stringify(payload)}` : ''),
    );
  });
  const info = result.diagnosticInfo ? fromStruct(result.diagnosticInfo) : undefined;
  const tags = info ? tagsInDiagnostics(info) : [];
  if (tags.length) lines.push(`  tags     ${tags.join(', ')} (from the diagnostic info)`);
  if (diagnostics && info) lines.push(`  diagnostics ${JSON.stringify(info)}`);
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
  const client = new (v3Clients().SessionsClient)(target.options);
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
      return converse(target, io, deps);
    },
    io,
  );
}

if (require.main === module) runAsScript((argv, io) => main(argv, io));
