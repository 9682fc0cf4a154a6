import type { ProgramRun, RecordedResource } from '../../infra/plan/recorder';
import { readStackConfig } from '../../infra/plan/stackConfig';
import { BUILD_ROLES } from '../../infra/components/buildAccount';
import { fakeProjectNumber } from '../../infra/plan/fakeGcp';
import { PROFILE_LABEL } from '../../infra/labels';
import { dialogflowServiceAgent } from '../../infra/names';
import { SMOKE_EVENT, SMOKE_TAG } from '../../service/smoke';
import {
  all,
  dependsOn,
  env,
  fixtureStack,
  inComponent,
  one,
  providerName,
  runStack,
  stackNames,
  waitsFor,
} from '../helpers/infra';

// What the program tests share: resource types, the stages they run the program for, and the
// invariants every stage must keep. program.test.ts runs the fixture stacks (test/fixtures/stacks)
// and every committed stack file, whatever its name and values (npm test);
// program.variants.slow.test.ts runs variants of the fixture stacks (npm run test:slow).

export const RUN = 'gcp:cloudrunv2/service:Service';
export const FUNCTION = 'gcp:cloudfunctionsv2/function:Function';
export const INVOKER = 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember';
export const IDENTITY = 'gcp:projects/serviceIdentity:ServiceIdentity';
export const WEBHOOK = 'gcp:diagflow/cxWebhook:CxWebhook';
export const AGENT = 'gcp:diagflow/cxAgent:CxAgent';
export const FLOW = 'gcp:diagflow/cxFlow:CxFlow';
export const PAGE = 'gcp:diagflow/cxPage:CxPage';
export const INTENT = 'gcp:diagflow/cxIntent:CxIntent';
export const API = 'gcp:projects/service:Service';
export const SLEEP = 'time:index/sleep:Sleep';
export const PROJECT_IAM = 'gcp:projects/iAMMember:IAMMember';
export const BUCKET_READER = 'gcp:storage/bucketIAMMember:BucketIAMMember';
export const SECRET_IAM = 'gcp:secretmanager/secretIamMember:SecretIamMember';
export const SECRET = 'gcp:secretmanager/secret:Secret';
export const BUCKET = 'gcp:storage/bucket:Bucket';
export const ACCOUNT = 'gcp:serviceaccount/account:Account';
export const SECRET_VALUE = 'hdr-s3cret-value-that-must-stay-secret';
/** The parts of a Cloud Run container the tests read. */
export interface Container {
  image: string;
  sourceCode: { cloudStorageSource: Record<string, unknown> };
  startupProbe: { httpGet: { path: string } };
  envs: Record<string, unknown>[];
}
export const RESOURCE_SCOPED_IAM = [INVOKER, BUCKET_READER, SECRET_IAM];
/** A stack's handler settings, for both targets. */
export const HANDLER_SETTINGS = {
  serviceEnv: JSON.stringify({ ORDERS_API_URL: 'https://orders.example', LOG_LEVEL: 'debug' }),
  serviceSecrets: JSON.stringify({ ORDERS_API_KEY: 'orders-api-key:3', OTHER_KEY: 'other-key' }),
  runtimeRoles: JSON.stringify(['roles/datastore.user']),
  memory: '1Gi',
  cpu: '2',
  concurrency: '40',
};

export type Stage = {
  name: string;
  stack: string;
  overrides?: Record<string, string | null>;
  secretKeys?: string[];
  /** Run the committed Pulumi.<stack>.yaml instead of the fixture stack of that name. */
  committed?: boolean;
};

/** The fixture stacks: a dev stage with a created agent, a prod stage with an existing one. */
export const FIXTURE_STAGES: Stage[] = [
  { name: 'dev stack', stack: 'dev' },
  { name: 'prod stack', stack: 'prod' },
];

/** Every committed stack file, as `pulumi up` deploys it. */
export const COMMITTED_STAGES: Stage[] = stackNames().map((stack) => ({
  name: `committed Pulumi.${stack}.yaml`,
  stack,
  committed: true,
}));

/** The ID of an existing webhook a variant adopts. */
export const ADOPTED_WEBHOOK_ID = '0c3e5a7b-1d2f-4e6a-8b9c-5d7e9f1a3c5b';

/** The same stacks with another target, auth mode or handler settings, or an adopted webhook. */
export const VARIANT_STAGES: Stage[] = [
  { name: 'dev stack, function target', stack: 'dev', overrides: { target: 'function' } },
  { name: 'prod stack, function target', stack: 'prod', overrides: { target: 'function' } },
  {
    name: 'prod stack, header auth',
    stack: 'prod',
    overrides: { auth: 'header', headerSecret: SECRET_VALUE },
    secretKeys: ['headerSecret'],
  },
  {
    name: 'dev stack, id-token auth',
    stack: 'dev',
    overrides: { auth: 'id-token', webhookTimeoutSeconds: '12' },
  },
  { name: 'prod stack, handler settings', stack: 'prod', overrides: HANDLER_SETTINGS },
  {
    name: 'prod stack, created agent',
    stack: 'prod',
    overrides: { agentId: null, createAgent: 'true' },
  },
  {
    name: 'prod stack, adopted webhook',
    stack: 'prod',
    overrides: { existingWebhookId: ADOPTED_WEBHOOK_ID },
  },
  {
    name: 'prod stack, function target, handler settings',
    stack: 'prod',
    overrides: { ...HANDLER_SETTINGS, target: 'function' },
  },
];

/** The stack file a stage runs, as the CLI hands it to the program. */
export const stackFileOf = (stage: Stage) =>
  stage.committed ? readStackConfig(stage.stack) : fixtureStack(stage.stack);

/** A stage's setting as the program receives it: the stack file's, or the stage's override. */
function setting(stage: Stage, key: string): string | undefined {
  const override = stage.overrides?.[key];
  if (override !== undefined) return override ?? undefined;
  return stackFileOf(stage).config[`cx-webhook-kit:${key}`];
}

export const projects = (stage: Stage) => {
  const webhookProject = setting(stage, 'webhookProject') as string;
  return { webhookProject, agentProject: setting(stage, 'agentProject') ?? webhookProject };
};

/** The stage profile: set, or implied by a stack named dev or prod (infra/config.ts). */
export const profileOf = (stage: Stage) => setting(stage, 'profile') ?? stage.stack;

/** Whether the stage keeps its service and data from deletion: set, or the profile's default. */
export const isProtected = (stage: Stage) =>
  (setting(stage, 'deletionProtection') ?? String(profileOf(stage) === 'prod')) === 'true';

export const createsAgent = (stage: Stage) => setting(stage, 'createAgent') === 'true';

export function deployed(run: ProgramRun): RecordedResource {
  return all(run, RUN)[0] ?? one(run, FUNCTION);
}

export const sleepOf = (run: ProgramRun, name: string) => one(run, SLEEP, name);
export const duration = (r: RecordedResource) => r.inputs.createDuration;

export const POLICY = 'gcp:monitoring/alertPolicy:AlertPolicy';
export const CHANNEL = 'gcp:monitoring/notificationChannel:NotificationChannel';
export const METRIC = 'gcp:logging/metric:Metric';
export const DASHBOARD = 'gcp:monitoring/dashboard:Dashboard';
export const filters = (p: RecordedResource) =>
  (p.inputs.conditions as { conditionThreshold: { filter: string } }[]).map(
    (c) => c.conditionThreshold.filter,
  );

/**
 * Runs the program once for each stage (before the file's tests, into `runs`, by stage name) and
 * registers the invariants every stage keeps.
 */
export function describeStages(stages: Stage[], runs: Map<string, ProgramRun>): void {
  beforeAll(async () => {
    for (const stage of stages) {
      runs.set(
        stage.name,
        await runStack(stage.stack, stage.overrides, {
          secretKeys: stage.secretKeys,
          stackFile: stage.committed ? readStackConfig(stage.stack) : undefined,
        }),
      );
    }
  }, 120_000);

  describe.each(stages)('the program, $name', (stage) => {
    const run = () => runs.get(stage.name) as ProgramRun;

    it('grants roles/run.invoker to the service identity member, on the service, in the webhook project', () => {
      const { webhookProject } = projects(stage);
      const invokers = all(run(), INVOKER);
      expect(invokers).toHaveLength(1);
      const [invoker] = invokers;
      const identity = one(run(), IDENTITY);
      const expectedEmail = dialogflowServiceAgent(fakeProjectNumber(projects(stage).agentProject));
      expect(invoker.inputs.member).toBe(`serviceAccount:${expectedEmail}`);
      expect(invoker.dependencies).toContain(identity.urn);
      expect(invoker.inputs.role).toBe('roles/run.invoker');
      expect(invoker.inputs.project).toBe(webhookProject);
      expect(providerName(invoker)).toBe('webhook');
      const service = deployed(run());
      expect(invoker.inputs.name).toBe(service.inputs.name);
      expect(invoker.inputs.location).toBe(service.inputs.location);
      expect(dependsOn(invoker, service)).toBe(true);
      // A just-created service agent is not yet known everywhere IAM looks.
      expect(waitsFor(run(), invoker, one(run(), SLEEP, 'dialogflow-agent-propagation'))).toBe(
        true,
      );
    });

    it('creates the Dialogflow service identity in the agent project', () => {
      const identity = one(run(), IDENTITY);
      expect(identity.inputs).toEqual(
        expect.objectContaining({
          project: projects(stage).agentProject,
          service: 'dialogflow.googleapis.com',
        }),
      );
      expect(providerName(identity)).toBe('agent');
      expect(waitsFor(run(), identity, one(run(), API, 'agent-apis-dialogflow'))).toBe(true);
      expect(run().outputs.serviceAgentEmail).toBe(
        dialogflowServiceAgent(fakeProjectNumber(projects(stage).agentProject)),
      );
    });

    it('points the CX webhook at the service URL, only after the invoker grant exists', () => {
      const webhook = one(run(), WEBHOOK);
      const service = (webhook.inputs.genericWebService as { uri: string }).uri;
      expect(service).toBe(run().outputs.serviceUrl);
      expect(service).toMatch(/^https:\/\//);
      expect(dependsOn(webhook, one(run(), INVOKER))).toBe(true);
      expect(providerName(webhook)).toBe('agent');
    });

    it('makes Dialogflow authenticate with an ID token, with the stage timeout the service also uses', () => {
      const webhook = one(run(), WEBHOOK);
      const web = webhook.inputs.genericWebService as Record<string, unknown>;
      expect(web.serviceAgentAuth).toBe('ID_TOKEN');
      expect(web.webhookType).toBe('STANDARD');
      const seconds = Number(/^(\d+)s$/.exec(webhook.inputs.timeout as string)?.[1]);
      expect(seconds).toBe(Number(setting(stage, 'webhookTimeoutSeconds')));
      expect(Number(env(run()).WEBHOOK_TIMEOUT_MS)).toBe(seconds * 1000);
    });

    it('tells the service which caller to allow: the identity the grant names', () => {
      const invoker = one(run(), INVOKER);
      expect(`serviceAccount:${env(run()).WEBHOOK_ALLOWED_CALLERS}`).toBe(invoker.inputs.member);
    });

    it('must not grant allUsers or allAuthenticatedUsers anything', () => {
      const text = JSON.stringify(run().resources.map((r) => r.inputs));
      expect(text).not.toMatch(/allUsers|allAuthenticatedUsers/);
    });

    it('must not grant roles/run.invoker anywhere but on the service, and sets project roles only for its own accounts', () => {
      const iam = run().resources.filter((r) =>
        /IamMember|IAMMember|IamBinding|IAMBinding|IamPolicy|IAMPolicy/i.test(r.type),
      );
      // Grants are members (never authoritative bindings or policies), each on one resource, except
      // the project roles of the build account (BUILD_ROLES) and of the runtime account (runtimeRoles).
      for (const r of iam) expect([...RESOURCE_SCOPED_IAM, PROJECT_IAM]).toContain(r.type);
      const invokerGrants = run().resources.filter((r) => r.inputs.role === 'roles/run.invoker');
      expect(invokerGrants.map((r) => r.type)).toEqual([INVOKER]);
      const memberOf = (r: RecordedResource) =>
        `serviceAccount:${r.inputs.accountId as string}@${projects(stage).webhookProject}.iam.gserviceaccount.com`;
      const [runtimeAccount] = inComponent(run(), ACCOUNT, 'RuntimeAccount');
      const [buildAccount] = inComponent(run(), ACCOUNT, 'BuildAccount');
      const expected = [
        ...(buildAccount ? BUILD_ROLES.map((role) => [memberOf(buildAccount), role]) : []),
        ...(JSON.parse(setting(stage, 'runtimeRoles') ?? '[]') as string[]).map((role) => [
          memberOf(runtimeAccount),
          role,
        ]),
      ];
      const projectGrants = all(run(), PROJECT_IAM);
      expect(projectGrants.map((g) => [g.inputs.member, g.inputs.role]).sort()).toEqual(
        expected.sort(),
      );
      for (const g of projectGrants) expect(g.inputs.project).toBe(projects(stage).webhookProject);
    });

    it('gives every Google Cloud resource an explicit provider', () => {
      for (const r of run().resources.filter((x) => x.custom && x.type.startsWith('gcp:'))) {
        expect([r.type, r.name, providerName(r)]).toEqual([
          r.type,
          r.name,
          expect.stringMatching(/^(agent|webhook)$/),
        ]);
      }
      for (const invoke of run().invokes) expect(invoke.provider).toMatch(/::(agent|webhook)::/);
      const providers = all(run(), 'pulumi:providers:gcp');
      expect(Object.fromEntries(providers.map((p) => [p.name, p.inputs.project]))).toEqual({
        agent: projects(stage).agentProject,
        webhook: projects(stage).webhookProject,
      });
    });

    it('runs the service as its own account, which holds only the grants its stack asks for', () => {
      const [account] = inComponent(run(), ACCOUNT, 'RuntimeAccount');
      const email = `${account.inputs.accountId as string}@${projects(stage).webhookProject}.iam.gserviceaccount.com`;
      const service = deployed(run());
      const runAs =
        service.type === RUN
          ? (service.inputs.template as { serviceAccount: string }).serviceAccount
          : (service.inputs.serviceConfig as { serviceAccountEmail: string }).serviceAccountEmail;
      expect(runAs).toBe(email);
      expect(runAs).not.toMatch(/-compute@developer\.gserviceaccount\.com$/);
      // Read the source bucket (Cloud Run), read the header secret, read the listed secrets, and the
      // listed project roles.
      const grants = run().resources.filter((r) => r.inputs.member === `serviceAccount:${email}`);
      const secrets = Object.values(
        JSON.parse(setting(stage, 'serviceSecrets') ?? '{}') as Record<string, string>,
      ).map((ref) => ref.split(':')[0]);
      const expected = [
        ...(service.type === RUN ? [[BUCKET_READER, 'roles/storage.objectViewer', undefined]] : []),
        ...(setting(stage, 'auth') === 'header'
          ? [[SECRET_IAM, 'roles/secretmanager.secretAccessor', `cx-webhook-${stage.stack}-header`]]
          : []),
        ...secrets.map((id) => [SECRET_IAM, 'roles/secretmanager.secretAccessor', id]),
        ...(JSON.parse(setting(stage, 'runtimeRoles') ?? '[]') as string[]).map((role) => [
          PROJECT_IAM,
          role,
          undefined,
        ]),
      ];
      expect(grants.map((g) => [g.type, g.inputs.role, g.inputs.secretId]).sort()).toEqual(
        expected.sort(),
      );
    });

    it('enables the APIs, never disabling them on destroy, before the resources that need them', () => {
      const apis = all(run(), API);
      for (const api of apis) expect(api.inputs.disableOnDestroy).toBe(false);
      const webhookApi = (name: string) => one(run(), API, `webhook-apis-${name}`);
      const waits = (r: RecordedResource, api: string) => waitsFor(run(), r, webhookApi(api));
      expect(waits(deployed(run()), 'run')).toBe(true);
      expect(waits(one(run(), 'gcp:storage/bucket:Bucket'), 'storage')).toBe(true);
      expect(waits(inComponent(run(), ACCOUNT, 'RuntimeAccount')[0], 'iam')).toBe(true);
      if (deployed(run()).type === FUNCTION) {
        for (const name of ['cloudfunctions', 'cloudbuild', 'artifactregistry']) {
          expect(waits(deployed(run()), name)).toBe(true);
        }
      }
    });

    it('uploads the bundle to a private bucket under a content-hashed name, and deploys that object', () => {
      const bucket = one(run(), 'gcp:storage/bucket:Bucket');
      expect(bucket.inputs).toEqual(
        expect.objectContaining({
          uniformBucketLevelAccess: true,
          publicAccessPrevention: 'enforced',
          project: projects(stage).webhookProject,
        }),
      );
      const object = one(run(), 'gcp:storage/bucketObject:BucketObject');
      const service = deployed(run());
      // A new bundle replaces the object; the old one stays, so an older revision can start again.
      expect(object.options).toEqual({ retainOnDelete: true });
      if (service.type === RUN) {
        expect(object.inputs.name).toMatch(/^webhook-run-[0-9a-f]{16}\.tar\.gz$/);
        const container = (service.inputs.template as { containers: Container[] }).containers[0];
        expect(container.sourceCode.cloudStorageSource).toEqual({
          bucket: bucket.inputs.name,
          object: object.inputs.name,
          generation: expect.any(String),
        });
        expect(container).toEqual(
          expect.objectContaining({ image: 'scratch', commands: ['node'], args: ['index.js'] }),
        );
        expect(container.startupProbe.httpGet.path).toBe('/health');
      } else {
        expect(object.inputs.name).toMatch(/^webhook-function-[0-9a-f]{16}\.zip$/);
        const build = service.inputs.buildConfig as {
          entryPoint: string;
          source: { storageSource: Record<string, unknown> };
        };
        expect(build.entryPoint).toBe('webhook');
        expect(build.source.storageSource).toEqual(
          expect.objectContaining({ bucket: bucket.inputs.name, object: object.inputs.name }),
        );
      }
    });

    it('keeps the stage settings: instances, deletion protection, invoker check', () => {
      const prod = isProtected(stage);
      const minInstances = Number(
        setting(stage, 'minInstances') ?? (profileOf(stage) === 'prod' ? 1 : 0),
      );
      const service = deployed(run());
      // Pulumi's protect stands for deletion protection on both targets (gen2 functions have no
      // field of their own), and on the source bucket that keeps rollback bundles.
      expect(service.options.protect ?? false).toBe(prod);
      expect(one(run(), 'gcp:storage/bucket:Bucket').options.protect ?? false).toBe(prod);
      expect(one(run(), 'gcp:storage/bucket:Bucket').inputs.forceDestroy).toBe(!prod);
      if (service.type === RUN) {
        const template = service.inputs.template as {
          scaling: { minInstanceCount: number; maxInstanceCount: number };
        };
        expect(template.scaling.minInstanceCount).toBe(minInstances);
        expect(service.inputs.deletionProtection).toBe(prod);
        expect(service.inputs.invokerIamDisabled).toBe(setting(stage, 'auth') === 'id-token');
      } else {
        expect(
          (service.inputs.serviceConfig as { minInstanceCount: number }).minInstanceCount,
        ).toBe(minInstances);
      }
    });

    it('tells the service the URL the CX webhook calls as its WEBHOOK_AUDIENCE, with and without a slash', () => {
      const uri = (one(run(), WEBHOOK).inputs.genericWebService as { uri: string }).uri;
      expect(env(run()).WEBHOOK_AUDIENCE).toBe(`${uri},${uri}/`);
    });

    it("calls this stack's webhook from the smoke flow's fulfillment", () => {
      const flow = all(run(), FLOW).find((f) => f.name === 'smoke-flow') as RecordedResource;
      const webhook = one(run(), WEBHOOK);
      expect(flow.inputs.isDefaultStartFlow).toBeUndefined();
      expect(flow.inputs.parent).toBe(run().outputs.agentName);
      expect(flow.inputs.eventHandlers).toEqual([
        {
          event: SMOKE_EVENT,
          triggerFulfillment: { webhook: run().outputs.webhookName, tag: SMOKE_TAG },
        },
      ]);
      expect(dependsOn(flow, webhook)).toBe(true);
      expect(run().outputs.smokeFlowName).toMatch(
        /^projects\/[^/]+\/locations\/[^/]+\/agents\/[^/]+\/flows\/[0-9a-f-]{36}$/,
      );
      expect(run().outputs.smokeFlowName).toMatch(
        new RegExp(`^${run().outputs.agentName as string}/flows/`),
      );
    });

    it('says its stage profile on the service or function, the bucket and the header secret', () => {
      // The policy pack's prod-protected recognises production by this label, not the stack name.
      const labelled = run().resources.filter((r) =>
        [RUN, FUNCTION, BUCKET, SECRET].includes(r.type),
      );
      expect(labelled.length).toBeGreaterThanOrEqual(2);
      for (const r of labelled) {
        expect([r.type, r.inputs.labels]).toEqual([r.type, { [PROFILE_LABEL]: profileOf(stage) }]);
      }
    });

    // A stack that names an existing agent adds only these to it.
    if (!createsAgent(stage)) {
      it('must not modify an existing agent beyond the smoke flow and the webhook', () => {
        const cx = run().resources.filter((r) => r.custom && r.type.startsWith('gcp:diagflow/'));
        expect(cx.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
          `${FLOW} smoke-flow`,
          `${WEBHOOK} cx-webhook`,
        ]);
      });
    }
  });
}
