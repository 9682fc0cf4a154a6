import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeProjectNumber } from '../../infra/plan/fakeGcp';
import {
  appearsInPlaintext,
  type ProgramRun,
  type RecordedResource,
} from '../../infra/plan/recorder';
import { normalizeHashes, renderText, toPlan } from '../../infra/plan/render';
import { readStackConfig } from '../../infra/plan/stackConfig';
import { BUILD_ROLES } from '../../infra/components/buildAccount';
import { DEMO_TAGS } from '../../infra/components/demoAgentWiring';
import { servedTags } from '../../service/composition';
import { SMOKE_EVENT, SMOKE_TAG } from '../../service/smoke';
import {
  all,
  dependsOn,
  env,
  MINIMAL_STACKS,
  one,
  providerName,
  runMinimalStack,
  runStack,
  waitsFor,
} from '../helpers/infra';

const RUN = 'gcp:cloudrunv2/service:Service';
const FUNCTION = 'gcp:cloudfunctionsv2/function:Function';
const INVOKER = 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember';
const IDENTITY = 'gcp:projects/serviceIdentity:ServiceIdentity';
const WEBHOOK = 'gcp:diagflow/cxWebhook:CxWebhook';
const AGENT = 'gcp:diagflow/cxAgent:CxAgent';
const FLOW = 'gcp:diagflow/cxFlow:CxFlow';
const PAGE = 'gcp:diagflow/cxPage:CxPage';
const INTENT = 'gcp:diagflow/cxIntent:CxIntent';
const API = 'gcp:projects/service:Service';
const SLEEP = 'time:index/sleep:Sleep';
const PROJECT_IAM = 'gcp:projects/iAMMember:IAMMember';
const BUCKET_READER = 'gcp:storage/bucketIAMMember:BucketIAMMember';
const SECRET_IAM = 'gcp:secretmanager/secretIamMember:SecretIamMember';
const SECRET_VALUE = 'hdr-s3cret-value-that-must-stay-secret';
/** The parts of a Cloud Run container the tests read. */
interface Container {
  image: string;
  sourceCode: { cloudStorageSource: Record<string, unknown> };
  startupProbe: { httpGet: { path: string } };
  envs: Record<string, unknown>[];
}
const RESOURCE_SCOPED_IAM = [INVOKER, BUCKET_READER, SECRET_IAM];
/** A stack's handler settings, for both targets. */
const HANDLER_SETTINGS = {
  serviceEnv: JSON.stringify({ ORDERS_API_URL: 'https://orders.example', LOG_LEVEL: 'debug' }),
  serviceSecrets: JSON.stringify({ ORDERS_API_KEY: 'orders-api-key:3', OTHER_KEY: 'other-key' }),
  runtimeRoles: JSON.stringify(['roles/datastore.user']),
  memory: '1Gi',
  cpu: '2',
  concurrency: '40',
};

type Stage = {
  name: string;
  stack: string;
  overrides?: Record<string, string | null>;
  secretKeys?: string[];
};
const STAGES: Stage[] = [
  { name: 'dev stack', stack: 'dev' },
  { name: 'prod stack', stack: 'prod' },
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
    name: 'prod stack, function target, handler settings',
    stack: 'prod',
    overrides: { ...HANDLER_SETTINGS, target: 'function' },
  },
];

const runs = new Map<string, ProgramRun>();
beforeAll(async () => {
  for (const stage of STAGES) {
    runs.set(
      stage.name,
      await runStack(stage.stack, stage.overrides, { secretKeys: stage.secretKeys }),
    );
  }
}, 120_000);

const projects = (stage: Stage) => {
  const { config } = readStackConfig(stage.stack);
  const webhookProject = config['cx-webhook-kit:webhookProject'];
  return { webhookProject, agentProject: config['cx-webhook-kit:agentProject'] ?? webhookProject };
};

function deployed(run: ProgramRun): RecordedResource {
  return all(run, RUN)[0] ?? one(run, FUNCTION);
}

describe.each(STAGES)('the program, $name', (stage) => {
  const run = () => runs.get(stage.name) as ProgramRun;

  it('grants roles/run.invoker to the service identity member, on the service, in the webhook project', () => {
    const { webhookProject } = projects(stage);
    const invokers = all(run(), INVOKER);
    expect(invokers).toHaveLength(1);
    const [invoker] = invokers;
    const identity = one(run(), IDENTITY);
    const expectedEmail = `service-${fakeProjectNumber(projects(stage).agentProject)}@gcp-sa-dialogflow.iam.gserviceaccount.com`;
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
    expect(waitsFor(run(), invoker, one(run(), SLEEP, 'dialogflow-agent-propagation'))).toBe(true);
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
      `service-${fakeProjectNumber(projects(stage).agentProject)}@gcp-sa-dialogflow.iam.gserviceaccount.com`,
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
    expect(seconds).toBe(Number(stage.overrides?.webhookTimeoutSeconds ?? 5));
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
    const accounts = all(run(), 'gcp:serviceaccount/account:Account');
    const memberOf = (r: RecordedResource) =>
      `serviceAccount:${r.inputs.accountId as string}@${projects(stage).webhookProject}.iam.gserviceaccount.com`;
    const runtimeAccount = accounts.find((a) => a.name === 'webhook-runtime') as RecordedResource;
    const buildAccount = accounts.find((a) => a.name === 'webhook-build');
    const expected = [
      ...(buildAccount ? BUILD_ROLES.map((role) => [memberOf(buildAccount), role]) : []),
      ...(JSON.parse(stage.overrides?.runtimeRoles ?? '[]') as string[]).map((role) => [
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
    const account = one(run(), 'gcp:serviceaccount/account:Account', 'webhook-runtime');
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
      JSON.parse(stage.overrides?.serviceSecrets ?? '{}') as Record<string, string>,
    ).map((ref) => ref.split(':')[0]);
    const expected = [
      ...(service.type === RUN ? [[BUCKET_READER, 'roles/storage.objectViewer', undefined]] : []),
      ...(stage.overrides?.auth === 'header'
        ? [[SECRET_IAM, 'roles/secretmanager.secretAccessor', 'cx-webhook-prod-header']]
        : []),
      ...secrets.map((id) => [SECRET_IAM, 'roles/secretmanager.secretAccessor', id]),
      ...(JSON.parse(stage.overrides?.runtimeRoles ?? '[]') as string[]).map((role) => [
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
    expect(waits(one(run(), 'gcp:serviceaccount/account:Account', 'webhook-runtime'), 'iam')).toBe(
      true,
    );
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
    const prod = stage.stack === 'prod';
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
      expect(template.scaling.minInstanceCount).toBe(prod ? 1 : 0);
      expect(service.inputs.deletionProtection).toBe(prod);
      expect(service.inputs.invokerIamDisabled).toBe(stage.overrides?.auth === 'id-token');
    } else {
      expect((service.inputs.serviceConfig as { minInstanceCount: number }).minInstanceCount).toBe(
        prod ? 1 : 0,
      );
    }
  });
});

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

  it.each(STAGES.map((st) => st.name))(
    '%s: WEBHOOK_AUDIENCE is the URL the CX webhook calls, with and without a slash',
    (name) => {
      const run = runs.get(name) as ProgramRun;
      const uri = (one(run, WEBHOOK).inputs.genericWebService as { uri: string }).uri;
      expect(env(run).WEBHOOK_AUDIENCE).toBe(`${uri},${uri}/`);
    },
  );

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
            `serviceAccount:service-${fakeProjectNumber('acme-cx-agents-prod')}@gcp-sa-dialogflow.iam.gserviceaccount.com`,
          ],
        ].sort(),
      );
      const service = one(run(), RUN);
      for (const g of grants) expect(dependsOn(service, g)).toBe(true);
    });
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

describe('when the provider reports no email for the service identity', () => {
  it('falls back to the documented service agent address for the grant and the allow-list', async () => {
    const run = await runStack('prod', {}, { fakeGcp: { serviceIdentityWithoutEmail: true } });
    const documented = `service-${fakeProjectNumber('acme-cx-agents-prod')}@gcp-sa-dialogflow.iam.gserviceaccount.com`;
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
  (unprotected ??= runStack('prod', { deletionProtection: 'false', smokeFlow: 'false' }));

const sleepOf = (run: ProgramRun, name: string) => one(run, SLEEP, name);
const duration = (r: RecordedResource) => r.inputs.createDuration;

describe('ordering and waits where Google and the provider wait', () => {
  const dev = () => runs.get('dev stack') as ProgramRun;

  it("waits 30 s after enabling the Dialogflow API before creating its service identity (Google's Dialogflow sample)", () => {
    const apiWait = sleepOf(dev(), 'agent-apis-propagation');
    expect(duration(apiWait)).toBe('30s');
    expect(dependsOn(apiWait, one(dev(), API, 'agent-apis-dialogflow'))).toBe(true);
    expect(dependsOn(one(dev(), IDENTITY), apiWait)).toBe(true);
  });

  it('waits 30 s after creating the service identity before granting it anything', () => {
    const identityWait = sleepOf(dev(), 'dialogflow-agent-propagation');
    expect(duration(identityWait)).toBe('30s');
    expect(dependsOn(identityWait, one(dev(), IDENTITY))).toBe(true);
    expect(waitsFor(dev(), one(dev(), INVOKER), identityWait)).toBe(true);
    const header = runs.get('prod stack, header auth') as ProgramRun;
    const dialogflowGrant = one(header, SECRET_IAM, 'webhook-header-dialogflow');
    expect(waitsFor(header, dialogflowGrant, sleepOf(header, 'dialogflow-agent-propagation'))).toBe(
      true,
    );
  });

  it('waits again when what it waits for is replaced (its IDs are the trigger)', () => {
    const wait = sleepOf(dev(), 'webhook-source-propagation');
    const readers = all(dev(), BUCKET_READER);
    expect((wait.inputs.triggers as { after: string }).after.split(',').sort()).toEqual(
      readers
        .map((r) => `${r.name}/${r.inputs.role as string}/${r.inputs.member as string}`)
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
    const wait = sleepOf(run(), 'webhook-source-propagation');
    expect(duration(wait)).toBe('60s');
    for (const reader of all(run(), BUCKET_READER)) expect(dependsOn(wait, reader)).toBe(true);
    expect(dependsOn(one(run(), RUN), wait)).toBe(true);
  });
});

describe('Cloud Functions builds as its own build account', () => {
  const run = () => runs.get('dev stack, function target') as ProgramRun;

  it('sets buildConfig.serviceAccount to an account of its own, never a default one', () => {
    const build = one(run(), 'gcp:serviceaccount/account:Account', 'webhook-build');
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
    const wait = sleepOf(run(), 'webhook-build-propagation');
    expect(duration(wait)).toBe('60s');
    for (const g of all(run(), PROJECT_IAM)) expect(dependsOn(wait, g)).toBe(true);
    expect(dependsOn(one(run(), FUNCTION), wait)).toBe(true);
  });

  it('gives Cloud Run no build account: its source runs without a build', () => {
    const dev = runs.get('dev stack') as ProgramRun;
    expect(all(dev, 'gcp:serviceaccount/account:Account').map((a) => a.name)).toEqual([
      'webhook-runtime',
    ]);
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
    expect(inside.map((r) => r.type).sort()).toEqual([FLOW, FLOW, INTENT, PAGE, WEBHOOK].sort());
    for (const r of inside)
      expect([r.name, r.options]).toEqual([r.name, { deletedWith: agent.urn }]);
  });

  it('protects the webhook in an existing agent where the stage protects its service, so destroy stops before deleting anything', () => {
    expect(one(prod(), WEBHOOK).options).toEqual({ protect: true });
  });

  it("protects the function in prod with Pulumi's protect (gen2 functions have no deletion protection)", () => {
    const fn = one(runs.get('prod stack, function target') as ProgramRun, FUNCTION);
    expect(fn.options.protect).toBe(true);
    expect(
      one(runs.get('dev stack, function target') as ProgramRun, FUNCTION).options.protect,
    ).toBeUndefined();
  });

  it('lets the smoke flow in an existing agent be deleted: nothing refers to it', () => {
    const flow = one(prod(), FLOW);
    expect(flow.options).toEqual({});
  });

  it('protects nothing when the stage turns deletionProtection off', async () => {
    const run = await prodWithoutProtectionOrSmoke();
    expect(run.resources.filter((r) => r.options.protect).map((r) => r.type)).toEqual([]);
  });
});

describe('the stage profile', () => {
  it('must not give a stack named production dev defaults: without a profile it is refused', async () => {
    const { config } = readStackConfig('prod');
    delete config['cx-webhook-kit:profile'];
    await expect(
      runStack('production', {}, { stackFile: { config, secretKeys: [] } }),
    ).rejects.toThrow('cx-webhook-kit:profile is required for stack "production"');
  });

  it('applies prod defaults to a stack named production with profile prod', async () => {
    const run = await runStack('production', {}, { stackFile: readStackConfig('prod') });
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
    for (const g of grants) expect(dependsOn(one(run, RUN), g)).toBe(true);
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
    expect(dependsOn(one(run, RUN), role)).toBe(true);
  });

  it('the dev stack turns on demo order data, so its conversable agent answers', () => {
    expect(env(runs.get('dev stack') as ProgramRun).ORDERS_DEMO_DATA).toBe('true');
    expect(env(runs.get('prod stack') as ProgramRun).ORDERS_DEMO_DATA).toBeUndefined();
  });
});

describe('the smoke flow', () => {
  it.each(STAGES.map((st) => st.name))(
    "%s: the smoke flow's fulfillment calls this stack's webhook",
    (name) => {
      const run = runs.get(name) as ProgramRun;
      const flow = all(run, FLOW).find((f) => f.name === 'smoke-flow') as RecordedResource;
      const webhook = one(run, WEBHOOK);
      expect(flow.inputs.isDefaultStartFlow).toBeUndefined();
      expect(flow.inputs.parent).toBe(run.outputs.agentName);
      expect(flow.inputs.eventHandlers).toEqual([
        {
          event: SMOKE_EVENT,
          triggerFulfillment: { webhook: run.outputs.webhookName, tag: SMOKE_TAG },
        },
      ]);
      expect(dependsOn(flow, webhook)).toBe(true);
      expect(run.outputs.smokeFlowName).toMatch(
        /^projects\/[^/]+\/locations\/[^/]+\/agents\/[^/]+\/flows\/[0-9a-f-]{36}$/,
      );
      expect(run.outputs.smokeFlowName).toMatch(
        new RegExp(`^${run.outputs.agentName as string}/flows/`),
      );
    },
  );

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

  it('is left out, with its output, when smokeFlow is false', async () => {
    const run = await prodWithoutProtectionOrSmoke();
    expect(all(run, FLOW)).toEqual([]);
    expect(run.outputs).not.toHaveProperty('smokeFlowName');
    expect(run.outputs.agentName).toBeDefined();
  });
});

describe('an existing agent', () => {
  it('must not modify an existing agent beyond the smoke flow and the webhook', () => {
    for (const name of STAGES.filter((st) => st.stack === 'prod').map((st) => st.name)) {
      const run = runs.get(name) as ProgramRun;
      const cx = run.resources.filter((r) => r.custom && r.type.startsWith('gcp:diagflow/'));
      expect([name, cx.map((r) => `${r.type} ${r.name}`).sort()]).toEqual([
        name,
        [`${FLOW} smoke-flow`, `${WEBHOOK} cx-webhook`],
      ]);
    }
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

  it('validates the form parameter order_number through validate-order-number, then answers through order-status', () => {
    const page = one(run(), PAGE);
    expect(page.inputs.parent).toBe(`${agentName()}/flows/00000000-0000-0000-0000-000000000000`);
    const form = page.inputs.form as { parameters: Record<string, unknown>[] };
    expect(form.parameters).toEqual([
      expect.objectContaining({
        displayName: 'order_number',
        required: true,
        fillBehavior: {
          initialPromptFulfillment: expect.objectContaining({
            webhook: webhookName(),
            tag: 'validate-order-number',
          }),
        },
      }),
    ]);
    expect(page.inputs.transitionRoutes).toEqual([
      expect.objectContaining({
        condition: '$page.params.status = "FINAL"',
        triggerFulfillment: { webhook: webhookName(), tag: 'order-status' },
      }),
    ]);
  });

  it('names only tags the service serves', () => {
    const served = servedTags();
    for (const tag of [...Object.values(DEMO_TAGS), SMOKE_TAG]) expect(served).toContain(tag);
    const tags = JSON.stringify(run().resources.map((r) => r.inputs)).match(/"tag":"[^"]*"/g) ?? [];
    for (const tag of tags) expect(served).toContain(JSON.parse(`{${tag}}`).tag);
  });
});

describe.each(Object.entries(MINIMAL_STACKS))(
  'the smallest stack the README allows: %s',
  (_n, stack) => {
    it('runs with the config the Pulumi CLI would pass it', async () => {
      const run = await runMinimalStack(stack.stack, stack.config);
      expect(run.outputs.serviceUrl).toMatch(/^https:\/\//);
      expect(run.outputs.webhookName).toBeDefined();
    });
  },
);

describe('the committed plans', () => {
  it.each(['dev', 'prod'])(
    'infra/plan/golden/%s.txt matches the program (npm run plan:golden to update)',
    (stack) => {
      const golden = readFileSync(
        join(__dirname, '..', '..', 'infra', 'plan', 'golden', `${stack}.txt`),
        'utf8',
      );
      const run = runs.get(`${stack} stack`) as ProgramRun;
      expect(normalizeHashes(renderText(toPlan(stack, run)))).toBe(golden);
    },
  );
});

describe('alerting', () => {
  const POLICY = 'gcp:monitoring/alertPolicy:AlertPolicy';
  const CHANNEL = 'gcp:monitoring/notificationChannel:NotificationChannel';
  const METRIC = 'gcp:logging/metric:Metric';
  const DASHBOARD = 'gcp:monitoring/dashboard:Dashboard';
  const filters = (p: RecordedResource) =>
    (p.inputs.conditions as { conditionThreshold: { filter: string } }[]).map(
      (c) => c.conditionThreshold.filter,
    );

  it.each(['prod stack', 'prod stack, function target'])(
    '%s: every alert policy and the log metric watch the Cloud Run service the program deploys',
    (name) => {
      const run = runs.get(name) as ProgramRun;
      const serviceName = `service_name = "${deployed(run).inputs.name as string}"`;
      const policies = all(run, POLICY);
      expect(policies).toHaveLength(3);
      for (const p of policies) for (const f of filters(p)) expect(f).toContain(serviceName);
      expect(one(run, METRIC).inputs.filter).toContain(serviceName);
    },
  );

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

  it('must not deploy prod with alerts nobody receives', async () => {
    await expect(runStack('prod', { alerts: null })).rejects.toThrow(
      'cx-webhook-kit:alerts is on by default for the prod profile and needs someone to notify',
    );
  });
});

describe("the service's own bounds", () => {
  it('follow the concurrency Cloud Run gives each instance', () => {
    for (const name of ['dev stack', 'prod stack, handler settings']) {
      const run = runs.get(name) as ProgramRun;
      const template = deployed(run).inputs.template as { maxInstanceRequestConcurrency: number };
      expect([name, env(run).WEBHOOK_CONCURRENCY]).toEqual([
        name,
        String(template.maxInstanceRequestConcurrency),
      ]);
    }
  });

  it('run in production mode, so no framework prints a stack trace in an error page', () => {
    for (const name of ['dev stack', 'prod stack, function target'])
      expect(env(runs.get(name) as ProgramRun).NODE_ENV).toBe('production');
  });
});
