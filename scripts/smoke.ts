// `npm run smoke` (docs/tools.md): does Dialogflow reach the deployed webhook?
import { setTimeout as delay } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { SMOKE_EVENT } from '../service/smoke';
import {
  CliError,
  UsageError,
  parseCli,
  runAsScript,
  cliTool,
  seconds,
  type CliIo,
} from '../lib/cli';
import * as cx from './cx/connection';
import { SMOKE_FLOW, TARGET_OPTIONS, resolveTarget, type PulumiOptions } from './cx/target';
import { classify, diagnose, findMarker, webhookStatus, type Outcome } from './cx/smokeOutcome';

const TOOL = 'smoke';
const DEFAULT_WAIT_S = 300;
const FIRST_BACKOFF_MS = 2000;
const MAX_BACKOFF_MS = 30_000;

export const HELP = `Proves that Dialogflow can call the deployed webhook: sends the event ${SMOKE_EVENT} to the
stack's smoke flow and passes only when the webhook was called, every webhook status is OK and the
service's smoke marker came back.

usage:
  npm run smoke -- <stack> [options]             agent and smoke flow from the stack's outputs
  npm run smoke -- --agent <agent> --flow <flow> [options]

  <stack>                   a Pulumi stack of this project (reads agentName and smokeFlowName)
  --agent <name>            projects/<p>/locations/<l>/agents/<id>
  --flow <name>             the smoke flow, <agent>/flows/<id>
  --wait <seconds>          keep retrying while the webhook refuses the call, as it does until a
                            new invoker grant applies (default ${DEFAULT_WAIT_S}; 0 tries once)
  --language <code>         the query's language code (default en)
  --json                    print the result as one JSON object on stdout
${cx.ENDPOINT_HELP}

exit codes: 0 passed; 1 failed (the output says why); 2 usage; 3 could not run the check
(Pulumi CLI or stack outputs, Dialogflow API unreachable or refused).`;

interface SmokeDeps {
  pulumi?: PulumiOptions;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

type Target = Awaited<ReturnType<typeof resolveTarget<'flow'>>> & {
  flow: string;
  waitMs: number;
  language: string;
};

/** One detectIntent on a fresh session, at the smoke flow's start page, with the smoke event. */
async function attempt(
  client: InstanceType<ReturnType<typeof cx.v3beta1Clients>['SessionsClient']>,
  target: Target,
  now: () => number,
) {
  const session = cx.newSession(target.agent, 'smoke');
  const started = now();
  try {
    const [response] = await client.detectIntent(
      {
        session,
        queryParams: { currentPage: `${target.flow}/pages/START_PAGE` },
        queryInput: { event: { event: SMOKE_EVENT }, languageCode: target.language },
      },
      cx.CALL_OPTIONS,
    );
    const roundTripMs = now() - started;
    const calls = cx.webhookCalls(response.queryResult ?? {});
    const statuses = calls.map(webhookStatus);
    const marker = findMarker(calls.map((c) => c.payload));
    const outcome = classify(statuses, marker);
    return { session, roundTripMs, statuses, marker, outcome, apiError: undefined };
  } catch (error) {
    const apiError = cx.describeApiError(error, target.options);
    // NOT_FOUND names the agent, flow or page: the smoke flow is not where the stack says.
    const outcome: Outcome =
      (error as { code?: status }).code === status.NOT_FOUND ? 'not-called' : 'api-error';
    return { session, roundTripMs: null, statuses: [], marker: null, outcome, apiError };
  }
}

async function runSmoke(target: Target, io: CliIo, deps: SmokeDeps) {
  const { now = Date.now, sleep = delay } = deps;
  const client = new (cx.v3beta1Clients().SessionsClient)(target.options);
  const deadline = now() + target.waitMs;
  let backoff = FIRST_BACKOFF_MS;
  try {
    for (let attempts = 1; ; attempts++) {
      const run = await attempt(client, target, now);
      const remaining = deadline - now();
      // IAM changes usually apply within 2 minutes, sometimes 7 or more
      // (cloud.google.com/iam/docs/access-change-propagation): only a refusal can be that.
      if (run.outcome !== 'rejected' || remaining <= 0) {
        return {
          ok: run.outcome === 'passed',
          outcome: run.outcome,
          agent: target.agent,
          flow: target.flow,
          endpoint: cx.describeEndpoint(target.options),
          session: run.session,
          attempts,
          roundTripMs: run.roundTripMs,
          marker: run.marker,
          webhookStatuses: run.statuses,
          diagnosis: diagnose(run.outcome, run.statuses, run.apiError),
        };
      }
      const pause = Math.min(backoff, remaining);
      const refusal = run.statuses.find((s) => s.code !== status.OK);
      io.err(
        `${TOOL}: attempt ${attempts} refused (${refusal?.codeName ?? 'rejected'}); a new invoker grant ` +
          `can take minutes to apply, trying again in ${(pause / 1000).toFixed(1)} s`,
      );
      await sleep(pause);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  } finally {
    await client.close();
  }
}

export type SmokeResult = Awaited<ReturnType<typeof runSmoke>>;

function printResult(io: CliIo, r: SmokeResult): void {
  if (r.ok && r.marker) {
    io.out(
      `${TOOL}: PASS  Dialogflow called the webhook and the smoke marker came back (round trip ${r.roundTripMs} ms)`,
    );
    io.out(`  revision  ${r.marker.revision}`);
    io.out(`  caller    ${r.marker.caller ?? '(none named)'} (auth: ${r.marker.auth})`);
  } else {
    io.out(`${TOOL}: FAIL  ${r.outcome}: ${r.diagnosis?.summary ?? ''}`);
  }
  // Each call as Dialogflow reports it; its latency is the webhook's share of the round trip.
  for (const s of r.webhookStatuses) {
    io.out(
      `  webhook   ${s.tag ?? '(no tag)'} ${cx.callStatus(s)}${s.message ? `: ${s.message}` : ''}`,
    );
  }
  io.out(`  agent     ${r.agent}`);
  io.out(`  flow      ${r.flow}`);
  io.out(`  attempts  ${r.attempts}`);
  if (r.diagnosis?.causes.length) {
    io.out('likely causes:');
    for (const cause of r.diagnosis.causes) io.out(`  - ${cause}`);
  }
}

export const main = cliTool(TOOL, HELP, async (argv, io, deps: SmokeDeps = {}) => {
  const parsed = parseCli(
    argv,
    {
      ...TARGET_OPTIONS,
      flow: { type: 'string' },
      wait: { type: 'string', default: String(DEFAULT_WAIT_S) },
      language: { type: 'string', default: 'en' },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  if (!parsed) return undefined;
  const waitMs = seconds(parsed.values.wait, '--wait') * 1000;
  const resolved = await resolveTarget(
    parsed,
    { flow: SMOKE_FLOW },
    deps.pulumi ?? {},
    'give a stack name, or --agent and --flow',
  );
  const flow = resolved.resources.flow;
  if (flow === undefined) throw new UsageError('--agent needs --flow <smoke flow>');
  await cx.requireCredentials(resolved.options);
  const target = { ...resolved, flow, waitMs, language: parsed.values.language };
  const result = await runSmoke(target, io, deps);
  if (result.outcome === 'api-error' && !parsed.values.json) {
    throw new CliError(result.diagnosis?.summary ?? 'the Dialogflow API call failed', 3);
  }
  if (parsed.values.json) io.out(JSON.stringify(result, null, 2));
  else printResult(io, result);
  return result.outcome === 'api-error' ? 3 : result.ok ? 0 : 1;
});

if (require.main === module) runAsScript(main);
