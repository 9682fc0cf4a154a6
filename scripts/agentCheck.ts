// `npm run agent:check` (docs/tools.md): does a handler serve every tag the agent calls us with?
import { servedTags } from '../service/composition';
import { SMOKE_TAG } from '../service/smoke';
import { CliError, UsageError, parseCli, runAsScript, cliTool, type CliIo } from '../lib/cli';
import {
  loadAgentFromApi,
  loadAgentFromExport,
  sameResource,
  type AgentModel,
} from './cx/agentModel';
import * as cx from './cx/connection';
import {
  SMOKE_FLOW,
  TARGET_OPTIONS,
  WEBHOOK,
  resolveTarget,
  type PulumiOptions,
} from './cx/target';
import { checkCalls, wiringProblems, type CheckedCall, type Verdict } from './cx/fulfillments';

const TOOL = 'agent:check';

export const HELP = `Lists every fulfillment of a CX agent that calls this service's webhook, with its tag and
whether a handler serves it. Fails when one names a tag no handler serves, or no tag; when no
fulfillment calls the webhook at all; and when the stack's smoke flow does not call it.

usage:
  npm run agent:check -- <stack>                      agent, webhook and smoke flow from the stack
  npm run agent:check -- --agent <agent> [--webhook <webhook>] [--flow <smoke flow>]
  npm run agent:check -- --export <dir> [--webhook <display name>]

  <stack>                   a Pulumi stack of this project (reads agentName, webhookName and,
                            when the stack has one, smokeFlowName)
  --agent <name>            projects/<p>/locations/<l>/agents/<id>
  --webhook <name>          the webhook to check; optional when the agent has only one
                            (with --export: its display name). Names match whether the project
                            is written as its ID or its number.
  --flow <name>             the smoke flow, <agent>/flows/<id>: it must call the webhook with the
                            tag ${SMOKE_TAG}
  --export <dir>            an agent exported as a JSON package (console export or Git integration)
  --json                    print the result as JSON
${cx.ENDPOINT_HELP}

exit codes: 0 the webhook's calls are all served; 1 a tag is unserved or missing, no call of the
webhook, or no smoke call; 2 usage; 3 the agent could not be read.`;

const LABELS: Record<Verdict, string> = {
  served: 'served',
  unserved: 'UNSERVED',
  'missing-tag': 'NO TAG',
  'other-webhook': 'other webhook',
};

/** What to check: how to load the agent, our webhook and the stack's smoke flow, if named. */
async function resolveCheck(argv: string[], pulumi: PulumiOptions) {
  const parsed = parseCli(
    argv,
    {
      ...TARGET_OPTIONS,
      webhook: { type: 'string' },
      flow: { type: 'string' },
      export: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  if (!parsed) return undefined;
  const { values, positionals } = parsed;
  const dir = values.export;
  if (dir !== undefined) {
    const { agent, flow, insecure } = values;
    if ([positionals[0], agent, flow, values['api-endpoint']].some(Boolean) || insecure) {
      throw new UsageError(
        '--export reads a package: give no stack, --agent, --flow or --api-endpoint',
      );
    }
    return { ...values, load: () => Promise.resolve(loadAgentFromExport(dir)) };
  }
  const { agent, resources, options } = await resolveTarget(
    parsed,
    { webhook: WEBHOOK, flow: { ...SMOKE_FLOW, optional: true } },
    pulumi,
    'give a stack name, --agent <agent>, or --export <dir>',
  );
  return {
    json: values.json,
    webhook: resources.webhook,
    flow: resources.flow,
    load: async () => {
      await cx.requireCredentials(options);
      return loadAgentFromApi(agent, options).catch((error: unknown) => {
        throw new CliError(cx.describeApiError(error, options), 3);
      });
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
  const found = agent.webhooks.find((w) => sameResource(w.name, named));
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

export const main = cliTool(TOOL, HELP, async (argv, io, pulumi: PulumiOptions = {}) => {
  const target = await resolveCheck(argv, pulumi);
  if (!target) return undefined;
  const agent = await target.load();
  const webhook = ourWebhook(agent, target.webhook);
  const served = servedTags();
  const calls = checkCalls(agent, webhook.name, new Set(served));
  const problems = wiringProblems(agent, calls, target.flow);
  const count = (v: Verdict) => calls.filter((c) => c.verdict === v).length;
  const counts = {
    served: count('served'),
    unserved: count('unserved'),
    missingTag: count('missing-tag'),
    otherWebhook: count('other-webhook'),
  };
  if (target.json) {
    const { source } = agent;
    const smokeFlow = target.flow ?? null;
    const result = { ok: !problems.length, source, webhook, smokeFlow, servedTags: served };
    io.out(JSON.stringify({ ...result, counts, calls, problems }, null, 2));
    return problems.length === 0 ? 0 : 1;
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
  io.out(
    `${calls.length - counts.otherWebhook} fulfillment(s) call this webhook: ${counts.served} served, ` +
      `${counts.unserved} unserved, ${counts.missingTag} without a tag; ` +
      `${counts.otherWebhook} call other webhooks.`,
  );
  for (const problem of problems) io.out(`FAIL: ${problem}.`);
  if (problems.length > 0) return 1;
  io.out('OK');
  return 0;
});

if (require.main === module) runAsScript(main);
