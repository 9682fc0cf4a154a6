import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type * as pulumi from '@pulumi/pulumi';
import { readStackConfig } from '../../infra/plan/stackConfig';
import { BOOTSTRAP_DIR, fixtureStack } from '../helpers/infra';

// Runs the bootstrap program offline under Pulumi's mocks with a fixture stack's config (or a
// committed stack file's), recording every resource (inputs, provider, and whether it is protected).

export { BOOTSTRAP_DIR };
const NAMESPACE = 'cx-webhook-kit-bootstrap';

// Mock inputs are whatever the program sent; each model reads the fields its type has.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
type Inputs = Record<string, any>;

export interface BootstrapResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Inputs;
  readonly provider?: string;
  readonly protect: boolean;
  /**
   * `type::name` of each resource it waits for: its explicit dependsOn and inputs' sources, and its
   * ancestors' (the SDK registers a child only after its parent, and a component only after what it
   * depends on; test/infra/components/dependsOn.test.ts).
   */
  readonly dependsOn: string[];
}

export interface BootstrapRun {
  readonly resources: BootstrapResource[];
  readonly outputs: Record<string, any>;
}

const projectNumber = (project: string) =>
  `1${BigInt(`0x${createHash('sha256').update(project).digest('hex').slice(0, 12)}`)
    .toString()
    .padStart(11, '0')
    .slice(-11)}`;

/** What Google Cloud answers for the bootstrap's resources; unknown types are refused. */
function outputs(type: string, i: Inputs): Inputs {
  switch (type) {
    case 'pulumi:providers:gcp':
    case 'gcp:projects/service:Service':
    case 'gcp:projects/iAMMember:IAMMember':
    case 'gcp:serviceaccount/iAMMember:IAMMember':
    case 'gcp:storage/bucketIAMMember:BucketIAMMember':
    case 'gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember':
    case 'time:index/sleep:Sleep':
      return {};
    case 'gcp:iam/workloadIdentityPool:WorkloadIdentityPool':
      return {
        name: `projects/${projectNumber(i.project)}/locations/global/workloadIdentityPools/${i.workloadIdentityPoolId}`,
      };
    case 'gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider':
      return {
        name: `projects/${projectNumber(i.project)}/locations/global/workloadIdentityPools/${i.workloadIdentityPoolId}/providers/${i.workloadIdentityPoolProviderId}`,
      };
    case 'gcp:serviceaccount/account:Account': {
      const email = `${i.accountId}@${i.project}.iam.gserviceaccount.com`;
      return {
        email,
        member: `serviceAccount:${email}`,
        name: `projects/${i.project}/serviceAccounts/${email}`,
      };
    }
    case 'gcp:storage/bucket:Bucket':
      return { id: i.name, url: `gs://${i.name}` };
    case 'gcp:kms/keyRing:KeyRing':
      return { id: `projects/${i.project}/locations/${i.location}/keyRings/${i.name}` };
    case 'gcp:kms/cryptoKey:CryptoKey':
      return { id: `${i.keyRing}/cryptoKeys/${i.name}` };
    default:
      throw new Error(`no model for ${type}`);
  }
}

/**
 * Runs bootstrap/index.ts for a fixture stack (test/fixtures/stacks/bootstrap) or a committed one,
 * with overrides of its config (`null` removes a key).
 */
export async function runBootstrap(
  stack: string,
  overrides: Record<string, string | null> = {},
  source: 'fixture' | 'committed' = 'fixture',
): Promise<BootstrapRun> {
  const { config } =
    source === 'committed'
      ? readStackConfig(stack, BOOTSTRAP_DIR)
      : fixtureStack(stack, 'bootstrap');
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete config[`${NAMESPACE}:${key}`];
    else config[`${NAMESPACE}:${key}`] = value;
  }
  const resources: BootstrapResource[] = [];
  const protectedUrns = new Set<string>();
  const dependencies = new Map<string, string[]>();
  const parents = new Map<string, string>();
  let result: Record<string, any> = {};
  await jest.isolateModulesAsync(async () => {
    const sdk = require('@pulumi/pulumi') as typeof pulumi;
    sdk.runtime.setAllConfig(config);
    await sdk.runtime.setMocks(
      {
        newResource: (args) => {
          if (!args.custom) return { id: undefined, state: {} };
          const state = { ...args.inputs, ...outputs(args.type, args.inputs) };
          resources.push({
            type: args.type,
            name: args.name,
            inputs: args.inputs,
            provider: args.provider,
            protect: false,
            dependsOn: [],
          });
          return { id: (state.id as string | undefined) ?? `${args.name}-id`, state };
        },
        call: (args) => {
          throw new Error(`unmocked invoke ${args.token}`);
        },
      },
      NAMESPACE,
      stack,
      false,
    );
    // Mocks do not see resource options; the monitor's request carries `protect`. Components
    // register their outputs last: count them, so the run ends only when all have landed.
    const monitor = sdk.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    let components = 0;
    let outputsLanded = 0;
    monitor.registerResource = (req: any, callback: unknown) => {
      if (req.getProtect()) protectedUrns.add(`${req.getType()}::${req.getName()}`);
      const typeName = (urn: string) => {
        const [, , types, name] = urn.split('::');
        return `${types.split('$').at(-1)}::${name}`;
      };
      const self = `${req.getType()}::${req.getName()}`;
      dependencies.set(self, (req.getDependenciesList() as string[]).map(typeName));
      if (req.getParent()) parents.set(self, typeName(req.getParent() as string));
      if (!req.getCustom()) components++;
      return register(req, callback);
    };
    monitor.registerResourceOutputs = (req: any, callback: (...a: unknown[]) => void) =>
      registerOutputs(req, (...a: unknown[]) => {
        outputsLanded++;
        callback(...a);
      });
    const program = require(join(BOOTSTRAP_DIR, 'index')) as Record<string, unknown>;
    result = await new Promise((resolve) =>
      sdk.all(program).apply((values) => resolve(values as Record<string, any>)),
    );
    for (const started = Date.now(); outputsLanded < components;) {
      if (Date.now() - started > 30_000) throw new Error('component outputs never registered');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
  const waits = (self: string | undefined): string[] =>
    self === undefined ? [] : [...(dependencies.get(self) ?? []), ...waits(parents.get(self))];
  return {
    resources: resources.map((r) => ({
      ...r,
      protect: protectedUrns.has(`${r.type}::${r.name}`),
      dependsOn: [...new Set(waits(`${r.type}::${r.name}`))],
    })),
    outputs: result,
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
