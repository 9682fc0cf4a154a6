import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type AgentTestResult } from '../../scripts/agentTest';
import { reply } from '../../service/responses';
import { captureIo } from '../helpers/cliIo';
import { startDialogflowStandIn, type StandIn } from '../helpers/dialogflowStandIn';
import { fakeClock } from '../helpers/fakeClock';
import { fakePulumi } from '../helpers/fakePulumi';
import { startApp, type LiveApp } from '../helpers/liveApp';
import { AGENT, START_FLOW, webhook } from '../helpers/standInAgents';
import type { StandInAgent } from '../helpers/standInConversation';
import type { StandInTestCases, TestCase } from '../helpers/standInTestCases';

// An agent and a handler table of the test's own: one intent whose route calls the webhook.
const TAG = 'probe-answer';
const ANSWER = 'answered by the probe handler';
const INTENT = `${AGENT}/intents/11111111-0000-4000-8000-0000000000aa`;
const START_PAGE = `${START_FLOW}/pages/START_PAGE`;
const caseName = (id: string) => `${AGENT}/testCases/${id}`;

function agent(uri: string): StandInAgent {
  return {
    name: AGENT,
    webhooks: [webhook(uri, { kind: 'none' })],
    intents: [
      {
        name: INTENT,
        displayName: 'probe.ask',
        trainingPhrases: [{ parts: [{ text: 'probe me' }] }],
      },
    ],
    flows: [
      {
        flow: {
          name: START_FLOW,
          displayName: 'Default Start Flow',
          transitionRoutes: [
            {
              intent: INTENT,
              triggerFulfillment: {
                webhook: webhook(uri, { kind: 'none' }).webhook.name,
                tag: TAG,
              },
            },
          ],
        },
        pages: [],
      },
    ],
  };
}

/** A one-turn case: "probe me", with what it expects of the agent's answer. */
function probeCase(
  id: string,
  expect: { page?: string; text?: string[]; params?: Record<string, unknown> },
  extra: Partial<TestCase> = {},
): TestCase {
  return {
    name: caseName(id),
    displayName: `case ${id}`,
    tags: ['#probe'],
    testConfig: { trackingParameters: Object.keys(expect.params ?? {}) },
    testCaseConversationTurns: [
      {
        userInput: {
          input: { text: { text: 'probe me' }, languageCode: 'en' },
          isWebhookEnabled: true,
        },
        virtualAgentOutput: {
          triggeredIntent: { name: INTENT },
          currentPage: { name: expect.page ?? START_PAGE },
          ...(expect.text ? { textResponses: [{ text: expect.text }] } : {}),
          ...(expect.params
            ? {
                sessionParameters: {
                  fields: Object.fromEntries(
                    Object.entries(expect.params).map(([k, v]) => [k, { boolValue: v as boolean }]),
                  ),
                },
              }
            : {}),
        },
      },
    ],
    ...extra,
  };
}

const passing = probeCase('passing', { text: [ANSWER], params: { probed: true } });
const failing = probeCase('failing', {
  page: `${START_FLOW}/pages/0a0a0a0a-0000-4000-8000-0000000000bb`,
  text: ['something the agent never says'],
});
const erroring = probeCase(
  'erroring',
  {},
  {
    testConfig: { page: `${START_FLOW}/pages/0a0a0a0a-0000-4000-8000-00000000dead` },
  },
);

const parse = (io: { stdout: string[] }) => JSON.parse(io.stdout.join('\n')) as AgentTestResult;

describe('npm run agent:test against a Dialogflow stand-in running cases through the real service', () => {
  let app: LiveApp;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    app = await startApp({
      handlers: { [TAG]: () => reply().text(ANSWER).setParams({ probed: true }).build() },
    });
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  afterAll(() => app.close());

  async function standIn(testCases: StandInTestCases): Promise<StandIn> {
    const s = await startDialogflowStandIn(agent(`${app.url}/`), { testCases });
    closers.push(() => s.close());
    return s;
  }
  async function run(s: StandIn, extra: string[] = [], clock = fakeClock()) {
    const io = captureIo();
    const code = await main(['--agent', AGENT, ...s.flags, ...extra], io, {
      now: clock.now,
      sleep: clock.sleep,
      pollMs: 1000,
    });
    return { code, io, sleeps: clock.sleeps };
  }

  it('passes when every case passes, after polling the long-running operation', async () => {
    const s = await standIn({ cases: [passing], pollsUntilDone: 2 });
    const { code, io, sleeps } = await run(s);
    expect(io.stdout[0]).toBe('agent:test: PASS  1 of 1 test cases passed on the draft agent');
    expect(io.stdout).toContain('  PASS     case passing');
    expect(code).toBe(0);
    // Done on the third look: two waits of the poll interval, each announced on stderr.
    expect(sleeps).toEqual([1000, 1000]);
    expect(io.stderr.filter((l) => l.includes('still going'))).toHaveLength(2);
    expect(s.testCaseRuns()).toEqual([{ testCases: [passing.name], environment: '' }]);
    // The case really ran as a conversation: the webhook was called with the route's tag.
    expect(s.calls.map((c) => c.tag)).toEqual([TAG]);
  });

  it('fails on a failed case and shows the first turn that differs, with the webhook calls on it', async () => {
    const s = await standIn({ cases: [passing, failing] });
    const { code, io } = await run(s);
    expect(code).toBe(1);
    const out = io.stdout.join('\n');
    expect(io.stdout[0]).toBe(
      'agent:test: FAIL  1 of 2 test cases did not pass on the draft agent',
    );
    expect(out).toContain('  FAIL     case failing');
    expect(out).toContain('turn 1 ("probe me") differs:');
    expect(out).toMatch(/ PAGE: /);
    expect(out).toMatch(/ UTTERANCE: /);
    expect(out).toContain(
      `expected  intent ${INTENT}  page ${failing.testCaseConversationTurns![0].virtualAgentOutput!.currentPage!.name}`,
    );
    expect(out).toContain(`actual    intent probe.ask  page Start Page`);
    expect(out).toContain(`text ${JSON.stringify(ANSWER)}`);
    // The replay reports the call the test result does not name.
    expect(out).toMatch(new RegExp(`webhooks {2}${TAG} OK in \\d+ ms`));
  });

  it('reports a case that could not run as an error, with the reason', async () => {
    const s = await standIn({ cases: [passing, erroring] });
    const { code, io } = await run(s, ['--json']);
    expect(code).toBe(1);
    const result = parse(io);
    expect(result.ok).toBe(false);
    expect(result.counts).toEqual({ passed: 1, failed: 0, error: 1, notRun: 0 });
    const bad = result.cases.find((c) => c.name === erroring.name);
    expect(bad).toMatchObject({ verdict: 'error', firstDifference: null });
    expect(bad?.error).toMatch(/^NOT_FOUND: .*does not exist/);
  });

  it('fails when the agent has no test case, without starting a run', async () => {
    const s = await standIn({ cases: [] });
    const { code, io } = await run(s);
    expect(code).toBe(1);
    expect(io.stdout[0]).toBe(`agent:test: FAIL  no test case in ${AGENT}`);
    expect(s.testCaseRuns()).toEqual([]);
  });

  it('runs only the cases with a --tag, on the --environment given', async () => {
    const other = { ...passing, name: caseName('other'), displayName: 'other', tags: ['#other'] };
    const s = await standIn({ cases: [other, passing] });
    const { code, io } = await run(s, ['--tag', 'probe', '--environment', 'staging', '--json']);
    expect(code).toBe(0);
    expect(s.testCaseRuns()).toEqual([
      { testCases: [passing.name], environment: `${AGENT}/environments/staging` },
    ]);
    expect(parse(io)).toMatchObject({
      environment: `${AGENT}/environments/staging`,
      tags: ['probe'],
      cases: [{ name: passing.name, verdict: 'passed' }],
    });
    const none = await run(s, ['--tag', '#nothing-has-this']);
    expect(none.code).toBe(1);
    expect(none.io.stdout[0]).toMatch(/no test case with tag #nothing-has-this in /);
  });

  it('gives up when the run is not done within --wait: one line, exit 3', async () => {
    const s = await standIn({ cases: [passing], pollsUntilDone: Infinity });
    const { code, io, sleeps } = await run(s, ['--wait', '2.5']);
    expect(code).toBe(3);
    expect(sleeps).toEqual([1000, 1000, 500]);
    expect(io.stdout).toEqual([]);
    expect(io.stderr.at(-1)).toMatch(
      /^agent:test: the test run .*\/operations\/.* did not finish within 2\.5 s; give it longer with --wait/,
    );
  });

  it('prints one JSON object with the documented fields', async () => {
    const s = await standIn({ cases: [failing] });
    const { io } = await run(s, ['--json']);
    const result = parse(io);
    expect(Object.keys(result).sort()).toEqual(
      ['agent', 'cases', 'counts', 'endpoint', 'environment', 'ok', 'operation', 'tags'].sort(),
    );
    expect(result).toMatchObject({
      ok: false,
      agent: AGENT,
      environment: null,
      endpoint: s.endpoint,
    });
    expect(result.operation).toMatch(new RegExp(`^${AGENT}/operations/`));
    const diff = result.cases[0].firstDifference!;
    expect(diff.turn).toBe(1);
    expect(diff.differences.map((d) => d.type).sort()).toEqual(['PAGE', 'UTTERANCE']);
    expect(diff.expected.text).toEqual(['something the agent never says']);
    expect(diff.actual).toMatchObject({
      intent: 'probe.ask',
      page: 'Start Page',
      parameters: { probed: true },
      text: [ANSWER],
      error: null,
    });
    expect(diff.webhooks).toEqual([{ tag: TAG, status: expect.stringMatching(/^OK in \d+ ms$/) }]);
  });

  it('appends the verdict and the cases that did not pass to --summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-test-'));
    closers.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const file = join(dir, 'summary.md');
    const s = await standIn({ cases: [passing, failing, erroring] });
    await run(s, ['--summary', file]);
    const summary = readFileSync(file, 'utf8');
    expect(summary).toMatch(/^### Conversation tests: FAILED\n/);
    expect(summary).toContain('| case failing | failed | turn 1: ');
    expect(summary).toContain('| case erroring | error | NOT_FOUND: ');
    expect(summary).not.toContain('case passing |');
  });

  it('says in --summary when the cases could not run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-test-'));
    closers.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const file = join(dir, 'summary.md');
    const s = await standIn({ cases: [passing], pollsUntilDone: Infinity });
    const { code } = await run(s, ['--wait', '1', '--summary', file]);
    expect(code).toBe(3);
    expect(readFileSync(file, 'utf8')).toMatch(
      /^### Conversation tests: could not run\n\nthe test run .* did not finish within 1 s/,
    );
  });

  it('reads the agent from the stack outputs', async () => {
    const s = await standIn({ cases: [passing] });
    const pulumi = fakePulumi({ outputs: { agentName: AGENT } });
    closers.push(() => Promise.resolve(pulumi.cleanup()));
    const io = captureIo();
    const clock = fakeClock();
    const code = await main(['dev', ...s.flags], io, {
      pulumi: { command: pulumi.command },
      ...clock,
    });
    expect(code).toBe(0);
    expect(pulumi.lastArgs()).toEqual(['stack', 'output', '--json', '--stack', 'dev']);
  });

  it('refuses an environment of another agent and a bad --wait as usage errors', async () => {
    const io = captureIo();
    expect(
      await main(
        ['--agent', AGENT, '--environment', 'projects/p/locations/global/agents/x/environments/e'],
        io,
      ),
    ).toBe(2);
    expect(io.stderr).toEqual([
      `agent:test: --environment takes an environment ID or ${AGENT}/environments/<id>, got "projects/p/locations/global/agents/x/environments/e" (see --help)`,
    ]);
    const wait = captureIo();
    expect(await main(['--agent', AGENT, '--wait', 'soon'], wait)).toBe(2);
    expect(wait.stderr[0]).toMatch(/--wait takes a number of seconds/);
  });

  it('exits 3 with one line when the Dialogflow API cannot be reached', async () => {
    const s = await standIn({ cases: [passing] });
    const flags = [...s.flags];
    await s.close();
    const io = captureIo();
    const code = await main(['--agent', AGENT, ...flags], io);
    expect(code).toBe(3);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).toMatch(
      /^agent:test: could not reach the Dialogflow API at 127\.0\.0\.1:\d+/,
    );
  });
});
