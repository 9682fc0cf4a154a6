import { createHash } from 'node:crypto';
import type * as pulumi from '@pulumi/pulumi';
import { AGENT_NAME, agentOfFlow, checkFlowBody, checkPage, checkTestCase } from './cxRules';

// A small model of what Google Cloud answers for the resources and look-ups this program uses, so
// the real program can run offline under Pulumi's mocks. It is strict: a resource type or invoke it
// does not know throws, so a change in the program cannot slip past unmodelled.

// Mock inputs are whatever the program sent; each model reads the fields its type has.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument */
type Inputs = Record<string, any>;

export interface FakeGcpOptions {
  /** Model the provider quirk where ServiceIdentity reports no email. */
  readonly serviceIdentityWithoutEmail?: boolean;
  /** Model a function whose underlying Cloud Run service is not (yet) reported. */
  readonly functionWithoutServiceReport?: boolean;
}

const hex = (seed: string) => createHash('sha256').update(seed).digest('hex');
const shortId = (seed: string) => hex(seed).slice(0, 10);
const uuid = (seed: string) => {
  const h = hex(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** A stable 12-digit project number per project ID, as Google assigns one per project. */
export const fakeProjectNumber = (projectId: string) =>
  `1${BigInt(`0x${hex(projectId).slice(0, 12)}`)
    .toString()
    .padStart(11, '0')
    .slice(-11)}`;

/** A Go duration (time.ParseDuration), as the time provider's `createDuration` takes. */
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
/** The ID Dialogflow gives every agent's default start flow. */
const DEFAULT_START_FLOW = '00000000-0000-0000-0000-000000000000';
const MEMBER = /^(serviceAccount|user|group|domain|principal|principalSet):\S+$/;
/** The input naming what an IAM member grants on. */
const IAM_TARGET: Record<string, string> = {
  'gcp:projects/iAMMember:IAMMember': 'project',
  'gcp:storage/bucketIAMMember:BucketIAMMember': 'bucket',
  'gcp:secretmanager/secretIamMember:SecretIamMember': 'secretId',
  'gcp:cloudrunv2/serviceIamMember:ServiceIamMember': 'name',
  'gcp:serviceaccount/iAMMember:IAMMember': 'serviceAccountId',
  'gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember': 'cryptoKeyId',
};
/** Pool or provider ID: 4-32 of [a-z0-9-], `gcp-` reserved (iam/workloadIdentityPool.d.ts). */
const POOL_ID = /^(?!gcp-)[a-z0-9-]{4,32}$/;

/** Throws unless each of `keys` is set. */
function required(at: string, i: Inputs, ...keys: string[]): void {
  const missing = keys.find((key) => i[key] === undefined || i[key] === '');
  if (missing) throw new Error(`${at} needs ${missing}`);
}

function agentParent(at: string, parent: unknown): string {
  if (typeof parent !== 'string' || !AGENT_NAME.test(parent)) {
    throw new Error(`${at} needs an agent name as parent, got ${String(parent)}`);
  }
  return parent;
}

export class FakeGcp implements pulumi.runtime.Mocks {
  constructor(private readonly options: FakeGcpOptions = {}) {}

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    if (args.token === 'gcp:organizations/getProject:getProject') {
      const projectId = (args.inputs as Inputs).projectId as string | undefined;
      if (!projectId)
        throw new Error('getProject without projectId would read the ambient default project');
      return {
        projectId,
        number: fakeProjectNumber(projectId),
        name: projectId,
        id: `projects/${projectId}`,
      };
    }
    throw new Error(`unmocked invoke ${args.token}`);
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Inputs } {
    const inputs = args.inputs as Inputs;
    if (!args.custom) return { id: undefined, state: {} };
    const state = this.outputs(args.type, args.name, inputs);
    // An imported resource keeps the ID it was imported by.
    const id = args.id || ((state.id as string | undefined) ?? `${args.name}-id`);
    return { id, state: { ...inputs, ...state } };
  }

  private outputs(type: string, name: string, i: Inputs): Inputs {
    const at = `${type} (${name})`;
    /**
     * A CX resource under `parent`, with the ID Dialogflow generates (here: from its display name).
     */
    const cx = (collection: string, parent: string, id = uuid(`${parent}/${i.displayName}`)) => ({
      id: `${parent}/${collection}/${id}`,
      name: id,
    });
    /** A Cloud Monitoring resource, named with a number Google assigns. */
    const numbered = (collection: string) => {
      const full = `projects/${i.project}/${collection}/${BigInt(`0x${shortId(name)}`)}`;
      return { id: full, name: full };
    };
    const grantsOn = IAM_TARGET[type];
    if (grantsOn) {
      required(at, i, grantsOn, 'role', 'member');
      if (!MEMBER.test(String(i.member))) throw new Error(`${at}: bad member ${i.member}`);
      // The provider's ID: what is granted on, the role and the member, space-delimited (the
      // import sections of @pulumi/gcp's IAM member types): it does not depend on Pulumi's name.
      const target = String(i[grantsOn]);
      const on = type === 'gcp:storage/bucketIAMMember:BucketIAMMember' ? `b/${target}` : target;
      return { etag: `BwY${shortId(name)}`, id: `${on} ${i.role} ${i.member}` };
    }
    switch (type) {
      case 'pulumi:providers:gcp':
        return {};
      case 'time:index/sleep:Sleep':
        if (!GO_DURATION.test(String(i.createDuration))) {
          throw new Error(`Sleep (${name}) needs a Go duration, got ${String(i.createDuration)}`);
        }
        return { id: '2026-11-28T00:00:00Z' };
      case 'gcp:projects/service:Service':
        return { id: `${i.project}/${i.service}` };
      case 'gcp:iam/workloadIdentityPool:WorkloadIdentityPool':
      case 'gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider': {
        const keys = ['workloadIdentityPoolId'];
        if (type.endsWith('Provider')) keys.push('workloadIdentityPoolProviderId');
        required(at, i, 'project', ...keys);
        const ids = keys.map((key) => String(i[key]));
        const bad = ids.find((id) => !POOL_ID.test(id));
        if (bad) throw new Error(`${at}: ${bad} is not 4-32 of [a-z0-9-] without gcp-`);
        const path = (project: string) =>
          `projects/${project}/locations/global/workloadIdentityPools/${ids.join('/providers/')}`;
        // `name` has the project's number (iam/workloadIdentityPool.d.ts).
        return { id: path(i.project), name: path(fakeProjectNumber(i.project)) };
      }
      case 'gcp:kms/keyRing:KeyRing':
        required(at, i, 'project', 'location', 'name');
        return { id: `projects/${i.project}/locations/${i.location}/keyRings/${i.name}` };
      case 'gcp:kms/cryptoKey:CryptoKey': {
        required(at, i, 'keyRing', 'name');
        // Seconds, "greater than a day (ie, 86400)" (kms/cryptoKey.d.ts, rotationPeriod).
        const rotation = /^(\d+(\.\d{1,9})?)s$/.exec(String(i.rotationPeriod));
        if (i.rotationPeriod !== undefined && !(Number(rotation?.[1]) > 86400)) {
          throw new Error(
            `${at}: rotationPeriod must be seconds above a day, got ${i.rotationPeriod}`,
          );
        }
        return { id: `${i.keyRing}/cryptoKeys/${i.name}` };
      }
      case 'gcp:projects/serviceIdentity:ServiceIdentity': {
        if (this.options.serviceIdentityWithoutEmail) return { email: '', member: '' };
        const prefix = { 'dialogflow.googleapis.com': 'gcp-sa-dialogflow' }[i.service as string];
        if (!prefix) throw new Error(`FakeGcp does not know the service agent of ${i.service}`);
        const email = `service-${fakeProjectNumber(i.project)}@${prefix}.iam.gserviceaccount.com`;
        return { email, member: `serviceAccount:${email}` };
      }
      case 'gcp:serviceaccount/account:Account': {
        const email = `${i.accountId}@${i.project}.iam.gserviceaccount.com`;
        const id = `projects/${i.project}/serviceAccounts/${email}`;
        return { id, email, member: `serviceAccount:${email}`, name: id };
      }
      case 'gcp:storage/bucket:Bucket':
        return {
          id: i.name,
          url: `gs://${i.name}`,
          selfLink: `https://www.googleapis.com/storage/v1/b/${i.name}`,
        };
      case 'gcp:storage/bucketObject:BucketObject':
        return {
          id: `${i.bucket}-${i.name}`,
          generation: 1764201600000000,
          mediaLink: `https://storage.googleapis.com/${i.bucket}/${i.name}`,
        };
      case 'gcp:secretmanager/secret:Secret': {
        const full = `projects/${fakeProjectNumber(i.project)}/secrets/${i.secretId}`;
        return { id: `projects/${i.project}/secrets/${i.secretId}`, name: full };
      }
      case 'gcp:secretmanager/secretVersion:SecretVersion': {
        const secret = String(i.secret).replace(
          /^projects\/([^/]+)\//,
          (_m, p: string) => `projects/${fakeProjectNumber(p)}/`,
        );
        return { id: `${secret}/versions/1`, name: `${secret}/versions/1`, version: '1' };
      }
      case 'gcp:cloudrunv2/service:Service': {
        const legacy = `https://${i.name}-${shortId(`${i.project}/${i.name}`)}-uc.a.run.app`;
        return {
          id: `projects/${i.project}/locations/${i.location}/services/${i.name}`,
          uri: legacy,
          urls: [`https://${i.name}-${fakeProjectNumber(i.project)}.${i.location}.run.app`, legacy],
        };
      }
      case 'gcp:cloudfunctionsv2/function:Function': {
        const buildAccount = i.buildConfig?.serviceAccount as string | undefined;
        if (buildAccount && !/^projects\/[^/]+\/serviceAccounts\/[^/]+@/.test(buildAccount)) {
          throw new Error(`${at}: buildConfig.serviceAccount must be a full name`);
        }
        const service = `projects/${i.project}/locations/${i.location}/services/${i.name}`;
        return {
          id: `projects/${i.project}/locations/${i.location}/functions/${i.name}`,
          url: `https://${i.location}-${i.project}.cloudfunctions.net/${i.name}`,
          serviceConfig: {
            ...i.serviceConfig,
            // The quirk modelled: the underlying service's name missing, its URL still reported.
            ...(this.options.functionWithoutServiceReport ? {} : { service }),
            uri: `https://${i.name}-${shortId(service)}-uc.a.run.app`,
          },
        };
      }
      case 'gcp:diagflow/cxAgent:CxAgent': {
        const id = uuid(`${i.project}/${i.displayName}`);
        return cx('agents', `projects/${i.project}/locations/${i.location}`, id);
      }
      case 'gcp:diagflow/cxWebhook:CxWebhook':
        required(at, i, 'displayName');
        return cx('webhooks', agentParent(at, i.parent));
      case 'gcp:diagflow/cxFlow:CxFlow': {
        const agent = agentParent(at, i.parent);
        required(at, i, 'displayName');
        // isDefaultStartFlow adopts the flow every agent has, rather than creating one.
        const flow = cx('flows', agent, i.isDefaultStartFlow ? DEFAULT_START_FLOW : undefined);
        checkFlowBody(i, agent, flow.id, at);
        return flow;
      }
      case 'gcp:diagflow/cxPage:CxPage': {
        const flow = String(i.parent);
        const agent = agentOfFlow(flow);
        if (!agent) throw new Error(`${at} needs a flow name as parent, got ${flow}`);
        required(at, i, 'displayName');
        checkPage(i, agent, flow, at);
        return cx('pages', flow);
      }
      case 'gcp:diagflow/cxIntent:CxIntent': {
        const agent = agentParent(at, i.parent);
        required(at, i, 'displayName');
        for (const phrase of (i.trainingPhrases ?? []) as Inputs[]) {
          if (!Array.isArray(phrase.parts) || phrase.parts.some((p: Inputs) => !p.text)) {
            throw new Error(`${at}: each training phrase needs parts with text`);
          }
        }
        return cx('intents', agent);
      }
      case 'gcp:diagflow/cxTestCase:CxTestCase': {
        const agent = agentParent(at, i.parent);
        checkTestCase(i, agent, at);
        return cx('testCases', agent);
      }
      case 'gcp:monitoring/notificationChannel:NotificationChannel':
        return numbered('notificationChannels');
      case 'gcp:monitoring/alertPolicy:AlertPolicy':
        return numbered('alertPolicies');
      case 'gcp:logging/metric:Metric':
        return { id: i.name };
      case 'gcp:monitoring/dashboard:Dashboard':
        return { id: `projects/${fakeProjectNumber(i.project)}/dashboards/${uuid(name)}` };
      default:
        throw new Error(`FakeGcp has no model for ${type} (${name}); add one before using it`);
    }
  }
}
