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
import { all, dependsOn, env, one, providerName, runStack } from '../helpers/infra';

const RUN = 'gcp:cloudrunv2/service:Service';
const FUNCTION = 'gcp:cloudfunctionsv2/function:Function';
const INVOKER = 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember';
const IDENTITY = 'gcp:projects/serviceIdentity:ServiceIdentity';
const WEBHOOK = 'gcp:diagflow/cxWebhook:CxWebhook';
const API = 'gcp:projects/service:Service';
const SECRET_VALUE = 'hdr-s3cret-value-that-must-stay-secret';
/** The parts of a Cloud Run container the tests read. */
interface Container {
  image: string;
  sourceCode: { cloudStorageSource: Record<string, unknown> };
  startupProbe: { httpGet: { path: string } };
  envs: Record<string, unknown>[];
}
const RESOURCE_SCOPED_IAM = [
  INVOKER,
  'gcp:storage/bucketIAMMember:BucketIAMMember',
  'gcp:secretmanager/secretIamMember:SecretIamMember',
];

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
    expect(dependsOn(identity, one(run(), API, 'agent-apis-dialogflow'))).toBe(true);
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

  it('must not set project-level IAM, invoker or otherwise', () => {
    const iam = run().resources.filter((r) =>
      /IamMember|IAMMember|IamBinding|IAMBinding|IamPolicy|IAMPolicy/i.test(r.type),
    );
    // Every grant is on one resource: the service, the source bucket, the header secret.
    expect([...new Set(iam.map((r) => r.type))].sort()).toEqual(expect.arrayContaining([INVOKER]));
    for (const r of iam) expect(RESOURCE_SCOPED_IAM).toContain(r.type);
    // The invoker role is granted through the service's own IAM and nowhere else.
    const invokerGrants = run().resources.filter((r) => r.inputs.role === 'roles/run.invoker');
    expect(invokerGrants.map((r) => r.type)).toEqual([INVOKER]);
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

  it('runs the service as its own account, which holds no project role', () => {
    const account = one(run(), 'gcp:serviceaccount/account:Account');
    const email = `${account.inputs.accountId as string}@${projects(stage).webhookProject}.iam.gserviceaccount.com`;
    const service = deployed(run());
    const runAs =
      service.type === RUN
        ? (service.inputs.template as { serviceAccount: string }).serviceAccount
        : (service.inputs.serviceConfig as { serviceAccountEmail: string }).serviceAccountEmail;
    expect(runAs).toBe(email);
    expect(runAs).not.toMatch(/-compute@developer\.gserviceaccount\.com$/);
    // Its only grants are on single resources: read the source bucket (Cloud Run), read the header secret.
    const grants = run().resources.filter((r) => r.inputs.member === `serviceAccount:${email}`);
    const expected = [
      ...(service.type === RUN
        ? [['gcp:storage/bucketIAMMember:BucketIAMMember', 'roles/storage.objectViewer']]
        : []),
      ...(stage.overrides?.auth === 'header'
        ? [
            [
              'gcp:secretmanager/secretIamMember:SecretIamMember',
              'roles/secretmanager.secretAccessor',
            ],
          ]
        : []),
    ];
    expect(grants.map((g) => [g.type, g.inputs.role]).sort()).toEqual(expected.sort());
  });

  it('enables the APIs, never disabling them on destroy, before the resources that need them', () => {
    const apis = all(run(), API);
    for (const api of apis) expect(api.inputs.disableOnDestroy).toBe(false);
    const webhookApi = (name: string) => one(run(), API, `webhook-apis-${name}`);
    expect(dependsOn(deployed(run()), webhookApi('run'))).toBe(true);
    expect(dependsOn(one(run(), 'gcp:storage/bucket:Bucket'), webhookApi('storage'))).toBe(true);
    expect(dependsOn(one(run(), 'gcp:serviceaccount/account:Account'), webhookApi('iam'))).toBe(
      true,
    );
    if (deployed(run()).type === FUNCTION) {
      for (const name of ['cloudfunctions', 'cloudbuild', 'artifactregistry']) {
        expect(dependsOn(deployed(run()), webhookApi(name))).toBe(true);
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
    expect(env(run).WEBHOOK_AUDIENCE).toBeUndefined();
  });

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
