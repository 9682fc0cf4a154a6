import * as pulumi from '@pulumi/pulumi';
import { join } from 'node:path';
import { FakeGcp, type FakeGcpOptions } from './fakeGcp';

// Runs the real Pulumi program offline under mocks and records what it asks the engine for: every
// resource with its inputs, provider, parent and dependencies, and every invoke. Tests assert on
// the record; `npm run plan` prints it. Only the SDK's public API is used: the program runs in a
// stack as the language host runs it (`runInPulumiStack`), a stack transformation sees each
// resource's options and inputs as the program wrote them, `serializeResourceProperties` turns the
// inputs into what the engine receives (and names the resources they come from), and the mocks tell
// which provider each resource got.

// How Pulumi marks a secret on the wire: { [SIG_KEY]: SECRET_SIG, value }.
const { specialSigKey: SIG_KEY, specialSecretSig: SECRET_SIG } = pulumi.runtime;
/** Whether `v` is a secret in that wire form. */
export const isSecret = (v: unknown): v is { value: unknown } =>
  (v as Record<string, unknown> | null)?.[SIG_KEY] === SECRET_SIG;

export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly parent?: string;
  /** The provider reference, `urn::id`. */
  readonly provider?: string;
  /** Inputs with secrets unwrapped. */
  readonly inputs: Record<string, unknown>;
  /** Inputs as sent, secrets still wrapped in Pulumi's secret marker. */
  readonly rawInputs: Record<string, unknown>;
  /** URNs of the resources this one waits for (explicit dependsOn and the inputs' sources). */
  readonly dependencies: readonly string[];
  readonly options: ResourceOptionsRecord;
}

/** The resource options that change what `pulumi up`/`destroy` may do, where set. */
type ResourceOptionsRecord = Pick<
  pulumi.CustomResourceOptions,
  'protect' | 'retainOnDelete' | 'deleteBeforeReplace' | 'ignoreChanges' | 'replaceOnChanges'
> & {
  /** The URN of the resource whose deletion this one goes with. */
  deletedWith?: string;
  /** The ID of an existing resource to adopt. */
  import?: string;
};

export interface ProgramRun {
  readonly resources: RecordedResource[];
  readonly invokes: { token: string; args: Record<string, unknown>; provider?: string }[];
  readonly outputs: Record<string, unknown>;
}

export interface RunOptions {
  readonly stack: string;
  /** The Pulumi project (Pulumi.yaml's `name`), cx-webhook-kit unless given. */
  readonly project?: string;
  /** Config as the engine passes it: `<project>:key` → value. */
  readonly config: Record<string, string>;
  readonly secretKeys?: readonly string[];
  readonly fakeGcp?: FakeGcpOptions;
  /** The program's entry module. */
  readonly program?: string;
  /**
   * Called for each resource as the program constructs it, with the run's own SDK (the one the
   * program loaded), for tests that compute more from what the stack transformation sees.
   */
  readonly onConstructed?: (args: pulumi.ResourceTransformationArgs, sdk: typeof pulumi) => void;
}

/** Turns Pulumi's wire form into plain values, keeping secrets as the marker or unwrapping them. */
function decode(value: unknown, unwrapSecrets: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => decode(v, unwrapSecrets));
  if (!value || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  if (isSecret(obj)) {
    const inner = decode(obj.value, unwrapSecrets);
    return unwrapSecrets ? inner : { [SIG_KEY]: SECRET_SIG, value: inner };
  }
  // Keys in code-point order, as the engine's protobuf Struct holds them.
  return Object.fromEntries(
    Object.keys(obj)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((k) => [k, decode(obj[k], unwrapSecrets)]),
  );
}

/** A resource as the program constructed it, seen by the stack transformation. */
type Constructed = pulumi.ResourceTransformationArgs & { opts: pulumi.CustomResourceOptions };

/**
 * The engine leaves the root stack out of its children's URNs (a URN names the parent's type only
 * below the stack); the mock monitor puts it in. Recorded URNs are the engine's.
 */
const engineUrn = (urn: string) => urn.replace('::pulumi:pulumi:Stack$', '::');
const urnOf = (r: pulumi.Resource) =>
  new Promise<string>((resolve) => r.urn.apply((urn) => resolve(engineUrn(urn))));

/** The resources a `dependsOn` option names, however it was given (one, a list, an output). */
async function explicitDependencies(sdk: typeof pulumi, on: unknown): Promise<pulumi.Resource[]> {
  if (!on) return [];
  if (Array.isArray(on)) {
    return (await Promise.all(on.map((d) => explicitDependencies(sdk, d)))).flat();
  }
  if (on instanceof Promise) return explicitDependencies(sdk, await on);
  if (sdk.Output.isInstance(on)) {
    const value = await new Promise<unknown>((resolve) => on.apply(resolve));
    return [...(await explicitDependencies(sdk, value)), ...(await sdk.getAllResources(on))];
  }
  return [on as pulumi.Resource];
}

/**
 * Runs the program once. Loads @pulumi/pulumi afresh from the caller's module registry, so tests
 * wrap it in `jest.isolateModulesAsync`; a CLI calls it once per process.
 */
export async function runProgram(options: RunOptions): Promise<ProgramRun> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('@pulumi/pulumi') as typeof pulumi;
  const fake = new FakeGcp(options.fakeGcp);
  const invokes: ProgramRun['invokes'] = [];
  /** The provider reference the mock monitor resolved for each registration, by type and name. */
  const providers = new Map<string, string | undefined>();
  const constructed: Constructed[] = [];

  sdk.runtime.setAllConfig(options.config, [...(options.secretKeys ?? [])]);
  const provider = (ref: string | undefined) => (ref ? engineUrn(ref) : undefined);
  await sdk.runtime.setMocks(
    {
      call: (args) => {
        const { token, inputs } = args;
        invokes.push({
          token,
          args: inputs as Record<string, unknown>,
          provider: provider(args.provider),
        });
        return fake.call(args);
      },
      newResource: (args) => {
        providers.set(`${args.type}::${args.name}`, provider(args.provider));
        return fake.newResource(args);
      },
    },
    options.project ?? 'cx-webhook-kit',
    options.stack,
    false,
  );

  // A program that throws (bad config) fails the run; thrown inside the stack it would also reject
  // promises nobody awaits, which the language host handles and a plain process does not.
  let thrown: { error: unknown } | undefined;
  const exported = await sdk.runtime.runInPulumiStack(() => {
    sdk.runtime.registerStackTransformation((args) => {
      if (constructed.some((c) => c.type === args.type && c.name === args.name)) {
        throw new Error(
          `two resources ${args.type} "${args.name}": the plan cannot tell them apart`,
        );
      }
      constructed.push(args);
      options.onConstructed?.(args, sdk);
      return undefined;
    });
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return Promise.resolve(require(options.program ?? join(__dirname, '..', 'index')));
    } catch (error) {
      thrown = { error };
      return Promise.resolve({});
    }
  });
  if (thrown) throw thrown.error;
  // An output exported as undefined is not a stack output at all.
  const outputs = Object.fromEntries(
    Object.entries(exported as Record<string, unknown>).filter(([, v]) => v !== undefined),
  );

  // Resources may be constructed inside callbacks; wait until every one has its URN.
  const urns = new Map<pulumi.Resource, string>();
  for (let known = -1; known !== constructed.length;) {
    known = constructed.length;
    for (const c of constructed)
      if (!urns.has(c.resource)) urns.set(c.resource, await urnOf(c.resource));
  }
  const stack = sdk.runtime.getStackResource();
  if (stack) urns.set(stack, await urnOf(stack));

  const byResource = new Map(constructed.map((c) => [c.resource, c]));
  const parentOf = (c: Constructed) => c.opts.parent ?? stack;
  const children = new Map<pulumi.Resource | undefined, Constructed[]>();
  for (const c of constructed) children.set(parentOf(c), [...(children.get(parentOf(c)) ?? []), c]);
  // The SDK's rule for what a dependency on a component means: its custom resources, reached
  // through nested components; never the dependent itself or its own children.
  const expand = (r: pulumi.Resource, self: pulumi.Resource, out: Set<string>) => {
    if (r === self) return;
    if (sdk.CustomResource.isInstance(r)) out.add(urns.get(r) as string);
    else for (const child of children.get(r) ?? []) expand(child.resource, self, out);
  };
  // `protect` is inherited from the parent unless set (pulumi.ResourceOptions.protect).
  const protectOf = (c: Constructed | undefined): boolean | undefined =>
    c && (c.opts.protect ?? protectOf(byResource.get(parentOf(c) as pulumi.Resource)));

  const resources: RecordedResource[] = [];
  for (const c of constructed) {
    const [wire, sources] = await sdk.runtime.serializeResourceProperties(
      `${c.type} "${c.name}"`,
      c.props,
    );
    const dependencies = new Set<string>();
    const direct = await explicitDependencies(sdk, c.opts.dependsOn);
    for (const d of [...direct, ...[...sources.values()].flatMap((s) => [...s])]) {
      expand(d, c.resource, dependencies);
    }
    const { retainOnDelete, deleteBeforeReplace, ignoreChanges, replaceOnChanges } = c.opts;
    const recorded: ResourceOptionsRecord = {
      protect: protectOf(c) || undefined,
      retainOnDelete: retainOnDelete || undefined,
      deleteBeforeReplace: deleteBeforeReplace || undefined,
      ignoreChanges: ignoreChanges?.length ? ignoreChanges : undefined,
      replaceOnChanges: replaceOnChanges?.length ? replaceOnChanges : undefined,
      deletedWith: c.opts.deletedWith && (await urnOf(c.opts.deletedWith)),
      import: c.opts.import || undefined,
    };
    const parent = parentOf(c);
    const raw = JSON.parse(JSON.stringify(wire)) as Record<string, unknown>;
    resources.push({
      urn: urns.get(c.resource) as string,
      type: c.type,
      name: c.name,
      // Known once constructed: the SDK marks a custom resource after the transformations ran.
      custom: sdk.CustomResource.isInstance(c.resource),
      // A resource right under the stack has no parent here: the plan groups by component.
      parent: parent && parent !== stack ? urns.get(parent) : undefined,
      provider: providers.get(`${c.type}::${c.name}`),
      inputs: decode(raw, true) as Record<string, unknown>,
      rawInputs: decode(raw, false) as Record<string, unknown>,
      dependencies: [...dependencies],
      options: Object.fromEntries(Object.entries(recorded).filter(([, v]) => v !== undefined)),
    });
  }
  return { resources, invokes, outputs };
}
