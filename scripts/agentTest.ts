// `npm run agent:test` (docs/regression-gate.md): the agent's test cases, run by Dialogflow.
import { appendFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
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
import { TARGET_OPTIONS, resolveTarget, type PulumiOptions } from './cx/target';
import {
  caseOutcomes,
  hasTag,
  type CaseOutcome,
  type TestCase,
  type TestCaseResult,
  type TestError,
  type TurnDifference,
  type TurnView,
} from './cx/testRun';

const TOOL = 'agent:test';
const DEFAULT_WAIT_S = 600;
const POLL_MS = 5000;

const HELP = `Runs a CX agent's test cases (TestCases.BatchRunTestCases) and waits for the run: passes only
when every case that was asked for ran and passed. For a failed case it prints the first turn that
differs, expected against actual, and the webhook calls on that turn (from a replay of the case
with DetectIntent, which calls the webhook again).

usage:
  npm run agent:test -- <stack> [options]      the agent from the stack's outputs
  npm run agent:test -- --agent <agent> [options]

  <stack>                   a Pulumi stack of this project (reads agentName)
  --agent <name>            projects/<p>/locations/<l>/agents/<id>
  --environment <env>       run on this environment (its ID or <agent>/environments/<id>);
                            default: the draft agent
  --tag <tag>               only the cases with this tag (# optional); repeat for several
  --wait <seconds>          how long to wait for the run (default ${DEFAULT_WAIT_S})
  --summary <file>          append a Markdown summary to this file (e.g. $GITHUB_STEP_SUMMARY)
  --json                    print the result as one JSON object on stdout
${cx.ENDPOINT_HELP}

exit codes: 0 every case passed; 1 a case failed or could not run, or no case matched; 2 usage;
3 could not run the cases (Pulumi CLI or stack outputs, Dialogflow API unreachable or refused,
the run not finished within --wait).`;

interface AgentTestDeps {
  pulumi?: PulumiOptions;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Between two looks at the operation. */
  pollMs?: number;
}

type Target = NonNullable<Awaited<ReturnType<typeof resolveRun>>>;

async function resolveRun(argv: string[], pulumi: PulumiOptions) {
  const parsed = parseCli(
    argv,
    {
      ...TARGET_OPTIONS,
      environment: { type: 'string' },
      tag: { type: 'string', multiple: true, default: [] },
      wait: { type: 'string', default: String(DEFAULT_WAIT_S) },
      summary: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  if (!parsed) return undefined;
  const { values } = parsed;
  const waitMs = seconds(values.wait, '--wait') * 1000;
  const badTag = values.tag.find((tag) => !/^#?\S+$/.test(tag));
  if (badTag !== undefined) {
    throw new UsageError(`--tag takes one tag without spaces, got "${badTag}"`);
  }
  const noAgent = 'give a stack name, or --agent';
  const { agent, options } = await resolveTarget(parsed, {}, pulumi, noAgent);
  const env = values.environment;
  let environment: string | null = null;
  if (env !== undefined) {
    const prefix = `${agent}/environments/`;
    environment = env.includes('/') ? env : `${prefix}${env}`;
    if (!environment.startsWith(prefix) || !/^[^/\s]+$/.test(environment.slice(prefix.length))) {
      throw new UsageError(`--environment takes an environment ID or ${prefix}<id>, got "${env}"`);
    }
  }
  const { summary, json } = values;
  return { agent, environment, tags: values.tag, options, waitMs, summary, json };
}

type TestCasesClient = InstanceType<ReturnType<typeof cx.v3Clients>['TestCasesClient']>;
type SessionsClient = InstanceType<ReturnType<typeof cx.v3beta1Clients>['SessionsClient']>;

/** Polls the run's operation until it is done or `waitMs` has passed. */
async function awaitRun(
  client: TestCasesClient,
  name: string,
  target: Target,
  deps: AgentTestDeps,
  io: CliIo,
): Promise<{ results: TestCaseResult[]; errors: TestError[] }> {
  const { now = Date.now, sleep = delay, pollMs = POLL_MS } = deps;
  const deadline = now() + target.waitMs;
  for (;;) {
    const op = await client.checkBatchRunTestCasesProgress(name);
    if (op.done) {
      if (op.error) {
        const { code, message } = op.error as { code?: number; message?: string };
        const why = `${cx.codeName(code)}: ${message ?? ''}`;
        throw new CliError(`the test run ${name} failed: ${why}`, 3);
      }
      // google-gax types the decoded response and metadata as {}.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
      const response = op.result as { results?: TestCaseResult[] } | null;
      const metadata = op.metadata as { errors?: TestError[] } | null;
      return { results: response?.results ?? [], errors: metadata?.errors ?? [] };
    }
    const wait = Math.min(pollMs, deadline - now());
    if (wait <= 0) {
      throw new CliError(
        `the test run ${name} did not finish within ${target.waitMs / 1000} s; ` +
          'give it longer with --wait, or see its results in the console (Test cases)',
        3,
      );
    }
    io.err(`${TOOL}: the test run is still going, looking again in ${wait / 1000} s`);
    await sleep(wait);
  }
}

/** The webhook calls on `diff.turn`, from replaying the case's inputs on a fresh session. */
async function replayWebhooks(
  client: SessionsClient,
  testCase: TestCase,
  diff: TurnDifference,
  target: Target,
) {
  try {
    const session = cx.newSession(target.environment ?? target.agent, 'agent-test');
    const config = testCase.testConfig;
    const start = config?.page || (config?.flow ? `${config.flow}/pages/START_PAGE` : undefined);
    const turns = (testCase.testCaseConversationTurns ?? []).slice(0, diff.turn);
    let calls: TurnDifference['webhooks'] = [];
    for (const [i, turn] of turns.entries()) {
      const user = turn.userInput ?? {};
      const [response] = await client.detectIntent(
        {
          session,
          queryParams: {
            currentPage: i === 0 ? start : undefined,
            parameters: user.injectedParameters ?? undefined,
            disableWebhook: !user.isWebhookEnabled,
          },
          queryInput: user.input ?? {},
        },
        cx.CALL_OPTIONS,
      );
      calls = cx.webhookCalls(response.queryResult ?? {}).map((c) => ({
        tag: c.tag ?? '',
        status: cx.callStatus(c),
      }));
    }
    return calls;
  } catch {
    // The replay only explains a failure; the verdict stands without it.
    return null;
  }
}

async function runCases(target: Target, io: CliIo, deps: AgentTestDeps) {
  await cx.requireCredentials(target.options);
  const client = new (cx.v3Clients().TestCasesClient)(target.options);
  // For the replays of failed cases: opened on the first one, shared by the rest.
  let sessions: SessionsClient | undefined;
  const result = (operation: string | null, cases: CaseOutcome[]) => {
    const count = (v: CaseOutcome['verdict']) => cases.filter((c) => c.verdict === v).length;
    return {
      ok: cases.length > 0 && count('passed') === cases.length,
      agent: target.agent,
      environment: target.environment, // null: the draft agent
      endpoint: cx.describeEndpoint(target.options),
      tags: target.tags,
      operation, // the run's long-running operation; null when no case matched
      counts: {
        passed: count('passed'),
        failed: count('failed'),
        error: count('error'),
        notRun: count('not-run'),
      },
      cases,
    };
  };
  try {
    const request = { parent: target.agent, view: 'FULL' } as const;
    const [all] = await client.listTestCases(request, cx.CALL_OPTIONS);
    const cases = all.filter((c) => hasTag(c, target.tags));
    if (cases.length === 0) return result(null, []);
    const [operation] = await client.batchRunTestCases(
      {
        parent: target.agent,
        environment: target.environment ?? undefined,
        testCases: cases.map((c) => c.name ?? ''),
      },
      cx.CALL_OPTIONS,
    );
    io.err(`${TOOL}: running ${cases.length} test case(s) as ${operation.name}`);
    const { results, errors } = await awaitRun(client, operation.name ?? '', target, deps, io);
    const outcomes = caseOutcomes(cases, results, errors);
    for (const [i, { firstDifference: diff }] of outcomes.entries()) {
      if (!diff) continue;
      sessions ??= new (cx.v3beta1Clients().SessionsClient)(target.options);
      diff.webhooks = await replayWebhooks(sessions, cases[i], diff, target);
    }
    return result(operation.name ?? null, outcomes);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(cx.describeApiError(error, target.options), 3);
  } finally {
    await client.close();
    await sessions?.close();
  }
}

export type AgentTestResult = Awaited<ReturnType<typeof runCases>>;

const MARK: Record<CaseOutcome['verdict'], string> = {
  passed: 'PASS   ',
  failed: 'FAIL   ',
  error: 'ERROR  ',
  'not-run': 'NOT RUN',
};

const show = (v: TurnView) =>
  [
    `intent ${v.intent ?? '-'}`,
    `page ${v.page ?? '-'}`,
    `parameters ${v.parameters ? JSON.stringify(v.parameters) : '-'}`,
    `text ${v.text.length ? v.text.map((t) => JSON.stringify(t)).join(' ') : '-'}`,
    ...(v.error ? [`error ${v.error}`] : []),
  ].join('  ');

function headline(r: AgentTestResult): string {
  const where = r.environment ?? 'the draft agent';
  if (r.cases.length === 0) {
    return `${TOOL}: FAIL  no test case${r.tags.length ? ` with tag ${r.tags.join(' or ')}` : ''} in ${r.agent}`;
  }
  const bad = r.cases.length - r.counts.passed;
  return r.ok
    ? `${TOOL}: PASS  ${r.counts.passed} of ${r.cases.length} test cases passed on ${where}`
    : `${TOOL}: FAIL  ${bad} of ${r.cases.length} test cases did not pass on ${where}`;
}

function printResult(io: CliIo, r: AgentTestResult): void {
  io.out(headline(r));
  for (const c of r.cases) {
    io.out(`  ${MARK[c.verdict]}  ${c.displayName}${c.error ? `: ${c.error}` : ''}`);
    const d = c.firstDifference;
    if (!d) continue;
    io.out(`           turn ${d.turn} (${d.input}) differs:`);
    for (const x of d.differences) io.out(`             ${x.type}: ${x.description}`);
    io.out(`             expected  ${show(d.expected)}`);
    io.out(`             actual    ${show(d.actual)}`);
    io.out(
      `             webhooks  ${
        d.webhooks === null
          ? '(the replay did not say)'
          : d.webhooks.map((w) => `${w.tag} ${w.status}`).join(', ') || 'none called'
      }`,
    );
  }
  io.out(`  agent  ${r.agent}`);
}

/** A Markdown section for a CI job summary: the verdict and every case that did not pass. */
function markdown(r: AgentTestResult): string {
  const lines = [
    `### Conversation tests: ${r.ok ? 'passed' : 'FAILED'}`,
    '',
    headline(r).replace(`${TOOL}: `, ''),
  ];
  const bad = r.cases.filter((c) => c.verdict !== 'passed');
  if (bad.length) {
    lines.push('', '| case | result | first difference |', '| --- | --- | --- |');
    for (const c of bad) {
      const d = c.firstDifference;
      const detail =
        c.error ?? (d ? `turn ${d.turn}: ${d.differences.map((x) => x.type).join(', ')}` : '');
      lines.push(
        `| ${c.displayName.replace(/\|/g, '\\|')} | ${c.verdict} | ${detail.replace(/\|/g, '\\|')} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export const main = cliTool(TOOL, HELP, async (argv, io, deps: AgentTestDeps = {}) => {
  const target = await resolveRun(argv, deps.pulumi ?? {});
  if (!target) return undefined;
  const { summary } = target;
  const result = await runCases(target, io, deps).catch((error: unknown) => {
    // The job summary says the gate could not run, not nothing at all.
    if (summary && error instanceof CliError) {
      appendFileSync(summary, `### Conversation tests: could not run\n\n${error.message}\n`);
    }
    throw error;
  });
  if (summary) appendFileSync(summary, markdown(result));
  if (target.json) io.out(JSON.stringify(result, null, 2));
  else printResult(io, result);
  return result.ok ? 0 : 1;
});

if (require.main === module) runAsScript(main);
