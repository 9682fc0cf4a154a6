import { fakeProjectNumber } from '../../infra/plan/fakeGcp';
import { dialogflowServiceAgent } from '../../infra/names';
import type { ProgramRun } from '../../infra/plan/recorder';
import { BUILD_ROLES } from '../../infra/components/buildAccount';
import {
  all,
  appearsInPlaintext,
  dependsOn,
  env,
  fixtureStack,
  inComponent,
  MINIMAL_STACKS,
  one,
  runMinimalStack,
  runStack,
  waitsFor,
} from '../helpers/infra';
import {
  ACCOUNT,
  AGENT,
  API,
  type Container,
  deployed,
  describeStages,
  duration,
  filters,
  FLOW,
  FUNCTION,
  INVOKER,
  METRIC,
  POLICY,
  PROJECT_IAM,
  RUN,
  SECRET_IAM,
  SECRET,
  SECRET_VALUE,
  SLEEP,
  sleepOf,
  ADOPTED_WEBHOOK_ID,
  VARIANT_STAGES,
  WEBHOOK,
} from './programStages';

// The program run for variants of the fixture stacks (the function target, header and id-token
// auth, handler settings) and for edge cases, each a run of its own: the same invariants as
// program.test.ts, and what each variant adds.

const runs = new Map<string, ProgramRun>();
describeStages(VARIANT_STAGES, runs);

describe('auth modes', () => {
  it('id-token: the service checks the audience against the URL Dialogflow is pointed at', () => {
    const run = runs.get('dev stack, id-token auth') as ProgramRun;
    const url = run.outputs.serviceUrl as string;
    expect(url).toBe(
      `https://cx-webhook-dev-${fakeProjectNumber('acme-cx-dev')}.us-central1.run.app`,
    );
    expect(env(run)).toEqual(
      expect.objectContaining({ WEBHOOK_AUTH: 'id-token', WEBHOOK_AUDIENCE: `${url},${url}/` }),
    );
    expect((one(run, WEBHOOK).inputs.genericWebService as { uri: string }).uri).toBe(url);
  });

  describe('header', () => {
    const run = () => runs.get('prod stack, header auth') as ProgramRun;

    it('keeps the secret value out of every input in plaintext', () => {
      for (const r of run().resources) {
        expect([r.type, r.name, appearsInPlaintext(r.rawInputs, SECRET_VALUE)]).toEqual([
          r.type,
          r.name,
          false,
        ]);
      }
      // It does reach Secret Manager, as a secret.
      const version = one(run(), 'gcp:secretmanager/secretVersion:SecretVersion');
      expect(version.inputs.secretData).toBe(SECRET_VALUE);
      expect(JSON.stringify(run().outputs)).not.toContain(SECRET_VALUE);
    });

    it('reaches the webhook through secretVersionsForRequestHeaders and the service through a secret env var', () => {
      const version = one(run(), 'gcp:secretmanager/secretVersion:SecretVersion');
      const web = one(run(), WEBHOOK).inputs.genericWebService as Record<string, unknown>;
      expect(web.secretVersionsForRequestHeaders).toEqual([
        {
          key: 'x-webhook-secret',
          secretVersion: `projects/${fakeProjectNumber('acme-cx-webhooks-prod')}/secrets/cx-webhook-prod-header/versions/1`,
        },
      ]);
      expect(web.requestHeaders).toBeUndefined();
      const service = one(run(), RUN);
      const envs = (service.inputs.template as { containers: Container[] }).containers[0].envs;
      expect(envs).toContainEqual({
        name: 'WEBHOOK_HEADER_VALUE',
        valueSource: { secretKeyRef: { secret: 'cx-webhook-prod-header', version: '1' } },
      });
      expect(env(run())).toEqual(
        expect.objectContaining({
          WEBHOOK_AUTH: 'platform,header',
          WEBHOOK_HEADER_NAME: 'x-webhook-secret',
        }),
      );
      expect(
        dependsOn(one(run(), WEBHOOK), version) ||
          one(run(), WEBHOOK).dependencies.some((d) => d.includes('SecretVersion')),
      ).toBe(true);
    });

    it('grants secretAccessor on that one secret only, to the runtime account and the Dialogflow agent', () => {
      const grants = all(run(), 'gcp:secretmanager/secretIamMember:SecretIamMember');
      expect(grants.map((g) => [g.inputs.secretId, g.inputs.role, g.inputs.member]).sort()).toEqual(
        [
          [
            'cx-webhook-prod-header',
            'roles/secretmanager.secretAccessor',
            'serviceAccount:cx-webhook-prod@acme-cx-webhooks-prod.iam.gserviceaccount.com',
          ],
          [
            'cx-webhook-prod-header',
            'roles/secretmanager.secretAccessor',
            `serviceAccount:${dialogflowServiceAgent(fakeProjectNumber('acme-cx-agents-prod'))}`,
          ],
        ].sort(),
      );
      // Cloud Run checks secret access when it creates a revision: the service waits 60 s after
      // the grants, and so does the CX webhook whose header Dialogflow reads from the secret.
      const [wait] = inComponent(run(), SLEEP, 'HeaderSecret', '-propagation');
      expect(duration(wait)).toBe('60s');
      for (const g of grants) expect(dependsOn(wait, g)).toBe(true);
      expect(waitsFor(run(), one(run(), RUN), wait)).toBe(true);
      expect(waitsFor(run(), one(run(), WEBHOOK), wait)).toBe(true);
    });

    it('protects the secret where the stage protects, with its own flag and Pulumi protect, and labels it', () => {
      const secret = one(run(), SECRET);
      expect(secret.inputs.deletionProtection).toBe(true);
      expect(secret.options.protect).toBe(true);
      expect(secret.inputs.labels).toEqual({ 'cx-webhook-kit-profile': 'prod' });
      // A new value replaces the version, which a protected version would refuse.
      expect(one(run(), 'gcp:secretmanager/secretVersion:SecretVersion').options.protect).toBe(
        undefined,
      );
    });
  });
});

describe('when the provider reports no email for the service identity', () => {
  it('falls back to the documented service agent address for the grant and the allow-list', async () => {
    const run = await runStack('prod', {}, { fakeGcp: { serviceIdentityWithoutEmail: true } });
    const documented = dialogflowServiceAgent(fakeProjectNumber('acme-cx-agents-prod'));
    expect(one(run, INVOKER).inputs.member).toBe(`serviceAccount:${documented}`);
    expect(env(run).WEBHOOK_ALLOWED_CALLERS).toBe(documented);
    expect(run.outputs.serviceAgentEmail).toBe(documented);
    expect(run.invokes).toContainEqual(
      expect.objectContaining({
        token: 'gcp:organizations/getProject:getProject',
        args: { projectId: 'acme-cx-agents-prod' },
      }),
    );
  });
});

describe('when Cloud Functions does not report the underlying service', () => {
  it('grants the invoker on the documented service name, the function name', async () => {
    const run = await runStack(
      'dev',
      { target: 'function' },
      { fakeGcp: { functionWithoutServiceReport: true } },
    );
    expect(one(run, INVOKER).inputs.name).toBe(one(run, FUNCTION).inputs.name);
    expect(one(run, INVOKER).inputs.name).toBe('cx-webhook-dev');
  });
});

/** One run shared by the tests of two switches: deletionProtection and smokeFlow off. */
let unprotected: Promise<ProgramRun> | undefined;
const prodWithoutProtectionOrSmoke = () =>
  (unprotected ??= runStack('prod', {
    deletionProtection: 'false',
    allowUnprotectedProd: 'true',
    smokeFlow: 'false',
  }));

describe('ordering and waits where Google and the provider wait', () => {
  it('waits 30 s after creating the service identity before granting it anything (header auth)', () => {
    const header = runs.get('prod stack, header auth') as ProgramRun;
    const [dialogflowGrant] = inComponent(header, SECRET_IAM, 'HeaderSecret', '-dialogflow');
    expect(waitsFor(header, dialogflowGrant, sleepOf(header, 'dialogflow-agent-propagation'))).toBe(
      true,
    );
  });
});

describe('Cloud Functions builds as its own build account', () => {
  const run = () => runs.get('dev stack, function target') as ProgramRun;

  it('sets buildConfig.serviceAccount to an account of its own, never a default one', () => {
    const [build] = inComponent(run(), ACCOUNT, 'BuildAccount');
    expect(build.inputs.accountId).toBe('cxwh-build-dev');
    const fn = one(run(), FUNCTION);
    expect((fn.inputs.buildConfig as { serviceAccount: string }).serviceAccount).toBe(
      'projects/acme-cx-dev/serviceAccounts/cxwh-build-dev@acme-cx-dev.iam.gserviceaccount.com',
    );
  });

  it('grants it exactly the build roles (cloud.google.com/functions/docs/securing/build-custom-sa)', () => {
    expect(
      all(run(), PROJECT_IAM)
        .map((g) => g.inputs.role)
        .sort(),
    ).toEqual([...BUILD_ROLES].sort());
    for (const g of all(run(), PROJECT_IAM)) {
      expect(g.inputs.member).toBe(
        'serviceAccount:cxwh-build-dev@acme-cx-dev.iam.gserviceaccount.com',
      );
    }
  });

  it('builds only after the grants have had 60 s to apply, like "Cloudfunctions2 Basic Builder"', () => {
    const [wait] = inComponent(run(), SLEEP, 'BuildAccount', '-propagation');
    expect(duration(wait)).toBe('60s');
    for (const g of all(run(), PROJECT_IAM)) expect(dependsOn(wait, g)).toBe(true);
    expect(waitsFor(run(), one(run(), FUNCTION), wait)).toBe(true);
  });
});

describe('deletion: what destroy removes and what it keeps', () => {
  it("protects the function in prod with Pulumi's protect (gen2 functions have no deletion protection)", () => {
    const fn = one(runs.get('prod stack, function target') as ProgramRun, FUNCTION);
    expect(fn.options.protect).toBe(true);
    expect(
      one(runs.get('dev stack, function target') as ProgramRun, FUNCTION).options.protect,
    ).toBeUndefined();
  });

  it('protects an agent a prod stack creates, which destroy keeps in any case', () => {
    const run = runs.get('prod stack, created agent') as ProgramRun;
    expect(one(run, AGENT).options).toEqual({ retainOnDelete: true, protect: true });
    expect(
      one(runs.get('dev stack, function target') as ProgramRun, AGENT).options.protect,
    ).toBeUndefined();
  });

  it('protects nothing when the stage turns deletionProtection off', async () => {
    const run = await prodWithoutProtectionOrSmoke();
    expect(run.resources.filter((r) => r.options.protect).map((r) => r.type)).toEqual([]);
  });
});

describe('adopting an existing webhook (existingWebhookId)', () => {
  const run = () => runs.get('prod stack, adopted webhook') as ProgramRun;
  const adopted = () => {
    const { config } = fixtureStack('prod');
    const agent = `projects/${config['cx-webhook-kit:agentProject']}/locations/global/agents/${config['cx-webhook-kit:agentId']}`;
    return `${agent}/webhooks/${ADOPTED_WEBHOOK_ID}`;
  };

  it("imports the agent's webhook by its full name, the provider's import ID, instead of creating one", () => {
    // Import formats of gcp.diagflow.CxWebhook: {{parent}}/webhooks/{{name}} or {{parent}}/{{name}}
    // (@pulumi/gcp 9.37.0, diagflow/cxWebhook.d.ts, "## Import").
    const webhook = one(run(), WEBHOOK);
    expect(webhook.options.import).toBe(adopted());
    expect(webhook.inputs.parent).toBe(run().outputs.agentName);
    expect(run().outputs.webhookName).toBe(adopted());
  });

  it('keeps its display name, keeps it in the agent when the stack lets go, and protects it like the service', () => {
    expect(one(run(), WEBHOOK).options).toEqual({
      import: adopted(),
      ignoreChanges: ['displayName'],
      retainOnDelete: true,
      protect: true,
    });
  });

  it('points it at the service, so the fulfillments that already call it reach this stack', () => {
    const web = one(run(), WEBHOOK).inputs.genericWebService as Record<string, unknown>;
    expect(web.uri).toBe(run().outputs.serviceUrl);
    const smoke = one(run(), FLOW, 'smoke-flow');
    expect(smoke.inputs.eventHandlers).toEqual([
      expect.objectContaining({
        triggerFulfillment: expect.objectContaining({ webhook: adopted() }),
      }),
    ]);
  });

  it('must not import anything without the key', () => {
    const prod = runs.get('prod stack, handler settings') as ProgramRun;
    expect(prod.resources.filter((r) => r.options.import)).toEqual([]);
  });
});

describe('the stage profile', () => {
  it('must not give a stack named production dev defaults: without a profile it is refused', async () => {
    const { config } = fixtureStack('prod');
    delete config['cx-webhook-kit:profile'];
    await expect(
      runStack('production', {}, { stackFile: { config, secretKeys: [] } }),
    ).rejects.toThrow('cx-webhook-kit:profile is required for stack "production"');
  });

  it('applies prod defaults to a stack named production with profile prod', async () => {
    const run = await runStack('production', {}, { stackFile: fixtureStack('prod') });
    expect(one(run, RUN).options.protect).toBe(true);
    expect(
      (one(run, RUN).inputs.template as { scaling: { minInstanceCount: number } }).scaling
        .minInstanceCount,
    ).toBe(1);
    expect(run.outputs.stage).toBe('production');
  });
});

describe('secrets the engine did not receive encrypted', () => {
  it('must not deploy a headerSecret kept in plain text in the stack file', async () => {
    // The language host lists encrypted keys (PULUMI_CONFIG_SECRET_KEYS); this one is not listed.
    await expect(runStack('prod', { auth: 'header', headerSecret: 'plain' })).rejects.toThrow(
      'cx-webhook-kit:headerSecret is stored in plain text',
    );
  });
});

describe('unknown keys reach the program through the raw config list', () => {
  it('refuses cx-webhook-kit:webhookTimeout, naming webhookTimeoutSeconds', async () => {
    await expect(runStack('dev', { webhookTimeout: '45' })).rejects.toThrow(
      'cx-webhook-kit:webhookTimeout is not a setting of this program; did you mean webhookTimeoutSeconds?',
    );
  });
});

describe('multi-region agents', () => {
  // `us` is accepted the same way (test/infra/config.test.ts); one run covers the wiring.
  it.each(['eu'])('creates the agent and hangs the webhook on it in %s', async (location) => {
    const run = await runStack('dev', { agentLocation: location });
    expect(one(run, AGENT).inputs.location).toBe(location);
    expect(run.outputs.agentName).toMatch(
      new RegExp(`^projects/acme-cx-dev/locations/${location}/agents/`),
    );
    expect(one(run, WEBHOOK).inputs.parent).toBe(run.outputs.agentName);
  });
});

describe('real handlers are deployable', () => {
  it.each(['prod stack, handler settings', 'prod stack, function target, handler settings'])(
    '%s: serviceEnv, memory, cpu and concurrency reach the service',
    (name) => {
      const run = runs.get(name) as ProgramRun;
      expect(env(run)).toEqual(
        expect.objectContaining({ ORDERS_API_URL: 'https://orders.example', LOG_LEVEL: 'debug' }),
      );
      const service = deployed(run);
      if (service.type === RUN) {
        const template = service.inputs.template as {
          maxInstanceRequestConcurrency: number;
          containers: { resources: { limits: Record<string, string> } }[];
        };
        expect(template.maxInstanceRequestConcurrency).toBe(40);
        expect(template.containers[0].resources.limits).toEqual({ cpu: '2', memory: '1Gi' });
      } else {
        expect(service.inputs.serviceConfig).toEqual(
          expect.objectContaining({
            availableCpu: '2',
            availableMemory: '1Gi',
            maxInstanceRequestConcurrency: 40,
          }),
        );
      }
    },
  );

  it.each(['prod stack, handler settings', 'prod stack, function target, handler settings'])(
    '%s: serviceSecrets become secret-backed env vars',
    (name) => {
      const run = runs.get(name) as ProgramRun;
      const service = deployed(run);
      if (service.type === RUN) {
        const envs = (service.inputs.template as { containers: Container[] }).containers[0].envs;
        expect(envs.filter((e) => e.valueSource)).toEqual([
          {
            name: 'ORDERS_API_KEY',
            valueSource: { secretKeyRef: { secret: 'orders-api-key', version: '3' } },
          },
          {
            name: 'OTHER_KEY',
            valueSource: { secretKeyRef: { secret: 'other-key', version: 'latest' } },
          },
        ]);
      } else {
        expect(
          (service.inputs.serviceConfig as { secretEnvironmentVariables: unknown })
            .secretEnvironmentVariables,
        ).toEqual([
          {
            key: 'ORDERS_API_KEY',
            projectId: 'acme-cx-webhooks-prod',
            secret: 'orders-api-key',
            version: '3',
          },
          {
            key: 'OTHER_KEY',
            projectId: 'acme-cx-webhooks-prod',
            secret: 'other-key',
            version: 'latest',
          },
        ]);
      }
      expect(one(run, API, 'webhook-apis-secretmanager').inputs.service).toBe(
        'secretmanager.googleapis.com',
      );
    },
  );

  it('the runtime account gets secretAccessor on exactly the listed secrets, before the service starts', () => {
    const run = runs.get('prod stack, handler settings') as ProgramRun;
    const grants = all(run, SECRET_IAM);
    expect(
      grants
        .map((g) => [g.inputs.project, g.inputs.secretId, g.inputs.role, g.inputs.member])
        .sort(),
    ).toEqual(
      ['orders-api-key', 'other-key'].map((id) => [
        'acme-cx-webhooks-prod',
        id,
        'roles/secretmanager.secretAccessor',
        'serviceAccount:cx-webhook-prod@acme-cx-webhooks-prod.iam.gserviceaccount.com',
      ]),
    );
    const wait = sleepOf(run, 'handler-secrets-propagation');
    expect(duration(wait)).toBe('60s');
    for (const g of grants) expect(dependsOn(wait, g)).toBe(true);
    expect(waitsFor(run, one(run, RUN), wait)).toBe(true);
  });

  it('adds no wait for secret grants where the stack lists no secrets', () => {
    // The probe finds the waits where there are secrets, so an empty answer below means none.
    const header = runs.get('prod stack, header auth') as ProgramRun;
    const handler = runs.get('prod stack, handler settings') as ProgramRun;
    expect(inComponent(header, SLEEP, 'HeaderSecret')).not.toEqual([]);
    expect(inComponent(handler, SLEEP, 'SecretAccess')).not.toEqual([]);
    for (const name of ['prod stack, function target', 'dev stack, id-token auth']) {
      const run = runs.get(name) as ProgramRun;
      expect(inComponent(run, SLEEP, 'SecretAccess')).toEqual([]);
      expect(inComponent(run, SLEEP, 'HeaderSecret')).toEqual([]);
    }
  });

  it('the runtime account gets the listed project roles, before the service starts', () => {
    const run = runs.get('prod stack, handler settings') as ProgramRun;
    const role = one(run, PROJECT_IAM);
    expect(role.inputs).toEqual(
      expect.objectContaining({
        project: 'acme-cx-webhooks-prod',
        role: 'roles/datastore.user',
        member: 'serviceAccount:cx-webhook-prod@acme-cx-webhooks-prod.iam.gserviceaccount.com',
      }),
    );
    expect(waitsFor(run, one(run, RUN), role)).toBe(true);
  });
});

describe('the smoke flow', () => {
  it('is left out, with its output, when smokeFlow is false', async () => {
    const run = await prodWithoutProtectionOrSmoke();
    expect(all(run, FLOW)).toEqual([]);
    expect(run.outputs).not.toHaveProperty('smokeFlowName');
    expect(run.outputs.agentName).toBeDefined();
  });
});

describe.each(Object.entries(MINIMAL_STACKS))(
  'the smallest stack the docs allow: %s',
  (_n, stack) => {
    it('runs with the config the Pulumi CLI would pass it', async () => {
      const run = await runMinimalStack(stack.stack, stack.config);
      expect(run.outputs.serviceUrl).toMatch(/^https:\/\//);
      expect(run.outputs.webhookName).toBeDefined();
    });
  },
);

describe('alerting', () => {
  it('prod stack, function target: every alert policy and the log metric watch the Cloud Run service the program deploys', () => {
    const run = runs.get('prod stack, function target') as ProgramRun;
    const serviceName = `service_name = "${deployed(run).inputs.name as string}"`;
    const policies = all(run, POLICY);
    expect(policies).toHaveLength(3);
    for (const p of policies) for (const f of filters(p)) expect(f).toContain(serviceName);
    expect(one(run, METRIC).inputs.filter).toContain(serviceName);
  });

  it('must not deploy prod with alerts nobody receives', async () => {
    await expect(runStack('prod', { alerts: null })).rejects.toThrow(
      'cx-webhook-kit:alerts is on by default for the prod profile and needs someone to notify',
    );
  });
});

describe("the service's own bounds", () => {
  it('follow the concurrency Cloud Run gives each instance', () => {
    const run = runs.get('prod stack, handler settings') as ProgramRun;
    const template = deployed(run).inputs.template as { maxInstanceRequestConcurrency: number };
    expect(env(run).WEBHOOK_CONCURRENCY).toBe(String(template.maxInstanceRequestConcurrency));
  });

  it('run in production mode, so no framework prints a stack trace in an error page', () => {
    expect(env(runs.get('prod stack, function target') as ProgramRun).NODE_ENV).toBe('production');
  });
});
