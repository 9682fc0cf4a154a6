import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from '@pulumi/policy';
import {
  bucketsPrivate,
  cxWebhookAfterInvokerGrant,
  cxWebhookIdToken,
  noPublicAccess,
  POLICIES,
  prodProtected,
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

const RUN = 'gcp:cloudrunv2/service:Service';
const FUNCTION = 'gcp:cloudfunctionsv2/function:Function';
const BUCKET = 'gcp:storage/bucket:Bucket';
const WEBHOOK = 'gcp:diagflow/cxWebhook:CxWebhook';
const RUNTIME = 'cx-webhook-prod@acme-cx-webhooks-prod.iam.gserviceaccount.com';
const PRIVATE_BUCKET = { publicAccessPrevention: 'enforced', uniformBucketLevelAccess: true };
const ID_TOKEN_WEBHOOK = {
  genericWebService: { uri: 'https://x.run.app', serviceAgentAuth: 'ID_TOKEN' },
};

describe('the policy pack', () => {
  it('has every policy mandatory, with a unique name Pulumi accepts', () => {
    const names = POLICIES.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const policy of POLICIES) {
      expect(policy.enforcementLevel).toBe('mandatory');
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

describe('prod-protected', () => {
  it('reads the stack from the URN', () => {
    expect(stackOf('urn:pulumi:prod::cx-webhook-kit::gcp:storage/bucket:Bucket::b')).toBe('prod');
    expect(stackOf('urn:pulumi:prod-eu::p::a$gcp:x:Y::n')).toBe('prod-eu');
  });

  it.each<[string, Crafted]>([
    [
      'a Cloud Run service (the provider defaults deletionProtection to true)',
      { type: RUN, props: {} },
    ],
    ['a function with the protect option', { type: FUNCTION, props: {}, protect: true }],
    [
      'a function with deletionPolicy PREVENT',
      { type: FUNCTION, props: { deletionPolicy: 'PREVENT' } },
    ],
    ['a bucket that keeps its objects', { type: BUCKET, props: { forceDestroy: false } }],
    [
      'a secret with deletion protection',
      { type: 'gcp:secretmanager/secret:Secret', props: { deletionProtection: true } },
    ],
    ['an unprotected function in dev', { type: FUNCTION, props: {}, stack: 'dev' }],
    [
      'a Cloud Run service in an unlisted stack',
      {
        type: RUN,
        props: { deletionProtection: false },
        stack: 'prod',
        config: { protectedStacks: ['live'] },
      },
    ],
  ])('passes %s', (_name, resource) => {
    expect(violations(prodProtected, resource)).toEqual([]);
  });

  it.each<[string, Crafted]>([
    [
      'a Cloud Run service with deletion protection off',
      { type: RUN, props: { deletionProtection: false } },
    ],
    ['a function without protect', { type: FUNCTION, props: {} }],
    ['a bucket that deletes its objects', { type: BUCKET, props: { forceDestroy: true } }],
    [
      'a secret without deletion protection',
      { type: 'gcp:secretmanager/secret:Secret', props: {} },
    ],
    ['a created agent without protect', { type: 'gcp:diagflow/cxAgent:CxAgent', props: {} }],
    [
      'a function in a stack named as production by config',
      { type: FUNCTION, props: {}, stack: 'live', config: { protectedStacks: ['prod', 'live'] } },
    ],
  ])('reports %s in prod', (_name, resource) => {
    const found = violations(prodProtected, resource);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /can be deleted: set the protect option, deletionPolicy: "PREVENT", or /,
    );
  });
});

describe('cx-webhook-after-invoker-grant', () => {
  const resource = (type: string, name: string, props: Props = {}): PolicyResource =>
    ({
      type,
      name,
      urn: urn('prod', type, name),
      props,
      dependencies: [],
    }) as unknown as PolicyResource;
  const check = (resources: PolicyResource[]) => {
    const found: string[] = [];
    void cxWebhookAfterInvokerGrant.validateStack(
      { resources, getConfig: () => ({}) } as never,
      (message) => found.push(message),
    );
    return found;
  };

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
