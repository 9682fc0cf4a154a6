// Lists every fulfillment of an agent that calls our webhook, with its tag and whether a handler of
// this service serves it; fails when one does not, even if a fallback would answer.
//   npm run agent:check -- <stack>
//   npm run agent:check -- --agent <agent> [--webhook <webhook>]
//   npm run agent:check -- --export <dir> [--webhook <display name>]
import { servedTags } from '../service/composition';
import { CliError, UsageError, parseCli, runAsScript, runCli, type CliIo } from './cli';
import { loadAgentFromApi } from './cx/agentFromApi';
import { loadAgentFromExport } from './cx/agentFromExport';
import type { AgentModel } from './cx/agentModel';
import {
  AGENT_OUTPUT,
  ENDPOINT_HELP,
  ENDPOINT_OPTIONS,
  agentLocation,
  clientOptions,
  describeEndpoint,
  fromStackOrFlags,
  parseEndpointFlags,
  requireChildOf,
  type PulumiOptions,
} from './cx/connection';
import { describeApiError } from './cx/rpcStatus';
import { checkCalls, type CheckedCall, type Verdict } from './cx/fulfillments';

const TOOL = 'agent:check';

export const HELP = `Lists every fulfillment of a CX agent that calls this service's webhook, with its tag and
whether a handler serves it. Fails when one names a tag no handler serves, or no tag.

usage:
  npm run agent:check -- <stack>                      agent and webhook from the stack's outputs
  npm run agent:check -- --agent <agent> [--webhook <webhook>]
  npm run agent:check -- --export <dir> [--webhook <display name>]

  <stack>                   a Pulumi stack of this project (reads agentName and webhookName)
  --agent <name>            projects/<p>/locations/<l>/agents/<id>
  --webhook <name>          the webhook to check; optional when the agent has only one
                            (with --export: its display name)
  --export <dir>            an agent exported as a JSON package (console export or Git integration)
  --json                    print the result as JSON
${ENDPOINT_HELP}
  -h, --help                this text

exit codes: 0 every call of the webhook is served; 1 a tag is unserved or missing; 2 usage;
3 the agent could not be read.`;

const LABELS: Record<Verdict, string> = {
  served: 'served',
  unserved: 'UNSERVED',
  'missing-tag': 'NO TAG',
  'other-webhook': 'other webhook',
};

interface Target {
  load(): Promise<AgentModel>;
  webhook?: string;
}

async function resolveTarget(
  argv: string[],
  pulumi: PulumiOptions,
): Promise<{ target: Target; json: boolean } | undefined> {
  const parsed = parseCli(
    argv,
    {
      agent: { type: 'string' },
      webhook: { type: 'string' },
      export: { type: 'string' },
      json: { type: 'boolean', default: false },
      ...ENDPOINT_OPTIONS,
    },
    true,
  );
  if (!parsed) return undefined;
  const { values, positionals } = parsed;
  const endpoint = parseEndpointFlags(values);
  const json = values.json === true;

  if (values.export !== undefined) {
    if (positionals.length || values.agent !== undefined || endpoint.host !== undefined) {
      throw new UsageError('--export reads a package: give no stack, --agent or --api-endpoint');
    }
    const dir = values.export;
    return {
      json,
      target: { webhook: values.webhook, load: () => Promise.resolve(loadAgentFromExport(dir)) },
    };
  }
  const { agent, webhook } = await fromStackOrFlags(
    positionals,
    { agent: values.agent, webhook: values.webhook },
    { agent: AGENT_OUTPUT, webhook: { output: 'webhookName', hint: 'run pulumi up first' } },
    pulumi,
  );
  if (agent === undefined) {
    throw new UsageError('give a stack name, --agent <agent>, or --export <dir>');
  }
  agentLocation(agent);
  if (webhook !== undefined) requireChildOf(agent, 'webhooks', webhook, '--webhook');
  const options = clientOptions(agent, endpoint);
  return {
    json,
    target: {
      webhook,
      load: () =>
        loadAgentFromApi(agent, options).catch((error: unknown) => {
          throw new CliError(describeApiError(error, describeEndpoint(options)), 3);
        }),
    },
  };
}

/** The webhook the check is about: the one named, or the agent's only one. */
function ourWebhook(
  agent: AgentModel,
  named: string | undefined,
): { name: string; displayName: string } {
  const list = agent.webhooks.map((w) => w.displayName || w.name).join(', ') || 'none';
  if (named === undefined) {
    if (agent.webhooks.length === 1) return agent.webhooks[0];
    throw new UsageError(
      `the agent has ${agent.webhooks.length} webhooks (${list}): name one with --webhook`,
    );
  }
  const found = agent.webhooks.find((w) => w.name === named);
  if (!found)
    throw new CliError(`webhook "${named}" is not one of the agent's webhooks (${list})`, 3);
  return found;
}

function printTable(io: CliIo, calls: readonly CheckedCall[]): void {
  for (const call of calls) {
    const tag = call.tag || '—';
    const other =
      call.verdict === 'other-webhook' ? `  (webhook "${call.webhookDisplayName}")` : '';
    io.out(`  ${LABELS[call.verdict].padEnd(13)}  ${tag.padEnd(24)}  ${call.location}${other}`);
  }
}

export async function main(argv: string[], io: CliIo, pulumi: PulumiOptions = {}): Promise<number> {
  return runCli(
    TOOL,
    async () => {
      const resolved = await resolveTarget(argv, pulumi);
      if (!resolved) {
        io.out(HELP);
        return 0;
      }
      const agent = await resolved.target.load();
      const webhook = ourWebhook(agent, resolved.target.webhook);
      const served = servedTags();
      const calls = checkCalls(agent, webhook.name, new Set(served));
      const count = (v: Verdict) => calls.filter((c) => c.verdict === v).length;
      const failing = count('unserved') + count('missing-tag');

      if (resolved.json) {
        io.out(
          JSON.stringify(
            {
              ok: failing === 0,
              source: agent.source,
              webhook,
              servedTags: served,
              counts: {
                served: count('served'),
                unserved: count('unserved'),
                missingTag: count('missing-tag'),
                otherWebhook: count('other-webhook'),
              },
              calls,
            },
            null,
            2,
          ),
        );
        return failing === 0 ? 0 : 1;
      }
      io.out(`${TOOL}: ${agent.source}`);
      io.out(
        `webhook: "${webhook.displayName}"` +
          (webhook.name !== webhook.displayName ? ` (${webhook.name})` : ''),
      );
      io.out(`served tags: ${served.join(', ')}`);
      io.out('');
      printTable(io, calls);
      io.out('');
      const ours = calls.length - count('other-webhook');
      io.out(
        `${ours} fulfillment(s) call this webhook: ${count('served')} served, ` +
          `${count('unserved')} unserved, ${count('missing-tag')} without a tag; ` +
          `${count('other-webhook')} call other webhooks.`,
      );
      if (failing > 0) {
        io.out(
          `FAIL: a tag no handler serves reaches the fallback (or a 404) instead of the intended ` +
            `handler; fix the tag in the agent, or add a handler for it in service/handlers.`,
        );
        return 1;
      }
      io.out('OK');
      return 0;
    },
    io,
  );
}

if (require.main === module) runAsScript((argv, io) => main(argv, io));
