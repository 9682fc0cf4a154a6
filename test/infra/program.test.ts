import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeProjectNumber } from '../../infra/plan/fakeGcp';
import type { ProgramRun } from '../../infra/plan/recorder';
import { normalizeHashes, renderText, toPlan } from '../../infra/plan/render';
import { DEMO_TAGS } from '../../infra/components/demoAgentWiring';
import { readTestCaseFiles } from '../../infra/testCaseFiles';
import { servedTags } from '../../service/composition';
import { SMOKE_TAG } from '../../service/smoke';
import {
  all,
  dependsOn,
  env,
  inComponent,
  one,
  providerName,
  ROOT,
  stackNames,
  waitsFor,
} from '../helpers/infra';
import {
  ACCOUNT,
  AGENT,
  API,
  BUCKET_READER,
  CHANNEL,
  COMMITTED_STAGES,
  DASHBOARD,
  deployed,
  describeStages,
  duration,
  filters,
  FIXTURE_STAGES,
  FLOW,
  IDENTITY,
  INTENT,
  INVOKER,
  METRIC,
  PAGE,
  POLICY,
  RUN,
  sleepOf,
  SLEEP,
  WEBHOOK,
} from './programStages';

// The program run for the fixture stacks (test/fixtures/stacks), as `pulumi up` runs it: the
// invariants every stage keeps and the wiring; and for every committed stack file, whatever its name
// and values, the invariants and its committed plan. The variants of the fixture stacks (the
// function target, other auth modes, handler settings, edge cases) are in
// program.variants.slow.test.ts.

const runs = new Map<string, ProgramRun>();
describeStages([...FIXTURE_STAGES, ...COMMITTED_STAGES], runs);

describe('auth modes', () => {
  it('platform: WEBHOOK_AUTH=platform with the IAM invoker check on', () => {
    const run = runs.get('prod stack') as ProgramRun;
    expect(env(run)).toEqual(
      expect.objectContaining({
        WEBHOOK_AUTH: 'platform',
        GOOGLE_CLOUD_PROJECT: 'acme-cx-webhooks-prod',
        LOG_LEVEL: 'info',
      }),
    );
  });
});

describe('cross-project wiring (prod)', () => {
  it('puts the identity in the agent project and the grant in the webhook project', () => {
    const run = runs.get('prod stack') as ProgramRun;
    expect(one(run, IDENTITY).inputs.project).toBe('acme-cx-agents-prod');
    expect(one(run, INVOKER).inputs.project).toBe('acme-cx-webhooks-prod');
    expect(one(run, WEBHOOK).inputs.parent).toBe(
      'projects/acme-cx-agents-prod/locations/global/agents/3a1f6c2d-77b0-4d8e-a4b9-1e5f0c2d8a71',
    );
    expect(all(run, 'gcp:diagflow/cxAgent:CxAgent')).toEqual([]);
  });

  it('creates an agent for the dev stack and hangs the webhook on it', () => {
    const run = runs.get('dev stack') as ProgramRun;
    const agent = one(run, 'gcp:diagflow/cxAgent:CxAgent');
    expect(dependsOn(one(run, WEBHOOK), agent)).toBe(true);
    expect(one(run, WEBHOOK).inputs.parent).toMatch(
      /^projects\/acme-cx-dev\/locations\/global\/agents\/[0-9a-f-]{36}$/,
    );
  });
});

describe('ordering and waits where Google and the provider wait', () => {
  const dev = () => runs.get('dev stack') as ProgramRun;

  it("waits 30 s after enabling the Dialogflow API before creating its service identity (Google's Dialogflow sample)", () => {
    const apiWait = sleepOf(dev(), 'agent-apis-propagation');
    expect(duration(apiWait)).toBe('30s');
    expect(dependsOn(apiWait, one(dev(), API, 'agent-apis-dialogflow'))).toBe(true);
    expect(waitsFor(dev(), one(dev(), IDENTITY), apiWait)).toBe(true);
  });

  it('waits 30 s after creating the service identity before granting it anything', () => {
    const identityWait = sleepOf(dev(), 'dialogflow-agent-propagation');
    expect(duration(identityWait)).toBe('30s');
    expect(dependsOn(identityWait, one(dev(), IDENTITY))).toBe(true);
    expect(waitsFor(dev(), one(dev(), INVOKER), identityWait)).toBe(true);
  });

  it('waits again when what it waits for is replaced (its IDs are the trigger)', () => {
    const [wait] = inComponent(dev(), SLEEP, 'ServiceSource', '-propagation');
    const readers = all(dev(), BUCKET_READER);
    expect((wait.inputs.triggers as { after: string }).after.split(',').sort()).toEqual(
      readers
        // The provider's ID of a bucket grant: `b/<bucket> <role> <member>`.
        .map(
          (r) =>
            `b/${r.inputs.bucket as string} ${r.inputs.role as string} ${r.inputs.member as string}`,
        )
        .sort(),
    );
  });
});

describe('Cloud Run reads its source only after the grant on its bucket', () => {
  const run = () => runs.get('dev stack') as ProgramRun;

  it('grants objectViewer on that one bucket to both identities that may read it', () => {
    const number = fakeProjectNumber('acme-cx-dev');
    const readers = all(run(), BUCKET_READER);
    expect(readers.map((r) => [r.inputs.bucket, r.inputs.role, r.inputs.member]).sort()).toEqual(
      [
        [
          'acme-cx-dev-cx-webhook-dev-src',
          'roles/storage.objectViewer',
          'serviceAccount:cx-webhook-dev@acme-cx-dev.iam.gserviceaccount.com',
        ],
        [
          'acme-cx-dev-cx-webhook-dev-src',
          'roles/storage.objectViewer',
          `serviceAccount:service-${number}@serverless-robot-prod.iam.gserviceaccount.com`,
        ],
      ].sort(),
    );
  });

  it("waits 60 s after those grants before deploying (the provider's builder example)", () => {
    const [wait] = inComponent(run(), SLEEP, 'ServiceSource', '-propagation');
    expect(duration(wait)).toBe('60s');
    for (const reader of all(run(), BUCKET_READER)) expect(dependsOn(wait, reader)).toBe(true);
    expect(waitsFor(run(), one(run(), RUN), wait)).toBe(true);
  });
});

describe('Cloud Functions builds as its own build account', () => {
  it('gives Cloud Run no build account: its source runs without a build', () => {
    const dev = runs.get('dev stack') as ProgramRun;
    expect(all(dev, ACCOUNT)).toEqual(inComponent(dev, ACCOUNT, 'RuntimeAccount'));
    expect(all(dev, ACCOUNT)).toHaveLength(1);
  });
});

describe('deletion: what destroy removes and what it keeps', () => {
  const dev = () => runs.get('dev stack') as ProgramRun;
  const prod = () => runs.get('prod stack') as ProgramRun;

  it('must not delete the agent a dev stack created: it is kept on destroy', () => {
    expect(one(dev(), AGENT).options).toEqual({ retainOnDelete: true });
  });

  it('leaves everything it put in that agent with it, so the kept agent stays whole', () => {
    const agent = one(dev(), AGENT);
    const inside = dev().resources.filter(
      (r) => r.custom && r.type.startsWith('gcp:diagflow/cx') && r.type !== AGENT,
    );
    const cases = readTestCaseFiles().map(() => 'gcp:diagflow/cxTestCase:CxTestCase');
    expect(inside.map((r) => r.type).sort()).toEqual(
      [FLOW, FLOW, INTENT, PAGE, WEBHOOK, ...cases].sort(),
    );
    for (const r of inside)
      expect([r.name, r.options]).toEqual([r.name, { deletedWith: agent.urn }]);
  });

  it('protects the webhook in an existing agent where the stage protects its service, so destroy stops before deleting anything', () => {
    expect(one(prod(), WEBHOOK).options).toEqual({ protect: true });
  });

  it('lets the smoke flow in an existing agent be deleted: nothing refers to it', () => {
    const flow = one(prod(), FLOW);
    expect(flow.options).toEqual({});
  });
});

describe('real handlers are deployable', () => {
  it('the dev stack turns on demo order data, so its conversable agent answers', () => {
    expect(env(runs.get('dev stack') as ProgramRun).ORDERS_DEMO_DATA).toBe('true');
    expect(env(runs.get('prod stack') as ProgramRun).ORDERS_DEMO_DATA).toBeUndefined();
  });
});

describe('the smoke flow', () => {
  it('nothing the program creates transitions into it', () => {
    for (const name of ['dev stack', 'prod stack']) {
      const run = runs.get(name) as ProgramRun;
      const text = JSON.stringify(
        run.resources.filter((r) => r.name !== 'smoke-flow').map((r) => r.inputs),
      );
      expect(text).not.toContain(run.outputs.smokeFlowName as string);
    }
  });

  it('outputs agentName as a full resource name', () => {
    expect((runs.get('prod stack') as ProgramRun).outputs.agentName).toBe(
      'projects/acme-cx-agents-prod/locations/global/agents/3a1f6c2d-77b0-4d8e-a4b9-1e5f0c2d8a71',
    );
  });
});

describe('the conversable dev agent', () => {
  const run = () => runs.get('dev stack') as ProgramRun;
  const webhookName = () => run().outputs.webhookName as string;
  const agentName = () => run().outputs.agentName as string;

  it('answers the welcome route of the default start flow through greeting', () => {
    const start = one(run(), FLOW, 'demo-wiring-start');
    expect(start.inputs.isDefaultStartFlow).toBe(true);
    expect(start.inputs.parent).toBe(agentName());
    const routes = start.inputs.transitionRoutes as Record<string, unknown>[];
    expect(routes[0]).toEqual({
      intent: `${agentName()}/intents/00000000-0000-0000-0000-000000000000`,
      triggerFulfillment: { webhook: webhookName(), tag: 'greeting' },
    });
  });

  it('reaches the order page through an intent route, forgetting the last order number', () => {
    const start = one(run(), FLOW, 'demo-wiring-start');
    const page = one(run(), PAGE);
    const intent = one(run(), INTENT);
    const routes = start.inputs.transitionRoutes as Record<string, unknown>[];
    expect(routes[1]).toEqual({
      // The order intent's ID, which Dialogflow assigns (the welcome intent's is all zeros).
      intent: expect.stringMatching(new RegExp(`^${agentName()}/intents/(?!0{8}-)[0-9a-f-]{36}$`)),
      triggerFulfillment: { setParameterActions: [{ parameter: 'order_number', value: 'null' }] },
      targetPage: expect.stringMatching(
        new RegExp(`^${agentName()}/flows/00000000-0000-0000-0000-000000000000/pages/`),
      ),
    });
    expect(dependsOn(start, page)).toBe(true);
    expect(dependsOn(start, intent)).toBe(true);
    expect((intent.inputs.trainingPhrases as unknown[]).length).toBeGreaterThanOrEqual(3);
  });

  it('must not call validate-order-number from the parameter prompt, before a value is collected', () => {
    const form = one(run(), PAGE).inputs.form as { parameters: Record<string, unknown>[] };
    expect(form.parameters).toEqual([
      {
        displayName: 'order_number',
        entityType: 'projects/-/locations/-/agents/-/entityTypes/sys.number-integer',
        required: true,
        fillBehavior: {
          initialPromptFulfillment: {
            messages: [{ text: { texts: ['What is your order number?'] } }],
          },
        },
      },
    ]);
  });

  it('validates order_number on the turn it is filled, staying on the page, then answers once the form is complete', () => {
    const page = one(run(), PAGE);
    expect(page.inputs.parent).toBe(`${agentName()}/flows/00000000-0000-0000-0000-000000000000`);
    // In this order: validation first, so an invalid number is cleared before FINAL is evaluated.
    expect(page.inputs.transitionRoutes).toEqual([
      {
        condition: '$page.params.order_number.status = "UPDATED"',
        triggerFulfillment: { webhook: webhookName(), tag: 'validate-order-number' },
      },
      {
        condition: '$page.params.status = "FINAL"',
        triggerFulfillment: { webhook: webhookName(), tag: 'order-status' },
        targetPage: `${agentName()}/flows/00000000-0000-0000-0000-000000000000/pages/START_PAGE`,
      },
    ]);
  });

  it('names only tags the service serves', () => {
    const served = servedTags();
    for (const tag of [...Object.values(DEMO_TAGS), SMOKE_TAG]) expect(served).toContain(tag);
    const tags = JSON.stringify(run().resources.map((r) => r.inputs)).match(/"tag":"[^"]*"/g) ?? [];
    for (const tag of tags) expect(served).toContain(JSON.parse(`{${tag}}`).tag);
  });
});

describe('the committed plans', () => {
  const GOLDEN = join(ROOT, 'infra', 'plan', 'golden');

  it('has one plan per committed stack file, and none for a stack without one (npm run plan:golden)', () => {
    const plans = readdirSync(GOLDEN)
      .filter((f) => f.endsWith('.txt'))
      .map((f) => f.slice(0, -'.txt'.length));
    expect(plans.sort()).toEqual(stackNames());
    expect(plans.length).toBeGreaterThan(0);
  });

  it.each(COMMITTED_STAGES)(
    'infra/plan/golden/$stack.txt matches the program (npm run plan:golden to update)',
    ({ name, stack }) => {
      const golden = readFileSync(join(GOLDEN, `${stack}.txt`), 'utf8');
      const run = runs.get(name) as ProgramRun;
      expect(normalizeHashes(renderText(toPlan(stack, run)))).toBe(golden);
    },
  );
});

describe('alerting', () => {
  it('prod: every alert policy and the log metric watch the Cloud Run service the program deploys', () => {
    const run = runs.get('prod stack') as ProgramRun;
    const serviceName = `service_name = "${deployed(run).inputs.name as string}"`;
    const policies = all(run, POLICY);
    expect(policies).toHaveLength(3);
    for (const p of policies) for (const f of filters(p)) expect(f).toContain(serviceName);
    expect(one(run, METRIC).inputs.filter).toContain(serviceName);
  });

  it('prod notifies the address in its stack file from every policy', () => {
    const run = runs.get('prod stack') as ProgramRun;
    const channel = one(run, CHANNEL);
    expect(channel.inputs.labels).toEqual({ email_address: 'oncall@acme.example' });
    for (const p of all(run, POLICY)) expect(dependsOn(p, channel)).toBe(true);
  });

  it('enables Cloud Monitoring and Cloud Logging in the webhook project when alerting is on', () => {
    const run = runs.get('prod stack') as ProgramRun;
    const services = all(run, API).map((a) => a.inputs.service);
    expect(services).toEqual(
      expect.arrayContaining(['monitoring.googleapis.com', 'logging.googleapis.com']),
    );
    for (const type of [POLICY, CHANNEL, METRIC, DASHBOARD])
      for (const r of all(run, type)) expect(providerName(r)).toBe('webhook');
  });

  it('dev has no alerting and enables no monitoring API', () => {
    const run = runs.get('dev stack') as ProgramRun;
    expect([POLICY, CHANNEL, METRIC, DASHBOARD].flatMap((t) => all(run, t))).toEqual([]);
    expect(all(run, API).map((a) => a.inputs.service)).not.toContain('monitoring.googleapis.com');
  });
});

describe("the service's own bounds", () => {
  it('follow the concurrency Cloud Run gives each instance', () => {
    const run = runs.get('dev stack') as ProgramRun;
    const template = deployed(run).inputs.template as { maxInstanceRequestConcurrency: number };
    expect(env(run).WEBHOOK_CONCURRENCY).toBe(String(template.maxInstanceRequestConcurrency));
  });

  it('run in production mode, so no framework prints a stack trace in an error page', () => {
    expect(env(runs.get('dev stack') as ProgramRun).NODE_ENV).toBe('production');
  });
});
