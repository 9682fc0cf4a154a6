import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from '@pulumi/policy';
import { PROFILES as INFRA_PROFILES } from '../../infra/config';
import { PROFILE_LABEL as INFRA_PROFILE_LABEL, stageLabels } from '../../infra/labels';
import {
  bucketsPrivate,
  cxWebhookAfterInvokerGrant,
  cxWebhookIdToken,
  invokerCheckOffVerifiesTokens,
  noPublicAccess,
  POLICIES,
  previewFeaturesDeclared,
  prodProtected,
  prodStackProtected,
  PROFILE_LABEL,
  PROFILES,
  runtimeNotDefaultAccount,
  stackOf,
} from '../../policy/policies';

// Calls each policy the way @pulumi/policy's analyzer server does (server.js: `validateResource(
// args, reportViolation)` with type, props, urn, name, opts and getConfig), on crafted resources.

type Props = Record<string, unknown>;

interface Crafted {
  type: string;
  props: Props;
  name?: string;
  stack?: string;
  protect?: boolean;
  config?: object;
}

const urn = (stack: string, type: string, name: string) =>
  `urn:pulumi:${stack}::cx-webhook-kit::${type}::${name}`;

function violations(policy: ResourceValidationPolicy, r: Crafted): string[] {
  const found: string[] = [];
  const name = r.name ?? 'crafted';
  const args = {
    type: r.type,
    props: r.props,
    urn: urn(r.stack ?? 'prod', r.type, name),
    name,
    opts: {
      protect: r.protect ?? false,
      ignoreChanges: [],
      aliases: [],
      additionalSecretOutputs: [],
    },
    getConfig: () => r.config ?? {},
  } as unknown as ResourceValidationArgs;
  const validations = [policy.validateResource ?? []].flat();
  for (const validate of validations) void validate(args, (message) => found.push(message));
  return found;
}

/** A resource as a stack policy sees it (@pulumi/policy's PolicyResource). */
const resource = (
  type: string,
  name: string,
  props: Props = {},
  protect = false,
  stack = 'prod',
): PolicyResource =>
  ({
    type,
    name,
    urn: urn(stack, type, name),
    props,
    opts: { protect },
    dependencies: [],
  }) as unknown as PolicyResource;

/** Calls a stack policy as the analyzer server does: validateStack(args, reportViolation). */
function stackViolations(
  policy: StackValidationPolicy,
  resources: PolicyResource[],
  stack = 'prod',
): { message: string; urn?: string }[] {
  const found: { message: string; urn?: string }[] = [];
  const inStack = resources.map((r) => ({ ...r, urn: urn(stack, r.type, r.name) }));
  void policy.validateStack(
    { resources: inStack, getConfig: () => ({}) } as never,
    (message, urnOf) => found.push(urnOf ? { message, urn: urnOf } : { message }),
  );
  return found;
}

const RUN = 'gcp:cloudrunv2/service:Service';
const FUNCTION = 'gcp:cloudfunctionsv2/function:Function';
const BUCKET = 'gcp:storage/bucket:Bucket';
const SECRET = 'gcp:secretmanager/secret:Secret';
const AGENT = 'gcp:diagflow/cxAgent:CxAgent';
const WEBHOOK = 'gcp:diagflow/cxWebhook:CxWebhook';
const RUNTIME = 'cx-webhook-prod@acme-cx-webhooks-prod.iam.gserviceaccount.com';
const PRIVATE_BUCKET = { publicAccessPrevention: 'enforced', uniformBucketLevelAccess: true };
const ID_TOKEN_WEBHOOK = {
  genericWebService: { uri: 'https://x.run.app', serviceAgentAuth: 'ID_TOKEN' },
};

describe('the policy pack', () => {
  it("has every policy mandatory (the pack's level, never lowered), with a unique name Pulumi accepts", () => {
    const names = POLICIES.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const policy of POLICIES) {
      // @pulumi/policy server.js: a policy's own enforcementLevel wins over the pack's.
      expect([undefined, 'mandatory']).toContain(policy.enforcementLevel);
      expect(policy.name).toMatch(/^[a-z0-9-]+$/);
      expect(policy.name).not.toBe('all'); // reserved by @pulumi/policy's server
    }
  });
});

describe('no-public-access', () => {
  it.each<[string, Crafted, string]>([
    [
      'allUsers as a Cloud Run invoker',
      {
        type: 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember',
        props: { role: 'roles/run.invoker', member: 'allUsers' },
      },
      'allUsers',
    ],
    [
      'allAuthenticatedUsers in a function binding',
      {
        type: 'gcp:cloudfunctionsv2/functionIamBinding:FunctionIamBinding',
        props: { role: 'roles/cloudfunctions.invoker', members: ['allAuthenticatedUsers'] },
      },
      'allAuthenticatedUsers',
    ],
    [
      'a public bucket through an IAM policy document',
      {
        type: 'gcp:storage/bucketIAMPolicy:BucketIAMPolicy',
        props: {
          policyData: JSON.stringify({
            bindings: [{ role: 'roles/storage.objectViewer', members: ['allUsers'] }],
          }),
        },
      },
      'allUsers',
    ],
    [
      'a bucket ACL entity',
      {
        type: 'gcp:storage/bucketAccessControl:BucketAccessControl',
        props: { entity: 'allUsers', role: 'READER' },
      },
      'allUsers',
    ],
    [
      'a role entity in a bucket ACL',
      {
        type: 'gcp:storage/bucketACL:BucketACL',
        props: { roleEntities: ['READER:allAuthenticatedUsers'] },
      },
      'allAuthenticatedUsers',
    ],
    [
      'a canned public-read ACL on an object',
      { type: 'gcp:storage/bucketObject:BucketObject', props: { predefinedAcl: 'publicRead' } },
      'publicRead',
    ],
    [
      'a v1 Cloud Run IAM policy',
      {
        type: 'gcp:cloudrun/iamPolicy:IamPolicy',
        props: { policyData: '{"bindings":[{"role":"roles/run.invoker","members":["allUsers"]}]}' },
      },
      'allUsers',
    ],
  ])('reports %s', (_name, resource, principal) => {
    const found = violations(noPublicAccess, resource);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(principal);
  });

  it.each<[string, Crafted]>([
    [
      'the Dialogflow service agent as invoker',
      {
        type: 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember',
        props: {
          role: 'roles/run.invoker',
          member: 'serviceAccount:service-123@gcp-sa-dialogflow.iam.gserviceaccount.com',
        },
      },
    ],
    [
      'a description that merely mentions allUsers',
      { type: BUCKET, props: { ...PRIVATE_BUCKET, labels: { note: 'no allUsers here' } } },
    ],
    [
      'a non-GCP resource',
      { type: 'random:index/randomId:RandomId', props: { member: 'allUsers' } },
    ],
  ])('passes %s', (_name, resource) => {
    expect(violations(noPublicAccess, resource)).toEqual([]);
  });
});

describe('buckets-private', () => {
  it('passes a bucket with public access prevention enforced and uniform access', () => {
    expect(violations(bucketsPrivate, { type: BUCKET, props: PRIVATE_BUCKET })).toEqual([]);
  });

  it.each<[string, Props, string]>([
    ['prevention inherited', { uniformBucketLevelAccess: true }, 'publicAccessPrevention'],
    [
      'prevention off',
      { uniformBucketLevelAccess: true, publicAccessPrevention: 'inherited' },
      'publicAccessPrevention',
    ],
    ['fine-grained ACLs', { publicAccessPrevention: 'enforced' }, 'uniformBucketLevelAccess'],
  ])('reports a bucket with %s', (_name, props, field) => {
    const found = violations(bucketsPrivate, { type: BUCKET, props });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(field);
  });
});

describe('cx-webhook-id-token', () => {
  it('passes an ID-token webhook whose header secret comes from Secret Manager', () => {
    const props = {
      genericWebService: {
        ...ID_TOKEN_WEBHOOK.genericWebService,
        secretVersionsForRequestHeaders: [
          { key: 'x-webhook-secret', secretVersion: 'projects/1/secrets/s/versions/1' },
        ],
      },
    };
    expect(violations(cxWebhookIdToken, { type: WEBHOOK, props })).toEqual([]);
  });

  it.each<[string, Props, string]>([
    [
      'no service-agent auth',
      { genericWebService: { uri: 'https://x.run.app' } },
      'serviceAgentAuth: "ID_TOKEN"',
    ],
    [
      'an access token instead',
      { genericWebService: { uri: 'https://x', serviceAgentAuth: 'ACCESS_TOKEN' } },
      '"ACCESS_TOKEN"',
    ],
    [
      'a plaintext header value',
      {
        genericWebService: {
          ...ID_TOKEN_WEBHOOK.genericWebService,
          requestHeaders: { 'x-webhook-secret': 'hunter2' },
        },
      },
      'plaintext header values (x-webhook-secret)',
    ],
    [
      'a plaintext OAuth client secret',
      {
        genericWebService: {
          ...ID_TOKEN_WEBHOOK.genericWebService,
          oauthConfig: { clientId: 'c', clientSecret: 's', tokenEndpoint: 'https://t' },
        },
      },
      'plaintext OAuth client secret',
    ],
    [
      'a Service Directory webhook without ID tokens',
      { serviceDirectory: { service: 's', genericWebService: { uri: 'https://x' } } },
      'serviceAgentAuth',
    ],
    ['no web service at all', { displayName: 'w' }, 'no genericWebService'],
  ])('reports %s', (_name, props, text) => {
    const found = violations(cxWebhookIdToken, { type: WEBHOOK, props });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(text);
  });
});

describe('runtime-not-default-account', () => {
  it.each<[string, Crafted]>([
    ['a Cloud Run service', { type: RUN, props: { template: { serviceAccount: RUNTIME } } }],
    [
      'a gen2 function',
      { type: FUNCTION, props: { serviceConfig: { serviceAccountEmail: RUNTIME } } },
    ],
  ])('passes %s with its own account', (_name, resource) => {
    expect(violations(runtimeNotDefaultAccount, resource)).toEqual([]);
  });

  it.each<[string, Crafted, string]>([
    [
      'a Cloud Run service with no account',
      { type: RUN, props: { template: {} } },
      'no service account',
    ],
    [
      'a Cloud Run service on the compute default',
      {
        type: RUN,
        props: {
          template: { serviceAccount: '123456789012-compute@developer.gserviceaccount.com' },
        },
      },
      'default account 123456789012-compute@developer.gserviceaccount.com',
    ],
    [
      'a gen2 function with no account',
      { type: FUNCTION, props: { serviceConfig: {} } },
      'no service account',
    ],
    [
      'a v1 function on the App Engine default',
      {
        type: 'gcp:cloudfunctions/function:Function',
        props: { serviceAccountEmail: 'acme@appspot.gserviceaccount.com' },
      },
      'default account',
    ],
    [
      'a v1 Cloud Run service with no account',
      { type: 'gcp:cloudrun/service:Service', props: { template: { spec: {} } } },
      'no service account',
    ],
  ])('reports %s', (_name, resource, text) => {
    const found = violations(runtimeNotDefaultAccount, resource);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(text);
  });
});

const PROD = { 'cx-webhook-kit-profile': 'prod' };
const DEV = { 'cx-webhook-kit-profile': 'dev' };

describe('prod-protected', () => {
  it('reads the label the program puts on what it deploys', () => {
    expect(PROFILE_LABEL).toBe(INFRA_PROFILE_LABEL);
    expect([...PROFILES]).toEqual([...INFRA_PROFILES]);
    expect(stageLabels('prod')).toEqual(PROD);
    // Google Cloud label rules: keys start with a lowercase letter; keys and values use lowercase
    // letters, digits, _ and -, at most 63 characters (cloud.google.com/resource-manager/docs/labels-overview).
    expect(PROFILE_LABEL).toMatch(/^[a-z][a-z0-9_-]{0,62}$/);
    for (const profile of PROFILES) expect(profile).toMatch(/^[a-z0-9_-]{0,63}$/);
  });

  it('reads the stack from the URN, for its messages', () => {
    expect(stackOf('urn:pulumi:prod::cx-webhook-kit::gcp:storage/bucket:Bucket::b')).toBe('prod');
    expect(stackOf('urn:pulumi:prod-eu::p::a$gcp:x:Y::n')).toBe('prod-eu');
  });

  it.each<[string, Crafted]>([
    [
      'a prod Cloud Run service (the provider defaults deletionProtection to true)',
      { type: RUN, props: { labels: PROD } },
    ],
    [
      'a prod function with the protect option',
      { type: FUNCTION, props: { labels: PROD }, protect: true },
    ],
    [
      'a prod function with deletionPolicy PREVENT',
      { type: FUNCTION, props: { labels: PROD, deletionPolicy: 'PREVENT' } },
    ],
    ['a prod bucket that keeps its objects', { type: BUCKET, props: { labels: PROD } }],
    [
      'a prod secret with deletion protection',
      { type: SECRET, props: { labels: PROD, deletionProtection: true } },
    ],
    ['an unprotected dev function', { type: FUNCTION, props: { labels: DEV } }],
    [
      'an unprotected dev Cloud Run service in a stack named prod',
      { type: RUN, props: { labels: DEV, deletionProtection: false }, stack: 'prod' },
    ],
  ])('passes %s', (_name, resource) => {
    expect(violations(prodProtected, resource)).toEqual([]);
  });

  it.each<[string, Crafted]>([
    [
      'a prod Cloud Run service with deletion protection off',
      { type: RUN, props: { labels: PROD, deletionProtection: false } },
    ],
    ['a prod function without protect', { type: FUNCTION, props: { labels: PROD } }],
    [
      'a prod bucket that deletes its objects',
      { type: BUCKET, props: { labels: PROD, forceDestroy: true } },
    ],
    ['a prod secret without deletion protection', { type: SECRET, props: { labels: PROD } }],
    [
      'a prod function in a stack not named prod',
      { type: FUNCTION, props: { labels: PROD }, stack: 'production' },
    ],
  ])('reports %s', (_name, resource) => {
    const found = violations(prodProtected, resource);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /can be deleted: set the protect option(, | or )deletionPolicy: "PREVENT"( or .+)?\. It is labelled cx-webhook-kit-profile: prod\.$/,
    );
  });

  it.each<[string, Props]>([
    ['no labels', {}],
    ['other labels only', { labels: { app: 'x' } }],
    ['an unknown profile', { labels: { 'cx-webhook-kit-profile': 'production' } }],
  ])('must not let a service that says no profile through (%s), protected or not', (_n, props) => {
    for (const protect of [false, true]) {
      const found = violations(prodProtected, { type: RUN, props, protect, stack: 'dev' });
      expect(found).toHaveLength(1);
      expect(found[0]).toContain('does not say its stage profile: label it cx-webhook-kit-profile');
    }
  });

  it('leaves kinds without labels to prod-stack-protected', () => {
    expect(violations(prodProtected, { type: AGENT, props: {} })).toEqual([]);
  });
});

describe('prod-stack-protected', () => {
  const labelledRun = (labels: Props) => resource(RUN, 'svc', { labels });

  it('reports a created agent left unprotected in a stack whose resources say prod', () => {
    const agent = resource(AGENT, 'agent');
    const found = stackViolations(prodStackProtected, [labelledRun(PROD), agent], 'production');
    expect(found).toEqual([
      {
        message:
          'gcp:diagflow/cxAgent:CxAgent "agent" can be deleted: set the protect option or ' +
          'deletionPolicy: "PREVENT". Its stack (production) deploys the prod profile.',
        urn: 'urn:pulumi:production::cx-webhook-kit::gcp:diagflow/cxAgent:CxAgent::agent',
      },
    ]);
  });

  it('passes a protected agent there, and an unprotected one where the labels say dev', () => {
    const agent = resource(AGENT, 'agent', {}, true);
    expect(stackViolations(prodStackProtected, [labelledRun(PROD), agent])).toEqual([]);
    const devAgent = resource(AGENT, 'agent');
    expect(stackViolations(prodStackProtected, [labelledRun(DEV), devAgent], 'prod')).toEqual([]);
  });
});

describe('invoker-check-off-verifies-tokens', () => {
  const run = (invokerIamDisabled: boolean, envs: Props[], extra: Props[] = []) => ({
    type: RUN,
    props: { invokerIamDisabled, template: { containers: [{ envs }, ...extra] } },
  });
  const auth = (value: string) => [{ name: 'WEBHOOK_AUTH', value }];

  it.each<[string, Crafted]>([
    ['the invoker check on, with platform', run(false, auth('platform'))],
    ['the invoker check off, with id-token', run(true, auth('id-token'))],
    ['the invoker check off, with id-token and a header', run(true, auth('id-token, header'))],
    [
      'a v1 service with the check off by annotation, verifying id tokens',
      {
        type: 'gcp:cloudrun/service:Service',
        props: {
          metadata: { annotations: { 'run.googleapis.com/invoker-iam-disabled': 'true' } },
          template: { spec: { containers: [{ envs: auth('id-token') }] } },
        },
      },
    ],
    [
      'a sidecar next to the ingress container that verifies tokens',
      {
        type: RUN,
        props: {
          invokerIamDisabled: true,
          template: {
            containers: [{ envs: [] }, { ports: { containerPort: 8080 }, envs: auth('id-token') }],
          },
        },
      },
    ],
  ])('passes %s', (_name, resource) => {
    expect(violations(invokerCheckOffVerifiesTokens, resource)).toEqual([]);
  });

  it.each<[string, Crafted, string]>([
    ['platform, which trusts the check that is off', run(true, auth('platform')), 'platform'],
    ['none', run(true, auth('none')), 'WEBHOOK_AUTH=none'],
    ['a shared header alone', run(true, auth('header')), 'without id-token'],
    ['id-token next to platform', run(true, auth('platform,id-token')), 'platform,id-token'],
    ['no WEBHOOK_AUTH at all', run(true, []), 'sets no WEBHOOK_AUTH'],
    [
      'WEBHOOK_AUTH from a secret',
      run(true, [{ name: 'WEBHOOK_AUTH', valueSource: { secretKeyRef: { secret: 's' } } }]),
      'from a source the pack cannot read',
    ],
    [
      'a v1 service with the check off by annotation and platform',
      {
        type: 'gcp:cloudrun/service:Service',
        props: {
          metadata: { annotations: { 'run.googleapis.com/invoker-iam-disabled': 'true' } },
          template: { spec: { containers: [{ envs: auth('platform') }] } },
        },
      },
      'platform',
    ],
  ])('reports the invoker check off with %s', (_name, resource, text) => {
    const found = violations(invokerCheckOffVerifiesTokens, resource);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('turns the IAM invoker check off and');
    expect(found[0]).toContain(text);
    expect(found[0]).toContain('anyone on the internet could call it');
  });
});

describe('cx-webhook-after-invoker-grant', () => {
  const check = (resources: PolicyResource[]) =>
    stackViolations(cxWebhookAfterInvokerGrant, resources).map((v) => v.message);

  it('passes a webhook that waits for the grant through the service URL', () => {
    const grant = resource('gcp:cloudrunv2/serviceIamMember:ServiceIamMember', 'invoker', {
      role: 'roles/run.invoker',
    });
    const agent = resource('gcp:diagflow/cxAgent:CxAgent', 'agent');
    const webhook = resource(WEBHOOK, 'hook');
    const via = resource('pulumi:pulumi:Stack', 'between');
    via.dependencies.push(grant);
    webhook.dependencies.push(agent, via);
    expect(check([grant, agent, via, webhook])).toEqual([]);
  });

  it('reports a webhook created without waiting for the grant', () => {
    const grant = resource('gcp:cloudrunv2/serviceIamMember:ServiceIamMember', 'invoker', {
      role: 'roles/run.invoker',
    });
    const other = resource('gcp:cloudrunv2/serviceIamMember:ServiceIamMember', 'viewer', {
      role: 'roles/run.viewer',
    });
    const webhook = resource(WEBHOOK, 'hook');
    webhook.dependencies.push(other);
    const found = check([grant, other, webhook]);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('does not wait for a roles/run.invoker grant');
  });
});

describe('preview-features-declared', () => {
  // @pulumi/gcp marks a Cloud Run container's `sourceCode` "(Optional, Beta)" and documents
  // `launchStage` as the way to "allow use of preview features" (cloudrunv2/service.d.ts): a service
  // deployed without a build that declares no preview stage is refused by Cloud Run's API.
  const check = (props: Props) =>
    violations(previewFeaturesDeclared, { type: RUN, props, name: 'svc' });
  const fromSource = (launchStage?: string) => ({
    ...(launchStage ? { launchStage } : {}),
    template: { containers: [{ image: 'scratch', sourceCode: { cloudStorageSource: {} } }] },
  });

  it.each([undefined, 'GA'])('refuses a service run from source with launch stage %s', (stage) => {
    expect(check(fromSource(stage))).toEqual([
      `${RUN} "svc" uses sourceCode but declares launchStage ${JSON.stringify(stage)}: set launchStage: "BETA".`,
    ]);
  });

  it.each(['BETA', 'ALPHA'])('admits one that declares %s', (stage) => {
    expect(check(fromSource(stage))).toEqual([]);
  });

  it('leaves a service built from an image alone', () => {
    expect(check({ template: { containers: [{ image: 'us-docker.pkg.dev/x/y' }] } })).toEqual([]);
  });
});
