import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../scripts/agentCheck';
import { DEMO_TAGS } from '../../infra/components/demoAgentWiring';
import { servedTags } from '../../service/composition';
import { SMOKE_TAG } from '../../service/smoke';
import { captureIo } from '../helpers/cliIo';
import { startDialogflowStandIn } from '../helpers/dialogflowStandIn';
import { fakePulumi } from '../helpers/fakePulumi';
import { one, runStack } from '../helpers/infra';
import {
  AGENT,
  ANSWER_PAGE,
  ORDER_INTENT,
  ORDER_PAGE,
  OTHER_WEBHOOK,
  SMOKE_FLOW,
  START_FLOW,
  WEBHOOK,
  placesAgent,
  smokeFlow,
  webhook,
} from '../helpers/standInAgents';
import type { StandInAgent } from '../helpers/standInConversation';
import { agentFromPlan } from '../helpers/standInFromPlan';

// agent:check compares the agent with the tags the service serves (service/composition.ts). These
// tests give it their own handler table, the tags their agents call, so that a team's handlers
// (added, renamed, removed) never change them; only the test of the planned dev agent uses the real
// table, because the program's example wiring must name tags the service serves.
jest.mock('../../service/composition', () => ({
  ...jest.requireActual<typeof import('../../service/composition')>('../../service/composition'),
  servedTags: jest.fn(),
}));
const actualServedTags = jest.requireActual<typeof import('../../service/composition')>(
  '../../service/composition',
).servedTags;
const TABLE_TAGS = ['greeting', 'validate-order-number', 'order-status', 'end-if-done'];
beforeEach(() => jest.mocked(servedTags).mockReturnValue([...TABLE_TAGS, SMOKE_TAG].sort()));

const FIXTURE = join(__dirname, 'fixtures', 'exported-agent');
const TYPO = 'order-stauts';

interface CheckJson {
  ok: boolean;
  webhook: { name: string; displayName: string };
  servedTags: string[];
  smokeFlow: string | null;
  problems: string[];
  counts: Record<string, number>;
  calls: {
    place: string;
    location: string;
    tag: string;
    verdict: string;
    webhookDisplayName: string;
  }[];
}
const parse = (lines: string[]) => JSON.parse(lines.join('\n')) as CheckJson;

/** The places agent with a route group at flow and at agent level, a smoke flow and a CRM webhook. */
function liveAgent(): StandInAgent {
  const caller = { kind: 'none' } as const;
  const agent = placesAgent(webhook('http://127.0.0.1:9/', caller));
  agent.webhooks.push(
    webhook('https://crm.example.com/', caller, { name: OTHER_WEBHOOK, displayName: 'CRM' }),
  );
  agent.flows[0].routeGroups = [
    {
      name: `${START_FLOW}/transitionRouteGroups/order-help`,
      displayName: 'Order help',
      transitionRoutes: [
        { intent: ORDER_INTENT, triggerFulfillment: { webhook: WEBHOOK, tag: 'end-if-done' } },
      ],
    },
  ];
  agent.routeGroups = [
    {
      name: `${AGENT}/transitionRouteGroups/small-talk`,
      displayName: 'Small talk',
      transitionRoutes: [
        {
          condition: 'true',
          triggerFulfillment: { webhook: OTHER_WEBHOOK, tag: 'account-lookup' },
        },
      ],
    },
  ];
  agent.flows.push(smokeFlow());
  return agent;
}

const call = (webhookName: string) => ({ webhook: webhookName, tag: TYPO });
const orderPage = (a: StandInAgent) => a.flows[0].pages!.find((p) => p.name === ORDER_PAGE)!;
const answerPage = (a: StandInAgent) => a.flows[0].pages!.find((p) => p.name === ANSWER_PAGE)!;
const param = (a: StandInAgent) => orderPage(a).form!.parameters![0];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
function edit(dir: string, file: string, change: (json: Json) => void) {
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, 'utf8')) as Json;
  change(json);
  writeFileSync(path, JSON.stringify(json));
}
const FLOW_FILE = 'flows/Default Start Flow/Default Start Flow.json';
const ORDER_FILE = 'flows/Default Start Flow/pages/Order status.json';
const OURS = 'cx-webhook-dev';

/** Each place a fulfillment can call a webhook, broken in the live agent and in the export. */
const PLACES: {
  place: string;
  where: RegExp;
  live: (a: StandInAgent) => void;
  exported: (dir: string) => void;
}[] = [
  {
    place: 'flow route',
    where: /^flow "Default Start Flow" › route intent "Default Welcome Intent"$/,
    live: (a) => (a.flows[0].flow.transitionRoutes![0].triggerFulfillment!.tag = TYPO),
    exported: (d) =>
      edit(d, FLOW_FILE, (j) => (j.transitionRoutes[0].triggerFulfillment.tag = TYPO)),
  },
  {
    place: 'flow event handler',
    where: /^flow "Default Start Flow" › event sys\.no-match-default$/,
    live: (a) => (a.flows[0].flow.eventHandlers![0].triggerFulfillment = call(WEBHOOK)),
    exported: (d) =>
      edit(d, FLOW_FILE, (j) => (j.eventHandlers[0].triggerFulfillment = call(OURS))),
  },
  {
    place: 'page entry fulfillment',
    where: /^flow "Default Start Flow" › page "Order answer" › entry fulfillment$/,
    live: (a) => (answerPage(a).entryFulfillment!.tag = TYPO),
    exported: (d) =>
      edit(
        d,
        'flows/Default Start Flow/pages/Order answer.json',
        (j) => (j.entryFulfillment.tag = TYPO),
      ),
  },
  {
    place: 'page route',
    where:
      /^flow "Default Start Flow" › page "Order status" › route condition \$page\.params\.status = "FINAL"$/,
    live: (a) => (orderPage(a).transitionRoutes![0].triggerFulfillment!.tag = TYPO),
    exported: (d) =>
      edit(d, ORDER_FILE, (j) => (j.transitionRoutes[0].triggerFulfillment.tag = TYPO)),
  },
  {
    place: 'page event handler',
    where: /^flow "Default Start Flow" › page "Order status" › event webhook\.error\.timeout$/,
    live: (a) =>
      (orderPage(a).eventHandlers = [
        { event: 'webhook.error.timeout', triggerFulfillment: call(WEBHOOK) },
      ]),
    exported: (d) =>
      edit(
        d,
        ORDER_FILE,
        (j) =>
          (j.eventHandlers[0] = { event: 'webhook.error.timeout', triggerFulfillment: call(OURS) }),
      ),
  },
  {
    place: 'form parameter initial prompt',
    where:
      /^flow "Default Start Flow" › page "Order status" › form parameter "order_number" › initial prompt$/,
    live: (a) => (param(a).fillBehavior!.initialPromptFulfillment = call(WEBHOOK)),
    exported: (d) =>
      edit(
        d,
        ORDER_FILE,
        (j) => (j.form.parameters[0].fillBehavior.initialPromptFulfillment = call(OURS)),
      ),
  },
  {
    place: 'form parameter reprompt handler',
    where:
      /^flow "Default Start Flow" › page "Order status" › form parameter "order_number" › reprompt › event sys\.invalid-parameter$/,
    live: (a) =>
      (param(a).fillBehavior!.repromptEventHandlers = [
        { event: 'sys.invalid-parameter', triggerFulfillment: call(WEBHOOK) },
      ]),
    exported: (d) =>
      edit(
        d,
        ORDER_FILE,
        (j) =>
          (j.form.parameters[0].fillBehavior.repromptEventHandlers[0].triggerFulfillment =
            call(OURS)),
      ),
  },
  {
    place: 'flow route group',
    where:
      /^flow "Default Start Flow" › route group "Order help" › route intent "order\.(status|done)"$/,
    live: (a) => (a.flows[0].routeGroups![0].transitionRoutes![0].triggerFulfillment!.tag = TYPO),
    exported: (d) =>
      edit(
        d,
        'flows/Default Start Flow/transitionRouteGroups/Order help.json',
        (j) => (j.transitionRoutes[0].triggerFulfillment.tag = TYPO),
      ),
  },
  {
    place: 'agent route group',
    where:
      /^agent › route group "Small talk" › route (condition true|intent "smalltalk\.account")$/,
    live: (a) => (a.routeGroups![0].transitionRoutes![0].triggerFulfillment = call(WEBHOOK)),
    exported: (d) =>
      edit(
        d,
        'transitionRouteGroups/Small talk.json',
        (j) => (j.transitionRoutes[0].triggerFulfillment = call(OURS)),
      ),
  },
];

describe('npm run agent:check against the live agent (Dialogflow stand-in)', () => {
  async function check(agent: StandInAgent, args: string[] = []) {
    const standIn = await startDialogflowStandIn(agent);
    try {
      const io = captureIo();
      const code = await main(
        ['--agent', AGENT, '--webhook', WEBHOOK, ...standIn.flags, ...args],
        io,
      );
      return { code, io };
    } finally {
      await standIn.close();
    }
  }

  it('passes a clean agent and lists every call with its tag, other webhooks included', async () => {
    const { code, io } = await check(liveAgent());
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    const out = io.stdout.join('\n');
    expect(out).toMatch(
      /^ {2}served {9}greeting {18}flow "Default Start Flow" › route intent "Default Welcome Intent"$/m,
    );
    expect(out).toMatch(
      /^ {2}served {9}order-status +flow "Default Start Flow" › page "Order answer" › entry fulfillment$/m,
    );
    expect(out).toMatch(
      new RegExp(
        `^ {2}served {9}${SMOKE_TAG} +flow "cx-webhook-kit smoke" › event ${SMOKE_TAG}$`,
        'm',
      ),
    );
    expect(out).toMatch(
      /^ {2}other webhook {2}account-lookup +agent › route group "Small talk" › route condition true {2}\(webhook "CRM"\)$/m,
    );
    expect(out).toMatch(
      /5 fulfillment\(s\) call this webhook: 5 served, 0 unserved, 0 without a tag; 1 call other webhooks\.\nOK$/,
    );
  });

  it.each(PLACES)('finds an unserved tag in this place: $place', async ({ place, where, live }) => {
    const agent = liveAgent();
    live(agent);
    const { code, io } = await check(agent, ['--json']);
    expect(code).toBe(1);
    const result = parse(io.stdout);
    expect(result.ok).toBe(false);
    const unserved = result.calls.filter((c) => c.verdict === 'unserved');
    expect(unserved).toHaveLength(1);
    expect(unserved[0]).toMatchObject({ place, tag: TYPO });
    expect(unserved[0].location).toMatch(where);
  });

  it('fails a call of our webhook without a tag, and says which', async () => {
    const agent = liveAgent();
    answerPage(agent).entryFulfillment = { webhook: WEBHOOK };
    const { code, io } = await check(agent);
    expect(code).toBe(1);
    expect(io.stdout).toContain(
      '  NO TAG         —                         flow "Default Start Flow" › page "Order answer" › entry fulfillment',
    );
    expect(io.stdout.at(-1)).toMatch(/^FAIL: a tag no handler serves reaches the fallback/);
  });

  it('does not fail for a tag on another webhook, served here or not', async () => {
    const { code, io } = await check(liveAgent(), ['--json']);
    expect(code).toBe(0);
    expect(parse(io.stdout).calls.filter((c) => c.verdict === 'other-webhook')).toEqual([
      expect.objectContaining({
        tag: 'account-lookup',
        webhookDisplayName: 'CRM',
        place: 'agent route group',
      }),
    ]);
  });

  it('takes the only webhook of an agent when none is named, and refuses to guess among several', async () => {
    const single = liveAgent();
    single.webhooks = single.webhooks.slice(0, 1);
    single.routeGroups = [];
    const standIn = await startDialogflowStandIn(single);
    try {
      const io = captureIo();
      expect(await main(['--agent', AGENT, ...standIn.flags], io)).toBe(0);
    } finally {
      await standIn.close();
    }
    const several = await startDialogflowStandIn(liveAgent());
    try {
      const io = captureIo();
      expect(await main(['--agent', AGENT, ...several.flags], io)).toBe(2);
      expect(io.stderr).toEqual([
        'agent:check: the agent has 2 webhooks (cx-webhook-test, CRM): name one with --webhook (see --help)',
      ]);
    } finally {
      await several.close();
    }
  });

  it('exits 3 when the named webhook is not in the agent', async () => {
    const { code, io } = await check(liveAgent(), ['--webhook', `${AGENT}/webhooks/typo`]);
    expect(code).toBe(3);
    expect(io.stderr[0]).toMatch(
      /^agent:check: webhook ".*\/webhooks\/typo" is not one of the agent's webhooks \(cx-webhook-test, CRM\)$/,
    );
  });

  it('reads the agent and webhook from the stack outputs', async () => {
    const standIn = await startDialogflowStandIn(liveAgent());
    const pulumi = fakePulumi({
      outputs: { agentName: AGENT, webhookName: WEBHOOK, serviceUrl: 'https://x' },
    });
    try {
      const io = captureIo();
      const code = await main(['dev', ...standIn.flags], io, { command: pulumi.command });
      expect(code).toBe(0);
      expect(pulumi.lastArgs()).toEqual(['stack', 'output', '--json', '--stack', 'dev']);
      expect(io.stdout[1]).toBe(`webhook: "cx-webhook-test" (${WEBHOOK})`);
    } finally {
      pulumi.cleanup();
      await standIn.close();
    }
  });

  it('lists the tags the service serves, the smoke tag included', async () => {
    const { io } = await check(liveAgent(), ['--json']);
    expect(parse(io.stdout).servedTags).toEqual([...TABLE_TAGS, SMOKE_TAG].sort());
  });

  it('fails a call whose tag the service no longer serves', async () => {
    jest
      .mocked(servedTags)
      .mockReturnValue([SMOKE_TAG, ...TABLE_TAGS.filter((t) => t !== 'greeting')]);
    const { code, io } = await check(liveAgent(), ['--json']);
    expect(code).toBe(1);
    expect(parse(io.stdout).calls.filter((c) => c.verdict === 'unserved')).toEqual([
      expect.objectContaining({ tag: 'greeting', place: 'flow route' }),
    ]);
  });
});

describe("agent:check on the dev stack's agent, as the program plans it", () => {
  it('passes, with every call of the demo wiring and the smoke flow served', async () => {
    jest.mocked(servedTags).mockImplementation(actualServedTags);
    const run = await runStack('dev');
    const planned = agentFromPlan(run, 'http://127.0.0.1:9/', { kind: 'none' });
    const standIn = await startDialogflowStandIn(planned.agent);
    const pulumi = fakePulumi({ outputs: run.outputs });
    try {
      const io = captureIo();
      const code = await main(['dev', ...standIn.flags, '--json'], io, { command: pulumi.command });
      expect(code).toBe(0);
      const result = parse(io.stdout);
      expect(result.smokeFlow).toBe(planned.smokeFlowName);
      expect(result.calls.map((c) => [c.place, c.tag, c.verdict])).toEqual([
        ['flow route', DEMO_TAGS.greeting, 'served'],
        ['page route', DEMO_TAGS.validate, 'served'],
        ['page route', DEMO_TAGS.orderStatus, 'served'],
        ['flow event handler', SMOKE_TAG, 'served'],
      ]);
    } finally {
      pulumi.cleanup();
      await standIn.close();
    }
  });
});

describe('agent:check on an agent whose existing webhook the stack adopts (existingWebhookId)', () => {
  it('lists the fulfillments that already called it as calls of this webhook, and fails a tag no handler serves', async () => {
    const adopted = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
    const run = await runStack('prod', { existingWebhookId: adopted });
    const webhookName = run.outputs.webhookName as string;
    expect(webhookName).toBe(`${run.outputs.agentName as string}/webhooks/${adopted}`);
    expect(one(run, 'gcp:diagflow/cxWebhook:CxWebhook').options.import).toBe(webhookName);
    const planned = agentFromPlan(run, 'http://127.0.0.1:9/', { kind: 'none' });
    // The agent's own routes, which called this webhook before the stack adopted it; the API may
    // name its project by number.
    const byNumber = webhookName.replace(/^projects\/[^/]+\//, 'projects/123456789012/');
    planned.agent.flows[0].flow.transitionRoutes = [
      {
        condition: '$session.params.x = 1',
        triggerFulfillment: { webhook: byNumber, tag: 'greeting' },
      },
      { condition: 'true', triggerFulfillment: { webhook: webhookName, tag: 'legacy-lookup' } },
    ];
    const standIn = await startDialogflowStandIn(planned.agent);
    const pulumi = fakePulumi({ outputs: run.outputs });
    try {
      const io = captureIo();
      const code = await main(['prod', ...standIn.flags, '--json'], io, {
        command: pulumi.command,
      });
      const result = parse(io.stdout);
      expect(result.webhook.name).toBe(webhookName);
      expect(result.calls.map((c) => [c.place, c.tag, c.verdict])).toEqual([
        ['flow route', 'greeting', 'served'],
        ['flow route', 'legacy-lookup', 'unserved'],
        ['flow event handler', SMOKE_TAG, 'served'],
      ]);
      expect(code).toBe(1);
    } finally {
      pulumi.cleanup();
      await standIn.close();
    }
  });
});

describe('agent:check fails an agent that is not wired to the webhook', () => {
  async function check(agent: StandInAgent, args: string[]) {
    const standIn = await startDialogflowStandIn(agent);
    try {
      const io = captureIo();
      const code = await main(['--agent', AGENT, ...standIn.flags, ...args], io);
      return { code, io, result: args.includes('--json') ? parse(io.stdout) : undefined };
    } finally {
      await standIn.close();
    }
  }
  /** The agent with every reference to `from` in its flows and route groups replaced by `to`. */
  function rewired(from: string, to: string): StandInAgent {
    const agent = liveAgent();
    const { webhooks } = agent;
    const copy = JSON.parse(JSON.stringify(agent).replaceAll(from, to)) as StandInAgent;
    return { ...copy, webhooks };
  }

  it('matches the webhook whether its project is written as the ID or the number', async () => {
    // The stack outputs name the project by ID; the API may name it by number.
    const numbered = WEBHOOK.replace('projects/cx-kit-test/', 'projects/123456789012/');
    const { code, result } = await check(rewired(WEBHOOK, numbered), [
      '--webhook',
      WEBHOOK,
      '--json',
    ]);
    expect(code).toBe(0);
    expect(result!.counts).toEqual({ served: 5, unserved: 0, missingTag: 0, otherWebhook: 1 });
  });

  it('fails when no fulfillment calls the webhook, though every other call is fine', async () => {
    const { code, io } = await check(rewired(WEBHOOK, OTHER_WEBHOOK), ['--webhook', WEBHOOK]);
    expect(code).toBe(1);
    expect(io.stdout.slice(-2)).toEqual([
      '0 fulfillment(s) call this webhook: 0 served, 0 unserved, 0 without a tag; 6 call other webhooks.',
      'FAIL: no fulfillment calls this webhook: the agent is not wired to it, or the check names another webhook (see --webhook).',
    ]);
  });

  it('passes when the smoke flow named by --flow calls the webhook with the smoke tag', async () => {
    const { code, result } = await check(liveAgent(), [
      '--webhook',
      WEBHOOK,
      '--flow',
      SMOKE_FLOW,
      '--json',
    ]);
    expect(code).toBe(0);
    expect(result).toMatchObject({ ok: true, smokeFlow: SMOKE_FLOW, problems: [] });
  });

  it('fails when the smoke flow lost its call', async () => {
    const agent = liveAgent();
    agent.flows[agent.flows.length - 1] = smokeFlow({ withHandler: false });
    const { code, result } = await check(agent, [
      '--webhook',
      WEBHOOK,
      '--flow',
      SMOKE_FLOW,
      '--json',
    ]);
    expect(code).toBe(1);
    expect(result!.problems).toEqual([
      `the smoke flow "cx-webhook-kit smoke" does not call this webhook with the tag ${SMOKE_TAG}: run pulumi up to restore its event handler`,
    ]);
  });

  it('fails when the smoke flow is not in the agent', async () => {
    const gone = `${AGENT}/flows/5a1e0f0e-0000-4000-8000-0000000000aa`;
    const { code, result } = await check(liveAgent(), [
      '--webhook',
      WEBHOOK,
      '--flow',
      gone,
      '--json',
    ]);
    expect(code).toBe(1);
    expect(result!.problems).toEqual([
      `the smoke flow ${gone} is not in the agent: run pulumi up to restore it`,
    ]);
  });

  it('takes the smoke flow from the stack outputs, and checks without it when the stack has none', async () => {
    const agent = liveAgent();
    agent.flows[agent.flows.length - 1] = smokeFlow({ withHandler: false });
    const standIn = await startDialogflowStandIn(agent);
    const outputs = { agentName: AGENT, webhookName: WEBHOOK };
    const withFlow = fakePulumi({ outputs: { ...outputs, smokeFlowName: SMOKE_FLOW } });
    const without = fakePulumi({ outputs });
    try {
      const io = captureIo();
      expect(await main(['dev', ...standIn.flags], io, { command: withFlow.command })).toBe(1);
      expect(io.stdout.at(-1)).toMatch(/^FAIL: the smoke flow .* does not call this webhook/);
      expect(await main(['dev', ...standIn.flags], captureIo(), { command: without.command })).toBe(
        0,
      );
    } finally {
      withFlow.cleanup();
      without.cleanup();
      await standIn.close();
    }
  });
});

describe('npm run agent:check -- --export <dir> (an agent kept as a JSON package)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cx-export-'));
    cpSync(FIXTURE, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const check = async (args: string[] = []) => {
    const io = captureIo();
    const code = await main(['--export', dir, '--webhook', OURS, ...args], io);
    return { code, io };
  };

  it('passes the clean package; webhooks are named by display name there', async () => {
    const { code, io } = await check(['--json']);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    const result = parse(io.stdout);
    expect(result.webhook).toEqual({ name: OURS, displayName: OURS });
    expect(result.counts).toEqual({ served: 5, unserved: 0, missingTag: 0, otherWebhook: 1 });
    expect(result.calls.map((c) => [c.place, c.tag, c.verdict])).toEqual([
      ['flow route', 'greeting', 'served'],
      ['page entry fulfillment', 'order-status', 'served'],
      ['page route', 'validate-order-number', 'served'],
      ['flow route group', 'end-if-done', 'served'],
      ['flow event handler', SMOKE_TAG, 'served'],
      ['agent route group', 'account-lookup', 'other-webhook'],
    ]);
  });

  it.each(PLACES)(
    'finds an unserved tag in this place: $place',
    async ({ place, where, exported }) => {
      exported(dir);
      const { code, io } = await check(['--json']);
      expect(code).toBe(1);
      const unserved = parse(io.stdout).calls.filter((c) => c.verdict === 'unserved');
      expect(unserved).toHaveLength(1);
      expect(unserved[0]).toMatchObject({ place, tag: TYPO });
      expect(unserved[0].location).toMatch(where);
    },
  );

  it('fails a missing tag', async () => {
    edit(dir, ORDER_FILE, (j) => delete j.transitionRoutes[0].triggerFulfillment.tag);
    const { code, io } = await check(['--json']);
    expect(code).toBe(1);
    expect(parse(io.stdout).counts.missingTag).toBe(1);
  });

  it('reads agent-level route groups stored one folder per group too', async () => {
    const group = join(dir, 'transitionRouteGroups');
    rmSync(group, { recursive: true });
    cpSync(
      join(FIXTURE, 'transitionRouteGroups', 'Small talk.json'),
      join(group, 'Small talk', 'Small talk.json'),
      { recursive: true },
    );
    edit(
      dir,
      'transitionRouteGroups/Small talk/Small talk.json',
      (j) => (j.transitionRoutes[0].triggerFulfillment = call(OURS)),
    );
    const { code, io } = await check(['--json']);
    expect(code).toBe(1);
    expect(parse(io.stdout).calls.find((c) => c.verdict === 'unserved')?.place).toBe(
      'agent route group',
    );
  });

  it('exits 3 for a directory that is not an exported agent', async () => {
    const io = captureIo();
    expect(await main(['--export', join(dir, 'flows'), '--webhook', OURS], io)).toBe(3);
    expect(io.stderr).toEqual([
      expect.stringMatching(/^agent:check: .*flows is not an exported agent \(no agent\.json\)/),
    ]);
  });

  it('exits 3 naming the file a flow folder lacks', async () => {
    rmSync(join(dir, 'flows', 'Default Start Flow', 'Default Start Flow.json'));
    const io = captureIo();
    expect(await main(['--export', dir, '--webhook', OURS], io)).toBe(3);
    expect(io.stderr[0]).toBe(
      'agent:check: flows/Default Start Flow holds no Default Start Flow.json',
    );
  });

  it('exits 3 naming a file that is not JSON', async () => {
    writeFileSync(join(dir, ORDER_FILE), '{ "name": ');
    const io = captureIo();
    expect(await main(['--export', dir, '--webhook', OURS], io)).toBe(3);
    expect(io.stderr[0]).toMatch(
      /^agent:check: flows\/Default Start Flow\/pages\/Order status\.json is not readable JSON/,
    );
  });
});

describe('agent:check usage', () => {
  it.each([
    [[], 'give a stack name, --agent <agent>, or --export <dir>'],
    [['dev', '--agent', AGENT], 'give a stack name or --agent, --webhook and --flow, not both'],
    [
      ['--export', 'x', '--agent', AGENT],
      '--export reads a package: give no stack, --agent, --flow or --api-endpoint',
    ],
    [
      ['--agent', 'agents/x'],
      'an agent is named projects/<project>/locations/<location>/agents/<id>, got "agents/x"',
    ],
    [['--agent', AGENT, '--webhook', 'w'], `--webhook must name a webhook of ${AGENT}, got "w"`],
    [['--agent', AGENT, '--insecure'], '--insecure needs --api-endpoint host:port'],
    [['--agent', AGENT, '--bogus'], 'unknown option --bogus'],
    [['a', 'b'], 'unexpected argument "b"'],
  ])('%j → exit 2: %s', async (argv, message) => {
    const io = captureIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toEqual([`agent:check: ${message} (see --help)`]);
  });
});
